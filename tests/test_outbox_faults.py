"""Issue 17: exactly once when the vendor's answer is lost, late, garbled; when clocks disagree;
on a contact with 1,000 notes. Against the real HubSpot, Zendesk, Salesforce (a note and a call
log), Freshdesk and Intercom connectors, their doubles behind a loopback proxy that lets the
vendor save a write and then mishandles the answer (`tests/loopback_proxy.py`). The full
20-round matrix is `python -m bench.faults`.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus as unquote

import pytest

from cx_tui.connectors.base import ConnectorError
from cx_tui.outbox import Outbox, OutboxWorker
from cx_tui.outbox import worker as outbox_worker
from cx_tui.sqlite_files import network_filesystem
from cx_tui.store import ItemState, Store, StoreError
from tests import vendor_doubles
from tests.connectors.vendor_fakes import HubSpotFake, LocalServer
from tests.fault_rounds import KILL_STEPS, kill_round, late_save_round
from tests.loopback_proxy import LoopbackProxy
from tests.outbox_fakes import ScriptedConnector, person_target

VENDORS = vendor_doubles.VENDORS
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def _writes(proxy: LoopbackProxy, kind: str) -> int:
    method, path = vendor_doubles.WRITE_PATH[kind]
    return sum(1 for m, p, _ in proxy.seen if m == method and re.search(path, p.split("?")[0]))


async def _flush(store: Store, source: Any, *, rounds: int = 200) -> None:
    """Deliver until nothing is pending or sending (real time: settle delays are short)."""
    worker = OutboxWorker(store, {source.name: source}, backoff=lambda attempt: 0.01)
    for _ in range(rounds):
        await worker.deliver_once()
        if not store.outbox_items((ItemState.PENDING, ItemState.SENDING)):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox never emptied")


# --- The answer is lost after the vendor saved the write ------------------------------------------


@pytest.mark.parametrize("kind", VENDORS)
@pytest.mark.parametrize("mode", ["drop", "garble", "5xx"])
async def test_a_saved_write_whose_answer_is_lost_is_found_not_sent_again(
    tmp_path: Path, kind: str, mode: str
) -> None:
    fake = vendor_doubles.vendor_fake(kind)
    method, path = vendor_doubles.WRITE_PATH[kind]
    with LocalServer(fake) as server, LoopbackProxy(server.base_url) as proxy:
        proxy.fault(method, path, mode)
        source = vendor_doubles.connector(kind, proxy.base_url, settle=0.2)
        with Store(tmp_path / "state.db") as store:
            queued = vendor_doubles.enqueue(Outbox(store), "Router swapped", kind)
            worker = OutboxWorker(store, {source.name: source}, backoff=lambda attempt: 0.0)
            first = await worker.deliver_once()
            item = store.outbox_get(queued.id)
            assert item is not None
            # Not sent again at once: it waits the settle delay, marked unsure.
            assert (first.retrying, item.state) == (1, ItemState.PENDING)
            assert item.unsure_since is not None
            assert (item.due - item.unsure_since).total_seconds() >= 0.2
            await _flush(store, source)
            [done] = store.outbox_items(ItemState)
        await source.aclose()
        assert _writes(proxy, kind) == 1
    assert vendor_doubles.notes_with(fake, "Router swapped") == 1
    assert done.state is ItemState.DELIVERED and done.attempts == 2


@pytest.mark.parametrize("kind", VENDORS)
async def test_a_refused_connection_is_retried_without_waiting_to_settle(
    tmp_path: Path, kind: str
) -> None:
    # Nothing listens: the vendor certainly saw nothing, so no settle and no unsure mark.
    source = vendor_doubles.connector(kind, "http://127.0.0.1:9", settle=600)
    with Store(tmp_path / "state.db") as store:
        vendor_doubles.enqueue(Outbox(store), "hello", kind)
        worker = OutboxWorker(store, {source.name: source}, backoff=lambda attempt: 1.0)
        await worker.deliver_once()
        [item] = store.outbox_items(ItemState)
    await source.aclose()
    assert item.unsure_since is None and (item.due - item.updated).total_seconds() < 5


# --- A late save, a kill at every step -----------------------------------------------------------


@pytest.mark.parametrize("kind", VENDORS)
def test_a_write_saved_late_during_a_flush_is_not_duplicated(tmp_path: Path, kind: str) -> None:
    # Issue 17's 3-10 s, scaled down with the settle delay (bench.faults runs 20 rounds).
    outcome = late_save_round(kind, tmp_path, late=0.4, settle=0.8)
    assert (outcome.notes, outcome.state, outcome.writes) == (1, ItemState.DELIVERED, 1)


@posix_only
@pytest.mark.parametrize("kind", VENDORS)
@pytest.mark.parametrize("step", KILL_STEPS)
def test_killed_at_each_step_of_a_vendor_write_the_note_arrives_once(
    tmp_path: Path, kind: str, step: str
) -> None:
    # One round per cell here; `python -m bench.faults` runs 20.
    outcome = kill_round(kind, step, tmp_path, settle=0.8, slow=0.3)
    assert (outcome.notes, outcome.state) == (1, ItemState.DELIVERED)
    assert outcome.writes == 1


# --- 1,000 notes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", VENDORS)
async def test_a_lost_answer_on_a_contact_with_1000_notes_writes_one_note(
    tmp_path: Path, kind: str
) -> None:
    fake = vendor_doubles.vendor_fake(kind, existing_notes=1000)
    method, path = vendor_doubles.WRITE_PATH[kind]
    with LocalServer(fake) as server, LoopbackProxy(server.base_url) as proxy:
        proxy.fault(method, path, "drop")
        source = vendor_doubles.connector(kind, proxy.base_url, settle=0.1)
        with Store(tmp_path / "state.db") as store:
            vendor_doubles.enqueue(Outbox(store), "Lost answer", kind)
            await _flush(store, source)
            [done] = store.outbox_items(ItemState)
        await source.aclose()
        assert _writes(proxy, kind) == 1
        seen = [p for _, p, _ in proxy.seen]
    assert done.state is ItemState.DELIVERED
    assert vendor_doubles.notes_with(fake, "Lost answer") == 1
    assert any(_read_everything(kind, unquote(p)) for p in seen), kind


def _read_everything(kind: str, path: str) -> bool:
    """Whether this request shows the marker look-up went past the first page (or used a
    look-up with no page cap)."""
    match kind:
        case "zendesk":  # every page of comments (1,001 comments, 100 a page)
            return "page[after]=1000" in path
        case "hubspot":  # HubSpot's search on the body, limited to the contact: no page cap
            return "/objects/notes/search" in path
        case "salesforce":  # a later batch of the contact's Tasks (200 a batch)
            return re.search(r"/query/01g[\w-]+-1000$", path) is not None
        case "salesforce-call":  # an exact match on the call's CallObject: no page cap
            return "WHERE CallObject = 'cx-tui:" in path
        case "freshdesk":  # the 11th page of conversations (100 a page)
            return "/conversations" in path and "page=11" in path
    return "/notes" in path and "page=21" in path  # Intercom: 50 notes a page


@pytest.mark.parametrize(
    ("kind", "cap", "notes"),
    [
        ("salesforce", ("cx_tui.connectors.salesforce.writes.SCAN", 250), 300),
        ("freshdesk", ("cx_tui.connectors.freshdesk.writes.MAX_MARKER_PAGES", 2), 250),
        ("intercom", ("cx_tui.connectors.intercom.writes.MAX_NOTE_PAGES", 2), 150),
    ],
)
async def test_more_notes_than_the_marker_look_up_reads_is_refused_not_written(
    monkeypatch: pytest.MonkeyPatch, kind: str, cap: tuple[str, int], notes: int
) -> None:
    # A partial read must never decide "not there, write it".
    monkeypatch.setattr(*cap)
    fake = vendor_doubles.vendor_fake(kind, existing_notes=notes)
    key = "9a0c3c1f-7d2e-4b41-8f57-0b7e4c2a5d2f"
    with LocalServer(fake) as server:
        source = vendor_doubles.connector(kind, server.base_url, settle=0)
        with pytest.raises(ConnectorError, match="cannot check them all"):
            await source.add_note(vendor_doubles.target(kind), "Too many", key)
        await source.aclose()
    method, path = vendor_doubles.WRITE_PATH[kind]
    assert fake.calls_to(method, path) == []


async def test_hubspot_search_marker_lookup_reads_every_page(tmp_path: Path) -> None:
    fake = vendor_doubles.vendor_fake("hubspot")
    assert isinstance(fake, HubSpotFake)
    key = "3c1f7d2e-9b41-4f57-9a0c-0b7e4c2a5d2f"
    # 250 notes carry the token; the right one (the marker line) is the last.
    for n in range(250):
        body = (
            f"<p>mentions {key} in passing {n}</p>" if n < 249 else f"<p>x</p><p>cx-tui:{key}</p>"
        )
        note = fake.add("notes", str(60_000 + n), hs_note_body=body)
        fake.associate("notes", note, "contacts", vendor_doubles.CONTACT)
    with LocalServer(fake) as server:
        source = vendor_doubles.connector("hubspot", server.base_url, settle=0)
        found = await source.add_note(vendor_doubles.target("hubspot"), "x", key)  # type: ignore[arg-type]
        await source.aclose()
    assert found.duplicate and found.ref.record_id == "note-60249"
    assert len(fake.calls_to("POST", r"/notes/search$")) == 3
    assert fake.calls_to("POST", r"/crm/v3/objects/notes$") == []


# --- HubSpot: a late duplicate removed -------------------------------------------------------


async def test_hubspot_removes_the_newer_of_two_copies_among_1000_notes(tmp_path: Path) -> None:
    fake = vendor_doubles.vendor_fake("hubspot", existing_notes=1000)
    assert isinstance(fake, HubSpotFake)
    key = "0b7e4c2a-9b41-4f57-9a0c-3c1f7d2e5d2f"
    for note_id in ("70001", "70002"):
        fake.add("notes", note_id, hs_note_body=f"<p>Twice</p><p>cx-tui:{key}</p>")
        fake.associate("notes", note_id, "contacts", vendor_doubles.CONTACT)
    with LocalServer(fake) as server:
        source = vendor_doubles.connector("hubspot", server.base_url, settle=0)
        removed = await source.remove_duplicates(vendor_doubles.target("hubspot"), key)
        again = await source.remove_duplicates(vendor_doubles.target("hubspot"), key)
        await source.aclose()
    assert removed == ("note-70002",) and again == ()
    assert "70001" in fake.objects["notes"] and "70002" not in fake.objects["notes"]
    assert len(fake.objects["notes"]) == 1001
    # Every association page (500 each) was read, and every note in batches of 100.
    assert len(fake.calls_to("GET", r"/associations/notes")) == 2 * 3
    assert len(fake.calls_to("POST", r"/notes/batch/read")) == 11 * 2
    assert [c.path for c in fake.calls if c.method == "DELETE"] == ["/crm/v3/objects/notes/70002"]


async def test_a_delivered_unsure_item_records_the_copies_removed(tmp_path: Path) -> None:
    class Removing(ScriptedConnector):
        async def remove_duplicates(self, target: Any, idempotency_key: str) -> tuple[str, ...]:
            return ("note-9",)

    desk = Removing()
    with Store(tmp_path / "state.db") as store:
        [item] = Outbox(store).enqueue("hi", [person_target()])
        store.outbox_update(
            item.id, states=[ItemState.PENDING], now=item.created, unsure_since=item.created
        )
        await OutboxWorker(store, {"Desk": desk}).deliver_once()
        [done] = store.outbox_items(ItemState)
    assert done.state is ItemState.DELIVERED
    assert done.last_error is not None and "removed the newer copy (note-9)" in done.last_error


# --- Clocks --------------------------------------------------------------------------------------


def _skewed(minutes: float) -> Any:
    return lambda: datetime.now(UTC) + timedelta(minutes=minutes)


async def test_two_deliverers_with_clocks_10_minutes_apart_send_once(tmp_path: Path) -> None:
    fake = vendor_doubles.vendor_fake("hubspot")
    method, path = vendor_doubles.WRITE_PATH["hubspot"]
    with LocalServer(fake) as server, LoopbackProxy(server.base_url) as proxy:
        proxy.fault(method, path, "delay:0.5")
        behind = vendor_doubles.connector("hubspot", proxy.base_url, settle=0.2)
        ahead = vendor_doubles.connector("hubspot", proxy.base_url, settle=0.2)
        path_ = tmp_path / "state.db"
        with Store(path_) as one, Store(path_) as two:
            Outbox(one, clock=_skewed(-10)).enqueue("Skewed", [vendor_doubles.target("hubspot")])
            slow = OutboxWorker(one, {behind.name: behind}, clock=_skewed(-10), lease_seconds=60)
            fast = OutboxWorker(two, {ahead.name: ahead}, clock=_skewed(+10), lease_seconds=60)
            sending = asyncio.ensure_future(slow.deliver_once())
            while not store_has(one, ItemState.SENDING):
                await asyncio.sleep(0.01)
            # 20 minutes ahead of the claimant: its lease is measured on the store's clock.
            assert (await fast.deliver_once()).attempted == 0
            assert (await sending).delivered == 1
        await behind.aclose()
        await ahead.aclose()
    assert vendor_doubles.notes_with(fake, "Skewed") == 1


def store_has(store: Store, state: ItemState) -> bool:
    return bool(store.outbox_items((state,)))


async def test_a_note_queued_under_a_clock_an_hour_ahead_is_sent_once_it_is_corrected(
    tmp_path: Path,
) -> None:
    desk = ScriptedConnector()
    with Store(tmp_path / "state.db") as store:
        Outbox(store, clock=_skewed(+60)).enqueue("From the future", [person_target()])
        counts = await OutboxWorker(store, {"Desk": desk}).deliver_once()
        [item] = store.outbox_items(ItemState)
    assert counts.delivered == 1 and item.state is ItemState.DELIVERED
    assert desk.written() == ["From the future"]


async def test_a_retry_scheduled_under_a_clock_an_hour_ahead_is_not_stuck(tmp_path: Path) -> None:
    desk = ScriptedConnector(script=[ConnectorError("Desk: try again")])
    with Store(tmp_path / "state.db") as store:
        Outbox(store).enqueue("Retry", [person_target()])
        ahead = OutboxWorker(store, {"Desk": desk}, clock=_skewed(+60), backoff=lambda a: 30.0)
        assert (await ahead.deliver_once()).retrying == 1
        # The clock is corrected: the retry is due now, not in an hour and 30 s.
        assert (await OutboxWorker(store, {"Desk": desk}).deliver_once()).delivered == 1


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="zombies are read from /proc")
def test_a_zombie_claimant_counts_as_dead() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = 200
        while not outbox_worker._zombie(child.pid) and deadline:
            deadline -= 1
            subprocess.run(["sleep", "0.05"], check=False)  # not reaped: it stays a zombie
        owner = f"{outbox_worker._HOST}:{child.pid}:abc"
        assert outbox_worker._owner_alive(owner) is False
        assert outbox_worker._owner_alive(f"{outbox_worker._HOST}:{os.getpid()}:x") is None
        assert outbox_worker._owner_alive("elsewhere:1:x") is None
    finally:
        child.wait()


# --- A store on a network file system -------------------------------------------------------


@pytest.mark.parametrize(
    ("fstype", "refused"), [("nfs4", True), ("cifs", True), ("fuse.sshfs", True), ("ext4", False)]
)
def test_a_store_on_a_network_file_system_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fstype: str, refused: bool
) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(
        f"/dev/sda1 / ext4 rw 0 0\nserver:/share {tmp_path / 'share'} {fstype} rw 0 0\n"
    )
    (tmp_path / "share").mkdir()
    assert network_filesystem(tmp_path / "share" / "a" / "b", mounts) == (
        fstype if refused else None
    )
    assert network_filesystem(tmp_path, mounts) is None
    monkeypatch.setattr("cx_tui.sqlite_files.MOUNTS", mounts)
    monkeypatch.setattr(
        "cx_tui.sqlite_files.network_filesystem",
        lambda d, m=mounts: network_filesystem(d, m),
    )
    if refused:
        with pytest.raises(StoreError, match=f"network file system \\({fstype}\\)"):
            Store(tmp_path / "share" / "state.db")
        assert not (tmp_path / "share" / "state.db").exists()
    else:
        Store(tmp_path / "share" / "state.db").close()


# --- A full or read-only disk is not a damaged store --------------------------------------------


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("SQLITE_FULL", "the disk is full"),
        ("SQLITE_READONLY", "read-only"),
        ("SQLITE_IOERR", "a disk error"),
        ("SQLITE_CORRUPT", "the store is damaged"),
    ],
)
def test_opening_on_a_full_or_read_only_disk_is_said_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: str, words: str
) -> None:
    import sqlite3

    path = tmp_path / "state.db"
    with Store(path) as store:
        Outbox(store).enqueue("queued before", [person_target()])
    before = path.read_bytes()

    def failing(conn: sqlite3.Connection) -> str | None:
        error = sqlite3.OperationalError("simulated")
        error.sqlite_errorcode = getattr(sqlite3, code)  # type: ignore[attr-defined]
        raise error

    monkeypatch.setattr("cx_tui.sqlite_files.integrity_problem", failing)
    with pytest.raises(StoreError) as caught:
        Store(path)
    message = str(caught.value)
    assert words in message
    damaged = code == "SQLITE_CORRUPT"
    assert ("Move it aside" in message) is damaged and ("damaged" in message) is damaged
    assert path.read_bytes() == before  # the queued note is still there, untouched
