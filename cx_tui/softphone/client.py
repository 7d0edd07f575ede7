"""`cx-tui ring | answer | hangup | open-uri`: one JSON line to the running app, one line back.

A softphone runs these from its "on incoming call" hook and often waits for them (MicroSIP
waits up to 10 s), so they must return at once whatever happens:

- connecting and the reply share one deadline (`TIMEOUT`, 1 s); nothing here can hang; a
  connection the app's queue has no room for yet, or one the app shed unread to make room
  (a flood), is tried again until that deadline;
- the socket's directory must be ours alone (`runtime.check_runtime_dir`): an event is never
  sent to a socket another user could have put there;
- with no app running they say so and exit 1;
- the app validates the number (it has `phonenumbers` and the configured region loaded); when
  it refuses, its message is printed and the exit code is 2.

`cx_tui.cli.main` dispatches these subcommands before it imports anything heavy. This module
therefore imports only small standard modules at the top: no asyncio, no Textual, no
phonenumbers, no config. Keep it that way (bench/ring.py measures it).

Exit codes: 0 delivered; 1 cx-tui is not running or did not answer in time; 2 a usage error or
the app refused the event (the message says why).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time

from cx_tui.softphone import MAX_LINE_BYTES, PROTOCOL_VERSION
from cx_tui.softphone.runtime import RuntimeDirError, check_runtime_dir, socket_path

TYPE_CHECKING = False  # typing's own, without importing typing: 2 ms on every ring (issue 16)
if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping, Sequence
    from typing import Any

TIMEOUT = 1.0
"""Seconds for connecting and getting the reply, together."""

EXIT_OK = 0
EXIT_NOT_RUNNING = 1
EXIT_REFUSED = 2


class ClientError(Exception):
    """The event was not delivered. `exit_code` is what the command exits with."""

    exit_code = EXIT_NOT_RUNNING


class NotRunningError(ClientError):
    """No app is listening on the control socket."""


class NoReplyError(ClientError):
    """The app did not answer in time, or answered something unreadable."""


class RefusedError(ClientError):
    """The app refused the event; the message is the app's."""

    exit_code = EXIT_REFUSED


def not_running_message(path: str) -> str:
    return f"cx-tui is not running (no control socket at {path})"


def send(
    message: Mapping[str, Any], path: str | None = None, *, timeout: float = TIMEOUT
) -> dict[str, Any]:
    """Deliver one message to the running app and return its reply.

    Args:
        message: The event, e.g. `{"event": "ring", "number": "+14155550132"}`; `v` is added.
        path: The control socket (default: `runtime.socket_path()`).
        timeout: Seconds for connecting and the reply together.

    Returns:
        The reply object (`{"ok": true, ...}`).

    Raises:
        NotRunningError: nothing listens there.
        NoReplyError: no reply in time, or an unreadable one.
        RefusedError: the app answered `ok: false`; the message is its `error`.
    """
    target = socket_path() if path is None else path
    line = json.dumps({"v": PROTOCOL_VERSION, **message}, separators=(",", ":")) + "\n"
    data = line.encode("utf-8")
    if len(data) > MAX_LINE_BYTES:
        raise RefusedError(f"the event is {len(data):,} bytes; the limit is {MAX_LINE_BYTES:,}")
    family = getattr(socket, "AF_UNIX", None)
    if family is None:  # pragma: no cover - Windows
        raise NotRunningError(
            "the control socket needs a Unix system; on Windows post events to the app's "
            "HTTP endpoint instead (README: Beside the softphone)"
        )
    deadline = time.monotonic() + timeout
    try:
        check_runtime_dir(os.path.dirname(target))
    except RuntimeDirError as error:
        raise NotRunningError(f"cx-tui is not running there: {error}") from None
    while True:
        reply = _reply(_exchange(family, target, data, deadline, timeout))
        # Shed unread to make room during a flood ("retry": the line was never read).
        if reply.get("retry") is not True or time.monotonic() >= deadline:
            return _check(reply)


def _exchange(family: int, target: str, data: bytes, deadline: float, timeout: float) -> bytes:
    """One connection: send the line, read the reply line."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        try:
            _connect(sock, target, deadline)
        except (FileNotFoundError, NotADirectoryError):
            raise NotRunningError(not_running_message(target)) from None
        except ConnectionRefusedError:
            raise NotRunningError(
                f"cx-tui is not running (a stale control socket at {target}; the next start "
                "removes it)"
            ) from None
        except TimeoutError:
            raise NoReplyError(
                f"cx-tui did not accept the connection within {timeout:g} s ({target})"
            ) from None
        except OSError as exc:
            raise NotRunningError(
                f"cannot reach cx-tui at {target} ({exc.strerror or type(exc).__name__})"
            ) from None
        try:
            sock.sendall(data)
            raw = _read_line(sock, deadline)
        except TimeoutError:
            raise NoReplyError(f"cx-tui did not answer within {timeout:g} s ({target})") from None
        except OSError as exc:
            raise NoReplyError(
                f"the connection to cx-tui broke ({exc.strerror or type(exc).__name__})"
            ) from None
    finally:
        sock.close()
    return raw


def _time_left(sock: socket.socket, deadline: float) -> float:
    """Give the socket's next call what is left until `deadline`; TimeoutError when nothing."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    sock.settimeout(remaining)
    return remaining


def _connect(sock: socket.socket, target: str, deadline: float) -> None:
    """Connect before `deadline`, waiting for room while a flood fills the app's queue.

    With a timeout set, a Unix socket whose queue is full refuses at once (EAGAIN). On Linux a
    blocking connect instead waits in the kernel and is woken as soon as the app accepts one,
    instead of polling against the flood; SO_SNDTIMEO bounds that wait by the deadline.
    Where the system refuses anyway (EAGAIN), try again until the deadline.
    """
    pause = 0.002
    while True:
        timeval = _timeval(_time_left(sock, deadline))
        if timeval is not None:
            sock.settimeout(None)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)
        try:
            sock.connect(target)
            return
        except BlockingIOError:
            time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(pause * 2, 0.02)


def _timeval(seconds: float) -> bytes | None:
    """A `struct timeval` for SO_SNDTIMEO on 64-bit Linux (two native longs), else None.
    (Built by hand: importing `struct` would cost every ring a module.)"""
    if not sys.platform.startswith("linux") or sys.maxsize <= 2**32:
        return None
    whole = int(seconds)
    micros = min(999_999, int((seconds - whole) * 1_000_000) + 1)
    return whole.to_bytes(8, sys.byteorder) + micros.to_bytes(8, sys.byteorder)


def _read_line(sock: socket.socket, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        _time_left(sock, deadline)
        chunk = sock.recv(MAX_LINE_BYTES)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if b"\n" in chunk or size > MAX_LINE_BYTES:
            break
    return b"".join(chunks).split(b"\n", 1)[0]


def _reply(raw: bytes) -> dict[str, Any]:
    if not raw:
        raise NoReplyError("cx-tui closed the connection without answering")
    try:
        reply = json.loads(raw)
    except ValueError:
        raise NoReplyError("cx-tui answered something that is not JSON") from None
    if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
        raise NoReplyError("cx-tui answered without an ok field")
    return reply


def _check(reply: dict[str, Any]) -> dict[str, Any]:
    if not reply["ok"]:
        error = reply.get("error")
        raise RefusedError(str(error) if error else "cx-tui refused the event")
    return reply


# --- The subcommands -------------------------------------------------------------------------


def add_commands(commands: Any, common: argparse.ArgumentParser, **parser_options: Any) -> None:
    """Add ring, answer, hangup, open-uri and install-handler to a subparsers action.

    `parser_options` go to every `add_parser` (the fast path passes its `formatter_class`).
    """

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = commands.add_parser(
            name, parents=[common], help=help_text, **parser_options
        )
        return parser

    ring = command(
        "ring", "tell the running app a call is ringing (for a softphone's incoming-call hook)"
    )
    ring.add_argument("number", metavar="NUMBER", help="the caller's number, a tel: or sip: URI")
    ring.add_argument(
        "--direction",
        choices=("inbound", "outbound"),
        default="inbound",
        help="inbound (default): NUMBER is calling; outbound: the agent is calling NUMBER",
    )
    for name, words in (("answer", "was answered"), ("hangup", "ended")):
        sub = command(name, f"tell the running app the call {words}")
        sub.add_argument(
            "number", metavar="NUMBER", nargs="?", help="the other party's number (optional)"
        )
    for sub in (ring, *(commands.choices[name] for name in ("answer", "hangup"))):
        sub.add_argument("--call-id", metavar="ID", help="the softphone's id for this call")
        sub.add_argument("--line", metavar="NAME", help="the line or queue the call is on")
    commands.choices["hangup"].add_argument(
        "--cause", metavar="TEXT", help="why the call ended (e.g. normalClearing, busy)"
    )
    open_uri = command(
        "open-uri", "look up the number of a tel: or callto: link in the running app"
    )
    open_uri.add_argument("uri", metavar="URI", help="e.g. tel:+14155550132")
    command(
        "install-handler", "make cx-tui the desktop's handler for tel: and callto: links (xdg-mime)"
    )


def _message(args: argparse.Namespace) -> dict[str, Any]:
    message: dict[str, Any] = {"event": args.command}
    if args.number:
        message["number"] = args.number
    for key in ("call_id", "line", "cause", "direction"):
        value = getattr(args, key, None)
        if value:
            message[key] = value
    return message


def run(args: argparse.Namespace, *, path: str | None = None) -> int:
    """Run one of the softphone subcommands; returns the exit code."""
    if args.command == "install-handler":
        return _install_handler()
    if args.command == "open-uri":
        from cx_tui.softphone.handler import UriError, parse_tel_uri

        try:
            number, extension = parse_tel_uri(args.uri)
        except UriError as error:
            _error(str(error))
            return EXIT_REFUSED
        message: dict[str, Any] = {"event": "lookup", "number": number}
        if extension:
            message["extension"] = extension
    else:
        message = _message(args)
    try:
        send(message, path)
    except NotRunningError as error:
        sys.stderr.write(f"{error}\n")
        return error.exit_code
    except ClientError as error:
        _error(str(error))
        return error.exit_code
    return EXIT_OK


def _install_handler() -> int:
    from cx_tui.softphone.handler import install_handler

    if sys.platform in ("darwin", "win32"):
        _error(
            "install-handler writes a freedesktop.org desktop entry (Linux and BSD desktops); "
            "on this system register `cx-tui open-uri <link>` as the tel: handler by hand"
        )
        return EXIT_REFUSED
    try:
        result = install_handler()
    except OSError as exc:
        _error(f"cannot write the desktop entry ({exc.strerror or exc})")
        return EXIT_REFUSED
    sys.stdout.write(f"Wrote {result.path}\n{result.message}\n")
    return EXIT_OK if result.registered else EXIT_NOT_RUNNING


def _error(message: str) -> None:
    sys.stderr.write(f"cx-tui: {message}\n")


def _formatter(prog: str) -> argparse.HelpFormatter:
    """argparse's formatter with its width given, so argparse never imports shutil (which
    pulls in zlib, bz2 and lzma: ~3 ms on every ring)."""
    import argparse

    try:
        columns = os.get_terminal_size(sys.__stderr__.fileno() if sys.__stderr__ else 2).columns
    except (OSError, ValueError):
        columns = 80
    return argparse.HelpFormatter(prog, width=max(columns - 2, 40))


def main(argv: Sequence[str]) -> int:
    """The fast path of `cx-tui ring ...`: parse only these subcommands, then send."""
    import argparse

    common = argparse.ArgumentParser(add_help=False, formatter_class=_formatter)
    # Accepted (and ignored) so a hook written as `cx-tui ring N --config X` still works.
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="ignored")
    parser = argparse.ArgumentParser(prog="cx-tui", parents=[common], formatter_class=_formatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_commands(commands, common, formatter_class=_formatter)
    args = parser.parse_args(list(argv))
    return run(args)
