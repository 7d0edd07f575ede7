"""A lookup under a rate limit degrades honestly: the wait is shown as a pending state and the
answer fills in after it; only a wait past `WAIT_UP_TO` fails, saying when to come back; a
cached answer is kept rather than replaced by a 429.

The real HubSpot connector against its double, through the real engine, on virtual time
(`tests/virtual_time.py`): the limiters, the double's budget, the engine's deadlines and every
wait share the loop's clock, and nothing waits for real.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from cx_tui.cache import ResultCache
from cx_tui.connectors.hubspot import HubSpotConnector
from cx_tui.connectors.kit import limiter
from cx_tui.connectors.kit.limiter import RateLimiter, use_limiters
from cx_tui.identity import parse_query
from cx_tui.lookup import (
    DetailsFailed,
    DetailsLoaded,
    LookupEngine,
    SourceFailed,
    SourceWaiting,
    Update,
)
from cx_tui.models import Profile, SourceState
from tests import vendor_doubles
from tests.connectors.test_detail_parts import detailed_fake
from tests.connectors.vendor_fakes import HUBSPOT_TOKEN, HubSpotFake, Resp, hs_error
from tests.virtual_time import VirtualLoop, run_virtual

EMAIL = "d@x.example"
NAME = vendor_doubles.NAMES["hubspot"]


@dataclass
class Run:
    updates: list[Update] = field(default_factory=list)
    built: Profile | None = None
    waiting_lines: list[str] = field(default_factory=list)
    """The source's status message each time a wait was shown."""
    fake: Any = None

    @property
    def profile(self) -> Profile:
        assert self.built is not None
        return self.built

    def of(self, kind: type[Any]) -> list[Any]:
        return [u for u in self.updates if isinstance(u, kind)]


@pytest.fixture(autouse=True)
def own_limiters() -> Iterator[None]:
    limiter._LIMITERS.clear()
    yield
    use_limiters(None)


def limited_429(seconds: str) -> Resp:
    """HubSpot's secondly-limit 429 with a `Retry-After`."""
    body = hs_error("You have reached your secondly limit.", "RATE_LIMITS", policyName="SECONDLY")
    return Resp(429, body, {"Retry-After": seconds})


def look_up(
    prepare: Any = None,
    *,
    details_deadline: float = 5.0,
    deadline: float = 3.0,
    cache: ResultCache | None = None,
    times: int = 1,
    between: Any = None,
) -> Run:
    """Look `EMAIL` up `times` times; `prepare(fake, loop)` first, `between(fake)` after each."""

    async def main(loop: VirtualLoop) -> Run:
        use_limiters(
            lambda _key, n, window, label: RateLimiter(n, window, label=label, clock=loop.time)
        )
        fake = detailed_fake("hubspot")
        fake.clock = loop.time
        if prepare is not None:
            prepare(fake, loop)
        hub = HubSpotConnector(
            NAME, {"default_region": "US"}, HUBSPOT_TOKEN, transport=fake.transport()
        )
        engine = LookupEngine(
            [hub], deadline=deadline, details_deadline=details_deadline, cache=cache
        )
        run = Run(fake=fake)
        for _ in range(times):
            query = parse_query(EMAIL, "US")
            builder = engine.new_builder(query)
            run.updates = []
            async for update in engine.stream(query, into=builder):
                run.updates.append(update)
                if isinstance(update, SourceWaiting):
                    run.waiting_lines.append(builder.status[NAME].message)
            run.built = builder.build()
            if between is not None:
                between(fake)
        await engine.aclose()
        return run

    return run_virtual(main)


DETAILS_ONLY = re.compile(r"/pipelines/|/batch/read$")
"""Requests only the details make (an email lookup's search reads the contact's links ahead)."""


def spend_burst_at_details(fake: HubSpotFake, loop: VirtualLoop) -> None:
    """Someone else spends the account's 10-per-10-s burst as the details start: their first
    request draws HubSpot's 429 naming the 10-second window (and `Remaining: 0`)."""
    fake.burst = (10, 10.0)
    handle = fake.handle
    spent: list[bool] = []

    def spent_then(call: Any) -> Resp:
        if DETAILS_ONLY.search(call.path) and not spent:
            spent.append(True)
            fake._spent.extend([loop.time()] * 10)
        return handle(call)

    fake.handle = spent_then  # type: ignore[method-assign]


def test_details_wait_out_a_spent_burst_window_and_fill_in() -> None:
    run = look_up(spend_burst_at_details)
    assert run.of(DetailsFailed) == []
    [loaded] = run.of(DetailsLoaded)
    assert loaded.details.tickets and loaded.details.companies
    waits = run.of(SourceWaiting)
    assert waits and all(w.record == loaded.record for w in waits)
    assert waits[0].limit == "HubSpot" and 9.0 <= waits[0].seconds <= 10.0
    assert run.waiting_lines[0] == "details waiting for the HubSpot rate limit, about 10 s"
    status = run.profile.sources[NAME]
    assert status.state is SourceState.FOUND
    assert "waiting" not in status.message  # the pending state ends when the details fill in
    assert run.fake.refused >= 1  # the vendor did say 429: it was waited out, not shown


def test_a_search_waits_out_a_retry_after_longer_than_its_deadline() -> None:
    def limit_search_once(fake: HubSpotFake, _loop: VirtualLoop) -> None:
        handle = fake.handle
        first = [True]

        def once(call: Any) -> Resp:
            if call.path.endswith("/contacts/search") and first[0]:
                first[0] = False
                fake.calls.append(call)
                return limited_429("4")
            return handle(call)

        fake.handle = once  # type: ignore[method-assign]

    run = look_up(limit_search_once, deadline=1.0)
    assert run.of(SourceFailed) == []
    [wait] = [w for w in run.of(SourceWaiting) if w.record is None]
    assert wait.limit == "HubSpot search" and wait.seconds == pytest.approx(4.0, abs=0.2)
    assert run.waiting_lines[0] == "waiting for the HubSpot search rate limit, about 4 s"
    assert run.profile.sources[NAME].state is SourceState.FOUND
    assert run.profile.value("name")


def details_always_limited(seconds: str) -> Any:
    """Every read the details make answers HubSpot's 429 with this `Retry-After`."""

    def prepare(fake: HubSpotFake, _loop: VirtualLoop) -> None:
        fake.override("GET", r"/associations/", limited_429(seconds))
        fake.override("POST", r"/batch/read$", limited_429(seconds))

    return prepare


def test_a_source_that_keeps_answering_429_still_says_so_with_the_time_to_retry() -> None:
    run = look_up(details_always_limited("4"))
    [failed] = run.of(DetailsFailed)
    assert failed.state is SourceState.RATE_LIMITED
    assert failed.retry_after == pytest.approx(4.0, abs=0.5)
    # It waited out two 429s (a request's tries inside `patient`) before saying so.
    shown = [w.seconds for w in run.of(SourceWaiting)]
    assert len(shown) >= 2 and all(s == pytest.approx(4.0, abs=0.2) for s in shown)
    status = run.profile.sources[NAME]
    assert status.message.startswith("details unavailable: ")
    assert status.retry_after == failed.retry_after


def test_a_wait_past_the_bound_fails_at_once_with_the_time_to_retry() -> None:
    run = look_up(details_always_limited("45"))
    [failed] = run.of(DetailsFailed)
    assert failed.state is SourceState.RATE_LIMITED
    assert failed.retry_after == 45.0
    assert "try again in 45 s" in failed.message
    assert [w for w in run.of(SourceWaiting) if w.record is not None] == []


def test_a_stale_cached_answer_is_kept_rather_than_a_429() -> None:
    now = [1000.0]
    cache = ResultCache(ttl=60.0, clock=lambda: now[0])

    def then_limited(fake: HubSpotFake) -> None:
        now[0] += 120.0  # past the TTL: the next lookup shows the cache, then refreshes
        fake.override("POST", r"/contacts/search$", limited_429("60"))
        fake.override("GET", r"/associations/", limited_429("60"))
        fake.override("POST", r"/batch/read$", limited_429("60"))

    run = look_up(cache=cache, times=2, between=then_limited)
    assert run.of(SourceFailed) == [] and run.of(DetailsFailed) == []
    assert run.of(SourceWaiting) == []  # a refresh behind the cache shows no wait
    [loaded] = run.of(DetailsLoaded)
    assert loaded.cached and loaded.details.tickets
    status = run.profile.sources[NAME]
    assert status.state is SourceState.FOUND and status.message.startswith("from cache, ")


def test_a_details_wait_is_one_pending_line_that_goes_when_they_fill_in() -> None:
    from cx_tui.models import Details, SourceStatus
    from cx_tui.updates import apply_update
    from tests.fakes import FakeConnector

    engine = LookupEngine([FakeConnector(fake_name="Busy CRM")])
    builder = engine.new_builder(parse_query(EMAIL, "US"))
    builder.set_status(SourceStatus("Busy CRM", SourceState.FOUND, "through Zendesk", matches=1))
    record = ("Busy CRM", "b1")
    apply_update(builder, SourceWaiting("Busy CRM", record, "Busy CRM", 4.2))
    apply_update(builder, SourceWaiting("Busy CRM", record, "Busy CRM", 2.5))
    status = builder.status["Busy CRM"]
    assert (
        status.message == "through Zendesk; details waiting for the Busy CRM rate limit, about 3 s"
    )
    assert status.state is SourceState.FOUND and not status.state.is_failure
    apply_update(builder, DetailsLoaded("Busy CRM", record, Details(), 1.0))
    assert builder.status["Busy CRM"].message == "through Zendesk"


def test_waits_adding_up_past_the_bound_end_rate_limited_not_timed_out() -> None:
    def twelve_each_time(fake: HubSpotFake, _loop: VirtualLoop) -> None:
        fake.override("POST", r"/batch/read$", limited_429("12"))

    run = look_up(twelve_each_time)
    [failed] = run.of(DetailsFailed)
    # 12 s waited out, then 12 s more would end past WAIT_UP_TO (20 s) after the start.
    assert failed.state is SourceState.RATE_LIMITED
    assert failed.retry_after == pytest.approx(12.0, abs=0.2)
    assert "try again in 12 s" in failed.message
    assert [round(w.seconds) for w in run.of(SourceWaiting)] == [12]


def test_a_details_wait_leaves_a_source_message_with_its_own_semicolons_whole() -> None:
    """The wait is kept beside the message (`SourceStatus.waiting`), not found again in it by
    splitting on "; ": the source's own words come back exactly."""
    from cx_tui.models import Details, SourceStatus
    from cx_tui.profile import ProfileBuilder
    from cx_tui.updates import apply_update

    builder = ProfileBuilder(EMAIL, ["Busy CRM"])
    own = "through Zendesk; details waiting list is empty"
    builder.set_status(SourceStatus("Busy CRM", SourceState.FOUND, own, matches=1))
    record = ("Busy CRM", "b1")
    apply_update(builder, SourceWaiting("Busy CRM", record, "Busy CRM", 4.2))
    assert builder.status["Busy CRM"].message.startswith(own + "; details waiting for the")
    apply_update(builder, DetailsLoaded("Busy CRM", record, Details(), 1.0))
    assert builder.status["Busy CRM"].message == own
