"""Stale-while-revalidate cache of what sources answered, per source, in memory.

A repeat lookup paints from here at once; when an entry is older than the TTL the engine shows
it anyway and asks the source again in the background. A write to a person (a note, a new
contact) invalidates what the cache holds about that person, so the next look is fresh.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from cx_tui.identity import Query
from cx_tui.models import Details, Match

T = TypeVar("T")

DEFAULT_TTL = 60.0
MAX_ENTRIES = 500


@dataclass(frozen=True, slots=True)
class Entry(Generic[T]):
    value: T
    stored_at: float
    """Monotonic time of the answer."""
    fresh: bool


def query_key(query: Query) -> str:
    """The cache key of a query: its normalised value, never the raw text."""
    if query.phone is not None:
        return f"phone:{query.phone.e164};ext={query.phone.extension or ''}"
    if query.email is not None:
        return f"email:{query.email}"
    return f"name:{(query.name or query.text).casefold()}"


class ResultCache:
    """Matches per (source, query) and details per person record.

    Args:
        ttl: Seconds an answer counts as fresh; 0 disables the cache.
        clock: Monotonic seconds (tests pass a fake).
    """

    def __init__(self, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._matches: dict[tuple[str, str], tuple[float, tuple[Match, ...]]] = {}
        self._details: dict[tuple[str, str], tuple[float, Details]] = {}

    def _entry(self, stored: tuple[float, T] | None) -> Entry[T] | None:
        if stored is None or self.ttl <= 0:
            return None
        at, value = stored
        return Entry(value, at, self.clock() - at <= self.ttl)

    def matches(self, source: str, key: str) -> Entry[tuple[Match, ...]] | None:
        return self._entry(self._matches.get((source, key)))

    def details(self, record: tuple[str, str]) -> Entry[Details] | None:
        return self._entry(self._details.get(record))

    def put_matches(self, source: str, key: str, matches: tuple[Match, ...]) -> None:
        if self.ttl > 0:
            _bounded_put(self._matches, (source, key), (self.clock(), matches))

    def put_details(self, record: tuple[str, str], details: Details) -> None:
        if self.ttl > 0:
            _bounded_put(self._details, record, (self.clock(), details))

    def invalidate_record(self, source: str, record_id: str) -> None:
        """Forget a person record (and any person whose tickets include `record_id`)."""
        self._details.pop((source, record_id), None)
        for key, (_, details) in list(self._details.items()):
            if key[0] == source and any(t.ref.record_id == record_id for t in details.tickets):
                del self._details[key]

    def invalidate_source(self, source: str) -> None:
        """Forget every search answer of a source (a person was added there)."""
        for key in [k for k in self._matches if k[0] == source]:
            del self._matches[key]


def _bounded_put(store: dict[tuple[str, str], T], key: tuple[str, str], value: T) -> None:
    store.pop(key, None)
    store[key] = value
    while len(store) > MAX_ENTRIES:
        del store[next(iter(store))]
