"""The engine's sources one at a time: what each offers, how long its search may take, its
single-source search and writes, and how what it raised reads for the agent.

`SourceDesk` holds the configured connectors and the result cache; `lookup.LookupEngine` is a
desk that also fans a query out to all of them and streams the answers. The UI asks the engine
these questions (through the session or `Services`) and never calls a connector itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cx_tui.cache import ResultCache
from cx_tui.connectors.base import (
    AuthError,
    BadResponse,
    Capability,
    ConnectorError,
    RateLimited,
    Unavailable,
)
from cx_tui.connectors.base import Timeout as SourceTimeout
from cx_tui.models import ContactPoint, Match, Person, SourceState
from cx_tui.new_person import DuplicatePersonError, duplicate_message, existing_person

if TYPE_CHECKING:
    from cx_tui.connectors.base import Connector
    from cx_tui.identity import Query
    from cx_tui.models import NoteTarget

DEFAULT_DEADLINE = 3.0


def failure_state(error: BaseException) -> tuple[SourceState, str, float | None]:
    """Map whatever a connector raised to a source state and a message an agent can read."""
    if isinstance(error, RateLimited):
        return SourceState.RATE_LIMITED, error.message, error.retry_after
    if isinstance(error, AuthError):
        return SourceState.AUTH_FAILED, error.message, None
    if isinstance(error, SourceTimeout):
        return SourceState.TIMED_OUT, error.message, None
    if isinstance(error, Unavailable):
        return SourceState.UNREACHABLE, error.message, None
    if isinstance(error, ConnectorError):
        return SourceState.FAILED, error.message, None
    # A bug in a connector: name the kind of error, never its text (it may echo a request).
    return SourceState.FAILED, f"internal error in the connector ({type(error).__name__})", None


def check_matches(source: str, result: object) -> tuple[Match, ...]:
    """Refuse junk: a connector must return Matches for records of its own source."""
    if not isinstance(result, list | tuple):
        raise BadResponse(f"{source} returned data cx-tui cannot use ({type(result).__name__})")
    for item in result:
        if not isinstance(item, Match) or item.person.ref.connector != source:
            raise BadResponse(f"{source} returned data cx-tui cannot use ({type(item).__name__})")
    return tuple(result)


def search_deadline(connector: Connector, default: float) -> float:
    """Seconds `connector`'s search may take: its own `deadline` setting, else `default`."""
    value = connector.settings.get("deadline")
    return float(value) if isinstance(value, int | float) and value > 0 else default


class SourceDesk:
    """The configured sources, asked one at a time.

    Args:
        connectors: The configured sources, in config order.
        deadline: Seconds a source's search gets (a connector's own `deadline` setting
            overrides it).
        cache: Answers kept for repeat lookups; a write forgets what it changed.
    """

    def __init__(
        self,
        connectors: Sequence[Connector],
        *,
        deadline: float = DEFAULT_DEADLINE,
        cache: ResultCache | None = None,
    ) -> None:
        self.connectors = list(connectors)
        self.cache = cache if cache is not None else ResultCache()
        self.deadline = deadline
        self._by_name = {c.name: c for c in self.connectors}

    @property
    def source_names(self) -> list[str]:
        return [c.name for c in self.connectors]

    def capabilities(self, source: str) -> Capability:
        """What `source` offers (nothing, for a name no connector has)."""
        connector = self._by_name.get(source)
        return connector.offered if connector is not None else Capability.NONE

    def note_limit(self, source: str) -> int:
        connector = self._by_name.get(source)
        return connector.note_limit if connector is not None else 0

    def note_too_long(self, target: NoteTarget, text: str) -> str | None:
        """Why `text` is too long for `target`'s source once formatted (`Connector.too_long`)."""
        connector = self._by_name.get(target.ref.connector)
        return connector.too_long(target, text) if connector is not None else None

    def _connector(self, source: str) -> Connector:
        connector = self._by_name.get(source)
        if connector is None:
            raise ConnectorError(f"no source named {source!r} is configured")
        return connector

    def _deadline(self, connector: Connector) -> float:
        return search_deadline(connector, self.deadline)

    async def search_one(self, source: str, query: Query) -> Sequence[Match]:
        """What `source` alone finds for `query`, within its search deadline (no cache, no
        second hop: the attach dialog's search for the person a number goes to).

        Raises:
            ConnectorError: no such source, it failed, or it did not answer in time.
        """
        connector = self._connector(source)
        deadline = self._deadline(connector)
        try:
            return await asyncio.wait_for(connector.find_people(query), deadline)
        except TimeoutError:
            raise ConnectorError(f"{source} did not answer within {deadline:g} s.") from None

    async def create_person(
        self, source: str, name: str | None, contact_points: Sequence[ContactPoint]
    ) -> Person:
        """Create a contact in `source` (for an unknown caller).

        Raises:
            DuplicatePersonError: `source` already has a person with one of these phones or
                emails (named in the message); nothing was created.
            ConnectorError: `source` could not be searched or did not create the contact.
        """
        connector = self._connector(source)
        existing = await existing_person(connector, contact_points)
        if existing is not None:
            raise DuplicatePersonError(duplicate_message(source, existing))
        person = await connector.create_person(name, contact_points)
        self.cache.invalidate_source(source)
        return person

    async def aclose(self) -> None:
        """Close every connector."""
        for connector in self.connectors:
            with contextlib.suppress(Exception):
                await connector.aclose()
