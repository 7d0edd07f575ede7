"""contrib/baresip_bridge.py against a fake baresip ctrl_tcp on 127.0.0.1 and a real socket.

The fake sends events in the shape baresip's ctrl_tcp module emits: netstring-framed JSON
objects with event, class, type, accountaor, direction, peeruri, id and param.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from cx_tui.softphone.control import ControlServer
from cx_tui.softphone.events import CallEvent, CallKind, Direction
from tests.test_softphone_control import runtime  # noqa: F401 - a fixture

REPO = Path(__file__).resolve().parent.parent


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "baresip_bridge", REPO / "contrib" / "baresip_bridge.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bridge = _load()


def event(kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "event": True,
        "type": kind,
        "class": "call",
        "accountaor": "sip:1001@pbx.example",
        "direction": "incoming",
        "peeruri": "sip:+14155550132@pbx.example",
        "peerdisplayname": "Maria Gonzalez",
        "id": "687ec2b9-9427-4c15-b30e-dba29b99fdca",
        **extra,
    }


def netstring(obj: dict[str, Any]) -> bytes:
    data = json.dumps(obj).encode()
    return str(len(data)).encode() + b":" + data + b","


def test_call_events_map_to_socket_messages() -> None:
    assert bridge.to_message(event("CALL_INCOMING", param="sip:+14155550132@pbx")) == {
        "event": "ring",
        "number": "sip:+14155550132@pbx.example",
        "call_id": "687ec2b9-9427-4c15-b30e-dba29b99fdca",
        "direction": "inbound",
        "line": "sip:1001@pbx.example",
    }
    closed = bridge.to_message(event("CALL_CLOSED", param="Connection reset by user"))
    assert closed is not None and (closed["event"], closed["cause"]) == (
        "hangup",
        "Connection reset by user",
    )
    assert bridge.to_message({**event("REGISTER_OK"), "class": "register"}) is None
    assert bridge.to_message({"response": True, "ok": True}) is None


def test_netstrings_split_across_reads() -> None:
    reader = bridge.NetstringReader()
    data = netstring({"a": 1}) + netstring({"b": 2})
    assert reader.feed(data[:5]) == []
    assert [json.loads(item) for item in reader.feed(data[5:])] == [{"a": 1}, {"b": 2}]
    with pytest.raises(ValueError, match="netstring"):
        bridge.NetstringReader().feed(b"HTTP/1.1 200 OK\r\n")


@pytest.fixture
async def app(runtime: str) -> AsyncIterator[list[CallEvent]]:  # noqa: F811
    events: list[CallEvent] = []
    server = ControlServer(on_event=events.append, default_region="US")
    await server.start()
    try:
        yield events
    finally:
        await server.stop()


async def test_the_bridge_follows_a_whole_call(app: list[CallEvent]) -> None:
    frames = [
        {"event": True, "class": "register", "type": "REGISTER_OK", "param": "200 OK"},
        event("CALL_INCOMING"),
        event("CALL_ESTABLISHED"),
        event("CALL_CLOSED", param="Connection reset by user"),
    ]

    async def serve(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        payload = b"".join(netstring(frame) for frame in frames)
        writer.write(payload[:37])  # split mid-frame, as TCP may
        await writer.drain()
        writer.write(payload[37:])
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = int(server.sockets[0].getsockname()[1])
    try:
        code = await asyncio.to_thread(bridge.run, "127.0.0.1", port, once=True)
    finally:
        server.close()
        await server.wait_closed()
    assert code == 0
    assert [e.kind for e in app] == [CallKind.RING, CallKind.ANSWER, CallKind.HANGUP]
    assert (app[0].number, app[0].direction) == ("+14155550132", Direction.INBOUND)
    assert app[2].cause == "Connection reset by user"
