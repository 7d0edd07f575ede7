"""contrib/asterisk_ami_bridge.py against a fake AMI on 127.0.0.1 and the real HTTP endpoint.

The fake speaks AMI as documented: a banner line, `Key: Value` blocks ending in a blank line,
the Login action answered by `Response: Success`, then DialBegin / DialEnd / Hangup events with
the documented fields.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import pytest

from cx_tui.softphone.cti_http import CtiHttpServer
from cx_tui.softphone.events import CallEvent, CallKind, Direction

REPO = Path(__file__).resolve().parent.parent
TOKEN = "bridge-token-0123456789abcdef"
AMI_SECRET = "ami-secret-do-not-print"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "asterisk_ami_bridge", REPO / "contrib" / "asterisk_ami_bridge.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bridge = _load()


def block(**fields: str) -> bytes:
    return "".join(f"{k}: {v}\r\n" for k, v in fields.items()).encode() + b"\r\n"


INBOUND_BEGIN = {
    "Event": "DialBegin",
    "Privilege": "call,all",
    "Channel": "PJSIP/trunk-00000041",
    "ChannelStateDesc": "Ring",
    "CallerIDNum": "+14155550132",
    "CallerIDName": "Maria Gonzalez",
    "Uniqueid": "1700000000.100",
    "Linkedid": "1700000000.100",
    "DestChannel": "PJSIP/1001-00000042",
    "DestChannelStateDesc": "Down",
    "DestCallerIDNum": "1001",
    "DestConnectedLineNum": "+14155550132",
    "DestExten": "1001",
    "DestUniqueid": "1700000000.101",
    "DestLinkedid": "1700000000.100",
    "DialString": "1001",
}
INBOUND_ANSWER = {
    "Event": "DialEnd",
    "Channel": "PJSIP/trunk-00000041",
    "Uniqueid": "1700000000.100",
    "DestChannel": "PJSIP/1001-00000042",
    "DestUniqueid": "1700000000.101",
    "DialStatus": "ANSWER",
}
INBOUND_HANGUP = {
    "Event": "Hangup",
    "Channel": "PJSIP/1001-00000042",
    "Uniqueid": "1700000000.101",
    "Cause": "16",
    "Cause-txt": "Normal Clearing",
}
OTHER_AGENT = {**INBOUND_BEGIN, "DestChannel": "PJSIP/1002-00000050", "DestUniqueid": "9.9"}


# --- the mapping ---------------------------------------------------------------------------


def test_an_inbound_call_to_the_agent_is_newcall_answer_hangup() -> None:
    tracker = bridge.CallTracker(["PJSIP/1001"])
    posted = [
        fields
        for message in (OTHER_AGENT, INBOUND_BEGIN, INBOUND_BEGIN, INBOUND_ANSWER, INBOUND_HANGUP)
        for fields in tracker.handle(message)
    ]
    assert posted == [
        {
            "event": "newCall",
            "direction": "in",
            "from": "+14155550132",
            "to": "1001",
            "callId": "1700000000.101",
        },
        {
            "event": "answer",
            "direction": "in",
            "from": "+14155550132",
            "to": "1001",
            "callId": "1700000000.101",
        },
        {
            "event": "hangup",
            "direction": "in",
            "from": "+14155550132",
            "to": "1001",
            "callId": "1700000000.101",
            "cause": "normalClearing",
        },
    ]
    assert tracker.calls == {}


def test_an_outbound_call_from_the_agent_uses_the_dialled_number() -> None:
    tracker = bridge.CallTracker(["pjsip/1001"])
    begin = {
        "Event": "DialBegin",
        "Channel": "PJSIP/1001-00000060",
        "CallerIDNum": "1001",
        "Exten": "14155550132",
        "Uniqueid": "1700000001.1",
        "DestChannel": "PJSIP/trunk-00000061",
        "DestCallerIDNum": "14155550132",
        "DestUniqueid": "1700000001.2",
    }
    [new_call] = tracker.handle(begin)
    assert (new_call["direction"], new_call["to"], new_call["callId"]) == (
        "out",
        "14155550132",
        "1700000001.1",
    )
    busy = {"Event": "Hangup", "Uniqueid": "1700000001.1", "Cause": "17"}
    assert tracker.handle(busy)[0]["cause"] == "busy"


def test_a_caller_who_gives_up_before_the_answer_is_a_cancel() -> None:
    tracker = bridge.CallTracker(["PJSIP/1001"])
    tracker.handle(INBOUND_BEGIN)
    no_answer = {**INBOUND_ANSWER, "DialStatus": "CANCEL"}
    assert tracker.handle(no_answer) == []
    assert tracker.handle(INBOUND_HANGUP)[0]["cause"] == "cancel"


def test_the_tracker_forgets_the_oldest_calls_beyond_its_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bridge, "MAX_FOLLOWED", 3)
    tracker = bridge.CallTracker(["PJSIP/1001"])
    for index in range(5):
        tracker.handle({**INBOUND_BEGIN, "DestUniqueid": f"id-{index}"})
    assert list(tracker.calls) == ["id-2", "id-3", "id-4"]


# --- end to end ----------------------------------------------------------------------------


class FakeAmi:
    def __init__(self, events: list[dict[str, str]], *, accept: bool = True) -> None:
        self.events = events
        self.accept = accept
        self.login: dict[str, str] = {}
        self.server: asyncio.AbstractServer | None = None
        self.port = 0

    async def __aenter__(self) -> FakeAmi:
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", 0)
        self.port = int(self.server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        raw = await reader.readuntil(b"\r\n\r\n")
        self.login = dict(
            line.split(": ", 1) for line in raw.decode().strip().split("\r\n") if ": " in line
        )
        if not self.accept:
            writer.write(block(Response="Error", Message="Authentication failed"))
        else:
            writer.write(block(Response="Success", Message="Authentication accepted"))
            writer.write(block(Event="FullyBooted", Privilege="system,all", Status="Fully Booted"))
            for event in self.events:
                writer.write(block(**event))
        await writer.drain()
        writer.close()


@pytest.fixture
async def endpoint() -> AsyncIterator[tuple[CtiHttpServer, list[CallEvent]]]:
    events: list[CallEvent] = []
    server = CtiHttpServer(0, TOKEN, events.append, default_region="US")
    await server.start()
    try:
        yield server, events
    finally:
        await server.stop()


async def test_the_bridge_posts_a_whole_call_to_cx_tui(
    endpoint: tuple[CtiHttpServer, list[CallEvent]],
) -> None:
    server, events = endpoint
    async with FakeAmi([OTHER_AGENT, INBOUND_BEGIN, INBOUND_ANSWER, INBOUND_HANGUP]) as ami:
        code = await asyncio.to_thread(
            bridge.run,
            "127.0.0.1",
            ami.port,
            "cxtui",
            AMI_SECRET,
            ["PJSIP/1001"],
            bridge.http_poster(server.url, TOKEN),
            once=True,
        )
    assert code == 0
    assert ami.login == {
        "Action": "Login",
        "Username": "cxtui",
        "Secret": AMI_SECRET,
        "Events": "call",
    }
    assert [(e.kind, e.call_id) for e in events] == [
        (CallKind.RING, "1700000000.101"),
        (CallKind.ANSWER, "1700000000.101"),
        (CallKind.HANGUP, "1700000000.101"),
    ]
    assert (events[0].number, events[0].direction) == ("+14155550132", Direction.INBOUND)
    assert events[2].cause == "normalClearing"


async def test_a_refused_login_exits_2_without_printing_the_secret(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with FakeAmi([], accept=False) as ami:
        code = await asyncio.to_thread(
            bridge.run,
            "127.0.0.1",
            ami.port,
            "cxtui",
            AMI_SECRET,
            ["PJSIP/1001"],
            lambda _fields: pytest.fail("nothing to post"),
            once=True,
        )
    err = capsys.readouterr().err
    assert code == 2 and "login refused" in err and AMI_SECRET not in err


async def test_a_wrong_token_is_logged_and_the_bridge_carries_on(
    endpoint: tuple[CtiHttpServer, list[CallEvent]], capsys: pytest.CaptureFixture[str]
) -> None:
    server, events = endpoint
    async with FakeAmi([INBOUND_BEGIN, INBOUND_HANGUP]) as ami:
        code = await asyncio.to_thread(
            bridge.run,
            "127.0.0.1",
            ami.port,
            "cxtui",
            AMI_SECRET,
            ["PJSIP/1001"],
            bridge.http_poster(server.url, "not-the-token"),
            once=True,
        )
    err = capsys.readouterr().err
    assert code == 0 and events == []
    assert err.count("cx-tui refused") == 2 and "(401)" in err


def test_secrets_come_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AMI_SECRET", raising=False)
    assert bridge.main(["--ami-user", "cxtui", "--endpoint", "PJSIP/1001"]) == 2
    assert "AMI_SECRET" in capsys.readouterr().err
