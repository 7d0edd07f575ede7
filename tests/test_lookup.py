"""The lookup engine: concurrent fan-out, deadlines, failures, junk, cancellation, stage two."""

from __future__ import annotations

import asyncio
import time

import pytest

from cx_tui.connectors.base import AuthError, RateLimited, Unavailable
from cx_tui.identity import parse_query
from cx_tui.lookup import (
    DetailsLoaded,
    LookupCancelled,
    LookupEngine,
    LookupFinished,
    SourceAnswered,
    SourceFailed,
    SourceStarted,
    Update,
)
from cx_tui.models import Details, ProfileState, SourceState
from tests.fakes import FakeConnector, email, person, phone, ticket

NUMBER = "+14155550132"


def maria(source: str, record: str = "1") -> FakeConnector:
    p = person(source, record, "Maria", phone(NUMBER), email("maria@example.com"))
    return FakeConnector(
        fake_name=source,
        people=[p],
        details={record: Details(tickets=(ticket(source, f"T{record}", "Broken"),))},
    )


async def collect(engine: LookupEngine, text: str) -> list[Update]:
    return [u async for u in engine.stream(parse_query(text))]


async def test_sources_are_asked_concurrently_and_stream_in_answer_order() -> None:
    slow, fast = maria("Slow"), maria("Fast", "2")
    slow.delay, fast.delay = 0.3, 0.05
    engine = LookupEngine([slow, fast])
    started = time.perf_counter()
    updates = await collect(engine, NUMBER)
    elapsed = time.perf_counter() - started
    answered = [u.source for u in updates if isinstance(u, SourceAnswered)]
    assert answered == ["Fast", "Slow"]
    # Concurrent: the whole lookup costs about the slowest source, not the sum.
    assert elapsed < 0.3 + 0.05 + 0.2
    assert isinstance(updates[-1], LookupFinished)
    assert {u.source for u in updates if isinstance(u, SourceStarted)} == {"Slow", "Fast"}


async def test_lone_match_details_start_before_slow_sources_answer() -> None:
    fast, slow = maria("Fast"), maria("Slow", "2")
    slow.delay = 0.3
    engine = LookupEngine([fast, slow])
    updates = await collect(engine, NUMBER)
    kinds = [(type(u).__name__, getattr(u, "source", "")) for u in updates]
    assert kinds.index(("DetailsLoaded", "Fast")) < kinds.index(("SourceAnswered", "Slow"))


async def test_deadline_times_out_a_hanging_source_without_delaying_others() -> None:
    hang, ok = maria("Hang"), maria("Ok", "2")
    hang.delay = 30
    engine = LookupEngine([hang, ok], deadline=0.2)
    profile = await asyncio.wait_for(engine.lookup(parse_query(NUMBER)), 5)
    assert profile.sources["Hang"].state is SourceState.TIMED_OUT
    assert "0.2 s" in profile.sources["Hang"].message
    assert profile.state is ProfileState.RESOLVED
    assert [t.ref.record_id for t in profile.tickets] == ["T2"]


async def test_connector_deadline_setting_overrides_the_default() -> None:
    slow = maria("Slow")
    slow.delay = 0.3
    slow.settings["deadline"] = 1.0
    profile = await LookupEngine([slow], deadline=0.1).lookup(parse_query(NUMBER))
    assert profile.sources["Slow"].state is SourceState.FOUND


@pytest.mark.parametrize(
    ("error", "state", "words"),
    [
        (AuthError("token refused"), SourceState.AUTH_FAILED, "token refused"),
        (RateLimited("slow down", retry_after=12), SourceState.RATE_LIMITED, "slow down"),
        (Unavailable("connection refused"), SourceState.UNREACHABLE, "connection refused"),
        (ValueError("secret-ish detail"), SourceState.FAILED, "ValueError"),
    ],
)
async def test_a_failing_source_never_blanks_the_others(
    error: Exception, state: SourceState, words: str
) -> None:
    bad, good = maria("Bad"), maria("Good", "2")
    bad.error = error
    profile = await LookupEngine([bad, good]).lookup(parse_query(NUMBER))
    status = profile.sources["Bad"]
    assert status.state is state
    assert words in status.message
    assert "secret-ish" not in status.message
    assert profile.state is ProfileState.RESOLVED
    assert profile.value("name") == "Maria"
    if isinstance(error, RateLimited):
        assert status.retry_after == 12


@pytest.mark.parametrize("junk", [{"not": "a list"}, ["a string"], [None], "nope"])
async def test_junk_from_a_connector_is_a_failure_not_a_crash(junk: object) -> None:
    bad, good = maria("Bad"), maria("Good", "2")
    bad.returns = junk
    profile = await LookupEngine([bad, good]).lookup(parse_query(NUMBER))
    assert profile.sources["Bad"].state is SourceState.FAILED
    assert "cannot use" in profile.sources["Bad"].message
    assert profile.state is ProfileState.RESOLVED


async def test_a_match_claiming_another_source_is_refused() -> None:
    impostor = maria("Impostor")
    impostor.people = maria("Other").people  # records that say they belong to "Other"
    profile = await LookupEngine([impostor]).lookup(parse_query(NUMBER))
    assert profile.sources["Impostor"].state is SourceState.FAILED


async def test_every_source_failing_gives_unknown_with_each_reason() -> None:
    a, b = maria("A"), maria("B")
    a.error, b.error = AuthError("bad token"), Unavailable("DNS failure")
    profile = await LookupEngine([a, b]).lookup(parse_query(NUMBER))
    assert profile.state is ProfileState.UNKNOWN
    assert [s.state for s in profile.sources.values()] == [
        SourceState.AUTH_FAILED,
        SourceState.UNREACHABLE,
    ]


async def test_a_new_lookup_cancels_the_one_in_flight() -> None:
    slow = maria("Slow")
    slow.delay = 5
    engine = LookupEngine([slow])
    first = engine.stream(parse_query(NUMBER))
    assert isinstance(await anext(first), SourceStarted)
    slow_task = asyncio.ensure_future(anext(first))
    await asyncio.sleep(0)
    slow.delay = 0
    second = [u async for u in engine.stream(parse_query("maria@example.com"))]
    assert isinstance(await asyncio.wait_for(slow_task, 1), LookupCancelled)
    assert any(isinstance(u, SourceAnswered) and u.matches for u in second)
    assert isinstance(second[-1], LookupFinished)


async def test_ambiguous_lookup_fetches_no_details_until_a_pick() -> None:
    a = person("CRM", "1", "Ana", phone(NUMBER))
    b = person("CRM", "2", "Ben", phone(NUMBER))
    crm = FakeConnector(fake_name="CRM", people=[a, b])
    engine = LookupEngine([crm])
    profile = await engine.lookup(parse_query(NUMBER))
    assert profile.state is ProfileState.AMBIGUOUS
    assert not any(call.startswith("details") for call in crm.calls)
    ben = next(c for c in profile.candidates if c.name == "Ben")
    updates = [u async for u in engine.stream_details(ben.matches)]
    assert [u.record for u in updates if isinstance(u, DetailsLoaded)] == [("CRM", "2")]


async def test_second_stage_fetches_details_for_merged_person_only() -> None:
    crm = FakeConnector(
        fake_name="CRM",
        people=[
            person("CRM", "1", "Maria", phone(NUMBER), email("maria@example.com")),
            person("CRM", "2", "Old duplicate", phone("+14155550199"), email("maria@example.com")),
        ],
    )
    engine = LookupEngine([crm])
    profile = await engine.lookup(parse_query("maria@example.com"))
    # Two records in one source sharing an email are still two people: no silent merge.
    assert profile.state is ProfileState.AMBIGUOUS
    assert not any(u for u in crm.calls if u.startswith("details"))


async def test_failed_details_are_reported_on_the_source() -> None:
    crm = maria("CRM")

    async def broken(match: object) -> Details:
        raise Unavailable("500 from vendor")

    crm.get_details = broken  # type: ignore[method-assign]
    profile = await LookupEngine([crm]).lookup(parse_query(NUMBER))
    assert profile.state is ProfileState.RESOLVED
    assert "details unavailable: 500 from vendor" in profile.sources["CRM"].message


async def test_failed_update_carries_elapsed_time() -> None:
    bad = maria("Bad")
    bad.error = Unavailable("down")
    updates = await collect(LookupEngine([bad]), NUMBER)
    [failed] = [u for u in updates if isinstance(u, SourceFailed)]
    assert failed.elapsed_ms >= 0


async def test_a_number_outside_the_known_ranges_is_looked_up_with_a_quiet_note() -> None:
    from cx_tui.identity import UNRECOGNISED_RANGE_NOTE

    unallocated = "+12005550132"
    found = FakeConnector(fake_name="CRM", people=[person("CRM", "7", "Ravi", phone(unallocated))])
    profile = await LookupEngine([found]).lookup(parse_query("+1 200 555 0132"))
    assert profile.state is ProfileState.RESOLVED
    assert profile.value("name") == "Ravi"
    assert profile.notes == (UNRECOGNISED_RANGE_NOTE,)
    known = await LookupEngine([maria("CRM")]).lookup(parse_query(NUMBER))
    assert known.notes == ()
