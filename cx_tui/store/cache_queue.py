"""The lookup cache's writes waiting for the writer thread (`cache_writer`): in order,
coalesced, and readable before they land.

A write is one op: keep an answer (`Put`), drop one (`Forget`), drop every answer naming a
record (`ForgetRecord`, a write to that record) or every search of a source (`ForgetSearches`,
a person added there). Ops are applied in the order they were queued; a later op replaces the
earlier ones it makes pointless (a newer answer for the same key, a forget of what a waiting
answer names), so the queue holds at most one op per key and a burst of lookups becomes a few
short transactions.

A delivery, whichever process records it, forgets the rows naming its record in its own
transaction and logs that it did (`lookup_cache_forgotten`, version 13). An answer is queued
with the last entry of that log when it was asked for (`Put.seen`, read as its request
started): a delivery to a record it names logged after that was not in the answer, so it is
void (`ForgetLog.voids`) and lands as a `Forget` of its key. `overlay` answers a read as the store
will once the queue has landed (read-your-writes), so a caller never sees an answer it just
replaced or forgot, or one a delivery voided, whether or not the writer has run. Pure data: no
threads, no SQLite (`lookup_cache` reads the log; the writer's lock guards the queue).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final, NamedTuple

MATCHES: Final = "matches"


class CachedRow(NamedTuple):
    """One stored answer, still encoded."""

    format: str
    value: str
    stored_at: float
    expires_at: float


@dataclass(frozen=True, slots=True)
class Put:
    """Keep an answer in place of any earlier one for its key."""

    kind: str
    source: str
    key: str
    row: CachedRow
    records: tuple[str, ...] = ()
    """The record ids the answer names (a write to any of them forgets it)."""
    seen: int = 0
    """The last entry of the forget log when it was asked for (see the module's docstring)."""

    def names(self, source: str, record_id: str) -> bool:
        return self.source == source and record_id in self.records


@dataclass(frozen=True, slots=True)
class Forget:
    """Drop one answer (unreadable, too old, or too large to keep)."""

    kind: str
    source: str
    key: str


@dataclass(frozen=True, slots=True)
class ForgetRecord:
    """A record was written to: drop every answer naming it."""

    source: str
    record_id: str


@dataclass(frozen=True, slots=True)
class ForgetSearches:
    """A person was added to a source: drop its searches."""

    source: str


Op = Put | Forget | ForgetRecord | ForgetSearches


def _slot(op: Op) -> tuple[str, ...]:
    if isinstance(op, Put | Forget):
        return ("key", op.kind, op.source, op.key)
    if isinstance(op, ForgetRecord):
        return ("record", op.source, op.record_id)
    return ("searches", op.source)


def voids(op: Op, put: Put) -> bool:
    """Whether `op`, applied after `put`, removes what `put` stored."""
    if isinstance(op, Put | Forget):
        return (op.kind, op.source, op.key) == (put.kind, put.source, put.key)
    if isinstance(op, ForgetRecord):
        return put.names(op.source, op.record_id)
    return put.kind == MATCHES and put.source == op.source


class Unknown:
    """`overlay`'s answer when the queue says nothing about a row: the file decides."""

    __slots__ = ("records",)

    def __init__(self, records: frozenset[str]) -> None:
        self.records = records
        """Record ids a waiting `ForgetRecord` of the row's source drops: if the file's row
        names one of them, it is as good as gone."""


class CacheQueue:
    """The ops waiting, at most one per key, oldest first (not thread-safe: the writer's lock
    guards it)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        """Ops kept at most; beyond it the oldest answers are dropped (forgets never are)."""
        self._ops: dict[tuple[str, ...], Op] = {}

    def __len__(self) -> int:
        return len(self._ops)

    def __iter__(self) -> Iterator[Op]:
        return iter(list(self._ops.values()))

    def add(self, op: Op) -> None:
        """Queue `op` after the others, dropping the waiting answers it voids (an op on one
        key voids only what waits in its own slot)."""
        if isinstance(op, ForgetRecord | ForgetSearches):
            for slot in [s for s, queued in self._ops.items() if _voided(op, queued)]:
                del self._ops[slot]
        self._ops.pop(_slot(op), None)
        self._ops[_slot(op)] = op
        if len(self._ops) > self.limit:
            oldest = next((s for s, o in self._ops.items() if isinstance(o, Put)), None)
            if oldest is not None:
                del self._ops[oldest]

    def take(self) -> list[Op]:
        """Every op waiting, in order; the queue is empty afterwards."""
        ops = list(self._ops.values())
        self._ops.clear()
        return ops

    def put_back(self, ops: Iterable[Op]) -> None:
        """Ops the writer could not apply go back in front of those queued since."""
        since = self.take()
        for op in [*ops, *since]:
            self.add(op)


def _voided(op: Op, queued: Op) -> bool:
    return isinstance(queued, Put) and voids(op, queued)


@dataclass(frozen=True, slots=True)
class Forgotten:
    """One entry of the forget log: a delivery to `record_id` of `source` was recorded (with
    `searches`: it added a number, so the source's searches went too)."""

    seq: int
    source: str
    record_id: str
    searches: bool


@dataclass(frozen=True, slots=True)
class ForgetLog:
    """The log's entries after some point, and its oldest kept entry (None: it is empty)."""

    entries: Sequence[Forgotten] = ()
    oldest: int | None = None

    def voids(self, put: Put) -> bool:
        """Whether a delivery logged after `put` was queued changed what it says."""
        if self.oldest is not None and put.seen < self.oldest - 1:
            return True  # the entries it needs were pruned: it cannot be vouched for
        return any(
            entry.seq > put.seen
            and entry.source == put.source
            and (entry.record_id in put.records or (entry.searches and put.kind == MATCHES))
            for entry in self.entries
        )


def landing(op: Op, log: ForgetLog) -> Op:
    """`op` as it lands: an answer a logged delivery voided becomes a `Forget` of its key."""
    if isinstance(op, Put) and log.voids(op):
        return Forget(op.kind, op.source, op.key)
    return op


def first_seen(ops: Iterable[Op], row: tuple[str, str, str] | None = None) -> int | None:
    """The oldest log entry the waiting answers (for `row`, (kind, source, key), when given)
    saw (None: no such answer waits)."""
    slot = None if row is None else ("key", *row)
    return min(
        (op.seen for op in ops if isinstance(op, Put) and slot in (None, _slot(op))),
        default=None,
    )


def overlay(
    ops: Iterable[Op], kind: str, source: str, key: str, log: ForgetLog
) -> CachedRow | Unknown | None:
    """The row (kind, source, key) once `ops` (in flight, then waiting) have landed, with
    the deliveries `log` holds: the answer a waiting `Put` keeps, None when an op drops it,
    else `Unknown`."""
    state: CachedRow | Unknown | None = Unknown(frozenset())
    last: Put | None = None
    probe = Put(kind, source, key, CachedRow("", "", 0.0, 0.0))
    slot = _slot(probe)
    # Only this row's answers need the log: another key's, voided or not, never touch it.
    for op in (landing(o, log) if _slot(o) == slot else o for o in ops):
        if isinstance(op, Put) and _slot(op) == _slot(probe):
            state, last = op.row, op
        elif isinstance(op, ForgetRecord) and isinstance(state, Unknown):
            if op.source == source:
                state = Unknown(state.records | {op.record_id})
        elif voids(op, last if last is not None else probe):
            state, last = None, None
    return state
