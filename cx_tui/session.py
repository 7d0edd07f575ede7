"""The lookup on screen, headless: the query, the candidate the agent picked, and the one
profile builder the engine folds its stream into.

The screen asks the session for a stream (`lookup` or `pick`), paints `builder.build()` as
updates arrive, and calls `finished` once the stream ends. Looking the same query up again (a
refresh) keeps the agent's pick; a new query forgets it. The pick lives in one place: the
current builder.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from cx_tui.models import ProfileState

if TYPE_CHECKING:
    from cx_tui.identity import Query
    from cx_tui.lookup import LookupEngine, Update
    from cx_tui.models import Candidate, Profile
    from cx_tui.profile import ProfileBuilder

RETRY_RATE_LIMITED_UP_TO = 120.0
"""A rate-limited source is looked up again by itself after its wait, when that is shorter."""


class LookupSession:
    """One query at a time, and what the sources said about it.

    Args:
        engine: Returns the engine (made on first use, after the first frame).
        region: Returns the region for phone numbers typed without +.
    """

    def __init__(
        self, engine: Callable[[], LookupEngine], region: Callable[[], str | None]
    ) -> None:
        self._engine = engine
        self._region = region
        self.query: Query | None = None
        """The query on screen (None before the first lookup)."""
        self.builder: ProfileBuilder | None = None
        """The profile of the lookup in flight, or of the last one."""
        self._picker_offered = False

    @property
    def selected(self) -> str | None:
        """The candidate the agent picked for this query (None: nobody picked)."""
        return self.builder.selected if self.builder is not None else None

    def parse(self, text: str) -> Query:
        """Raises:
        QueryError: `text` is no phone number, email or name (the message says why)."""
        from cx_tui.identity import parse_query

        return parse_query(text, self._region())

    def begin(self, query: Query, *, refresh: bool = False) -> ProfileBuilder:
        """Start on `query`: a new empty profile, which keeps the pick for the same query.
        `refresh`: a look again after a write or a wait, which never offers the picker."""
        same = self.query is not None and self.query.text == query.text
        self.builder = self._engine().new_builder(query, selected=self.selected if same else None)
        self.query = query
        self._picker_offered = refresh
        return self.builder

    def refresh(self) -> ProfileBuilder | None:
        """Look the current query up again, keeping the picked person (None: nothing to do)."""
        return self.begin(self.query, refresh=True) if self.query is not None else None

    def restart(self) -> ProfileBuilder:
        """Look the current query up afresh, forgetting the agent's pick."""
        assert self.query is not None
        self.builder = None
        return self.begin(self.query)

    def lookup(self, builder: ProfileBuilder) -> AsyncIterator[Update]:
        """The engine's stream for `builder`'s query, folded into `builder` as it comes."""
        assert self.query is not None
        return self._engine().stream(self.query, into=builder)

    def pick(self, builder: ProfileBuilder, candidate: Candidate) -> AsyncIterator[Update]:
        """The agent picked `candidate`: resolve to them, and fetch their details."""
        builder.select(candidate.key)
        return self._engine().stream_details(candidate.matches, into=builder)

    def adopt(self, candidate: Candidate) -> bool:
        """The agent said who the caller is (they added this number to that person): the
        person joins the profile on screen, to be picked with `pick`. False: no lookup."""
        builder = self.builder
        if builder is None:
            return False
        for match in candidate.matches:
            kept = builder.matches.get(match.source, ())
            kept = tuple(m for m in kept if m.person.ref.key != match.person.ref.key)
            builder.add_matches(match.source, (*kept, match))
        return True

    def offer_picker(self, profile: Profile) -> bool:
        """Whether to offer the candidate picker now: once per lookup that ends ambiguous."""
        if profile.state is not ProfileState.AMBIGUOUS or self._picker_offered:
            return False
        self._picker_offered = True
        return True


def retry_wait(profile: Profile) -> float | None:
    """Seconds until a source that was rate limited (searching, or fetching the person's
    details) may be asked again, when that is soon enough to wait for; what the others said
    comes from the cache, so only what failed goes back to the network."""
    waits = [status.retry_after for status in profile.sources.values() if status.retry_after]
    return min(waits) if waits and min(waits) <= RETRY_RATE_LIMITED_UP_TO else None
