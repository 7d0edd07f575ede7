"""A rate-limited source is asked again by itself once its wait is over; the others stay."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual.pilot import Pilot
from textual.widgets import Static

from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.connectors.base import RateLimited
from cx_tui.connectors.kit import retry
from cx_tui.identity import Query
from cx_tui.lookup import LookupEngine
from cx_tui.models import Details, Match, SourceState
from cx_tui.sources import build_engine
from tests.fakes import FakeConnector, person, phone, ticket

HERO = "+14155550132"
OTHER = "+16175550148"


@dataclass
class BusyOnce(FakeConnector):
    """Rate limited on its first search (with the vendor's wait), then answers."""

    wait: float = 2.0
    limited: int = 0

    async def find_people(self, query: Query) -> Sequence[Match]:
        if not self.limited:
            self.limited += 1
            self.calls.append(f"find:{query.text}")
            raise RateLimited("Busy CRM is rate limiting cx-tui (429)", retry_after=self.wait)
        return await super().find_people(query)


@dataclass
class DetailsBusyOnce(FakeConnector):
    """Finds the caller at once; the first fetch of their details is rate limited."""

    limited: int = 0

    async def get_details(self, match: Match) -> Details:
        if not self.limited:
            self.limited += 1
            self.calls.append(f"details:{match.person.ref.record_id}")
            raise RateLimited("Busy CRM asked cx-tui to slow down", retry_after=2.0)
        return await super().get_details(match)


async def settle_until(pilot: Pilot[object], done: Callable[[], bool], limit: float = 10.0) -> None:
    """Let the app run (timers, workers) until `done()` holds, at most `limit` seconds.

    A vendor's wait is real time: on a loaded machine the retry lands later than the wait, so
    the tests wait for what they assert instead of a fixed pause, and fail only past `limit`.
    """
    screen = pilot.app.screen
    deadline = time.monotonic() + limit
    while not done() and time.monotonic() < deadline:
        await pilot.pause(0.05)
        await screen.workers.wait_for_complete()
    await pilot.pause()


def app_with(busy: FakeConnector) -> CxApp:
    config = load_config()
    engine = LookupEngine([*build_engine(config).connectors, busy])
    return CxApp(config, engine=engine)


async def test_a_rate_limited_source_is_retried_after_its_wait() -> None:
    busy = BusyOnce(
        fake_name="Busy CRM", people=[person("Busy CRM", "b1", "Maria G.", phone(HERO))]
    )
    app = app_with(busy)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l", *HERO, "enter")
        screen = app.main
        await screen.workers.wait_for_complete()
        await pilot.pause()
        first = screen.profile
        assert first is not None
        assert first.sources["Busy CRM"].state is SourceState.RATE_LIMITED
        assert first.value("name") == "Maria Gonzalez"  # the others rendered meanwhile
        bar = str(screen.query_one("#sources", Static).content)
        assert "Busy CRM rate limited, retrying in 2 s" in bar

        # the vendor's wait (2 s: a loaded machine still looks first) is over: the screen asks again
        await settle_until(
            pilot,
            lambda: (
                screen.profile is not None
                and screen.profile.sources["Busy CRM"].state is SourceState.FOUND
            ),
        )
        again = screen.profile
        assert again is not None and again.sources["Busy CRM"].state is SourceState.FOUND
        assert [c for c in busy.calls if c.startswith("find:")] == [f"find:{HERO}"] * 2
        assert "retrying" not in str(screen.query_one("#sources", Static).content)


async def test_a_new_lookup_cancels_the_pending_retry() -> None:
    busy = BusyOnce(fake_name="Busy CRM", wait=1.0)
    app = app_with(busy)
    streamed: list[str] = []
    stream = app.services.engine.stream

    def counting_stream(query: Query, **options: object):  # type: ignore[no-untyped-def]
        streamed.append(query.text)
        return stream(query, **options)  # type: ignore[arg-type]

    app.services.engine.stream = counting_stream  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l", *HERO, "enter")
        screen = app.main
        await screen.workers.wait_for_complete()
        assert screen.look_up(OTHER)  # what Enter does; typing could outlast the wait here
        await screen.workers.wait_for_complete()
        await pilot.pause(1.3)  # past the first lookup's retry time
        await screen.workers.wait_for_complete()
        assert streamed == [HERO, OTHER]


async def test_details_that_were_rate_limited_are_fetched_again() -> None:
    maria = person("Busy CRM", "b1", "Maria G.", phone(HERO))
    busy = DetailsBusyOnce(
        fake_name="Busy CRM",
        people=[maria],
        details={"b1": Details(tickets=(ticket("Busy CRM", "T-9", "Calls drop after 30 s"),))},
    )
    app = app_with(busy)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l", *HERO, "enter")
        screen = app.main
        await screen.workers.wait_for_complete()
        await pilot.pause()
        first = screen.profile
        assert first is not None and first.sources["Busy CRM"].state is SourceState.FOUND
        assert not any(t.ref.record_id == "T-9" for t in first.tickets)
        bar = str(screen.query_one("#sources", Static).content)
        assert "Busy CRM found; details rate limited, retrying in 2 s" in bar

        await settle_until(
            pilot,
            lambda: (
                screen.profile is not None
                and any(t.ref.record_id == "T-9" for t in screen.profile.tickets)
            ),
        )
        again = screen.profile
        assert again is not None
        assert any(t.ref.record_id == "T-9" for t in again.tickets)
        assert busy.calls.count("details:b1") == 2


@dataclass
class DetailsQueued(FakeConnector):
    """Its details wait on the account's rate limit (as a kit limiter reports it) until
    `go` is set."""

    go: asyncio.Event | None = None

    async def get_details(self, match: Match) -> Details:
        retry.report_wait("Busy CRM", 4.0)
        assert self.go is not None
        await self.go.wait()
        return await super().get_details(match)


async def test_details_waiting_on_the_rate_limit_show_as_pending_then_fill_in() -> None:
    maria = person("Busy CRM", "b1", "Maria G.", phone(HERO))
    busy = DetailsQueued(
        fake_name="Busy CRM",
        people=[maria],
        details={"b1": Details(tickets=(ticket("Busy CRM", "T-9", "Calls drop after 30 s"),))},
    )
    app = app_with(busy)
    async with app.run_test(size=(120, 40)) as pilot:
        busy.go = asyncio.Event()
        await pilot.press("ctrl+l", *HERO, "enter")
        screen = app.main

        def bar() -> str:
            return str(screen.query_one("#sources", Static).content)

        deadline = time.monotonic() + 10.0  # the lookup is in flight: poll the screen only
        while "waiting" not in bar() and time.monotonic() < deadline:
            await pilot.pause(0.05)
        assert "Busy CRM found: details waiting for the Busy CRM rate limit, about 4 s" in bar()
        assert "rate limited" not in bar()
        busy.go.set()
        await settle_until(
            pilot,
            lambda: (
                screen.profile is not None
                and any(t.ref.record_id == "T-9" for t in screen.profile.tickets)
            ),
        )
        assert "waiting" not in bar()
        assert screen.profile is not None
        assert screen.profile.sources["Busy CRM"].state is SourceState.FOUND
