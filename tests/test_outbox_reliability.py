"""Nothing lost, nothing sent twice: real processes, real SQLite, SIGKILL at every step.

The crash tests run the deliverer (`tests/outbox_runner.py`) as a separate process with
`CX_TUI_TEST_HOLD=STEP:FILE`, wait for FILE (the process is then frozen exactly at STEP), kill
it with SIGKILL, start a fresh deliverer, and count the notes at the source. They run against
the real `local` connector (idempotent by key) and against a vendor without idempotency that
the connector dedupes by a marker (`tests/marker_vendor.py`).

Every wait polls for a file or a state with a deadline; no assertion rests on a fixed sleep.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cx_tui import cli
from cx_tui.connectors.base import BadResponse, RateLimited, Unavailable
from cx_tui.connectors.local import LocalConnector, reset_database
from cx_tui.models import NoteTarget, SourceRef, TargetKind
from cx_tui.outbox import DeliveryCounts, Outbox, OutboxWorker
from cx_tui.store import ItemState, OutboxItem, Store, StoreError
from tests import marker_vendor
from tests.outbox_fakes import FakeClock, ScriptedConnector, SleepAdvances, person_target

REPO = Path(__file__).resolve().parent.parent
DEADLINE = 60.0
"""Seconds any one process or wait may take before the test fails (a 2-core CI box is slow)."""
TEXT = "Walked the customer through a factory reset; the line is stable now."

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


# --- Helpers -----------------------------------------------------------------------------------


class Vendor:
    """One source under test: its connector name, kind and file, and how to count its notes."""

    def __init__(self, kind: str, tmp_path: Path) -> None:
        self.kind = kind
        self.name = "Local CRM" if kind == "local" else "Vendor"
        self.path = tmp_path / f"{kind}-vendor.db"
        if kind == "local":
            reset_database(self.path, "crm")  # the demo CRM: person 1 exists

    def target(self, record_id: str = "1") -> NoteTarget:
        return NoteTarget(TargetKind.PERSON, SourceRef(self.name, record_id))

    def notes(self, text: str = TEXT) -> int:
        """How many notes with this text the source holds."""
        if self.kind == "local":
            with sqlite3.connect(self.path) as conn:
                count = conn.execute("SELECT COUNT(*) FROM notes WHERE body = ?", (text,))
                result = int(count.fetchone()[0])
            conn.close()
            return result
        return sum(body.startswith(text + "\n\n[cx-tui:") for _, _, body in self._notes())

    def _notes(self) -> list[tuple[str, str, str]]:
        return marker_vendor.notes(self.path) if self.path.exists() else []


def runner(
    store: Path, vendor: Vendor, *extra: str, hold: tuple[str, Path] | None = None
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "CX_TUI_TEST_HOLD"}
    if hold is not None:
        env["CX_TUI_TEST_HOLD"] = f"{hold[0]}:{hold[1]}"
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.outbox_runner",
            str(store),
            vendor.kind,
            str(vendor.path),
            vendor.name,
            *extra,
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> dict[str, Any]:
    """Wait for a runner and return what it printed; fail with its stderr if it failed."""
    try:
        out, err = proc.communicate(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"the deliverer did not finish in {DEADLINE} s: {err}")
    assert proc.returncode == 0, err
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def wait_for_hold(proc: subprocess.Popen[str], marker: Path) -> None:
    deadline = time.monotonic() + DEADLINE
    while not marker.exists():
        if proc.poll() is not None:
            pytest.fail(f"the deliverer ended before its hold point: {proc.communicate()[1]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the deliverer never reached its hold point ({marker.name})")
        time.sleep(0.01)
    assert marker.read_text() == str(proc.pid)


def kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=DEADLINE)  # reaps it: its pid is now really gone
    assert proc.returncode == -signal.SIGKILL


def enqueue(store_path: Path, text: str, targets: list[NoteTarget]) -> list[OutboxItem]:
    with Store(store_path) as store:
        return Outbox(store).enqueue(text, targets)


def items(store_path: Path) -> list[OutboxItem]:
    with Store(store_path) as store:
        return store.outbox_items(ItemState)


@pytest.fixture(params=["local", "marker"])
def vendor(request: pytest.FixtureRequest, tmp_path: Path) -> Vendor:
    return Vendor(request.param, tmp_path)


# --- Killed at each step -----------------------------------------------------------------------


@posix_only
@pytest.mark.parametrize("step", ["before-send", "during-send", "after-send"])
def test_killed_at_each_step_the_note_arrives_exactly_once(
    tmp_path: Path, vendor: Vendor, step: str
) -> None:
    store = tmp_path / "state.db"
    [queued] = enqueue(store, TEXT, [vendor.target()])
    marker = tmp_path / f"held-at-{step}"

    first = runner(store, vendor, hold=(step, marker))
    wait_for_hold(first, marker)
    kill(first)

    # At the crash: claimed, counted, not marked delivered; the source has it unless the
    # process died before sending.
    [crashed] = items(store)
    assert (crashed.state, crashed.attempts) == (ItemState.SENDING, 1)
    assert vendor.notes() == (0 if step == "before-send" else 1)

    # A fresh deliverer takes the item over at once (its owner is gone) with the same key.
    result = finish(runner(store, vendor))

    assert result["delivered"] == 1
    assert vendor.notes() == 1
    [done] = items(store)
    assert done.state is ItemState.DELIVERED and done.attempts == 2
    assert done.idempotency_key == queued.idempotency_key
    assert done.receipt is not None
    if vendor.kind == "marker":
        # The second request found the marker instead of writing again.
        outcomes = [o for _, m, _, o in marker_vendor.requests(vendor.path)]
        expected = ["created"] if step == "before-send" else ["created", "found"]
        assert outcomes == expected


@posix_only
def test_killed_while_queueing_leaves_all_targets_or_none(tmp_path: Path) -> None:
    # enqueue is one transaction: a crash leaves the note for every target or for none.
    store = tmp_path / "state.db"
    code = (
        "import os, signal\n"
        "from cx_tui.store import Store\n"
        "from cx_tui.outbox import Outbox\n"
        "from tests.outbox_fakes import person_target\n"
        f"box = Outbox(Store({str(store)!r}))\n"
        "box.enqueue('before the crash', [person_target('1'), person_target('2')])\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, timeout=DEADLINE, check=False)
    assert result.returncode == -signal.SIGKILL
    assert [(i.text, i.state) for i in items(store)] == [
        ("before the crash", ItemState.PENDING)
    ] * 2


# --- Two deliverers, one store -------------------------------------------------------------------


@posix_only
def test_a_live_deliverers_item_is_left_alone_by_another(tmp_path: Path) -> None:
    vendor = Vendor("marker", tmp_path)
    store = tmp_path / "state.db"
    queued = enqueue(store, TEXT, [vendor.target(str(n)) for n in range(1, 6)])
    marker = tmp_path / "held"

    holder = runner(store, vendor, "--lease", "300", hold=("after-send", marker))
    try:
        wait_for_hold(holder, marker)
        [held] = [i for i in items(store) if i.state is ItemState.SENDING]
        # The other deliverer sends the rest and skips the held item: its owner is alive and
        # its lease runs.
        other = finish(runner(store, vendor))
        assert other["delivered"] == 4
        [still] = [i for i in items(store) if i.state is not ItemState.DELIVERED]
        assert still.id == held.id and still.state is ItemState.SENDING
    finally:
        kill(holder)

    assert finish(runner(store, vendor))["delivered"] == 1
    assert all(i.state is ItemState.DELIVERED for i in items(store))
    per_key = [m for _, m, _, _ in marker_vendor.requests(vendor.path)]
    held_marker = f"cx-tui:{held.idempotency_key}"
    assert per_key.count(held_marker) == 2  # the holder's send, then the takeover's (found)
    assert len(per_key) == len(queued) + 1
    assert len(vendor._notes()) == len(queued)  # one note per item, the held one included


@posix_only
def test_two_deliverers_racing_over_one_store_send_each_item_once(tmp_path: Path) -> None:
    vendor = Vendor("marker", tmp_path)
    store = tmp_path / "state.db"
    count = 40
    for n in range(count):
        enqueue(store, f"{TEXT} #{n}", [vendor.target(str(n % 4))])
    go = tmp_path / "go"
    racers = [
        runner(store, vendor, "--drain", "--go", str(go), "--delay", "0.01") for _ in range(2)
    ]
    deadline = time.monotonic() + DEADLINE
    while len(list(tmp_path.glob("go.ready.*"))) < 2:  # both started: a fair race
        assert all(p.poll() is None for p in racers), [p.communicate() for p in racers]
        assert time.monotonic() < deadline, "the deliverers did not start"
        time.sleep(0.01)
    go.write_text("go")
    results = [finish(proc) for proc in racers]

    assert sum(r["delivered"] for r in results) == count
    requests = marker_vendor.requests(vendor.path)
    # No item was even sent twice: claims are exclusive, not merely deduped afterwards.
    assert len(requests) == count and {o for *_, o in requests} == {"created"}
    assert len({m for _, m, _, _ in requests}) == count
    assert all(i.state is ItemState.DELIVERED for i in items(store))
    # Both processes took part (each sent some), or the test proved nothing about sharing.
    pids = {pid for _, _, pid, _ in requests}
    assert len(pids) == 2, f"one deliverer did everything: {results}"


# --- A source down for a while, a storm of 429s, a permanent 400 ---------------------------------


async def test_a_source_down_for_a_while_gets_the_note_once_when_back(tmp_path: Path) -> None:
    clock = FakeClock()
    outages = 6
    desk = ScriptedConnector(script=[Unavailable("Desk answered 503")] * outages, clock=clock)
    with Store(tmp_path / "state.db", clock=clock) as store:
        Outbox(store).enqueue(TEXT, [person_target()])
        sleep = SleepAdvances(clock, limit=50, done=lambda: bool(desk.notes))
        worker = OutboxWorker(store, {"Desk": desk}, clock=clock, sleep=sleep)
        task = asyncio.ensure_future(worker.run())
        await _until(lambda: bool(desk.notes))
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        [item] = store.outbox_items(ItemState)

    assert desk.written() == [TEXT]
    assert len(desk.calls) == outages + 1 and item.attempts == outages + 1
    assert item.state is ItemState.DELIVERED and item.last_error is None
    # The real backoff: each wait at least half of double the previous full delay.
    waits = [
        (b.at - a.at).total_seconds() for a, b in zip(desk.calls, desk.calls[1:], strict=False)
    ]
    for attempt, wait in enumerate(waits, start=1):
        full = min(600.0, 2.0 * 2 ** (attempt - 1))
        assert full / 2 <= wait <= full + 0.001
    assert len({c.key for c in desk.calls}) == 1


async def test_a_storm_of_429s_honours_retry_after_and_stays_bounded(tmp_path: Path) -> None:
    clock = FakeClock()
    storm, retry_after, notes = 50, 2.0, 10
    desk = ScriptedConnector(
        script=[RateLimited("HubSpot: 429 Too Many Requests", retry_after=retry_after)] * storm,
        clock=clock,
    )
    with Store(tmp_path / "state.db", clock=clock) as store:
        box = Outbox(store, clock=clock)
        for n in range(notes):
            box.enqueue(f"note {n}", [person_target(str(n))])
        sleep = SleepAdvances(clock, limit=500, done=lambda: len(desk.notes) == notes)
        worker = OutboxWorker(
            store, {"Desk": desk}, clock=clock, sleep=sleep, backoff=lambda attempt: 0.001
        )
        task = asyncio.ensure_future(worker.run())
        await _until(lambda: len(desk.notes) == notes)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        delivered = store.outbox_items((ItemState.DELIVERED,))

    assert len(delivered) == notes and sorted(desk.written()) == sorted(
        f"note {n}" for n in range(notes)
    )
    # While limited, one request per Retry-After window for the whole source, not one per item.
    assert len(desk.calls) == storm + notes
    for limited, after in zip(desk.calls[:storm], desk.calls[1 : storm + 1], strict=True):
        assert (after.at - limited.at).total_seconds() >= retry_after
    assert sum(i.attempts for i in delivered) == storm + notes
    assert len(sleep.naps) <= storm + 2  # one nap per Retry-After window, give or take


async def test_a_permanent_400_fails_with_the_vendor_message_and_is_not_retried(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    refusal = BadResponse("Zendesk: 400 RecordInvalid: Comment body is too long")
    refusal.status = 400  # type: ignore[attr-defined]
    desk = ScriptedConnector(script=[refusal], clock=clock)
    with Store(tmp_path / "state.db", clock=clock) as store:
        Outbox(store).enqueue(TEXT, [person_target()])
        worker = OutboxWorker(store, {"Desk": desk}, clock=clock)
        assert (await worker.deliver_once()).failed == 1
        for _ in range(5):
            clock.advance(3600)
            assert await worker.deliver_once() == DeliveryCounts()
        [item] = store.outbox_items(ItemState)
    assert len(desk.calls) == 1
    assert item.state is ItemState.FAILED
    assert item.last_error == "Zendesk: 400 RecordInvalid: Comment body is too long"


async def _until(condition: Any, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.001)


# --- The disk: read-only, full, corrupted ---------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_read_only_data_dir_saves_nothing_and_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_path = tmp_path / "home" / "data" / "state.db"
    real_open = os.open

    def read_only(file: Any, *args: Any, **kwargs: Any) -> int:
        # What a read-only mount answers (root ignores permission bits, so simulate it).
        if Path(str(file)) == store_path:
            raise OSError(30, "Read-only file system", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    code, out, err = run_cli(capsys, "note", "--to", "Demo CRM/person/1", TEXT)
    assert code == 3 and out == ""
    assert err == (
        f"cx-tui: {store_path}: cannot create the store (Read-only file system); nothing was "
        "saved. Make its directory writable by you or set CX_TUI_DATA_DIR.\n"
    )
    assert not store_path.exists()


async def test_a_full_disk_loses_nothing_and_sends_nothing_twice(tmp_path: Path) -> None:
    local_path = tmp_path / "crm.sqlite3"
    reset_database(local_path, "crm")
    crm = LocalConnector("Local CRM", {"path": str(local_path)})
    target = NoteTarget(TargetKind.PERSON, SourceRef("Local CRM", "1"))
    store = Store(tmp_path / "state.db")
    box = Outbox(store)
    [earlier] = box.enqueue(TEXT, [target])
    conn = store._connection()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is now full

    # 1. A new note cannot be saved: a clear error, and the caller still has its text.
    draft = "A long note the agent typed. " * 400
    with pytest.raises(StoreError, match="disk is full"):
        box.enqueue(draft, [target])
    assert [i.text for i in store.outbox_items(ItemState)] == [TEXT]

    # 2. The queued note is sent, but marking it delivered fails: the error surfaces and the
    #    item stays claimed.
    worker = OutboxWorker(store, {"Local CRM": crm}, lease_seconds=40, send_timeout=5)
    real_update = store.outbox_update

    def full_on_delivery(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("state") is ItemState.DELIVERED:
            raise StoreError(store.path, "could not update the outbox: the disk is full")
        return real_update(*args, **kwargs)

    store.outbox_update = full_on_delivery  # type: ignore[method-assign]
    with pytest.raises(StoreError):
        await worker.deliver_once()
    store.outbox_update = real_update  # type: ignore[method-assign]
    assert store.outbox_get(earlier.id).state is ItemState.SENDING  # type: ignore[union-attr]

    # 3. Space comes back; after the lease the note is delivered, still exactly once.
    conn.execute("PRAGMA max_page_count = 1073741823")
    assert box.enqueue(draft, [target])
    later = Store(store.path, clock=lambda: store.clock() + timedelta(seconds=41))
    counts = await OutboxWorker(later, {"Local CRM": crm}, clock=later.clock).deliver_once()
    assert counts.delivered == 2
    with sqlite3.connect(local_path) as check:
        bodies = [row[0] for row in check.execute("SELECT body FROM notes WHERE person_id = 1")]
    check.close()
    assert bodies.count(TEXT) == 1 and bodies.count(draft.strip()) == 1
    later.close()
    store.close()
    await crm.aclose()


@posix_only
@pytest.mark.parametrize(
    "command", [["outbox", "list"], ["note", "--to", "Demo CRM/person/1", "hi"]]
)
def test_a_corrupted_store_is_named_and_left_byte_for_byte(
    isolated_env: Path, command: list[str]
) -> None:
    data = isolated_env / "data"
    data.mkdir(mode=0o700)
    store = data / "state.db"
    junk = b"\x00\x01 not a database, maybe a half-copied backup " * 100
    store.write_bytes(junk)
    result = subprocess.run(
        [sys.executable, "-m", "cx_tui", *command],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 3
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"cx-tui: {store}: not a cx-tui store")
    assert "left untouched" in result.stderr
    if command[0] == "note":
        assert result.stderr.rstrip().endswith("The note was not saved.")
    assert store.read_bytes() == junk
    assert sorted(p.name for p in data.iterdir()) == ["state.db"]


@pytest.fixture(autouse=True)
def _no_stray_hold(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The in-process tests must never freeze because a developer's shell set the hook.
    monkeypatch.delenv("CX_TUI_TEST_HOLD", raising=False)
    yield
