"""Trouble spots, the searching part: each helpdesk asked for the caller's theme tags in the
background, with a deadline and a five-minute cache per (source, tag).

Never on a lookup's critical path: the screen and `cx-tui lookup` ask only once the profile is
complete, and whatever fails, is rate limited or is too slow is left out (the banner just does
not appear) and said in `TroubleReport.notes` (`--explain`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from cx_tui import phrases
from cx_tui.connectors.base import Capability, Connector, ConnectorError
from cx_tui.insight.trouble import (
    DEFAULT_THRESHOLD,
    WINDOW,
    DeskLookup,
    above,
    caller_records,
    spot_for,
    tags_to_count,
)
from cx_tui.models import Profile, ProfileState, RecentTickets, TroubleSpot

CACHE_SECONDS: Final = 300.0
"""How long one source's answer for one tag is reused."""
DEADLINE: Final = 8.0
"""Seconds the sources get, together, before the slow ones are left out."""


@dataclass(frozen=True, slots=True)
class TroubleReport:
    """What the search found, and why there is no banner when there is none."""

    spots: tuple[TroubleSpot, ...]
    """At or above the threshold, the most customers first."""
    counted: tuple[TroubleSpot, ...] = ()
    """Every tag counted, above the threshold or not."""
    notes: tuple[str, ...] = ()
    """Why a source or a tag is left out ("Zendesk: rate limited; retry in 30 s")."""


class TroubleWatch:
    """Counts the caller's theme tags across recent tickets in every source that can.

    Args:
        connectors: The configured sources; those without `Capability.RECENT_TICKETS` are
            skipped.
        threshold: Other customers (at least) that make a trouble spot.
        deadline: Seconds for all sources together.
        clock: Monotonic seconds (the cache's).
    """

    def __init__(
        self,
        connectors: Sequence[Connector],
        *,
        threshold: int = DEFAULT_THRESHOLD,
        deadline: float = DEADLINE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.connectors = list(connectors)
        self.threshold = threshold
        self.deadline = deadline
        self._clock = clock
        self._cache: dict[tuple[str, str], tuple[float, RecentTickets]] = {}

    def _cached(self, source: str, tag: str) -> RecentTickets | None:
        hit = self._cache.get((source, tag))
        if hit is None or self._clock() - hit[0] >= CACHE_SECONDS:
            return None
        return hit[1]

    def _keep(self, source: str, tag: str, answer: RecentTickets) -> None:
        now = self._clock()
        for key in [k for k, (at, _) in self._cache.items() if now - at >= CACHE_SECONDS]:
            del self._cache[key]  # expired: the cache holds at most five minutes of tags
        self._cache[(source, tag)] = (now, answer)

    async def look(self, profile: Profile, desk: Iterable[DeskLookup] = ()) -> TroubleReport:
        """The trouble spots of a complete profile (none for a caller nobody resolved); `desk`:
        the callers this desk looked up today, counted too when not already."""
        if profile.state is not ProfileState.RESOLVED:
            return TroubleReport((), notes=("no single caller to count for",))
        tags = tags_to_count(profile)
        if not tags:
            return TroubleReport((), notes=("the caller's tickets carry no tags",))
        able = [c for c in self.connectors if c.supports(Capability.RECENT_TICKETS)]
        if not able:
            return TroubleReport((), notes=("no source can count recent tickets",))
        since = phrases.now_utc() - WINDOW
        answers, notes = await self._ask(able, tags, since)
        caller = caller_records(profile)
        desk = list(desk)
        counted = tuple(
            spot_for(tag, answers.get(tag, []), caller, WINDOW, desk, profile.query) for tag in tags
        )
        spots = above(counted, self.threshold)
        for spot in counted:
            if spot.total < self.threshold:
                notes.append(
                    f"{spot.tag}: {spot.customers} other customer(s) in the last "
                    f"{spot.window_minutes} minutes and {spot.desk_today} more looked up here "
                    f"today, below the threshold of {self.threshold}"
                )
        return TroubleReport(spots, counted, tuple(notes))

    async def _ask(
        self, able: Sequence[Connector], tags: Sequence[str], since: datetime
    ) -> tuple[dict[str, list[RecentTickets]], list[str]]:
        answers: dict[str, list[RecentTickets]] = {}
        notes: list[str] = []
        tasks: dict[asyncio.Task[RecentTickets], tuple[str, str]] = {}
        for connector in able:
            for tag in tags:
                hit = self._cached(connector.name, tag)
                if hit is not None:
                    answers.setdefault(tag, []).append(hit)
                    continue
                task = asyncio.ensure_future(connector.count_recent(tag, since))
                tasks[task] = (connector.name, tag)
        if not tasks:
            return answers, notes
        done, pending = await asyncio.wait(tasks, timeout=self.deadline)
        for task in pending:
            task.cancel()
            source, tag = tasks[task]
            notes.append(f"{source} did not count {tag} within {self.deadline:g} s")
        if pending:
            await asyncio.wait(pending)
        for task, (source, tag) in tasks.items():  # in the order asked: the same answer each time
            if task not in done:
                continue
            error = task.exception()
            if error is not None:
                why = error.message if isinstance(error, ConnectorError) else repr(error)
                notes.append(f"{source} could not count {tag}: {why}")
                continue
            answer = task.result()
            self._keep(source, tag, answer)
            answers.setdefault(tag, []).append(answer)
        return answers, notes
