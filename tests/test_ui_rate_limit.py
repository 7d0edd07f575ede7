"""A rate-limited source is asked again by itself once its wait is over; the others stay."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.widgets import Static

from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.connectors.base import RateLimited
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

    wait: float = 1.0
    """Long enough that a loaded machine checks the first paint before the retry (issue 16's
    deferred panels made 0.5 s marginal on 2 busy cores)."""
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
            raise RateLimited("Busy CRM asked cx-tui to slow down", retry_after=1.0)
        return await super().get_details(match)


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
        assert "Busy CRM rate limited, retrying in 1 s" in bar

        await pilot.pause(1.2)  # the vendor's wait (1 s) is over: the screen asks again
        await screen.workers.wait_for_complete()
        await pilot.pause()
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
        assert "Busy CRM found; details rate limited, retrying in 1 s" in bar

        await pilot.pause(1.2)
        await screen.workers.wait_for_complete()
        await pilot.pause()
        again = screen.profile
        assert again is not None
        assert any(t.ref.record_id == "T-9" for t in again.tickets)
        assert busy.calls.count("details:b1") == 2
