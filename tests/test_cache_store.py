"""The lookup cache in the store: a restart paints from it, writes forget it, it stays bounded,
a damaged row is a miss, two processes share it, and no token ever reaches it."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cx_tui.cache import ResultCache
from cx_tui.config import parse_config
from cx_tui.connectors.base import Capability
from cx_tui.delivery import Delivery
from cx_tui.identity import Query, parse_query
from cx_tui.lookup import DetailsLoaded, LookupEngine, SourceAnswered, Update
from cx_tui.models import (
    Details,
    Match,
    MatchReason,
    NoteReceipt,
    NoteTarget,
    PartFailure,
    SourceState,
    TargetKind,
    codec,
)
from cx_tui.sources import build_engine
from cx_tui.store import ItemKind, ItemState, Store
from cx_tui.store import lookup_cache as rows_module
from tests.connectors.vendor_fakes import HubSpotFake
from tests.fakes import FakeConnector, email, person, phone, ticket

NUMBER = "+14155550132"
KEY = f"phone:{NUMBER};ext="
REPO = Path(__file__).resolve().parent.parent
HOUR = 3600.0


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class CRM(FakeConnector):
    """Maria in a CRM that takes notes; with `gate` set, every search waits for it."""

    capabilities = FakeConnector.capabilities | Capability.PERSON_NOTES
    gate: asyncio.Event | None = None

    async def find_people(self, query: Query) -> Sequence[Match]:
        if self.gate is not None:
            self.calls.append("waiting")
            await self.gate.wait()
        return await super().find_people(query)

    async def add_note(self, target: NoteTarget, text: str, idempotency_key: str) -> NoteReceipt:
        self.calls.append(f"note:{target.ref.record_id}")
        return NoteReceipt(target.ref, datetime.now(UTC))


def crm(subject: str = "Broken") -> CRM:
    maria = person("CRM", "1", "Maria", phone(NUMBER), email("maria@example.com"))
    return CRM(
        fake_name="CRM",
        people=[maria],
        details={"1": Details(tickets=(ticket("CRM", "T1", subject),))},
    )


def engine_on(store: Store, source: FakeConnector, clock: Clock) -> LookupEngine:
    return LookupEngine([source], cache=ResultCache(ttl=60, clock=clock, rows=store))


async def warm(path: Path, clock: Clock) -> None:
    """A first run that looked Maria up, then ended."""
    with Store(path) as store:
        await engine_on(store, crm(), clock).lookup(parse_query(NUMBER))
        assert store.cached_rows() == 2  # her search and her details


async def test_after_a_restart_a_stale_answer_paints_before_the_vendor_answers(
    tmp_path: Path,
) -> None:
    path, clock = tmp_path / "state.db", Clock()
    await warm(path, clock)
    clock.now += 3 * HOUR
    source = crm("Fixed now")
    source.gate = asyncio.Event()
    with Store(path) as store:  # a new process: a new store on the same file, a new engine
        engine = engine_on(store, source, clock)
        builder = engine.new_builder(parse_query(NUMBER))
        seen: list[Update] = []
        stream = engine.stream(parse_query(NUMBER), into=builder)
        async for update in stream:
            seen.append(update)
            if isinstance(update, DetailsLoaded):
                break
        # Painted from the store; the refresh is asked and has not been answered.
        deadline = asyncio.get_running_loop().time() + 10
        while "waiting" not in source.calls and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.001)
        assert "waiting" in source.calls and f"find:{NUMBER}" not in source.calls
        answered = next(u for u in seen if isinstance(u, SourceAnswered))
        assert answered.cached and answered.stale_for == pytest.approx(3 * HOUR)
        assert [m.person.name for m in answered.matches] == ["Maria"]
        assert builder.status["CRM"].message == "from cache, 3 h ago"
        assert builder.build().tickets[0].subject == "Broken"
        source.gate.set()  # the vendor answers: the background refresh replaces it
        async for update in stream:
            seen.append(update)
    fresh = [u for u in seen if isinstance(u, SourceAnswered) and not u.cached]
    assert len(fresh) == 1 and builder.status["CRM"].message == ""
    assert builder.build().tickets[0].subject == "Fixed now"
    with Store(path) as store:  # and the refreshed answer is what the next run finds
        row = store.cached("details", "CRM", "1")
        assert row is not None and "Fixed now" in row.value and row.stored_at == clock.now


async def test_after_a_restart_a_fresh_answer_asks_nobody(tmp_path: Path) -> None:
    path, clock = tmp_path / "state.db", Clock()
    await warm(path, clock)
    clock.now += 30
    source = crm()
    with Store(path) as store:
        profile = await engine_on(store, source, clock).lookup(parse_query(NUMBER))
    assert source.calls == []
    assert profile.value("name") == "Maria" and profile.tickets[0].subject == "Broken"
    assert profile.sources["CRM"].message == ""  # fresh: nothing to say


async def test_an_answer_older_than_the_max_age_is_never_shown_and_goes(tmp_path: Path) -> None:
    path, clock = tmp_path / "state.db", Clock()
    await warm(path, clock)
    clock.now += 25 * HOUR
    source = crm()
    with Store(path) as store:
        cache = ResultCache(ttl=60, clock=clock, rows=store)
        assert cache.matches("CRM", KEY) is None and cache.details(("CRM", "1")) is None
        assert store.cached_rows() == 0
        updates = [u async for u in LookupEngine([source], cache=cache).stream(parse_query(NUMBER))]
    assert not any(getattr(u, "cached", False) for u in updates)
    assert source.calls == [f"find:{NUMBER}", "details:1"]


async def test_ttl_ages_a_stored_answer_as_it_ages_one_in_memory(tmp_path: Path) -> None:
    clock = Clock()
    with Store(tmp_path / "state.db") as store:
        cache = ResultCache(ttl=60, clock=clock, rows=store)
        cache.put_details(("CRM", "1"), Details())
        clock.now += 60
        assert ResultCache(ttl=60, clock=clock, rows=store).details(("CRM", "1")) == (
            cache.details(("CRM", "1"))
        )
        entry = ResultCache(ttl=60, clock=clock, rows=store).details(("CRM", "1"))
        assert entry is not None and entry.fresh
        clock.now += 1
        entry = ResultCache(ttl=60, clock=clock, rows=store).details(("CRM", "1"))
        assert entry is not None and not entry.fresh and entry.age == 61


async def test_a_delivered_note_forgets_the_person_in_the_store_too(tmp_path: Path) -> None:
    path, clock = tmp_path / "state.db", Clock()
    source = crm()
    with Store(path) as store:
        engine = engine_on(store, source, clock)
        profile = await engine.lookup(parse_query(NUMBER))
        target = NoteTarget(TargetKind.PERSON, profile.matches[0].person.ref)
        delivery = Delivery(store, engine)
        states = [state async for _target, state, _message in delivery.send("hi", [target])]
        await delivery.stop()
        assert states == ["queued", "delivered"]
        assert store.cached("details", "CRM", "1") is None
        assert store.cached("matches", "CRM", KEY) is not None  # a note finds nobody new
    source.calls.clear()
    with Store(path) as store:
        await engine_on(store, source, clock).lookup(parse_query(NUMBER))
    assert source.calls == ["details:1"]


async def test_a_write_another_process_delivered_is_not_shown_from_memory(tmp_path: Path) -> None:
    path, clock = tmp_path / "state.db", Clock()
    source = crm()
    with Store(path) as app, Store(path) as cli:
        engine = engine_on(app, source, clock)
        profile = await engine.lookup(parse_query(NUMBER))
        # `cx-tui note` in another terminal (its engine's cache in memory only) delivers a
        # note to Maria's ticket: the store forgets her as it records the delivery.
        target = NoteTarget(TargetKind.TICKET, profile.tickets[0].ref)
        delivery = Delivery(cli, LookupEngine([crm()], cache=ResultCache(ttl=60)))
        [_ async for _ in delivery.send("hi", [target])]
        await delivery.stop()
        source.calls.clear()
        await engine.lookup(parse_query(NUMBER))
    assert source.calls == ["details:1"]  # the app's memory held her; the store said no


async def test_the_store_keeps_at_most_its_limit_the_oldest_going_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rows_module, "CACHE_ROWS_LIMIT", 5)
    clock = Clock()
    with Store(tmp_path / "state.db") as store:
        cache = ResultCache(ttl=60, clock=clock, rows=store)
        for n in range(8):
            clock.now += 1
            cache.put_details(("CRM", str(n)), Details(tickets=(ticket("CRM", f"T{n}", "x"),)))
        assert store.cached_rows() == 5
        kept = [n for n in range(8) if store.cached("details", "CRM", str(n)) is not None]
        assert kept == [3, 4, 5, 6, 7]
        # The index of named records went with its rows.
        conn = store._connection()
        assert conn.execute("SELECT count(*) FROM lookup_cache_records").fetchone()[0] == 10
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_an_answer_too_large_for_the_store_stays_in_memory_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rows_module, "CACHE_VALUE_LIMIT", 100)
    with Store(tmp_path / "state.db") as store:
        cache = ResultCache(ttl=60, rows=store)
        cache.put_details(("CRM", "1"), Details(tickets=(ticket("CRM", "T1", "x" * 200),)))
        assert store.cached_rows() == 0
        entry = cache.details(("CRM", "1"))
        assert entry is not None and entry.value.tickets[0].subject == "x" * 200


@pytest.mark.parametrize(
    ("form", "value"),
    [
        (codec.FORMAT, "{not json"),
        ("1", codec.dumps(Details())),  # an older cx-tui's layout
        (codec.FORMAT, '{"$t": "Popen", "args": ["rm"]}'),
        (codec.FORMAT, codec.dumps((Details(),))),  # a search row holding no matches
        (codec.FORMAT, '{"$t": "Details", "tickets": "abc"}'),
        (codec.FORMAT, "[" * 5000 + "]" * 5000),
    ],
)
async def test_a_damaged_row_is_a_miss_and_is_deleted(
    tmp_path: Path, form: str, value: str
) -> None:
    clock = Clock()
    with Store(tmp_path / "state.db") as store:
        for kind, key in (("matches", KEY), ("details", "1")):
            store.keep_cached(kind, "CRM", key, (form, value, clock.now, clock.now + HOUR))
        source = crm()
        profile = await engine_on(store, source, clock).lookup(parse_query(NUMBER))
        assert profile.value("name") == "Maria" and profile.tickets[0].subject == "Broken"
        assert source.calls == [f"find:{NUMBER}", "details:1"]
        row = store.cached("matches", "CRM", KEY)  # replaced by the vendor's answer
        assert row is not None and row.format == codec.FORMAT and "Maria" in row.value


async def test_partial_details_are_shown_but_not_kept(tmp_path: Path) -> None:
    source = crm()
    source.details["1"] = Details(failed_parts=(PartFailure("tickets", "CRM answered 500"),))
    with Store(tmp_path / "state.db") as store:
        engine = engine_on(store, source, Clock())
        await engine.lookup(parse_query(NUMBER))
        await engine.lookup(parse_query(NUMBER))
        assert store.cached("details", "CRM", "1") is None
    assert source.calls.count("details:1") == 2


async def test_a_store_that_fails_is_a_miss_never_an_error(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db")
    source = crm()
    engine = engine_on(store, source, Clock())
    await engine.lookup(parse_query(NUMBER))
    store.close()  # every read and write of the rows now raises StoreError
    profile = await engine.lookup(parse_query(NUMBER))
    assert profile.value("name") == "Maria"
    assert source.calls == [f"find:{NUMBER}", "details:1"]  # memory still answered
    engine.cache.invalidate_record(*profile.matches[0].person.ref.key)
    await engine.lookup(parse_query(NUMBER))
    assert source.calls.count("details:1") == 2


_WRITER = """
import sys
from cx_tui.cache import ResultCache
from cx_tui.models import Details, Ticket, SourceRef, TicketStatus
from datetime import datetime, UTC
from cx_tui.store import Store
path, who = sys.argv[1], sys.argv[2]
with Store(path) as store:
    cache = ResultCache(ttl=60, rows=store)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(150):
        t = Ticket(SourceRef(who, f"T{n}"), "x" * 500, TicketStatus.OPEN, at, at)
        cache.put_details((who, str(n)), Details(tickets=(t,)))
        if n % 10 == 0:
            cache.invalidate_record(who, f"T{n - 5}")
"""


def test_two_processes_writing_the_cache_at_once_leave_a_sound_store(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    Store(path).close()
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), who], cwd=REPO)
        for who in ("A", "B")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    with Store(path) as store:
        conn = store._connection()
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        cache = ResultCache(ttl=1e9, rows=store)
        for who in ("A", "B"):
            entries = {n: cache.details((who, str(n))) for n in range(150)}
            kept = {n: e for n, e in entries.items() if e is not None}
            # Each process's answers are readable by another (a write skipped while the other
            # held the store too long is only a miss), and an invalidated one is gone.
            assert len(kept) > 75 and 5 not in kept and 135 not in kept
            assert all(e.value.tickets[0].ref.key == (who, f"T{n}") for n, e in kept.items())


TOKEN = "pat-na1-" + secrets.token_hex(16)
"""A HubSpot-shaped token made per run, so the file cannot hold it by coincidence."""


async def test_no_token_reaches_the_cache_rows_or_the_file(tmp_path: Path) -> None:
    fake = HubSpotFake(token=TOKEN)
    fake.add("contacts", "101", firstname="Maria", lastname="Gonzalez", phone="+1 415 555 0132")
    document = {
        "connectors": [
            {"name": "Acme HubSpot", "type": "hubspot", "base_url": "http://127.0.0.1:9"}
        ]
    }
    config = parse_config(document, env={})
    path = tmp_path / "state.db"
    with Store(path) as store:
        engine = build_engine(
            config,
            env={"CX_TUI_SECRET_ACME_HUBSPOT": TOKEN},
            transport=fake.transport(),
            cache_rows=store,
        )
        profile = await engine.lookup(parse_query("+1 415 555 0132"))
        await engine.aclose()
        assert profile.value("name") == "Maria Gonzalez"
        assert profile.sources["Acme HubSpot"].state is SourceState.FOUND
        assert store.cached_rows() == 2  # the search and the details are in the file
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("state.db"))
    assert b"Gonzalez" in raw
    for secret in (TOKEN, TOKEN[8:], "Bearer"):
        assert secret.encode() not in raw
    conn = sqlite3.connect(path)
    values = " ".join(str(v) for row in conn.execute("SELECT * FROM lookup_cache") for v in row)
    conn.close()
    assert TOKEN not in values and "7f3c9a1e" not in values


@pytest.mark.parametrize(
    ("kind", "searches_kept"), [(ItemKind.NOTE, True), (ItemKind.ADD_PHONE, False)]
)
def test_recording_a_delivery_forgets_what_it_changed(
    tmp_path: Path, kind: ItemKind, searches_kept: bool
) -> None:
    clock = Clock()
    now = datetime(2026, 12, 7, tzinfo=UTC)
    with Store(tmp_path / "state.db", clock=lambda: now) as store:
        cache = ResultCache(ttl=60, clock=clock, rows=store)
        maria = person("CRM", "1", "Maria", phone(NUMBER))
        cache.put_matches("CRM", KEY, (Match(maria, MatchReason.EXACT_E164, 1.0),))
        cache.put_details(("CRM", "1"), Details(tickets=(ticket("CRM", "T1", "x"),)))
        cache.put_details(("CRM", "2"), Details())
        cache.put_matches("Helpdesk", KEY, ())
        target = NoteTarget(TargetKind.PERSON, maria.ref)
        [item] = store.outbox_insert(
            batch="b", kind=kind, text="t", targets=[(target, "k")], payload=None, now=now
        )
        assert store.cached_rows() == 4
        store.outbox_update(item.id, states={ItemState.PENDING}, now=now, state="delivered")
        assert store.cached("details", "CRM", "1") is None
        assert store.cached("details", "CRM", "2") is not None
        assert store.cached("matches", "Helpdesk", KEY) is not None
        assert (store.cached("matches", "CRM", KEY) is not None) is searches_kept


async def test_the_app_keeps_its_lookup_cache_in_its_store_across_a_restart() -> None:
    from cx_tui.services import Services

    config = parse_config({}, env={})  # the demo sources
    first = Services(config)
    assert first.store is not None and first.engine.cache.rows is first.store
    await first.engine.lookup(parse_query(NUMBER))
    await first.aclose()
    second = Services(config)  # the app started again
    try:
        for source in second.engine.source_names:
            entry = second.engine.cache.matches(source, KEY)
            assert entry is not None and entry.fresh
            assert [m.person.name for m in entry.value] == ["Maria Gonzalez"]
    finally:
        await second.aclose()
