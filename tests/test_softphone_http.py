"""The loopback HTTP endpoint: the generic CTI format, its token, and every way to get it wrong."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest

from cx_tui.softphone import cti_http
from cx_tui.softphone.cti_http import CtiHttpError, CtiHttpServer
from cx_tui.softphone.events import CallEvent, CallKind, Direction

TOKEN = "s3cret-token-for-tests-0123456789"
HERO = "+14155550132"
NEW_CALL = {
    "event": "newCall",
    "from": "14155550132",
    "to": "4921199999999",
    "direction": "in",
    "callId": "123456",
}


@pytest.fixture
async def endpoint() -> AsyncIterator[tuple[CtiHttpServer, list[CallEvent]]]:
    events: list[CallEvent] = []
    server = CtiHttpServer(0, TOKEN, events.append, default_region="US")
    await server.start()
    try:
        yield server, events
    finally:
        await server.stop()


class Response:
    def __init__(self, raw: bytes) -> None:
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split(" ")[1])
        self.headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines[1:])
        }
        self.json: dict[str, Any] = json.loads(body) if body else {}


async def raw_request(port: int, data: bytes) -> Response:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    raw = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    return Response(raw)


def request(
    body: bytes | str = b"",
    *,
    method: str = "POST",
    path: str = "/cti",
    headers: dict[str, str] | None = None,
    token: str | None = TOKEN,
    content_type: str | None = "application/x-www-form-urlencoded",
) -> bytes:
    data = body.encode() if isinstance(body, str) else body
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if token is not None:
        lines.append(f"Authorization: Bearer {token}")
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines.append(f"Content-Length: {len(data)}")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


async def post(port: int, fields: dict[str, Any], **kwargs: Any) -> Response:
    return await raw_request(port, request(urlencode(fields, doseq=True), **kwargs))


async def still_serving(server: CtiHttpServer, events: list[CallEvent]) -> None:
    """A valid event right after: delivered, so the bad request disturbed nothing."""
    before = len(events)
    response = await post(server.port, NEW_CALL)
    assert (response.status, response.json) == (200, {"ok": True})
    assert len(events) == before + 1 and events[-1].number == HERO


# --- the happy paths -------------------------------------------------------------------------


async def test_a_form_encoded_newcall_becomes_a_ring(
    endpoint: tuple[CtiHttpServer, list[CallEvent]],
) -> None:
    server, events = endpoint
    response = await post(server.port, {**NEW_CALL, "user[]": ["Alice", "Bob"]})
    assert (response.status, response.json) == (200, {"ok": True})
    assert response.headers["content-type"] == "application/json"
    assert response.headers["connection"] == "close"
    [event] = events
    assert (event.kind, event.number, event.direction) == (CallKind.RING, HERO, Direction.INBOUND)
    assert (event.call_id, event.user, event.source) == ("123456", "Alice, Bob", "http")


async def test_a_json_answer_and_hangup(endpoint: tuple[CtiHttpServer, list[CallEvent]]) -> None:
    server, events = endpoint
    for body in (
        {"event": "answer", "callId": "123456", "user": "Alice", "from": "14155550132"},
        {"event": "hangup", "callId": "123456", "cause": "normalClearing"},
    ):
        data = json.dumps(body)
        response = await raw_request(
            server.port, request(data, content_type="application/json; charset=utf-8")
        )
        assert response.status == 200, response.json
    assert [(e.kind, e.call_id) for e in events] == [
        (CallKind.ANSWER, "123456"),
        (CallKind.HANGUP, "123456"),
    ]
    assert events[1].cause == "normalClearing"


async def test_outbound_newcall_looks_up_the_called_number(
    endpoint: tuple[CtiHttpServer, list[CallEvent]],
) -> None:
    server, events = endpoint
    fields = {"event": "newCall", "from": "100", "to": "+1 415 555 0132", "direction": "out"}
    assert (await post(server.port, fields)).status == 200
    assert (events[0].number, events[0].direction) == (HERO, Direction.OUTBOUND)


@pytest.mark.parametrize(
    ("headers", "path", "token"),
    [
        ({"X-CX-Token": TOKEN}, "/cti", None),
        ({}, f"/cti?token={TOKEN}", None),
        ({"Authorization": f"bearer   {TOKEN}"}, "/cti", None),
    ],
)
async def test_the_token_may_come_in_x_cx_token_or_the_query(
    endpoint: tuple[CtiHttpServer, list[CallEvent]],
    headers: dict[str, str],
    path: str,
    token: str | None,
) -> None:
    server, events = endpoint
    response = await post(server.port, NEW_CALL, headers=headers, path=path, token=token)
    assert response.status == 200
    assert len(events) == 1


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "headers", "path"),
    [
        (None, {}, "/cti"),
        ("wrong-token-wrong-token-wrong", {}, "/cti"),
        (TOKEN[:-1], {}, "/cti"),
        (None, {"X-CX-Token": "nope"}, "/cti"),
        (None, {}, "/cti?token=nope"),
        (None, {"Authorization": f"Basic {TOKEN}"}, "/cti"),
    ],
)
async def test_no_or_a_wrong_token_is_401_and_delivers_nothing(
    endpoint: tuple[CtiHttpServer, list[CallEvent]],
    token: str | None,
    headers: dict[str, str],
    path: str,
) -> None:
    server, events = endpoint
    response = await post(server.port, NEW_CALL, token=token, headers=headers, path=path)
    assert response.status == 401
    assert response.json["ok"] is False and "token" in response.json["error"]
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert TOKEN not in json.dumps(response.json)
    assert events == []
    await still_serving(server, events)


@pytest.mark.parametrize(
    ("data", "status", "fragment"),
    [
        (request("event=newCall&from=12&to=1"), 400, "not a valid phone number"),
        (request("from=14155550132"), 400, "missing field: event"),
        (request("event=newCall&to=1"), 400, "missing field: from"),
        (request("{not json", content_type="application/json"), 400, "not valid JSON"),
        (request("[1, 2]", content_type="application/json"), 400, "must be an object"),
        (request(b"event=\xff\xfe", content_type=None), 400, "not UTF-8"),
        (request("a=b", content_type="text/plain"), 415, "form-urlencoded or application/json"),
        (request("&".join(f"k{i}=v" for i in range(100))), 400, "too many form fields"),
        (request(NEW_CALL["callId"], path="/elsewhere"), 404, "POST /cti"),
        (request("", method="GET"), 405, "POST"),
        (b"GARBAGE\r\n\r\n", 400, "malformed request line"),
        (b"POST /cti HTTP/1.1\r\nno colon here\r\n\r\n", 400, "malformed header"),
        (
            b"POST /cti HTTP/1.1\r\nAuthorization: Bearer " + TOKEN.encode() + b"\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            411,
            "Content-Length",
        ),
        (
            b"POST /cti HTTP/1.1\r\nAuthorization: Bearer " + TOKEN.encode() + b"\r\n\r\n",
            411,
            "Content-Length",
        ),
        (request("x", headers={"Host": "evil.example"}), 403, "Host header"),
        (b"POST /cti HTTP/1.1\r\nX-Long: " + b"a" * 9000 + b"\r\n\r\n", 431, "headers longer"),
    ],
)
async def test_malformed_requests_get_a_json_error_and_disturb_nothing(
    endpoint: tuple[CtiHttpServer, list[CallEvent]], data: bytes, status: int, fragment: str
) -> None:
    server, events = endpoint
    response = await raw_request(server.port, data)
    assert response.status == status, response.json
    assert response.json["ok"] is False and fragment in response.json["error"]
    assert events == []
    await still_serving(server, events)


async def test_wrong_method_says_which_is_allowed(
    endpoint: tuple[CtiHttpServer, list[CallEvent]],
) -> None:
    server, _ = endpoint
    response = await raw_request(server.port, request("", method="PUT"))
    assert (response.status, response.headers["allow"]) == (405, "POST")


async def test_a_body_over_16_kib_is_413_before_it_is_read(
    endpoint: tuple[CtiHttpServer, list[CallEvent]],
) -> None:
    server, events = endpoint
    body = "event=newCall&from=14155550132&pad=" + "x" * 20_000
    response = await raw_request(server.port, request(body))
    assert response.status == 413 and "limit is 16,384" in response.json["error"]
    # A client that only announces a huge body gets the answer without sending it.
    announced = (
        b"POST /cti HTTP/1.1\r\nAuthorization: Bearer " + TOKEN.encode() + b"\r\n"
        b"Content-Length: 999999999\r\n\r\n"
    )
    assert (await raw_request(server.port, announced)).status == 413
    assert events == []
    await still_serving(server, events)


async def test_an_unauthenticated_huge_body_is_refused_for_the_token_first(
    endpoint: tuple[CtiHttpServer, list[CallEvent]],
) -> None:
    server, _ = endpoint
    response = await raw_request(server.port, request("x" * 20_000, token=None))
    assert response.status == 401


async def test_a_slow_client_gets_408_and_others_are_served_meanwhile(
    endpoint: tuple[CtiHttpServer, list[CallEvent]], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, events = endpoint
    monkeypatch.setattr(cti_http, "REQUEST_TIMEOUT", 0.5)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"POST /cti HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and then nothing
    await writer.drain()
    await still_serving(server, events)  # served while the slow one waits
    raw = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    assert Response(raw).status == 408


async def test_a_non_loopback_peer_is_refused_with_403(
    endpoint: tuple[CtiHttpServer, list[CallEvent]],
) -> None:
    server, events = endpoint

    class RemoteWriter:
        """What asyncio would hand over for a peer on the LAN (the socket is bound to
        127.0.0.1, so only a misconfiguration could produce one)."""

        def __init__(self) -> None:
            self.data = b""

        def get_extra_info(self, name: str) -> Any:
            return ("192.0.2.10", 50000) if name == "peername" else None

        def write(self, data: bytes) -> None:
            self.data += data

        async def drain(self) -> None:
            return None

        def close(self) -> None:
            return None

        async def wait_closed(self) -> None:
            return None

    reader = asyncio.StreamReader()
    reader.feed_data(request("event=newCall&from=14155550132"))
    reader.feed_eof()
    writer = RemoteWriter()
    await server.handle_connection(reader, writer)  # type: ignore[arg-type]
    response = Response(writer.data)
    assert response.status == 403 and "loopback" in response.json["error"]
    assert events == []


async def test_a_failing_handler_is_500_and_the_endpoint_carries_on() -> None:
    calls: list[CallEvent] = []

    def handler(event: CallEvent) -> None:
        calls.append(event)
        if len(calls) == 1:
            raise RuntimeError("the UI fell over")

    server = CtiHttpServer(0, TOKEN, handler)
    await server.start()
    try:
        first = await post(server.port, NEW_CALL)
        assert first.status == 500 and "failed to handle" in first.json["error"]
        assert (await post(server.port, NEW_CALL)).status == 200
    finally:
        await server.stop()


async def test_a_burst_of_50_newcalls_is_all_delivered(
    endpoint: tuple[CtiHttpServer, list[CallEvent]],
) -> None:
    server, events = endpoint
    responses = await asyncio.gather(
        *(post(server.port, {**NEW_CALL, "callId": f"c-{i}"}) for i in range(50))
    )
    assert [r.status for r in responses] == [200] * 50
    assert sorted(e.call_id or "" for e in events) == sorted(f"c-{i}" for i in range(50))


async def test_a_taken_port_is_a_readable_error(
    endpoint: tuple[CtiHttpServer, list[CallEvent]],
) -> None:
    server, _ = endpoint
    with pytest.raises(CtiHttpError, match=f"cannot listen on 127.0.0.1:{server.port}"):
        await CtiHttpServer(server.port, TOKEN, lambda _e: None).start()


def test_the_token_never_shows_in_repr() -> None:
    server = CtiHttpServer(8765, TOKEN, lambda _e: None)
    assert TOKEN not in repr(server) and TOKEN not in str(vars(server))
    assert server.url == "http://127.0.0.1:8765/cti"
