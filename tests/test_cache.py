"""Stale-while-revalidate: a repeat lookup paints from the cache, then refreshes when stale."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cx_tui.cache import ResultCache, query_key
from cx_tui.connectors.base import Capability
from cx_tui.delivery import Delivery
from cx_tui.identity import parse_query
from cx_tui.lookup import DetailsLoaded, LookupEngine, SourceAnswered
from cx_tui.models import Details, NoteReceipt, NoteTarget, TargetKind
from cx_tui.store import Store
from tests.fakes import FakeConnector, email, person, phone, ticket

NUMBER = "+14155550132"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def source(name: str = "CRM", subject: str = "Broken") -> FakeConnector:
    p = person(name, "1", "Maria", phone(NUMBER), email("maria@example.com"))
    return FakeConnector(
        fake_name=name, people=[p], details={"1": Details(tickets=(ticket(name, "T1", subject),))}
    )


async def updates(engine: LookupEngine, text: str = NUMBER) -> list[object]:
    return [u async for u in engine.stream(parse_query(text))]


async def test_fresh_repeat_lookup_asks_nobody() -> None:
    crm, clock = source(), Clock()
    engine = LookupEngine([crm], cache=ResultCache(ttl=60, clock=clock))
    await engine.lookup(parse_query(NUMBER))
    calls = list(crm.calls)
    clock.now += 30
    second = await updates(engine, "(415) 555-0132".replace("(", "+1 ("))
    assert crm.calls == calls  # no new request
    answered = [u for u in second if isinstance(u, SourceAnswered)]
    assert answered and all(u.cached for u in answered)
    assert any(isinstance(u, DetailsLoaded) and u.cached for u in second)


async def test_stale_entry_is_shown_then_refreshed() -> None:
    crm, clock = source(), Clock()
    engine = LookupEngine([crm], cache=ResultCache(ttl=60, clock=clock))
    await engine.lookup(parse_query(NUMBER))
    crm.details["1"] = Details(tickets=(ticket("CRM", "T1", "Fixed now"),))
    clock.now += 61
    second = await updates(engine)
    loaded = [u for u in second if isinstance(u, DetailsLoaded)]
    assert [u.cached for u in loaded] == [True, False]
    assert loaded[-1].details.tickets[0].subject == "Fixed now"
    profile = await engine.lookup(parse_query(NUMBER))
    assert profile.tickets[0].subject == "Fixed now"


async def test_a_note_invalidates_that_person() -> None:
    crm, clock = source(), Clock()
    engine = LookupEngine([crm], cache=ResultCache(ttl=60, clock=clock))
    profile = await engine.lookup(parse_query(NUMBER))
    ref = profile.matches[0].person.ref
    engine.cache.invalidate_record(ref.connector, ref.record_id)  # a delivery's forget
    before = crm.calls.count("details:1")
    await engine.lookup(parse_query(NUMBER))
    assert crm.calls.count("details:1") == before + 1


class NoteTaker(FakeConnector):
    """Takes person notes, and says so."""

    capabilities = FakeConnector.capabilities | Capability.PERSON_NOTES

    async def add_note(self, target: NoteTarget, text: str, idempotency_key: str) -> NoteReceipt:
        self.calls.append(f"note:{target.ref.record_id}")
        return NoteReceipt(target.ref, datetime.now(UTC))


async def test_a_note_delivered_through_the_outbox_invalidates_that_person(tmp_path: Path) -> None:
    crm = NoteTaker(
        fake_name="CRM",
        people=[person("CRM", "1", "Maria", phone(NUMBER))],
        details={"1": Details(tickets=(ticket("CRM", "T1", "Broken"),))},
    )
    engine = LookupEngine([crm], cache=ResultCache(ttl=60))
    profile = await engine.lookup(parse_query(NUMBER))
    assert engine.cache.details(("CRM", "1")) is not None
    target = NoteTarget(TargetKind.PERSON, profile.matches[0].person.ref)
    with Store(tmp_path / "state.db") as store:
        delivery = Delivery(store, engine)
        states = [state async for _target, state, _message in delivery.send("hi", [target])]
        await delivery.stop()
    assert states == ["queued", "delivered"] and "note:1" in crm.calls
    assert engine.cache.details(("CRM", "1")) is None


async def test_ttl_zero_disables_the_cache() -> None:
    crm = source()
    engine = LookupEngine([crm], cache=ResultCache(ttl=0))
    await engine.lookup(parse_query(NUMBER))
    await engine.lookup(parse_query(NUMBER))
    assert crm.calls.count(f"find:{NUMBER}") == 2


def test_cache_key_is_the_normalised_value() -> None:
    assert query_key(parse_query("+1 415 555 0132")) == query_key(
        parse_query("(415) 555-0132", "US")
    )
    assert query_key(parse_query("A@Example.com")) == query_key(parse_query("a@example.com"))
    assert query_key(parse_query("+1 212 555 0100 x2")) != query_key(parse_query("+1 212 555 0100"))


async def test_failures_are_not_cached() -> None:
    from cx_tui.connectors.base import Unavailable

    crm = source()
    crm.error = Unavailable("down")
    engine = LookupEngine([crm], cache=ResultCache(ttl=60))
    await engine.lookup(parse_query(NUMBER))
    crm.error = None
    profile = await engine.lookup(parse_query(NUMBER))
    assert profile.value("name") == "Maria"
