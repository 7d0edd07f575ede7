"""The loopback HTTP endpoint for PBX bridges: `POST http://127.0.0.1:PORT/cti`.

It accepts the generic CTI event format many PBX bridges already emit (the newCall / answer /
hangup push format), form-encoded or JSON, and turns each request into a `CallEvent`
(`events.event_from_cti`). It is a deliberately small HTTP/1.1 server on asyncio streams: one
request per connection, `Connection: close`, no keep-alive, no chunked bodies.

Checks, in order, each answered with a JSON body `{"ok": false, "error": "..."}`:

| Status | When |
|---|---|
| 403 | the peer is not a loopback address, or the Host header names another host |
| 400 | a malformed request line, header or body; a bad or missing field |
| 431 | headers over 8 KiB |
| 404 | a path other than `/cti` |
| 405 | a method other than POST (`Allow: POST`) |
| 401 | no token, or a wrong one (compared in constant time); `WWW-Authenticate: Bearer` |
| 411 | no Content-Length (chunked bodies are not accepted) |
| 413 | a body over 16 KiB (refused before it is read) |
| 415 | a Content-Type other than form-encoded or JSON |
| 408 | the request took more than 1 s to arrive |
| 503 | the connection was shed to make room for a newer one while it sent nothing whole |
| 500 | the app failed to handle a valid event |

The token goes in `Authorization: Bearer TOKEN`, in `X-CX-Token: TOKEN`, or, for bridges that
can only be given a URL, in the query (`/cti?token=TOKEN`; that puts it in the bridge's logs,
so prefer a header). Every connection is handled in its own task with its own deadline, so a
slow or broken client never holds up the app or another client; and a flood of idle or slow
connections never turns a valid one away: `gate.Gate` keeps at most `MAX_CONNECTIONS` and, to
admit another, sheds the one that has waited longest for its request (every peer is
127.0.0.1, so there is no per-peer cap here).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import json
import socket
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from cx_tui.softphone.events import CallEvent, EventError, event_from_cti
from cx_tui.softphone.gate import SHED_MESSAGE, Gate, Seat, cannot_listen, open_door

if TYPE_CHECKING:
    from collections.abc import Callable

LOOPBACK = "127.0.0.1"
PATH = "/cti"
MAX_HEADER_BYTES = 8 * 1024
MAX_BODY_BYTES = 16 * 1024
REQUEST_TIMEOUT = 1.0
"""Seconds a client gets to send its whole request."""
MAX_CONNECTIONS = 128
"""Connections served at once; one more sheds the longest-idle (see `gate.Gate`)."""
MAX_FORM_FIELDS = 64
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
_MULTI_FIELDS = frozenset({"user", "user[]"})


class CtiHttpError(Exception):
    """The endpoint cannot listen; the message says why."""


class _Token:
    """The shared secret, with a repr that never shows it (locals in tracebacks, debuggers)."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value.encode("utf-8")

    def __repr__(self) -> str:
        return "<token redacted>"

    def matches(self, presented: str) -> bool:
        return hmac.compare_digest(presented.encode("utf-8"), self.value)


class _Reject(Exception):
    def __init__(
        self, status: HTTPStatus, error: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.headers = headers or {}
        self.body_read = False
        """True when the request was read whole (nothing left to discard)."""


def _is_loopback(peer: object) -> bool:
    if not isinstance(peer, tuple) or not peer:
        return False
    try:
        return ipaddress.ip_address(str(peer[0]).split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _host_name(value: str) -> str:
    value = value.strip().lower()
    if value.startswith("["):
        return value.split("]", 1)[0] + "]"
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class CtiHttpServer:
    """Serves `POST /cti` on 127.0.0.1 inside the app's event loop.

    Args:
        port: TCP port on 127.0.0.1 (0 picks a free one; see `port` after `start`).
        token: The shared secret clients must present. Never logged or echoed.
        on_event: Called with each valid event, in the event loop's thread.
        default_region: Region for numbers without `+`.
    """

    def __init__(
        self,
        port: int,
        token: str,
        on_event: Callable[[CallEvent], None],
        *,
        default_region: str | None = None,
    ) -> None:
        if not token:
            raise ValueError("the HTTP endpoint needs a token")
        self.port = port
        self._token = _Token(token)
        self.on_event = on_event
        self.default_region = default_region
        self._server: asyncio.AbstractServer | None = None
        self._gate = Gate(MAX_CONNECTIONS, farewell=_farewell)

    def __repr__(self) -> str:  # never show the token
        return f"CtiHttpServer(port={self.port})"

    @property
    def shed_count(self) -> int:
        """Connections closed to make room for newer ones (a flood of slow clients)."""
        return self._gate.shed_count

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}{PATH}"

    async def start(self) -> None:
        """Listen on 127.0.0.1.

        Raises:
            CtiHttpError: the port is taken or cannot be bound.
        """
        if self._server is not None:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((LOOPBACK, self.port))
            sock.setblocking(False)
            self._server = await open_door(
                asyncio.start_server, self.handle_connection, sock, MAX_HEADER_BYTES
            )
        except OSError as exc:
            sock.close()
            where = f"{LOOPBACK}:{self.port}"
            raise CtiHttpError(
                f"{cannot_listen(where, exc)}; choose another [softphone] http_port"
            ) from None
        sockets = self._server.sockets
        if sockets:
            self.port = int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        server, self._server = self._server, None
        await self._gate.close_door(server)

    # --- one connection ------------------------------------------------------------------------

    async def handle_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Answer one request on this connection, then close it."""
        await self._gate.serve(writer, lambda seat: self._answer(reader, writer, seat))

    async def _answer(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seat: Seat
    ) -> None:
        consumed = True
        headers: dict[str, str] = {}
        if not _is_loopback(writer.get_extra_info("peername")):
            status = HTTPStatus.FORBIDDEN
            body = _error("only local (loopback) clients may post events")
        else:
            try:
                status, body = await asyncio.wait_for(self._request(reader, seat), REQUEST_TIMEOUT)
            except _Reject as reject:
                status, body, headers = reject.status, _error(reject.error), reject.headers
                consumed = reject.body_read
            except TimeoutError:
                status = HTTPStatus.REQUEST_TIMEOUT
                body = _error(f"the request took longer than {REQUEST_TIMEOUT:g} s")
                consumed = False
        seat.working()
        await self._respond(writer, status, body, headers)
        if not consumed:
            # Half-close first so the client sees the whole answer, then swallow what it is
            # still sending: closing with unread data would reset the connection instead.
            seat.waiting()  # nothing more to do for it: the first to go if room is needed
            if writer.can_write_eof():
                writer.write_eof()
            await _discard(reader)

    async def _request(
        self, reader: asyncio.StreamReader, seat: Seat
    ) -> tuple[HTTPStatus, dict[str, Any]]:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            raise _Reject(
                HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                f"headers longer than {MAX_HEADER_BYTES} bytes",
            ) from None
        except asyncio.IncompleteReadError:
            raise _Reject(HTTPStatus.BAD_REQUEST, "the request ended before its headers") from None
        method, target, headers = _parse_head(head)
        host = headers.get("host")
        if host is not None and _host_name(host) not in _LOCAL_HOSTS:
            raise _Reject(HTTPStatus.FORBIDDEN, "the Host header must name 127.0.0.1 or localhost")
        url = urlsplit(target)
        if url.path != PATH:
            raise _Reject(HTTPStatus.NOT_FOUND, f"no such path; events go to POST {PATH}")
        if method != "POST":
            raise _Reject(
                HTTPStatus.METHOD_NOT_ALLOWED, "events are sent with POST", {"Allow": "POST"}
            )
        self._authenticate(headers, url.query)
        if "transfer-encoding" in headers:
            raise _Reject(HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length")
        length_text = headers.get("content-length")
        if length_text is None:
            raise _Reject(HTTPStatus.LENGTH_REQUIRED, "a Content-Length header is required")
        if not length_text.isdigit():
            raise _Reject(HTTPStatus.BAD_REQUEST, "Content-Length must be a number of bytes")
        length = int(length_text)
        if length > MAX_BODY_BYTES:
            raise _Reject(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the body is {length:,} bytes; the limit is {MAX_BODY_BYTES:,}",
            )
        try:
            body = await reader.readexactly(length)
        except asyncio.IncompleteReadError:
            raise _Reject(
                HTTPStatus.BAD_REQUEST, "the body is shorter than Content-Length"
            ) from None
        try:
            fields = _fields(headers.get("content-type", ""), body)
        except _Reject as reject:
            reject.body_read = True
            raise
        seat.working()
        try:
            event = event_from_cti(fields, default_region=self.default_region)
        except EventError as error:
            return HTTPStatus.BAD_REQUEST, _error(str(error))
        try:
            self.on_event(event)
        except Exception as exc:
            return HTTPStatus.INTERNAL_SERVER_ERROR, _error(
                f"the app failed to handle the event ({type(exc).__name__})"
            )
        reply: dict[str, Any] = {"ok": True}
        if event.warning:
            reply["warning"] = event.warning
        return HTTPStatus.OK, reply

    def _authenticate(self, headers: dict[str, str], query: str) -> None:
        presented: str | None = None
        authorization = headers.get("authorization", "")
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            presented = credentials.strip()
        elif headers.get("x-cx-token", "").strip():
            presented = headers["x-cx-token"].strip()
        else:
            values = parse_qs(query, max_num_fields=MAX_FORM_FIELDS).get("token") if query else None
            presented = values[0] if values else None
        if presented is None or not self._token.matches(presented):
            raise _Reject(
                HTTPStatus.UNAUTHORIZED,
                "a valid token is required (Authorization: Bearer, X-CX-Token, or ?token=)",
                {"WWW-Authenticate": 'Bearer realm="cx-tui"'},
            )

    async def _respond(
        self,
        writer: asyncio.StreamWriter,
        status: HTTPStatus,
        body: dict[str, Any],
        headers: dict[str, str],
    ) -> None:
        writer.write(_response(status, body, headers))
        await asyncio.wait_for(writer.drain(), REQUEST_TIMEOUT)


def _response(status: HTTPStatus, body: dict[str, Any], headers: dict[str, str]) -> bytes:
    payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
    lines = [
        f"HTTP/1.1 {status.value} {status.phrase}",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
        "Cache-Control: no-store",
        "Connection: close",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


def _farewell(writer: asyncio.StreamWriter) -> None:
    """The answer of a connection shed to make room (see `gate.Gate`)."""
    writer.write(_response(HTTPStatus.SERVICE_UNAVAILABLE, _error(SHED_MESSAGE), {}))


def _error(message: str) -> dict[str, Any]:
    return {"ok": False, "error": message}


async def _discard(reader: asyncio.StreamReader, limit: int = 4 * MAX_BODY_BYTES) -> None:
    """Read what the client still sends, briefly, so closing does not reset the connection
    before it has read the answer."""
    with contextlib.suppress(Exception):
        async with asyncio.timeout(0.5):
            while limit > 0:
                chunk = await reader.read(4096)
                if not chunk:
                    return
                limit -= len(chunk)


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1.") or not parts[1].startswith("/"):
        raise _Reject(HTTPStatus.BAD_REQUEST, "malformed request line")
    method, target, _ = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, colon, value = line.partition(":")
        name = name.strip().lower()
        if not colon or not name or name != name.strip() or " " in name:
            raise _Reject(HTTPStatus.BAD_REQUEST, "malformed header line")
        if name in headers and name == "content-length" and headers[name] != value.strip():
            raise _Reject(HTTPStatus.BAD_REQUEST, "conflicting Content-Length headers")
        headers[name] = value.strip()
    return method, target, headers


def _fields(content_type: str, body: bytes) -> dict[str, object]:
    media = content_type.split(";", 1)[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _Reject(HTTPStatus.BAD_REQUEST, "the body is not UTF-8 text") from None
    if media == "application/json":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            raise _Reject(HTTPStatus.BAD_REQUEST, "the body is not valid JSON") from None
        if not isinstance(data, dict):
            raise _Reject(HTTPStatus.BAD_REQUEST, "the JSON body must be an object")
        return data
    if media in ("", "application/x-www-form-urlencoded"):
        try:
            parsed = parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
        except ValueError:
            raise _Reject(HTTPStatus.BAD_REQUEST, "too many form fields") from None
        return {
            key: values if key in _MULTI_FIELDS else values[0] for key, values in parsed.items()
        }
    raise _Reject(
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        "send application/x-www-form-urlencoded or application/json",
    )
