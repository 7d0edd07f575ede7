"""Stale-while-revalidate cache of what sources answered, per source: in memory, and in the
store behind it, so the first lookup after a restart (or a crash) paints at once.

A repeat lookup paints from here at once; when an entry is older than the TTL the engine shows
it anyway and asks the source again in the background. An entry older than `MAX_AGE` (or the
TTL, when that is longer) is never shown. A write to a person (a note, a call log, a number
added) invalidates what the cache holds about that person, so the next look is fresh.

What is kept is what the screen showed: the domain models a source answered (`models.codec`
JSON in the store), never a token, a request or a vendor payload. Failures, refusals and
details with a part missing are not kept as answers.

The store is optional (`rows`): without one (it could not be opened, or a test) the cache is
memory only. Memory is the front: a hit there is checked against the store's row (a stamp
read), so an entry another process forgot or refreshed is not shown from memory. Writing to
the store never holds up a lookup: the store queues the row, its reads see it at once, and its
writer thread lands it (`store.cache_writer`). A store that fails is a miss, never an error: a
lookup always goes on.

An answer is kept only if nothing about it was forgotten while it was asked for. A request
starts where a read missed or went stale (the engine reads before it asks the source): that
read takes a ticket, the forgets counted so far here and the last entry of the store's forget
log (`Rows.last_forget`, version 13). The answer's put keeps it only when no forget of what it
names came after its ticket: a delivery to that record in this process (`forget_delivered`,
`invalidate_record`; `invalidate_source` for searches) voids it here, one in any process voids
it in the store's queue (`store.cache_queue`, `Put.seen`). A void answer still goes to the
lookup that asked, it is just not kept, so the next lookup asks the source again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, Final, Generic, Protocol, TypeVar

from cx_tui.identity import Query
from cx_tui.models import Company, Details, Interaction, Match, Person, Ticket, codec

T = TypeVar("T")

DEFAULT_TTL = 60.0
MAX_ENTRIES = 500
"""Entries of each kind kept in memory (the store keeps its own bound)."""
MAX_AGE: Final = 24 * 3600.0
"""Seconds after which an answer is never shown, not even while a refresh runs."""
FORGETS_KEPT: Final = 1_000
"""Forgets remembered (per record or source) to judge answers in flight; an answer asked for
before the oldest one dropped is not kept."""

MATCHES: Final = "matches"
DETAILS: Final = "details"

log = logging.getLogger(__name__)


class Rows(Protocol):
    """Where answers outlive the process: the store's `lookup_cache` (`Store` is one)."""

    def cached(self, kind: str, source: str, key: str) -> tuple[str, str, float, float] | None:
        """(format, value, stored_at, expires_at), or None."""

    def cached_at(self, kind: str, source: str, key: str) -> float | None: ...

    def keep_cached(
        self,
        kind: str,
        source: str,
        key: str,
        row: tuple[str, str, float, float],
        records: Iterable[str] = (),
        seen: int | None = None,
    ) -> bool:
        """Keep an answer (without waiting for the disk: reads see it at once), void if a
        delivery naming it was logged after `seen` (None: the log as it is now). False: it is
        not kept."""

    def last_forget(self) -> int:
        """The forget log's last entry (what an answer asked for now has seen)."""

    def forget_cached(self, kind: str, source: str, key: str) -> None: ...

    def forget_cached_record(self, source: str, record_id: str) -> None: ...

    def forget_cached_searches(self, source: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Entry(Generic[T]):
    value: T
    stored_at: float
    """When the answer came (the cache's clock: Unix seconds by default)."""
    fresh: bool
    age: float = 0.0
    """Seconds since the answer came."""


@dataclass(frozen=True, slots=True)
class _Held:
    stored_at: float
    value: Any
    in_rows: bool
    """The store holds this answer too, or has it queued (so its row going means another
    process forgot it, or a delivery voided it before it landed)."""


@dataclass(frozen=True, slots=True)
class _Ticket:
    """When an answer was asked for: the forgets counted here, the store's log entry."""

    forgets: int
    seen: int | None


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
        clock: Seconds since the epoch (tests pass a fake); stored rows are on this clock.
        rows: The store's rows behind the memory (None: memory only).
        max_age: Seconds after which an answer is never shown.
    """

    def __init__(
        self,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.time,
        *,
        rows: Rows | None = None,
        max_age: float = MAX_AGE,
    ) -> None:
        self.ttl = ttl
        self.clock = clock
        self.rows = rows
        self.max_age = max(max_age, ttl)
        self._memory: dict[str, dict[tuple[str, str], _Held]] = {MATCHES: {}, DETAILS: {}}
        self._tickets: dict[tuple[str, str, str], _Ticket] = {}
        """The last read of each key that missed or went stale (a request follows it)."""
        self._forgets = 0
        """Forgets so far (a record, a source's searches)."""
        self._forgotten: dict[tuple[str, str | None], int] = {}
        """(source, record id; None: its searches) -> the count when it was last forgotten."""
        self._forgotten_floor = 0
        """The count of the newest forget dropped from `_forgotten` (older tickets are void)."""

    # --- reading ---------------------------------------------------------------------------

    def matches(self, source: str, key: str) -> Entry[tuple[Match, ...]] | None:
        return self._get(MATCHES, source, key)

    def details(self, record: tuple[str, str]) -> Entry[Details] | None:
        return self._get(DETAILS, *record)

    def _reads_here(self, source: str) -> bool:  # noqa: ARG002 (a subclass's hook)
        """Whether reads of `source` are answered here (a subclass may send them elsewhere:
        they miss, and still take a ticket)."""
        return True

    def _get(self, kind: str, source: str, key: str) -> Entry[Any] | None:
        if self.ttl <= 0:
            return None
        if not self._reads_here(source):
            self._ticket(kind, source, key)
            return None
        entry = self._read(kind, source, key)
        if entry is None or not entry.fresh:
            self._ticket(kind, source, key)
        return entry

    def _ticket(self, kind: str, source: str, key: str) -> None:
        """A request for this key starts: remember what it has seen (see the docstring)."""
        seen = None if self.rows is None else self._quietly(self.rows.last_forget)
        ticket = _Ticket(self._forgets, seen if isinstance(seen, int) else None)
        _bounded_put(self._tickets, (kind, source, key), ticket, 2 * MAX_ENTRIES)

    def _read(self, kind: str, source: str, key: str) -> Entry[Any] | None:
        memory = self._memory[kind]
        held = memory.get((source, key))
        if self.rows is not None and (held is None or held.in_rows):
            stamp = self._quietly(self.rows.cached_at, kind, source, key)
            if stamp is not _FAILED and (held is None or stamp != held.stored_at):
                held = self._load(kind, source, key) if stamp is not None else None
                if held is None:
                    memory.pop((source, key), None)
                else:
                    _bounded_put(memory, (source, key), held)
        if held is None:
            return None
        age = self.clock() - held.stored_at
        if age > self.max_age:
            self._forget(kind, source, key)
            return None
        return Entry(held.value, held.stored_at, 0 <= age <= self.ttl, age)

    def _load(self, kind: str, source: str, key: str) -> _Held | None:
        """The store's row as an answer; a row that cannot be one is deleted."""
        assert self.rows is not None
        row = self._quietly(self.rows.cached, kind, source, key)
        if row is _FAILED or row is None:
            return None
        form, text, stored_at, expires_at = row
        value = _decoded(kind, source, form, text)
        if value is None or expires_at < self.clock():
            self._quietly(self.rows.forget_cached, kind, source, key)
            return None
        return _Held(stored_at, value, True)

    # --- writing ---------------------------------------------------------------------------

    def put_matches(self, source: str, key: str, matches: tuple[Match, ...]) -> None:
        self._put(MATCHES, source, key, matches, ())

    def put_details(self, record: tuple[str, str], details: Details) -> None:
        if details.failed_parts:
            return  # a partial answer is shown, never kept as the answer
        names = {record[1], *(t.ref.record_id for t in details.tickets)}
        self._put(DETAILS, *record, details, sorted(names))

    def _put(self, kind: str, source: str, key: str, value: Any, records: Iterable[str]) -> None:
        if self.ttl <= 0:
            return
        records = tuple(records)
        ticket = self._tickets.pop((kind, source, key), None)
        if ticket is not None and self._forgot_since(ticket.forgets, kind, source, records):
            return  # asked for before a write changed it: shown, never kept
        seen = None if ticket is None else ticket.seen
        now = self.clock()
        in_rows = False
        if self.rows is not None:
            row = (codec.FORMAT, codec.dumps(value), now, now + self.max_age)
            kept = self._quietly(self.rows.keep_cached, kind, source, key, row, records, seen)
            in_rows = kept is True
        _bounded_put(self._memory[kind], (source, key), _Held(now, value, in_rows))

    def invalidate_record(self, source: str, record_id: str) -> None:
        """Forget a person record (and any person whose tickets include `record_id`)."""
        self._drop_record(source, record_id)
        if self.rows is not None:
            self._quietly(self.rows.forget_cached_record, source, record_id)

    def invalidate_source(self, source: str) -> None:
        """Forget every search answer of a source (a person was added there)."""
        self._drop_searches(source)
        if self.rows is not None:
            self._quietly(self.rows.forget_cached_searches, source)

    def forget_delivered(self, source: str, record_id: str, *, searches: bool = False) -> None:
        """The outbox delivered a write to this record: its transaction already forgot the
        store's rows (and logged it, voiding answers about it still queued), so only memory
        forgets here, as `invalidate_record` (and, with `searches`, `invalidate_source`)
        would."""
        self._drop_record(source, record_id)
        if searches:
            self._drop_searches(source)

    def _forgot(self, source: str, record_id: str | None) -> None:
        self._forgets += 1
        forgotten = self._forgotten
        forgotten.pop((source, record_id), None)
        forgotten[(source, record_id)] = self._forgets
        if len(forgotten) > FORGETS_KEPT:
            # Tickets from before the forget dropped here can no longer be judged.
            self._forgotten_floor = forgotten.pop(next(iter(forgotten)))

    def _forgot_since(self, forgets: int, kind: str, source: str, records: tuple[str, ...]) -> bool:
        """Whether what an answer names was forgotten after its ticket (`forgets`)."""
        if forgets < self._forgotten_floor:
            return True
        names: Iterable[str | None] = (None,) if kind == MATCHES else records
        return any(self._forgotten.get((source, name), 0) > forgets for name in names)

    def _drop_record(self, source: str, record_id: str) -> None:
        self._forgot(source, record_id)
        details = self._memory[DETAILS]
        details.pop((source, record_id), None)
        for key, held in list(details.items()):
            if key[0] == source and any(t.ref.record_id == record_id for t in held.value.tickets):
                del details[key]

    def _drop_searches(self, source: str) -> None:
        self._forgot(source, None)
        matches = self._memory[MATCHES]
        for key in [k for k in matches if k[0] == source]:
            del matches[key]

    def _forget(self, kind: str, source: str, key: str) -> None:
        self._memory[kind].pop((source, key), None)
        if self.rows is not None:
            self._quietly(self.rows.forget_cached, kind, source, key)

    @staticmethod
    def _quietly(call: Callable[..., Any], *args: Any) -> Any:
        """The store's answer, or `_FAILED`: a cache that cannot be read is a miss."""
        try:
            return call(*args)
        except Exception as error:  # StoreError, or a store closed under us
            log.info("lookup cache in the store unusable: %s", type(error).__name__)
            return _FAILED


_FAILED: Final = object()


def _decoded(kind: str, source: str, form: str, text: str) -> Any:
    """The answer a row holds, or None for one another version wrote or that is not ours."""
    if form != codec.FORMAT:
        return None
    try:
        value = codec.loads(text)
    except (codec.CodecError, RecursionError):
        return None
    if kind == DETAILS:
        return value if _whole_details(value) else None
    if isinstance(value, tuple) and all(
        isinstance(m, Match)
        and isinstance(m.person, Person)
        and m.person.ref.connector == source
        and isinstance(m.person.contact_points, tuple)
        for m in value
    ):
        return value
    return None


def _whole_details(value: Any) -> bool:
    """Details whose parts are what the screen reads (a row may be damaged, not only old)."""
    if not isinstance(value, Details):
        return False
    parts = ((value.companies, Company), (value.tickets, Ticket), (value.interactions, Interaction))
    return all(
        isinstance(items, tuple) and all(isinstance(i, cls) for i in items) for items, cls in parts
    )


K = TypeVar("K", bound=Hashable)


def _bounded_put(store: dict[K, T], key: K, value: T, limit: int = MAX_ENTRIES) -> None:
    store.pop(key, None)
    store[key] = value
    while len(store) > limit:
        del store[next(iter(store))]
