"""The lookup cache's rows: what sources answered, kept so a restart paints from them.

`cx_tui.cache.ResultCache` decides what is kept and when it counts as fresh; this module only
keeps rows. A row is one answer: `matches` (a source's search for one normalised query) or
`details` (one record's details), its value as `models.codec` JSON with the codec's `format`,
when it was stored and when it is no longer used at all (`expires_at`, Unix seconds). A
details row lists the record ids it names (the person, their tickets) in `lookup_cache_records`,
so a write to any of them forgets it, whichever process delivered the write.

The cache is never worth waiting for: its writes are queued and applied by the store's cache
writer (`cache_writer`: its own thread and connection, a busy store waited out there, commits
without a sync to disk), and every read here sees them as if they had landed (`cache_queue`).
`close` (and `flush_cache`) waits for them. The table holds at most `CACHE_ROWS_LIMIT` rows,
the oldest going first, and no value over `CACHE_VALUE_LIMIT`; expired rows go every
`PRUNE_EVERY` answers or `PRUNE_INTERVAL` seconds (by the `expires_at` index, version 12).
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Iterable
from typing import Final

from cx_tui.store.cache_queue import (
    MATCHES,
    CachedRow,
    Forget,
    ForgetLog,
    ForgetRecord,
    ForgetSearches,
    Forgotten,
    Op,
    Put,
    Unknown,
    first_seen,
    landing,
)
from cx_tui.store.cache_writer import CacheWriter
from cx_tui.store.file import StoreFile

CACHE_ROWS_LIMIT: Final = 2_000
"""Rows the lookup cache keeps; storing one more drops the oldest."""
CACHE_VALUE_LIMIT: Final = 512 * 1024
"""Characters of one encoded answer, at most; a larger one stays in memory only."""
FORGET_LOG_LIMIT: Final = 1_000
"""Entries the forget log keeps (an answer waiting longer than that many deliveries is void)."""

__all__ = [
    "CACHE_ROWS_LIMIT",
    "CACHE_VALUE_LIMIT",
    "CachedRow",
    "LookupCache",
    "forget_written",
]


def forget_written(
    conn: sqlite3.Connection, source: str, record_id: str, *, searches: bool = False
) -> None:
    """Forget every details row naming `record_id` of `source` (and, with `searches`, every
    search of that source), inside the caller's transaction."""
    conn.execute(
        """DELETE FROM lookup_cache WHERE (kind, source, key) IN (
            SELECT kind, source, key FROM lookup_cache_records
            WHERE source = ? AND record_id = ?)""",
        (source, record_id),
    )
    if searches:
        conn.execute("DELETE FROM lookup_cache WHERE kind = ? AND source = ?", (MATCHES, source))


def last_forget(conn: sqlite3.Connection) -> int:
    """The forget log's last entry (0: none yet): what an answer queued now has seen."""
    return int(
        conn.execute("SELECT coalesce(max(seq), 0) FROM lookup_cache_forgotten").fetchone()[0]
    )


def log_forget(conn: sqlite3.Connection, source: str, record_id: str, *, searches: bool) -> None:
    """Log a delivery's forget (inside its transaction), keeping the last `FORGET_LOG_LIMIT`."""
    seq = conn.execute(
        "INSERT INTO lookup_cache_forgotten (source, record_id, searches) VALUES (?, ?, ?)",
        (source, record_id, int(searches)),
    ).lastrowid
    assert seq is not None
    conn.execute("DELETE FROM lookup_cache_forgotten WHERE seq <= ?", (seq - FORGET_LOG_LIMIT,))


def read_forgets(conn: sqlite3.Connection, after: int) -> ForgetLog:
    """The forget log's entries after `after`, and its oldest entry."""
    oldest = conn.execute("SELECT min(seq) FROM lookup_cache_forgotten").fetchone()[0]
    rows = conn.execute(
        "SELECT seq, source, record_id, searches FROM lookup_cache_forgotten WHERE seq > ? "
        "ORDER BY seq",
        (after,),
    ).fetchall()
    entries = [Forgotten(int(r[0]), str(r[1]), str(r[2]), bool(r[3])) for r in rows]
    return ForgetLog(entries, None if oldest is None else int(oldest))


def _apply(conn: sqlite3.Connection, ops: list[Op], prune: bool) -> None:
    """One batch of the cache writer, in order, inside its transaction (an answer a delivery
    voided while it waited is forgotten instead); then the bound (and, with `prune`, the
    expired rows, by the `expires_at` index)."""
    newest: float | None = None
    seen = first_seen(ops)
    log = ForgetLog() if seen is None else read_forgets(conn, seen)
    for op in (landing(o, log) for o in ops):
        if isinstance(op, Put | Forget):
            conn.execute(
                "DELETE FROM lookup_cache WHERE kind = ? AND source = ? AND key = ?",
                (op.kind, op.source, op.key),
            )
        if isinstance(op, Put):
            conn.execute(
                "INSERT INTO lookup_cache (kind, source, key, format, value, stored_at, "
                "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (op.kind, op.source, op.key, *op.row),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO lookup_cache_records (kind, source, key, record_id) "
                "VALUES (?, ?, ?, ?)",
                [(op.kind, op.source, op.key, record) for record in op.records],
            )
            stamp = op.row.stored_at
            newest = stamp if newest is None else max(newest, stamp)
        elif isinstance(op, ForgetRecord):
            forget_written(conn, op.source, op.record_id)
        elif isinstance(op, ForgetSearches):
            conn.execute(
                "DELETE FROM lookup_cache WHERE kind = ? AND source = ?", (MATCHES, op.source)
            )
    if newest is None:
        return
    if prune:
        conn.execute("DELETE FROM lookup_cache WHERE expires_at < ?", (newest,))
    conn.execute(
        "DELETE FROM lookup_cache WHERE rowid IN (SELECT rowid FROM lookup_cache "
        "ORDER BY stored_at DESC, rowid DESC LIMIT -1 OFFSET ?)",
        (CACHE_ROWS_LIMIT,),
    )


class LookupCache(StoreFile):
    """The lookup_cache tables' methods of `Store`: reads on the store's connection, writes
    through its cache writer (started on the first one)."""

    _cache_writer: CacheWriter | None = None

    def _cache_writes(self) -> CacheWriter:
        with self._lock:
            self._connection()  # a closed store refuses, as for every other write
            if self._cache_writer is None:
                writer = self._cache_writer = CacheWriter(self.path, _apply)
                # Also at exit, for a store nobody closed: its last answers still land.
                weakref.finalize(self, writer.close)
            return self._cache_writer

    def _waiting(
        self, conn: sqlite3.Connection, kind: str, source: str, key: str
    ) -> CachedRow | Unknown | None:
        writer = self._cache_writer
        if writer is None:
            return Unknown(frozenset())
        return writer.overlay(kind, source, key, lambda seen: read_forgets(conn, seen))

    def cached(self, kind: str, source: str, key: str) -> CachedRow | None:
        """The stored answer (as it is once the queued writes land), or None."""
        with self._reading("read the lookup cache") as conn:
            waiting = self._waiting(conn, kind, source, key)
            if not isinstance(waiting, Unknown):
                return waiting
            row = conn.execute(
                "SELECT format, value, stored_at, expires_at FROM lookup_cache "
                "WHERE kind = ? AND source = ? AND key = ?",
                (kind, source, key),
            ).fetchone()
            if row is None or _named(conn, kind, source, key, waiting.records):
                return None
        return CachedRow(str(row[0]), str(row[1]), float(row[2]), float(row[3]))

    def cached_at(self, kind: str, source: str, key: str) -> float | None:
        """When the stored answer was stored (None: there is none, or another process
        forgot it)."""
        with self._reading("read the lookup cache") as conn:
            waiting = self._waiting(conn, kind, source, key)
            if not isinstance(waiting, Unknown):
                return None if waiting is None else waiting.stored_at
            row = conn.execute(
                "SELECT stored_at FROM lookup_cache WHERE kind = ? AND source = ? AND key = ?",
                (kind, source, key),
            ).fetchone()
            if row is None or _named(conn, kind, source, key, waiting.records):
                return None
        return float(row[0])

    def keep_cached(
        self,
        kind: str,
        source: str,
        key: str,
        row: tuple[str, str, float, float],
        records: Iterable[str] = (),
        seen: int | None = None,
    ) -> bool:
        """Queue an answer (`CachedRow` fields) in place of any earlier one (reads see it at
        once). `seen`: the forget log's last entry when it was asked for (`last_forget` then;
        None: now), so a delivery to a record it names logged since voids it. False when the
        value is too large to keep (any earlier answer is forgotten)."""
        row = CachedRow(*row)
        if len(row.value) > CACHE_VALUE_LIMIT:
            self.forget_cached(kind, source, key)
            return False
        if seen is None:
            seen = self.last_forget()
        self._cache_writes().submit(Put(kind, source, key, row, tuple(records), seen))
        return True

    def last_forget(self) -> int:
        """The forget log's last entry (0: none yet): read when an answer is asked for, so
        the deliveries logged while it was on its way void it."""
        with self._reading("read the lookup cache") as conn:
            return last_forget(conn)

    def forget_cached(self, kind: str, source: str, key: str) -> None:
        """Drop one stored answer (unreadable, or too old to use)."""
        self._cache_writes().submit(Forget(kind, source, key))

    def forget_cached_record(self, source: str, record_id: str) -> None:
        """A record was written to: drop every details row naming it."""
        self._cache_writes().submit(ForgetRecord(source, record_id))

    def forget_cached_searches(self, source: str) -> None:
        """A person was added to `source` (or a number to one): drop its searches."""
        self._cache_writes().submit(ForgetSearches(source))

    def _forget_delivered(
        self, conn: sqlite3.Connection, source: str, record_id: str, *, searches: bool
    ) -> None:
        """Inside a delivery's transaction: forget what it changed in the file, and log it, so
        an answer naming the record still waiting to be written (in any process) is void: none
        fetched before the write lands after it."""
        forget_written(conn, source, record_id, searches=searches)
        log_forget(conn, source, record_id, searches=searches)

    def flush_cache(self, timeout: float | None = None) -> bool:
        """Wait until the cache writes queued so far are in the file (or dropped); False when
        `timeout` seconds went by first."""
        writer = self._cache_writer
        return True if writer is None else writer.flush(timeout)

    def cached_rows(self) -> int:
        """How many answers the cache holds (once the writes queued before are in, waiting
        at most 10 s while another process holds the store: then what the file has)."""
        self.flush_cache(10.0)
        with self._reading("read the lookup cache") as conn:
            return int(conn.execute("SELECT count(*) FROM lookup_cache").fetchone()[0])

    def close(self) -> None:
        """Write what the cache still has queued, then close the file."""
        writer = self._cache_writer
        if writer is not None:
            writer.close()
        super().close()


def _named(
    conn: sqlite3.Connection, kind: str, source: str, key: str, records: frozenset[str]
) -> bool:
    """Whether the row names one of `records` (a queued forget drops it)."""
    if not records:
        return False
    marks = ", ".join("?" for _ in records)
    found = conn.execute(
        f"SELECT 1 FROM lookup_cache_records WHERE kind = ? AND source = ? AND key = ? "
        f"AND record_id IN ({marks}) LIMIT 1",
        (kind, source, key, *sorted(records)),
    ).fetchone()
    return found is not None
