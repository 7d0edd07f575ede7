"""The lookup engine: fan a query out to every source at once and stream what comes back.

Stage one asks every connector `find_people` concurrently, each under its own deadline. As a
source answers (or fails, or runs out of time) an update is yielded at once, so a screen can
paint progressively. Stage two fetches the details of the resolved person from each source that
knows them; when a source returns exactly one person its details are fetched right away,
overlapping the slower sources' identity stage. A new lookup cancels the one in flight, and one
source failing never stops the others. What one source offers, its deadline, its own search and
the writes the UI asks for are the engine's base, `source_desk.SourceDesk`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cx_tui.cache import ResultCache, query_key
from cx_tui.connectors.base import BadResponse, Capability, RateLimited
from cx_tui.models import ConfirmedLink, Details, Match, Profile, SourceState
from cx_tui.profile import ProfileBuilder
from cx_tui.resolution import RecordKey
from cx_tui.source_desk import DEFAULT_DEADLINE, SourceDesk, check_matches, failure_state
from cx_tui.updates import (
    DetailsFailed,
    DetailsLoaded,
    LookupCancelled,
    LookupFinished,
    SourceAnswered,
    SourceFailed,
    SourceHopped,
    SourceStarted,
    SourceWaiting,
    Update,
    apply_update,
)
from cx_tui.waiting import Waits

if TYPE_CHECKING:
    from cx_tui.connectors.base import Connector
    from cx_tui.identity import Query

__all__ = [  # the updates live in `cx_tui.updates`; importing them from here still works
    "DetailsFailed",
    "DetailsLoaded",
    "LookupCancelled",
    "LookupEngine",
    "LookupFinished",
    "SourceAnswered",
    "SourceFailed",
    "SourceHopped",
    "SourceStarted",
    "SourceWaiting",
    "Update",
    "apply_update",
]

DEFAULT_DETAILS_DEADLINE = 5.0


@dataclass
class _Lookup:
    queue: asyncio.Queue[Update | None] = field(default_factory=asyncio.Queue)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    details_started: set[RecordKey] = field(default_factory=set)
    cancelled: bool = False

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        self.queue.put_nowait(None)  # wake the drain loop so it re-checks for the end

    def cancel(self) -> None:
        if self.cancelled:
            return
        self.cancelled = True
        for task in list(self.tasks):
            task.cancel()
        self.queue.put_nowait(LookupCancelled())


class LookupEngine(SourceDesk):
    """Runs lookups over a fixed set of connectors (and, as a `SourceDesk`, answers about
    one source at a time and writes to it).

    Args:
        connectors: The configured sources, in config order.
        deadline: Seconds each source gets for the identity stage (a connector's own
            `deadline` setting overrides it).
        details_deadline: Seconds each source gets for the details stage.
        links: Returns the record groups the agent confirmed are one person.
        remembered: Returns who the agent said a number or email belongs to (`link_point`),
            or None; an error reading it is no reason not to look the caller up.
        cache: Answers kept for repeat lookups (stale-while-revalidate); default: 60 s TTL, in
            memory only (`sources.build_engine` puts the store behind it).
    """

    def __init__(
        self,
        connectors: Sequence[Connector],
        *,
        deadline: float = DEFAULT_DEADLINE,
        details_deadline: float = DEFAULT_DETAILS_DEADLINE,
        links: Callable[[], Sequence[Sequence[RecordKey]]] | None = None,
        remembered: Callable[[str], ConfirmedLink | None] | None = None,
        cache: ResultCache | None = None,
    ) -> None:
        super().__init__(connectors, deadline=deadline, cache=cache)
        self.details_deadline = details_deadline
        self._links = links or (lambda: ())
        self.remembered = remembered
        self._current: _Lookup | None = None

    def new_builder(self, query: Query, *, selected: str | None = None) -> ProfileBuilder:
        """An empty profile for `query`; `selected`: the candidate the agent already picked."""
        from cx_tui.identity import UNRECOGNISED_RANGE_NOTE

        line = (query.phone.e164, query.phone.extension or "") if query.phone else None
        notes = [UNRECOGNISED_RANGE_NOTE] if query.phone and not query.phone.recognised else []
        attach_to = [c.name for c in self.connectors if c.supports(Capability.UPDATE_PERSON)]
        builder = ProfileBuilder(
            query.display(),
            self.source_names,
            self._links(),
            line,
            notes,
            self.link_for(query),
            attach_to if line is not None else (),
        )
        if selected is not None:
            builder.select(selected)
        return builder

    def link_for(self, query: Query) -> ConfirmedLink | None:
        """The link the agent confirmed for `query`'s number or email, if any."""
        from cx_tui.identity import link_point

        point = link_point(query)
        if point is None or self.remembered is None:
            return None
        try:
            return self.remembered(point)
        except Exception:  # the store is unreadable: look the caller up all the same
            return None

    def cancel(self) -> None:
        """Cancel the lookup in flight, if any."""
        if self._current is not None:
            self._current.cancel()
            self._current = None

    async def stream(
        self, query: Query, *, into: ProfileBuilder | None = None
    ) -> AsyncIterator[Update]:
        """Look `query` up everywhere and yield each fact as it happens.

        Args:
            query: What to look up.
            into: The profile to fold every update into before it is yielded (a lookup
                session's, carrying the candidate the agent picked); a fresh one by default.
                Its resolution chooses whose details are fetched once every source answered.

        Starting another stream cancels this one: it then yields `LookupCancelled` and ends.
        """
        self.cancel()
        lookup = self._current = _Lookup()
        started = time.perf_counter()
        builder = into if into is not None else self.new_builder(query)
        for connector in self.connectors:
            lookup.spawn(self._search(lookup, connector, query))

        async for update in self._drain(lookup, builder, started, search=query):
            yield update

    async def stream_details(
        self, matches: Sequence[Match], *, into: ProfileBuilder | None = None
    ) -> AsyncIterator[Update]:
        """Fetch the details of a person the agent picked among several candidates, folding
        them into `into` (when given) before each is yielded."""
        self.cancel()
        lookup = self._current = _Lookup()
        started = time.perf_counter()
        for match in matches:
            self._start_details(lookup, match)
        async for update in self._drain(lookup, into, started, search=None):
            yield update

    async def lookup(self, query: Query) -> Profile:
        """Run a whole lookup and return the final profile (for the CLI and tests)."""
        builder = self.new_builder(query)
        async for _update in self.stream(query, into=builder):
            pass
        return builder.build()

    async def _drain(
        self,
        lookup: _Lookup,
        builder: ProfileBuilder | None,
        started: float,
        *,
        search: Query | None,
    ) -> AsyncIterator[Update]:
        """Yield updates until every task is done; after the search, one round of hops
        (`cx_tui.hop`), then the resolved person's details."""
        stages = ["hop", "details"] if search is not None else []
        try:
            while True:
                if not lookup.tasks and lookup.queue.empty():
                    if stages and builder is not None and not lookup.cancelled:
                        stage = stages.pop(0)
                        if stage == "hop":
                            assert search is not None
                            self._hop(lookup, builder, search)
                        else:
                            self._second_stage(lookup, builder)
                        continue
                    break
                update = await lookup.queue.get()
                if update is None:
                    continue
                if builder is not None:
                    apply_update(builder, update)  # folded first: the reader sees it painted
                yield update
                if isinstance(update, LookupCancelled):
                    return
            yield LookupFinished((time.perf_counter() - started) * 1000)
        finally:
            if not lookup.cancelled and lookup.tasks:
                lookup.cancelled = True
                for task in list(lookup.tasks):
                    task.cancel()
            if self._current is lookup:
                self._current = None

    def _hop(self, lookup: _Lookup, builder: ProfileBuilder, query: Query) -> None:
        """The sources disagreed: ask the silent ones once more (`cx_tui.hop`)."""
        from cx_tui.hop import plan_hops

        for hop in plan_hops(builder, query, self.connectors):
            lookup.spawn(self._hop_search(lookup, hop.connector, hop.query, hop.via))

    async def _hop_search(
        self, lookup: _Lookup, connector: Connector, query: Query, via: str
    ) -> None:
        """One hop: what it finds is reported; a failure is not (the source already said
        "nobody" for the caller's own number or email)."""
        started = time.perf_counter()
        try:
            result = await asyncio.wait_for(connector.find_people(query), self._deadline(connector))
            matches = check_matches(connector.name, result)
        except asyncio.CancelledError:
            raise
        except Exception:
            return
        elapsed = (time.perf_counter() - started) * 1000
        lookup.queue.put_nowait(SourceHopped(connector.name, matches, via, elapsed))

    def _second_stage(self, lookup: _Lookup, builder: ProfileBuilder) -> None:
        """All sources have answered: fetch details for the resolved person's records."""
        for match in builder.resolution().resolved:
            self._start_details(lookup, match)

    async def _search(self, lookup: _Lookup, connector: Connector, query: Query) -> None:
        put = lookup.queue.put_nowait
        put(SourceStarted(connector.name))
        started = time.perf_counter()
        key = query_key(query)
        cached = self.cache.matches(connector.name, key)
        if cached is not None:
            stale_for = None if cached.fresh else cached.age
            put(SourceAnswered(connector.name, cached.value, 0.0, True, stale_for))
            if len(cached.value) == 1:
                self._start_details(lookup, cached.value[0])
            if cached.fresh:
                return
        deadline = self._deadline(connector)

        def show(limit: str, seconds: float) -> None:
            if cached is None:  # a cached answer stays on screen while its refresh waits
                put(SourceWaiting(connector.name, None, limit, seconds))

        try:
            result = await Waits(deadline, show).run(connector.find_people(query))
            matches = check_matches(connector.name, result)
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            elapsed = (time.perf_counter() - started) * 1000
            put(
                SourceFailed(
                    connector.name,
                    SourceState.TIMED_OUT,
                    f"no answer within {deadline:g} s",
                    elapsed,
                )
            )
            return
        except Exception as error:
            if cached is not None and isinstance(error, RateLimited):
                return  # under pressure the cached answer on screen beats a 429
            state, message, retry_after = failure_state(error)
            elapsed = (time.perf_counter() - started) * 1000
            put(SourceFailed(connector.name, state, message, elapsed, retry_after))
            return
        self.cache.put_matches(connector.name, key, matches)
        put(SourceAnswered(connector.name, matches, (time.perf_counter() - started) * 1000))
        if cached is not None and cached.value == matches:
            return  # the refresh confirmed what was shown
        if len(matches) == 1:
            # Overlap: a lone match is very likely the person, so start on the details now.
            self._start_details(lookup, matches[0])

    def _start_details(self, lookup: _Lookup, match: Match) -> None:
        key = match.person.ref.key
        connector = self._by_name.get(match.source)
        if key in lookup.details_started or connector is None or lookup.cancelled:
            return
        lookup.details_started.add(key)
        cached = self.cache.details(key)
        if cached is not None:
            lookup.queue.put_nowait(DetailsLoaded(connector.name, key, cached.value, 0.0, True))
            if cached.fresh:
                return
        lookup.spawn(self._details(lookup, connector, match, shown=cached is not None))

    async def _details(
        self, lookup: _Lookup, connector: Connector, match: Match, *, shown: bool
    ) -> None:
        """Fetch one record's details; `shown`: a cached copy is on screen (a refresh)."""
        put = lookup.queue.put_nowait
        key = match.person.ref.key
        started = time.perf_counter()

        def show(limit: str, seconds: float) -> None:
            if not shown:
                put(SourceWaiting(connector.name, key, limit, seconds))

        waits = Waits(self.details_deadline, show)
        try:
            details = await waits.run(connector.get_details(match))
            if not isinstance(details, Details):
                raise BadResponse(f"{connector.name} returned details cx-tui cannot use")
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            after = ", after waiting for its rate limit" if waits.waited else ""
            put(
                DetailsFailed(
                    connector.name,
                    key,
                    SourceState.TIMED_OUT,
                    f"details took longer than {self.details_deadline:g} s{after}",
                )
            )
            return
        except Exception as error:
            if shown and isinstance(error, RateLimited):
                return  # under pressure the cached details on screen beat a 429
            state, message, retry_after = failure_state(error)
            put(DetailsFailed(connector.name, key, state, message, retry_after))
            return
        self.cache.put_details(key, details)
        put(DetailsLoaded(connector.name, key, details, (time.perf_counter() - started) * 1000))

    async def aclose(self) -> None:
        """Cancel any lookup and close every connector."""
        self.cancel()
        await super().aclose()
