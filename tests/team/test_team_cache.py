"""The shared cache on a real Redis: single-flight, invalidation on write, what it stores."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from cx_tui.identity import parse_query
from cx_tui.models import (
    Details,
    Match,
    MatchReason,
    NoteTarget,
    Person,
    SourceRef,
    TargetKind,
    Ticket,
    TicketStatus,
    codec,
)
from tests.team.agents import NAME, PHONE, agent, hubspot_fake, searches
from tests.team.conftest import RedisServer

KEY = "0b7e4c2a-5d2f-4f57-9a0c-3c1f7d2e9b41"


async def test_ten_agents_asking_one_number_at_once_send_one_search(
    redis_server: RedisServer,
) -> None:
    fake = hubspot_fake()
    agents = [agent(redis_server.url, fake, delay=0.2) for _ in range(10)]
    query = parse_query(PHONE, "US")
    profiles = await asyncio.gather(*(a.engine.lookup(query) for a in agents))
    assert searches(fake) == 1
    assert {p.matches[0].person.ref.record_id for p in profiles} == {"101"}
    # Details too: the ten together read the person's associations once.
    assert len(fake.calls_to("POST", r"/associations/contacts/companies/batch/read")) == 1
    assert [a.team.cache.fetches for a in agents].count(0) >= 8


async def test_a_failed_fetch_lets_the_next_agent_try(redis_server: RedisServer) -> None:
    one = agent(redis_server.url, hubspot_fake())
    calls = 0
    leading = asyncio.Event()

    async def failing() -> tuple[Match, ...]:
        nonlocal calls
        calls += 1
        leading.set()
        await asyncio.sleep(0.05)
        raise RuntimeError("vendor down")

    async def working() -> tuple[Match, ...]:
        nonlocal calls
        calls += 1
        return ()

    cache = one.team.cache
    first = asyncio.create_task(cache.matches("acct", NAME, "phone:+14155550132", failing))
    await asyncio.wait_for(leading.wait(), 10)  # the first agent holds the flight
    second = cache.matches("acct", NAME, "phone:+14155550132", working)
    assert await second == ()
    with pytest.raises(RuntimeError):
        await first
    assert calls == 2


async def test_a_note_written_by_one_agent_is_fresh_for_every_agent(
    redis_server: RedisServer,
) -> None:
    fake = hubspot_fake()
    writer, reader = agent(redis_server.url, fake), agent(redis_server.url, fake)
    query = parse_query(PHONE, "US")
    await writer.engine.lookup(query)
    before = len(fake.calls)
    await reader.engine.lookup(query)
    assert len(fake.calls) == before  # the reader was served from the team cache
    target = NoteTarget(TargetKind.PERSON, SourceRef(NAME, "101"))
    # What the outbox worker does: the note goes through the engine's connector.
    [source] = writer.engine.connectors
    await source.add_note(target, "Router replaced, caller happy", KEY)
    profile = await reader.engine.lookup(query)
    assert searches(fake) == 1  # who matches did not change
    assert any("Router replaced" in i.summary for i in profile.timeline)


@pytest.mark.parametrize("write", ["note", "new contact"])
async def test_an_answer_asked_for_before_a_write_is_returned_but_not_shared(
    redis_server: RedisServer, write: str
) -> None:
    cache = agent(redis_server.url, hubspot_fake()).team.cache
    record, search = "101", "phone:+14155550132"
    asked: list[str] = []
    release = asyncio.Event()

    async def held() -> Details:
        asked.append("details")
        await release.wait()
        return Details(tickets=())  # read before the write: without it

    async def after() -> Details:
        asked.append("details")
        return Details()

    async def found() -> tuple[Match, ...]:
        asked.append("search")
        return ()

    in_flight = asyncio.ensure_future(cache.details("acct", NAME, record, held))
    searching = asyncio.ensure_future(cache.matches("acct", NAME, search, found))
    deadline = asyncio.get_running_loop().time() + 10
    while asked.count("details") < 1 and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.001)
    await searching  # a search answered before the write is shared as before
    if write == "note":
        await cache.invalidate_record("acct", NAME, record)
    else:
        await cache.invalidate_source("acct", NAME)
    release.set()
    assert await in_flight == Details(tickets=())  # the agent who asked still gets it
    assert await cache.details("acct", NAME, record, after) == Details()
    assert asked.count("details") == 2  # not shared: the next read asked the vendor
    await cache.matches("acct", NAME, search, found)
    assert asked.count("search") == (2 if write == "new contact" else 1)
    await cache.details("acct", NAME, record, after)
    assert asked.count("details") == 2  # what was asked after the write is shared


def test_keys_carry_no_personal_data(redis_server: RedisServer) -> None:
    one = agent(redis_server.url, hubspot_fake())
    key = one.team.cache._key("m", "acct", NAME, "phone:+14155550132")
    assert key.startswith("acme-support:m:") and "4155550132" not in key and NAME not in key


def test_the_codec_round_trips_models_and_refuses_anything_else() -> None:
    ref = SourceRef(NAME, "7", "https://app.example/7", datetime(2025, 1, 2, 3, 4, tzinfo=UTC))
    now = datetime(2025, 1, 2, tzinfo=UTC)
    details = Details(tickets=(Ticket(ref, "Router", TicketStatus.OPEN, now, now, tags=("a",)),))
    matches = (Match(Person(ref, "Maria", tags=("vip",)), MatchReason.EXACT_E164, 1.0),)
    assert codec.loads(codec.dumps(details)) == details
    assert codec.loads(codec.dumps(matches)) == matches
    with pytest.raises(TypeError):
        codec.dumps(object())
    with pytest.raises(codec.CodecError):
        codec.loads('{"$t": "Popen", "args": ["rm"]}')
    with pytest.raises(codec.CodecError):
        codec.loads("not json")
