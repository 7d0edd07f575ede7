"""The doors stay open: idle, slow and reconnecting floods never keep a valid client out.

Real sockets on a tmp Unix socket and on 127.0.0.1. The flood runs in threads with plain
blocking sockets (as another local process would hold them); the valid client is the real
`client.send` (the code `cx-tui ring` runs) or a real HTTP request. Timings here are generous
bounds for a loaded machine; `bench/doors.py` measures the real figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cx_tui.softphone import client, control, cti_http
from cx_tui.softphone.control import ControlServer
from cx_tui.softphone.cti_http import CtiHttpServer
from cx_tui.softphone.events import CallEvent
from cx_tui.softphone.gate import SHED_MESSAGE
from tests.test_softphone_control import HERO, runtime, server  # noqa: F401 - fixtures
from tests.test_softphone_http import NEW_CALL, Response, endpoint, post  # noqa: F401 - a fixture

REPO = Path(__file__).resolve().parent.parent
SHED = {"ok": False, "error": SHED_MESSAGE, "retry": True}
"""What a connection shed to make room is told (its line was never read: the client retries)."""
SLACK = 2.0
"""Bound on one valid exchange through a flood in a test (the target is 1 s; see the bench)."""


@pytest.fixture
def held() -> Iterator[list[socket.socket]]:
    """Sockets a test holds open; closed when it ends."""
    sockets: list[socket.socket] = []
    yield sockets
    for sock in sockets:
        sock.close()


def connect(family: socket.AddressFamily, address: object) -> socket.socket:
    """A blocking connection, retried while the door's queue is full (EAGAIN)."""
    deadline = time.monotonic() + 10
    while True:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(5)
        try:
            sock.connect(address)
            return sock
        except BlockingIOError:
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.001)


def hold(
    family: socket.AddressFamily, address: object, count: int, first: bytes
) -> list[socket.socket]:
    """Open `count` connections, send `first` on each, and keep them open."""
    held = []
    for _ in range(count):
        sock = connect(family, address)
        if first:
            sock.sendall(first)
        held.append(sock)
    return held


def what_the_server_said(sock: socket.socket) -> bytes:
    """What the server sent before closing (b"" when it closed without a word)."""
    sock.settimeout(5)
    chunks = []
    with contextlib.suppress(OSError):
        while chunk := sock.recv(4096):
            chunks.append(chunk)
    return b"".join(chunks)


async def timed_ring(path: str, call_id: str) -> float:
    start = time.perf_counter()
    reply = await asyncio.to_thread(
        client.send, {"event": "ring", "number": HERO, "call_id": call_id}, path
    )
    assert reply == {"ok": True}
    return time.perf_counter() - start


# --- the control socket ----------------------------------------------------------------------


async def test_300_idle_connections_do_not_keep_ring_out(
    server: tuple[ControlServer, list[CallEvent]],  # noqa: F811,
    runtime: str,  # noqa: F811
) -> None:
    srv, events = server
    idle = await asyncio.to_thread(hold, socket.AF_UNIX, srv.path, 300, b"")
    try:
        elapsed = [await timed_ring(srv.path, f"in-{index}") for index in range(5)]
        assert max(elapsed) < SLACK, elapsed
        # The command a softphone runs, from another process (another peer), gets in too.
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "cx_tui", "ring", HERO, "--call-id", "command"],
            env={**os.environ, "CX_TUI_RUNTIME_DIR": runtime, "PYTHONPATH": str(REPO)},
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert (result.returncode, result.stderr) == (0, b"")
        assert [e.call_id for e in events] == [*(f"in-{i}" for i in range(5)), "command"]
        # The flood was made room for, oldest first: the first connection is gone, told why.
        farewell = await asyncio.to_thread(what_the_server_said, idle[0])
        assert farewell == b"" or json.loads(farewell) == SHED
    finally:
        for sock in idle:
            sock.close()


async def test_the_longest_idle_is_shed_first_and_never_the_newcomer(
    server: tuple[ControlServer, list[CallEvent]],  # noqa: F811,
    held: list[socket.socket],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    srv, events = server
    srv._gate.limit, srv._gate.ceiling = 4, 12  # a small door, same rules
    monkeypatch.setattr(control, "IDLE_TIMEOUT", 30.0)  # only shedding may close them here
    for _ in range(4):
        held += await asyncio.to_thread(hold, socket.AF_UNIX, srv.path, 1, b"")
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # past the grace: all four are idle, the first the longest
    await timed_ring(srv.path, "new")
    assert [e.call_id for e in events] == ["new"]
    said = await asyncio.to_thread(what_the_server_said, held[0])
    assert json.loads(said) == SHED
    for sock in held[1:]:  # the others are still served
        sock.sendall(b'{"v":1,"event":"ping"}\n')
        sock.settimeout(5)
        assert json.loads(await asyncio.to_thread(sock.recv, 4096))["ok"] is True
    assert srv.shed_count == 1


async def test_one_process_holds_at_most_its_cap_of_idle_connections(
    server: tuple[ControlServer, list[CallEvent]],  # noqa: F811,
    held: list[socket.socket],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The peer is known (SO_PEERCRED): past its cap, its own longest-idle goes, although the
    door has room for many more."""
    srv, _ = server
    srv._gate.per_peer = 3
    monkeypatch.setattr(control, "IDLE_TIMEOUT", 30.0)
    held += await asyncio.to_thread(hold, socket.AF_UNIX, srv.path, 3, b"")
    await asyncio.sleep(0.3)
    held += await asyncio.to_thread(hold, socket.AF_UNIX, srv.path, 1, b"")
    said = await asyncio.to_thread(what_the_server_said, held[0])
    assert json.loads(said) == SHED
    assert srv.shed_count == 1 and len(srv._gate) == 3 < srv._gate.limit


async def test_a_connection_that_sends_no_whole_line_within_a_second_is_closed(
    server: tuple[ControlServer, list[CallEvent]],  # noqa: F811,
) -> None:
    srv, _ = server
    start = time.perf_counter()
    [slow] = await asyncio.to_thread(hold, socket.AF_UNIX, srv.path, 1, b'{"v":1,"event":"ri')
    try:
        assert await asyncio.to_thread(what_the_server_said, slow) == b""
        assert time.perf_counter() - start < control.IDLE_TIMEOUT + SLACK
        assert control.IDLE_TIMEOUT <= 1.0
    finally:
        slow.close()


STORM = """
import socket, sys
family, address = (socket.AF_UNIX, sys.argv[1]) if len(sys.argv) == 2 else (
    socket.AF_INET, (sys.argv[1], int(sys.argv[2])))
count = 0
print("storming", flush=True)
while True:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.connect(address)
        count += 1
        if count % 100 == 0:
            print(count, flush=True)
    except OSError as exc:
        print(type(exc).__name__, file=sys.stderr, flush=True)
    sock.close()
"""


class Storm:
    """Another local process connecting and hanging up at once, as fast as it can."""

    def __init__(self, *address: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", STORM, *address], stdout=subprocess.PIPE, text=True
        )
        self.made = 0

    async def started(self) -> None:
        """Return once the storm is raging: its first 100 connections made (on a loaded
        machine that takes longer than any fixed pause would allow)."""
        assert self.process.stdout is not None
        assert await asyncio.to_thread(self.process.stdout.readline) == "storming\n"
        assert await asyncio.to_thread(self.process.stdout.readline) == "100\n"
        self.made = 100

    def stop(self) -> int:
        """Stop it; how many connections it made."""
        self.process.kill()
        out, _ = self.process.communicate(timeout=10)
        return max((int(line) for line in out.split() if line.isdigit()), default=self.made)


async def test_ring_gets_through_a_reconnect_storm(
    server: tuple[ControlServer, list[CallEvent]],  # noqa: F811
) -> None:
    srv, events = server
    storm = Storm(srv.path)
    try:
        await storm.started()
        elapsed = [await timed_ring(srv.path, f"storm-{index}") for index in range(5)]
        assert max(elapsed) < SLACK, elapsed
    finally:
        made = storm.stop()
    assert made >= 1000  # it was a storm
    assert [e.call_id for e in events] == [f"storm-{index}" for index in range(5)]


# --- the HTTP endpoint ----------------------------------------------------------------------


async def test_200_slowloris_connections_do_not_keep_a_valid_post_out(
    endpoint: tuple[CtiHttpServer, list[CallEvent]],  # noqa: F811
) -> None:
    http, events = endpoint
    address = ("127.0.0.1", http.port)
    slow = await asyncio.to_thread(
        hold, socket.AF_INET, address, 200, b"POST /cti HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    )
    try:
        for index in range(5):
            start = time.perf_counter()
            response = await post(http.port, {**NEW_CALL, "callId": f"c-{index}"})
            assert (response.status, response.json) == (200, {"ok": True})
            assert time.perf_counter() - start < SLACK
        assert [e.call_id for e in events] == [f"c-{index}" for index in range(5)]
        # Each slow one is answered in the end: 408 past its deadline, or 503 when shed.
        raw = await asyncio.to_thread(what_the_server_said, slow[0])
        assert Response(raw).status in (408, 503)
        assert cti_http.REQUEST_TIMEOUT <= 1.0
    finally:
        for sock in slow:
            sock.close()


async def test_a_valid_post_gets_through_a_reconnect_storm(
    endpoint: tuple[CtiHttpServer, list[CallEvent]],  # noqa: F811
) -> None:
    http, events = endpoint
    storm = Storm("127.0.0.1", str(http.port))
    try:
        await storm.started()
        for index in range(5):
            start = time.perf_counter()
            response = await post(http.port, {**NEW_CALL, "callId": f"s-{index}"})
            assert response.status == 200 and time.perf_counter() - start < SLACK
    finally:
        made = storm.stop()
    assert made >= 100
    assert len(events) == 5
