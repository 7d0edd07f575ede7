"""The control socket: round trips, bad input, bursts, one instance per user, permissions."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import stat
import tempfile
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from cx_tui.softphone import client, control
from cx_tui.softphone import runtime as runtime_module
from cx_tui.softphone.control import (
    AlreadyRunningError,
    ControlError,
    ControlServer,
    ensure_single_instance,
)
from cx_tui.softphone.events import CallEvent, CallKind, Direction
from cx_tui.softphone.runtime import runtime_dir, socket_path

HERO = "+14155550132"


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A short private runtime dir (pytest's tmp_path can exceed a socket path's 107 bytes)."""
    base = tempfile.mkdtemp(prefix="cx-", dir="/tmp")
    path = os.path.join(base, "rt")
    monkeypatch.setenv("CX_TUI_RUNTIME_DIR", path)
    try:
        yield path
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
async def server(runtime: str) -> AsyncIterator[tuple[ControlServer, list[CallEvent]]]:
    events: list[CallEvent] = []
    srv = ControlServer(on_event=events.append, default_region="US")
    await srv.start()
    try:
        yield srv, events
    finally:
        await srv.stop()


async def send(message: dict[str, Any], path: str | None = None) -> dict[str, Any]:
    """The real client, off the event loop (it blocks, the server lives in this loop)."""
    return await asyncio.to_thread(client.send, message, path)


async def exchange(path: str, data: bytes, *, close: bool = True) -> list[dict[str, Any]]:
    """Write raw bytes to the socket and read every reply line until the server closes."""
    reader, writer = await asyncio.open_unix_connection(path)
    writer.write(data)
    await writer.drain()
    if close:
        writer.write_eof()
    raw = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


# --- round trips ---------------------------------------------------------------------------


async def test_ring_round_trip_delivers_a_validated_event(
    server: tuple[ControlServer, list[CallEvent]],
) -> None:
    _, events = server
    reply = await send(
        {"event": "ring", "number": "(415) 555-0132", "call_id": "c-1", "line": "Support"}
    )
    assert reply == {"ok": True}
    [event] = events
    assert event.kind is CallKind.RING
    assert event.number == HERO  # national format read in the server's default region
    assert (event.call_id, event.line, event.direction) == ("c-1", "Support", Direction.INBOUND)
    assert event.source == "socket" and event.received_at.tzinfo is not None


async def test_answer_hangup_lookup_and_quit_round_trip(
    server: tuple[ControlServer, list[CallEvent]],
) -> None:
    _, events = server
    for message in (
        {"event": "answer", "call_id": "c-1"},
        {"event": "hangup", "call_id": "c-1", "cause": "normalClearing"},
        {"event": "lookup", "number": "+1 212 555 0100", "extension": "210"},
        {"event": "quit"},
    ):
        assert (await send(message))["ok"] is True
    assert [e.kind for e in events] == [
        CallKind.ANSWER,
        CallKind.HANGUP,
        CallKind.LOOKUP,
        CallKind.QUIT,
    ]
    assert events[1].cause == "normalClearing"
    assert (events[2].number, events[2].extension) == ("+12125550100", "210")


async def test_ping_answers_with_the_pid_and_reaches_no_handler(
    server: tuple[ControlServer, list[CallEvent]],
) -> None:
    _, events = server
    reply = await send({"event": "ping"})
    assert reply["ok"] is True and reply["pid"] == os.getpid()
    assert events == []


async def test_several_messages_on_one_connection_get_one_reply_each(
    server: tuple[ControlServer, list[CallEvent]],
) -> None:
    srv, events = server
    lines = b'{"v":1,"event":"ring","number":"+14155550132"}\n\n{"v":1,"event":"hangup"}\n'
    replies = await exchange(srv.path, lines)
    assert replies == [{"ok": True}, {"ok": True}]
    assert [e.kind for e in events] == [CallKind.RING, CallKind.HANGUP]


async def test_socket_is_0600_in_a_0700_directory(
    server: tuple[ControlServer, list[CallEvent]], runtime: str
) -> None:
    srv, _ = server
    assert srv.path == socket_path() == os.path.join(runtime, "control.sock")
    info = os.stat(srv.path)
    assert stat.S_ISSOCK(info.st_mode)
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert stat.S_IMODE(os.stat(runtime).st_mode) == 0o700


async def test_a_loose_existing_runtime_dir_is_tightened(runtime: str) -> None:
    os.makedirs(runtime, mode=0o755)
    os.chmod(runtime, 0o755)
    srv = ControlServer(on_event=lambda _e: None)
    await srv.start()
    try:
        assert stat.S_IMODE(os.stat(runtime).st_mode) == 0o700
    finally:
        await srv.stop()


# --- bad input -----------------------------------------------------------------------------


BAD_LINES = [
    (b"not json", "not valid JSON"),
    (b"[1, 2]", "expected a JSON object"),
    (b'{"v": 1}', "missing field: event"),
    (b'{"v": 1, "event": "ring"}', "needs a number"),
    (b'{"v": 1, "event": "ring", "number": "12"}', "not a valid phone number"),
    (b'{"v": 1, "event": "ring", "number": "call me"}', "does not belong in a phone number"),
    (b'{"v": 1, "event": "explode"}', "unknown event"),
    (b'{"v": 2, "event": "ring", "number": "+14155550132"}', "protocol version"),
    (b'{"v": 1, "event": 7}', "event must be text"),
    (b'{"v": 1, "event": "ring", "number": "+14155550132", "call_id": "a\\u0007b"}', "control"),
    (b'{"v": 1, "event": "ring", "number": "+14155550132", "line": ["x", {}]}', "line must be"),
    (b'{"v": 1, "event": "ring", "number": "+14155550132", "extension": "ab"}', "extension"),
    (b"\xff\xfe\xfa", "not UTF-8"),
    (b"[" * 3000, "nested too deeply"),
]


@pytest.mark.parametrize(("line", "fragment"), BAD_LINES)
async def test_a_bad_message_is_refused_with_a_reason_and_the_server_carries_on(
    server: tuple[ControlServer, list[CallEvent]], line: bytes, fragment: str
) -> None:
    srv, events = server
    [reply] = await exchange(srv.path, line + b"\n")
    assert reply["ok"] is False
    assert fragment in reply["error"]
    assert events == []
    # Still serving: a valid event right after is delivered.
    assert (await send({"event": "ring", "number": HERO}))["ok"] is True
    assert [e.number for e in events] == [HERO]


async def test_a_line_over_4_kib_is_refused_and_the_connection_closed(
    server: tuple[ControlServer, list[CallEvent]],
) -> None:
    srv, events = server
    huge = b'{"v":1,"event":"ring","number":"' + b"1" * 10_000 + b'"}\n'
    [reply] = await exchange(srv.path, huge, close=False)
    assert reply == {"ok": False, "error": "message longer than 4096 bytes"}
    assert (await send({"event": "ring", "number": HERO}))["ok"] is True
    assert len(events) == 1


async def test_a_line_cut_off_by_the_client_is_still_answered(
    server: tuple[ControlServer, list[CallEvent]],
) -> None:
    srv, events = server
    replies = await exchange(srv.path, b'{"v":1,"event":"ring","number":"+14155550132"}')
    assert replies == [{"ok": True}]
    assert len(events) == 1


async def test_a_hangup_with_an_unreadable_number_is_kept_with_a_warning(
    server: tuple[ControlServer, list[CallEvent]],
) -> None:
    _, events = server
    reply = await send({"event": "hangup", "number": "12", "call_id": "c-9"})
    assert reply["ok"] is True and "number dropped" in reply["warning"]
    assert (events[0].kind, events[0].number, events[0].call_id) == (CallKind.HANGUP, None, "c-9")


async def test_a_failing_handler_is_kept_and_the_server_carries_on(runtime: str) -> None:
    seen: list[CallEvent] = []

    def handler(event: CallEvent) -> None:
        if event.call_id == "boom":
            raise RuntimeError("the UI fell over")
        seen.append(event)

    srv = ControlServer(on_event=handler)
    await srv.start()
    try:
        # Acknowledged once valid, before the app acts on it: the hook is not held up.
        assert (await send({"event": "ring", "number": HERO, "call_id": "boom"}))["ok"] is True
        assert srv.problem is not None and "ring event" in srv.problem
        assert (await send({"event": "ring", "number": HERO, "call_id": "ok"}))["ok"] is True
        assert [e.call_id for e in seen] == ["ok"]
    finally:
        await srv.stop()


async def test_the_reply_goes_out_before_the_app_handles_the_event(runtime: str) -> None:
    """A softphone's hook waits only for validation, never for the app's screen."""
    path = socket_path()
    answered: list[bool] = []

    def handler(event: CallEvent) -> None:
        # The client already has its reply when the app starts on the event.
        probe.setblocking(False)
        try:
            answered.append(probe.recv(64).startswith(b'{"ok":true}'))
        except BlockingIOError:
            answered.append(False)

    srv = ControlServer(path, on_event=handler, default_region="US")
    await srv.start()
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        await asyncio.get_running_loop().sock_connect(probe, path)
        await asyncio.get_running_loop().sock_sendall(
            probe, b'{"v":1,"event":"ring","number":"+14155550132"}\n'
        )
        for _ in range(100):
            if answered:
                break
            await asyncio.sleep(0.01)
        assert answered == [True]
    finally:
        probe.close()
        await srv.stop()


async def test_a_slow_client_does_not_hold_up_others(
    server: tuple[ControlServer, list[CallEvent]],
) -> None:
    srv, events = server
    _, writer = await asyncio.open_unix_connection(srv.path)
    writer.write(b'{"v":1,"event":"ring","num')  # and then nothing
    await writer.drain()
    try:
        assert (await send({"event": "ring", "number": HERO}))["ok"] is True
        assert len(events) == 1
    finally:
        writer.close()


async def test_an_idle_connection_is_closed(
    server: tuple[ControlServer, list[CallEvent]], monkeypatch: pytest.MonkeyPatch
) -> None:
    srv, _ = server
    monkeypatch.setattr(control, "IDLE_TIMEOUT", 0.2)
    reader, writer = await asyncio.open_unix_connection(srv.path)
    try:
        assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the server
    finally:
        writer.close()


# --- bursts --------------------------------------------------------------------------------


def _number(index: int) -> str:
    return f"+1415555{100 + index:04d}"  # +1 415 555 0100 ... 0149, all valid NANP numbers


async def test_a_burst_of_50_rings_is_delivered_in_order_and_the_last_is_the_latest_call(
    server: tuple[ControlServer, list[CallEvent]],
) -> None:
    _, events = server
    for index in range(50):
        reply = await send({"event": "ring", "number": _number(index), "call_id": f"c-{index}"})
        assert reply == {"ok": True}
    assert [e.call_id for e in events] == [f"c-{index}" for index in range(50)]
    assert (events[-1].call_id, events[-1].number) == ("c-49", _number(49))


async def test_50_concurrent_rings_are_all_accepted_and_the_server_stays_responsive(
    server: tuple[ControlServer, list[CallEvent]],
) -> None:
    _, events = server
    replies = await asyncio.gather(
        *(send({"event": "ring", "number": _number(i), "call_id": f"c-{i}"}) for i in range(50))
    )
    assert all(reply == {"ok": True} for reply in replies)
    assert sorted(e.call_id or "" for e in events) == sorted(f"c-{i}" for i in range(50))
    assert (await send({"event": "ping"}))["ok"] is True


# --- one instance per user -----------------------------------------------------------------


async def test_stop_removes_the_socket_and_a_new_server_can_start(runtime: str) -> None:
    first = ControlServer(on_event=lambda _e: None)
    await first.start()
    await first.stop()
    assert not os.path.exists(first.path)
    with pytest.raises(client.NotRunningError, match="is not running"):
        await send({"event": "ring", "number": HERO})
    second = ControlServer(on_event=lambda _e: None)
    await second.start()
    try:
        assert (await send({"event": "ping"}))["ok"] is True
    finally:
        await second.stop()
        await second.stop()  # twice is harmless


async def test_a_stale_socket_from_a_crashed_run_is_cleaned_up(runtime: str) -> None:
    os.makedirs(runtime, mode=0o700)
    path = socket_path()
    crashed = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    crashed.bind(path)  # a run that died without unlinking its socket
    crashed.close()
    assert stat.S_ISSOCK(os.lstat(path).st_mode)
    with pytest.raises(client.NotRunningError, match="stale control socket"):
        await send({"event": "ring", "number": HERO})
    events: list[CallEvent] = []
    srv = ControlServer(on_event=events.append)
    await srv.start()
    try:
        assert (await send({"event": "ring", "number": HERO}))["ok"] is True
        assert len(events) == 1
    finally:
        await srv.stop()


async def test_something_else_at_the_socket_path_is_not_deleted(runtime: str) -> None:
    os.makedirs(runtime, mode=0o700)
    with open(socket_path(), "w") as file:
        file.write("precious")
    with pytest.raises(ControlError, match="is not a socket"):
        await ControlServer(on_event=lambda _e: None).start()
    with open(socket_path()) as file:
        assert file.read() == "precious"


async def test_a_second_instance_is_told_one_is_already_running(
    server: tuple[ControlServer, list[CallEvent]],
) -> None:
    srv, _ = server
    second = ControlServer(on_event=lambda _e: None)
    with pytest.raises(AlreadyRunningError) as caught:
        await second.start()
    assert caught.value.pid == os.getpid()
    assert "already running" in str(caught.value) and "--replace" in str(caught.value)
    assert not second.serving
    # The CLI's check before the screen starts says the same.
    with pytest.raises(AlreadyRunningError, match="already running"):
        await asyncio.to_thread(ensure_single_instance)
    assert (await send({"event": "ping"}))["ok"] is True  # the first one is untouched
    assert srv.serving


async def test_a_listener_without_the_lock_counts_as_running(runtime: str) -> None:
    os.makedirs(runtime, mode=0o700)
    stranger = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stranger.bind(socket_path())
    stranger.listen(1)
    try:
        with pytest.raises(AlreadyRunningError):
            await ControlServer(on_event=lambda _e: None).start()
        assert os.path.exists(socket_path())
    finally:
        stranger.close()


async def test_replace_asks_the_running_app_to_quit_and_takes_over(runtime: str) -> None:
    old_events: list[CallEvent] = []
    old = ControlServer(on_event=lambda e: None)
    stopping: list[asyncio.Task[None]] = []

    def old_handler(event: CallEvent) -> None:
        old_events.append(event)
        if event.kind is CallKind.QUIT:  # what the app does: exit, which stops the server
            stopping.append(asyncio.get_running_loop().create_task(old.stop()))

    old.on_event = old_handler
    await old.start()
    new_events: list[CallEvent] = []
    new = ControlServer(on_event=new_events.append)
    await new.start(replace=True)
    try:
        assert [e.kind for e in old_events] == [CallKind.QUIT]
        assert not old.serving and new.serving
        assert (await send({"event": "ring", "number": HERO}))["ok"] is True
        assert [e.kind for e in new_events] == [CallKind.RING]
    finally:
        await new.stop()
        await asyncio.gather(*stopping)


async def test_replace_gives_up_when_the_running_app_does_not_quit(
    server: tuple[ControlServer, list[CallEvent]],
) -> None:
    _, events = server  # this one ignores quit
    with pytest.raises(AlreadyRunningError, match=r"did not quit within 0\.3 s"):
        await asyncio.to_thread(ensure_single_instance, replace=True, wait=0.3)
    assert [e.kind for e in events] == [CallKind.QUIT]


def test_nothing_running_passes_the_single_instance_check(runtime: str) -> None:
    ensure_single_instance()  # no directory yet
    os.makedirs(runtime, mode=0o700)
    ensure_single_instance(replace=True)  # a directory, no lock holder


# --- where the socket lives ----------------------------------------------------------------


def test_runtime_dir_prefers_the_override_then_a_private_xdg_dir(tmp_path: Any) -> None:
    assert runtime_dir({"CX_TUI_RUNTIME_DIR": "/srv/rt"}) == "/srv/rt"
    xdg = tmp_path / "xdg"
    xdg.mkdir(mode=0o700)
    xdg.chmod(0o700)
    assert runtime_dir({"XDG_RUNTIME_DIR": str(xdg)}) == str(xdg / "cx-tui")


def test_runtime_dir_skips_a_shared_xdg_dir_and_falls_back_to_tmp(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    real = runtime_module._is_private_dir
    # This host's own /run/user/<uid> must not decide the test.
    monkeypatch.setattr(
        runtime_module, "_is_private_dir", lambda p: not p.startswith("/run/user/") and real(p)
    )
    env = {"XDG_RUNTIME_DIR": str(shared), "TMPDIR": str(tmp_path)}
    assert runtime_dir(env) == str(tmp_path / f"cx-tui-{os.getuid()}")


async def test_a_symlinked_runtime_dir_is_refused(runtime: str, tmp_path: Any) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, runtime)
    with pytest.raises(ControlError, match="not a plain directory"):
        await ControlServer(on_event=lambda _e: None).start()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a directory to another user")
async def test_another_users_runtime_dir_is_refused(runtime: str) -> None:
    os.makedirs(runtime, mode=0o700)
    os.chown(runtime, 65534, 65534)
    with pytest.raises(ControlError, match="belongs to another user"):
        await ControlServer(on_event=lambda _e: None).start()


async def test_a_socket_path_too_long_for_unix_sockets_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    deep = tmp_path / ("d" * 120)
    monkeypatch.setenv("CX_TUI_RUNTIME_DIR", str(deep))
    with pytest.raises(ControlError, match="set CX_TUI_RUNTIME_DIR to a shorter directory"):
        await ControlServer(on_event=lambda _e: None).start()
