"""The lookup cache's writes off the event loop: queued, coalesced, readable before they land,
landed by the writer thread (also while another process holds the store, and at close), voided
by a delivery recorded while they waited, pruned on a schedule; and a delivered note forgotten
once."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cx_tui.cache import ResultCache
from cx_tui.delivery import Delivery
from cx_tui.identity import parse_query
from cx_tui.lookup import LookupEngine
from cx_tui.models import Details, Match, MatchReason, NoteTarget, TargetKind
from cx_tui.store import ItemKind, ItemState, Store
from cx_tui.store import cache_writer as writer_module
from cx_tui.store import lookup_cache as rows_module
from cx_tui.store.cache_queue import (
    CachedRow,
    CacheQueue,
    Forget,
    ForgetLog,
    ForgetRecord,
    ForgetSearches,
    Forgotten,
    Put,
    Unknown,
    overlay,
)
from cx_tui.store.cache_writer import PruneSchedule
from tests.fakes import person, phone, ticket
from tests.test_cache_store import KEY, NUMBER, Clock, crm

HOUR = 3600.0


def row(value: str = "v", at: float = 100.0, expires: float = 1e12) -> CachedRow:
    return CachedRow("f", value, at, expires)


def put(key: str, value: str = "v", *, kind: str = "details", records: tuple[str, ...] = ()) -> Put:
    return Put(kind, "CRM", key, row(value), records)


def file_rows(path: Path, where: str = "1") -> list[tuple[str, str, str]]:
    """The cache rows in the file itself, read past the store (what another process sees)."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT kind, source, key FROM lookup_cache WHERE {where}").fetchall()
    finally:
        conn.close()


class Holder:
    """Another connection to the store's file, taking its write lock when told (as a second
    process, `cx-tui outbox flush` say, would)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None)

    def lock(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.execute("COMMIT")


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[Holder]:
    Store(tmp_path / "state.db").close()
    holding = Holder(tmp_path / "state.db")
    try:
        yield holding
    finally:
        if holding.conn.in_transaction:
            holding.conn.execute("ROLLBACK")
        holding.conn.close()


# --- writes off the event loop -------------------------------------------------------------


async def test_a_lookup_keeps_its_answers_while_another_process_holds_the_store(
    holder: Holder,
) -> None:
    path, clock, source = holder.path, Clock(), crm()
    store = Store(path)
    holder.lock()
    engine = LookupEngine([source], cache=ResultCache(ttl=60, clock=clock, rows=store))
    profile = await engine.lookup(parse_query(NUMBER))
    assert profile.value("name") == "Maria"
    # Queued, not written: the file has nothing yet, and the store reads the answers as kept.
    assert file_rows(path) == []
    kept = store.cached("details", "CRM", "1")
    assert kept is not None and "Broken" in kept.value and kept.stored_at == clock.now
    assert store.cached_at("matches", "CRM", KEY) == clock.now
    source.calls.clear()
    await engine.lookup(parse_query(NUMBER))
    assert source.calls == []  # memory answered, checked against the queued rows
    holder.release()  # the other process lets go; closing lands what waited
    store.close()
    assert sorted(file_rows(path)) == [("details", "CRM", "1"), ("matches", "CRM", KEY)]


def test_a_forget_queued_behind_an_answer_wins_and_reads_see_it_at_once(holder: Holder) -> None:
    path = holder.path
    with Store(path) as store:
        holder.lock()
        cache = ResultCache(ttl=60, rows=store)
        cache.put_details(("CRM", "1"), Details(tickets=(ticket("CRM", "T1", "x"),)))
        cache.put_details(("CRM", "2"), Details())
        cache.invalidate_record("CRM", "T1")  # a note on her ticket: her details go
        assert store.cached("details", "CRM", "1") is None
        assert store.cached("details", "CRM", "2") is not None
        holder.release()
        assert store.flush_cache(timeout=30)
        assert file_rows(path) == [("details", "CRM", "2")]


def test_a_store_row_named_by_a_queued_forget_reads_as_gone(holder: Holder) -> None:
    path = holder.path
    with Store(path) as store:
        cache = ResultCache(ttl=60, rows=store)
        cache.put_details(("CRM", "1"), Details(tickets=(ticket("CRM", "T1", "x"),)))
        cache.put_details(("CRM", "2"), Details(tickets=(ticket("CRM", "T2", "x"),)))
        assert store.flush_cache(timeout=30) and len(file_rows(path)) == 2
        holder.lock()
        store.forget_cached_record("CRM", "T1")  # waits behind the lock
        assert len(file_rows(path)) == 2
        assert store.cached_at("details", "CRM", "1") is None
        assert store.cached("details", "CRM", "2") is not None
        holder.release()
        assert store.flush_cache(timeout=30)
        assert file_rows(path) == [("details", "CRM", "2")]


# --- a delivery voids what was still queued --------------------------------------------------


def test_a_delivery_another_process_records_voids_the_answers_still_queued_about_it(
    tmp_path: Path,
) -> None:
    path, clock = tmp_path / "state.db", Clock()
    now = datetime(2026, 12, 7, tzinfo=UTC)
    with Store(path) as app, Store(path, clock=lambda: now) as cli:
        cache = ResultCache(ttl=60, clock=clock, rows=app)
        maria = person("CRM", "1", "Maria", phone(NUMBER))
        target = NoteTarget(TargetKind.PERSON, maria.ref)
        [item] = cli.outbox_insert(
            batch="b", kind=ItemKind.NOTE, text="t", targets=[(target, "k")], payload=None, now=now
        )
        # `cx-tui note` records its delivery while the app's answers wait: its transaction
        # holds the write lock, so the app's writer cannot land them before it commits.
        with cli._writing("deliver"):
            cache.put_details(("CRM", "1"), Details(tickets=(ticket("CRM", "T1", "x"),)))
            cache.put_matches("CRM", KEY, (Match(maria, MatchReason.EXACT_E164, 1.0),))
            cache.put_details(("CRM", "2"), Details())
            assert cli.outbox_update(
                item.id, states={ItemState.PENDING}, now=now, state="delivered"
            )
        assert cache.details(("CRM", "1")) is None  # fetched before the note: never shown
        assert cache.details(("CRM", "2")) is not None and cache.matches("CRM", KEY) is not None
        assert app.flush_cache(timeout=30)
        assert sorted(file_rows(path)) == [("details", "CRM", "2"), ("matches", "CRM", KEY)]


def test_the_forget_log_keeps_its_last_entries_and_an_answer_older_than_them_is_void(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rows_module, "FORGET_LOG_LIMIT", 3)
    with Store(tmp_path / "state.db") as store:
        for n in range(5):
            with store._writing("deliver") as conn:
                store._forget_delivered(conn, "CRM", str(n), searches=False)
        conn = store._connection()
        assert [r[0] for r in conn.execute("SELECT seq FROM lookup_cache_forgotten")] == [3, 4, 5]
        log = rows_module.read_forgets(conn, 1)
        assert log.voids(Put("details", "CRM", "9", row(), ("9",), seen=1))  # entries 2 pruned
        assert not log.voids(Put("details", "CRM", "9", row(), ("9",), seen=2))
        assert log.voids(Put("details", "CRM", "3", row(), ("3",), seen=3))  # "3" is entry 4
        assert not log.voids(Put("details", "CRM", "3", row(), ("3",), seen=4))


def test_the_forget_log_voids_only_answers_naming_the_record_or_its_sources_searches() -> None:
    log = ForgetLog([Forgotten(5, "CRM", "1", False), Forgotten(6, "Desk", "7", True)], 1)
    assert log.voids(Put("details", "CRM", "1", row(), ("1", "T1"), seen=4))
    assert log.voids(Put("details", "CRM", "2", row(), ("2", "1"), seen=4))  # names it
    assert not log.voids(Put("details", "CRM", "1", row(), ("1",), seen=5))  # queued after
    assert not log.voids(Put("matches", "CRM", KEY, row(), (), seen=4))  # a note: no search
    assert not log.voids(Put("details", "Desk", "1", row(), ("1",), seen=4))
    assert log.voids(Put("matches", "Desk", KEY, row(), (), seen=4))  # a number added there
    assert not ForgetLog().voids(Put("details", "CRM", "1", row(), ("1",), seen=0))


# --- the queue -----------------------------------------------------------------------------


def test_the_queue_keeps_one_write_per_key_the_latest_in_order() -> None:
    queue = CacheQueue(limit=100)
    for n in range(50):
        queue.add(put("1", f"v{n}"))
    queue.add(put("2"))
    queue.add(put("1", "last"))
    assert [(op.key, op.row.value) for op in queue if isinstance(op, Put)] == [
        ("2", "v"),
        ("1", "last"),
    ]
    queue.add(Forget("details", "CRM", "2"))
    assert [type(op).__name__ for op in queue] == ["Put", "Forget"]


def test_a_forget_drops_the_queued_answers_it_voids_and_stays_queued() -> None:
    queue = CacheQueue(limit=100)
    queue.add(put("1", records=("1", "T1")))
    queue.add(put("2", records=("2",)))
    queue.add(put(KEY, kind="matches"))
    queue.add(ForgetRecord("CRM", "T1"))
    queue.add(ForgetSearches("CRM"))
    assert list(queue) == [
        put("2", records=("2",)),
        ForgetRecord("CRM", "T1"),
        ForgetSearches("CRM"),
    ]
    queue.add(put("1", "again", records=("1", "T1")))  # a later answer lands after the forget
    assert isinstance(list(queue)[-1], Put)


def test_a_batch_put_back_goes_before_what_was_queued_since_and_loses_to_it() -> None:
    queue = CacheQueue(limit=100)
    queue.add(put("1", "old"))
    queue.add(put("2", "old"))
    batch = queue.take()
    queue.add(put("2", "new"))
    queue.put_back(batch)
    assert [(op.key, op.row.value) for op in queue if isinstance(op, Put)] == [
        ("1", "old"),
        ("2", "new"),
    ]


def test_a_full_queue_drops_its_oldest_answer_never_a_forget() -> None:
    queue = CacheQueue(limit=3)
    queue.add(ForgetRecord("CRM", "9"))
    for key in ("1", "2", "3"):
        queue.add(put(key))
    assert [getattr(op, "key", None) for op in queue] == [None, "2", "3"]


def test_overlay_reads_the_queue_as_the_file_will_be() -> None:
    ops = [put("1", "a", records=("1", "T1")), ForgetRecord("CRM", "T9")]
    assert overlay(ops, "details", "CRM", "1", ForgetLog()) == row("a")
    assert overlay([*ops, ForgetRecord("CRM", "T1")], "details", "CRM", "1", ForgetLog()) is None
    unknown = overlay(ops, "details", "CRM", "2", ForgetLog())
    assert isinstance(unknown, Unknown) and unknown.records == {"T9"}
    assert overlay([ForgetSearches("CRM")], "matches", "CRM", KEY, ForgetLog()) is None
    assert isinstance(overlay([ForgetSearches("CRM")], "details", "CRM", "1", ForgetLog()), Unknown)
    voided = ForgetLog([Forgotten(1, "CRM", "1", False)], 1)
    assert overlay(ops, "details", "CRM", "1", voided) is None


# --- pruning ------------------------------------------------------------------------------


def test_the_prune_schedule_waits_for_enough_answers_or_enough_time() -> None:
    now = [0.0]
    schedule = PruneSchedule(every=3, interval=60, clock=lambda: now[0])
    assert schedule.due()  # a process's first batch prunes
    schedule.kept(1, pruned=True)
    assert not schedule.due()
    schedule.kept(1, pruned=False)
    assert not schedule.due()
    schedule.kept(1, pruned=False)
    assert schedule.due()  # three answers since
    schedule.kept(2, pruned=True)
    assert not schedule.due()
    now[0] = 60.0
    assert schedule.due()  # a minute since


def test_expired_rows_go_on_the_schedule_not_with_every_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_module, "PRUNE_EVERY", 3)
    monkeypatch.setattr(writer_module, "PRUNE_INTERVAL", 1e9)
    path = tmp_path / "state.db"
    with Store(path) as store:

        def keep(key: str, at: float, expires: float) -> None:
            store.keep_cached("details", "CRM", key, ("f", "v", at, expires))
            assert store.flush_cache(timeout=30)

        keep("old", 100, 150)  # the first batch prunes (nothing has expired yet)
        keep("a", 200, 1e12)  # "old" has expired: it stays until pruning is due
        keep("b", 300, 1e12)
        assert ("details", "CRM", "old") in file_rows(path)
        keep("c", 400, 1e12)  # three answers since the last pruning
        assert ("details", "CRM", "old") not in file_rows(path)
        assert len(file_rows(path)) == 3


def test_pruning_reads_the_expiry_index(tmp_path: Path) -> None:
    with Store(tmp_path / "state.db") as store:
        plan = store._connection().execute(
            "EXPLAIN QUERY PLAN DELETE FROM lookup_cache WHERE expires_at < ?", (1.0,)
        )
        steps = [str(r[3]) for r in plan]
        assert "SEARCH lookup_cache USING COVERING INDEX lookup_cache_expires (expires_at<?)" in (
            steps
        )
        assert not any(step.startswith("SCAN lookup_cache") for step in steps)


# --- one forget per delivery ----------------------------------------------------------------


@pytest.mark.parametrize("in_store", [True, False], ids=["store", "memory-only"])
async def test_a_delivered_note_is_forgotten_once_and_its_source_re_read_exactly_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_store: bool
) -> None:
    source, clock = crm(), Clock()
    with Store(tmp_path / "state.db") as store:
        cache = ResultCache(ttl=60, clock=clock, rows=store if in_store else None)
        engine = LookupEngine([source], cache=cache)
        profile = await engine.lookup(parse_query(NUMBER))
        forgets: list[str] = []
        for name in ("forget_cached_record", "forget_cached_searches", "forget_cached"):
            monkeypatch.setattr(store, name, lambda *a, n=name: forgets.append(n))
        delivered: list[tuple[str, str]] = []
        real = rows_module.forget_written

        def forget_written(conn: sqlite3.Connection, s: str, r: str, *, searches: bool) -> None:
            delivered.append((s, r))
            real(conn, s, r, searches=searches)

        monkeypatch.setattr(rows_module, "forget_written", forget_written)
        target = NoteTarget(TargetKind.PERSON, profile.matches[0].person.ref)
        delivery = Delivery(store, engine)
        states = [state async for _target, state, _message in delivery.send("hi", [target])]
        await delivery.stop()
        assert states == ["queued", "delivered"]
        # Once, in the delivery's transaction; the store's cache writes were not asked again.
        assert delivered == [("CRM", "1")] and forgets == []
        source.calls.clear()
        await engine.lookup(parse_query(NUMBER))
        await engine.lookup(parse_query(NUMBER))
    assert source.calls == ["details:1"]  # re-read by the next lookup, and only by it


def test_a_batch_that_fails_outside_sqlite_is_dropped_and_the_writer_goes_on(
    tmp_path: Path,
) -> None:
    """A bug in one batch (not the store's refusal) must not stop the thread: later answers
    still land."""
    import sqlite3

    from cx_tui.store.cache_queue import ForgetSearches
    from cx_tui.store.cache_writer import CacheWriter

    path = tmp_path / "state.db"
    sqlite3.connect(path).close()
    applied: list[str] = []

    def apply(conn: sqlite3.Connection, ops: list[object], prune: bool) -> None:
        names = [op.source for op in ops if isinstance(op, ForgetSearches)]
        if "broken" in names:
            raise ValueError("a row that will not encode")
        applied.extend(names)

    writer = CacheWriter(path, apply)  # type: ignore[arg-type]
    writer.submit(ForgetSearches("broken"))
    assert writer.flush(5.0)
    writer.submit(ForgetSearches("Demo CRM"))
    assert writer.flush(5.0)
    writer.close()
    assert applied == ["Demo CRM"]
