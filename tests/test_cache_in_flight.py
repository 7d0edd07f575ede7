"""An answer asked for before a delivery and answered after it is shown to the lookup that
asked, never kept: the next lookup reads the source again (memory only, with the store behind
the memory, and when another process delivered)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cx_tui.cache import ResultCache
from cx_tui.connectors.base import Capability
from cx_tui.delivery import Delivery
from cx_tui.identity import parse_query
from cx_tui.lookup import LookupEngine
from cx_tui.models import Details, Match, NoteReceipt, NoteTarget, Profile, SourceRef, TargetKind
from cx_tui.store import Store
from tests.fakes import FakeConnector, email, person, phone, ticket

NUMBER = "+14155550132"
MARIA = SourceRef("CRM", "1")


class CRM(FakeConnector):
    """Maria in a CRM that takes notes. Details are read as the request starts and, while
    `hold` is set, answered only once it is released (a vendor slow today); a note changes
    what the next request reads."""

    capabilities = FakeConnector.capabilities | Capability.PERSON_NOTES
    hold: asyncio.Event | None = None

    async def get_details(self, match: Match) -> Details:
        self.calls.append(f"details:{match.person.ref.record_id}")
        answer = self.details.get(match.person.ref.record_id, Details())  # as it is now
        held, self.hold = self.hold, None
        if held is not None:
            await held.wait()
        return answer

    async def add_note(self, target: NoteTarget, text: str, idempotency_key: str) -> NoteReceipt:
        self.calls.append(f"note:{target.ref.record_id}")
        self.details[target.ref.record_id] = Details(tickets=(ticket("CRM", "T1", text),))
        return NoteReceipt(target.ref, datetime.now(UTC))


def crm() -> CRM:
    maria = person("CRM", "1", "Maria", phone(NUMBER), email("maria@example.com"))
    return CRM(
        fake_name="CRM",
        people=[maria],
        details={"1": Details(tickets=(ticket("CRM", "T1", "Broken"),))},
    )


def clock() -> float:
    return 1_800_000_000.0  # never moves: every answer kept stays fresh


def subject(profile: Profile) -> str:
    return profile.tickets[0].subject


async def until(done: Callable[[], bool]) -> None:
    deadline = asyncio.get_running_loop().time() + 10
    while not done():
        assert asyncio.get_running_loop().time() < deadline, "gave up waiting"
        await asyncio.sleep(0.001)


async def deliver_during_details(engine: LookupEngine, source: CRM, delivery: Delivery) -> None:
    """Lookup 1 asks for Maria's details; while they are on their way a note to her is
    delivered; then they arrive (without the note)."""
    release = source.hold = asyncio.Event()
    first = asyncio.ensure_future(engine.lookup(parse_query(NUMBER)))
    await until(lambda: "details:1" in source.calls)
    target = NoteTarget(TargetKind.PERSON, MARIA)
    states = [state async for _t, state, _m in delivery.send("Refund sent", [target])]
    assert states == ["queued", "delivered"]
    release.set()
    profile = await first
    assert subject(profile) == "Broken"  # the lookup that asked still sees its answer


@pytest.mark.asyncio
async def test_memory_only_the_next_lookup_reads_the_source_again(tmp_path: Path) -> None:
    source = crm()
    engine = LookupEngine([source], cache=ResultCache(ttl=60, clock=clock))
    with Store(tmp_path / "state.db") as store:  # the outbox's; the cache is memory only
        delivery = Delivery(store, engine)
        await deliver_during_details(engine, source, delivery)
        await delivery.stop()
    source.calls.clear()
    again = await engine.lookup(parse_query(NUMBER))
    assert source.calls == ["details:1"]  # the search was kept; the details were not
    assert subject(again) == "Refund sent"
    source.calls.clear()
    await engine.lookup(parse_query(NUMBER))
    assert source.calls == []  # and the answer asked for after the note is kept


@pytest.mark.asyncio
async def test_with_the_store_the_answer_is_kept_neither_in_memory_nor_in_the_file(
    tmp_path: Path,
) -> None:
    path, source = tmp_path / "state.db", crm()
    with Store(path) as store:
        engine = LookupEngine([source], cache=ResultCache(ttl=60, clock=clock, rows=store))
        delivery = Delivery(store, engine)
        await deliver_during_details(engine, source, delivery)
        await delivery.stop()
        store.flush_cache()
        assert store.cached("details", "CRM", "1") is None
        source.calls.clear()
        again = await engine.lookup(parse_query(NUMBER))
        assert source.calls == ["details:1"] and subject(again) == "Refund sent"
    source.calls.clear()
    with Store(path) as store:  # the next start paints the answer asked for after the note
        restarted = LookupEngine([source], cache=ResultCache(ttl=60, clock=clock, rows=store))
        assert subject(await restarted.lookup(parse_query(NUMBER))) == "Refund sent"
    assert source.calls == []


@pytest.mark.asyncio
async def test_a_delivery_in_another_process_voids_the_answer_in_flight(tmp_path: Path) -> None:
    path, source = tmp_path / "state.db", crm()
    with Store(path) as app, Store(path) as cli:
        engine = LookupEngine([source], cache=ResultCache(ttl=60, clock=clock, rows=app))
        # `cx-tui note` in another terminal: its own engine, its cache in memory only; the
        # store logs the delivery it records.
        delivery = Delivery(cli, LookupEngine([source], cache=ResultCache(ttl=60)))
        await deliver_during_details(engine, source, delivery)
        await delivery.stop()
        source.calls.clear()
        again = await engine.lookup(parse_query(NUMBER))
        assert source.calls == ["details:1"] and subject(again) == "Refund sent"
        app.flush_cache()
        row = app.cached("details", "CRM", "1")
        assert row is not None and "Refund sent" in row.value


@pytest.mark.asyncio
async def test_a_stale_answer_refreshed_across_a_delivery_is_not_kept() -> None:
    now = [1_800_000_000.0]
    source = crm()
    cache = ResultCache(ttl=60, clock=lambda: now[0])
    engine = LookupEngine([source], cache=cache)
    await engine.lookup(parse_query(NUMBER))
    now[0] += 61  # stale: shown, and asked again in the background
    release = source.hold = asyncio.Event()
    refresh = asyncio.ensure_future(engine.lookup(parse_query(NUMBER)))
    await until(lambda: source.calls.count("details:1") == 2)
    cache.forget_delivered("CRM", "1")  # what `Delivery` does once a note is delivered
    release.set()
    await refresh
    assert cache.details(("CRM", "1")) is None


def test_an_answer_asked_for_before_forgets_were_dropped_is_not_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cx_tui import cache as cache_module

    monkeypatch.setattr(cache_module, "FORGETS_KEPT", 2)
    cache = ResultCache(ttl=60, clock=clock)
    assert cache.details(("CRM", "1")) is None  # the request starts
    for record in ("7", "8", "9"):  # other records' forgets push out what it could check
        cache.forget_delivered("CRM", record)
    cache.put_details(("CRM", "1"), Details())
    assert cache.details(("CRM", "1")) is None
    cache.put_details(("CRM", "1"), Details())  # asked for after them: kept
    assert cache.details(("CRM", "1")) is not None


def test_a_forget_of_another_record_or_source_keeps_the_answer() -> None:
    cache = ResultCache(ttl=60, clock=clock)
    assert cache.details(("CRM", "1")) is None and cache.matches("CRM", "q") is None
    cache.forget_delivered("CRM", "2")
    cache.forget_delivered("Desk", "1", searches=True)
    cache.put_details(("CRM", "1"), Details(tickets=(ticket("CRM", "T1", "Broken"),)))
    cache.put_matches("CRM", "q", ())
    assert cache.details(("CRM", "1")) is not None and cache.matches("CRM", "q") is not None


def test_a_note_to_a_ticket_the_answer_names_voids_it_and_a_new_number_voids_searches() -> None:
    cache = ResultCache(ttl=60, clock=clock)
    assert cache.details(("CRM", "1")) is None and cache.matches("CRM", "q") is None
    cache.forget_delivered("CRM", "T1", searches=True)
    cache.put_details(("CRM", "1"), Details(tickets=(ticket("CRM", "T1", "Broken"),)))
    cache.put_matches("CRM", "q", ())
    assert cache.details(("CRM", "1")) is None and cache.matches("CRM", "q") is None
