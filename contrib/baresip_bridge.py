#!/usr/bin/env python3
"""baresip -> cx-tui: follow baresip's ctrl_tcp events and tell the running app.

baresip has no "run a command on incoming call" setting; its documented way to let another
program follow calls is the `ctrl_tcp` module, which sends every event as a netstring-framed
JSON object (`{"event":true,"class":"call","type":"CALL_INCOMING","peeruri":"sip:...",
"id":"...","direction":"incoming","param":"..."}`). Enable it in ~/.baresip/config:

    module_app      ctrl_tcp.so
    ctrl_tcp_listen 127.0.0.1:4444

then run this with cx-tui's Python (it uses cx-tui's control-socket client):

    ~/.local/share/cx-tui-venv/bin/python contrib/baresip_bridge.py   # or .venv/bin/python

Mapping: CALL_INCOMING -> ring (inbound), CALL_OUTGOING -> ring (outbound),
CALL_ESTABLISHED -> answer, CALL_CLOSED -> hangup (cause = baresip's reason). The number is the
SIP URI's user part (`sip:+14155550132@pbx` -> +14155550132); cx-tui validates it.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time
from typing import Any

from cx_tui.softphone.client import ClientError, send

MAX_NETSTRING = 1_000_000

_EVENTS = {
    "CALL_INCOMING": ("ring", "inbound"),
    "CALL_OUTGOING": ("ring", "outbound"),
    "CALL_ESTABLISHED": ("answer", None),
    "CALL_CLOSED": ("hangup", None),
}


def log(text: str) -> None:
    sys.stderr.write(f"baresip-bridge: {text}\n")
    sys.stderr.flush()


def to_message(event: dict[str, Any]) -> dict[str, Any] | None:
    """The control-socket message for one baresip event, or None when it is not a call event."""
    if event.get("class") != "call" or not event.get("event"):
        return None
    mapped = _EVENTS.get(str(event.get("type", "")))
    if mapped is None:
        return None
    kind, direction = mapped
    message: dict[str, Any] = {"event": kind}
    peer = event.get("peeruri")
    if isinstance(peer, str) and peer:
        message["number"] = peer
    if event.get("id"):
        message["call_id"] = str(event["id"])
    if direction is None:
        direction = {"incoming": "inbound", "outgoing": "outbound"}.get(
            str(event.get("direction", ""))
        )
    if direction:
        message["direction"] = direction
    if kind == "hangup" and event.get("param"):
        message["cause"] = str(event["param"])[:128]
    aor = event.get("accountaor")
    if isinstance(aor, str) and aor:
        message["line"] = aor[:128]
    return message


class NetstringReader:
    """Splits a byte stream into netstrings (`LENGTH:DATA,`)."""

    def __init__(self) -> None:
        self.buffer = b""

    def feed(self, data: bytes) -> list[bytes]:
        self.buffer += data
        items: list[bytes] = []
        while True:
            length_text, colon, rest = self.buffer.partition(b":")
            if not colon:
                if len(self.buffer) > 12:
                    raise ValueError("not a netstring stream")
                return items
            if not length_text.isdigit() or int(length_text) > MAX_NETSTRING:
                raise ValueError("not a netstring stream")
            length = int(length_text)
            if len(rest) < length + 1:
                return items
            if rest[length : length + 1] != b",":
                raise ValueError("a netstring without its closing comma")
            items.append(rest[:length])
            self.buffer = rest[length + 1 :]


def run(host: str, port: int, *, once: bool = False, socket_path: str | None = None) -> int:
    delay = 1.0
    while True:
        try:
            with socket.create_connection((host, port), timeout=10) as connection:
                connection.settimeout(None)
                log(f"following baresip at {host}:{port}")
                delay = 1.0
                reader = NetstringReader()
                while True:
                    data = connection.recv(65536)
                    if not data:
                        raise ConnectionError("baresip closed the connection")
                    for item in reader.feed(data):
                        deliver(item, socket_path)
        except ValueError as error:
            log(f"{host}:{port} does not speak ctrl_tcp ({error})")
            return 2
        except OSError as error:
            log(f"connection to baresip lost ({error})")
            if once:
                return 0
        time.sleep(delay)
        delay = min(delay * 2, 30.0)


def deliver(item: bytes, socket_path: str | None) -> None:
    try:
        event = json.loads(item)
    except ValueError:
        return
    message = to_message(event) if isinstance(event, dict) else None
    if message is None:
        return
    try:
        send(message, socket_path)
    except ClientError as error:
        log(f"cx-tui did not take the {message['event']}: {error}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4444)
    parser.add_argument("--once", action="store_true", help="exit when baresip disconnects")
    args = parser.parse_args(argv)
    try:
        return run(args.host, args.port, once=args.once)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
