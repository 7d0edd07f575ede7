"""The lookup cache's rows: what sources answered, kept so a restart paints from them.

`cx_tui.cache.ResultCache` decides what is kept and when it counts as fresh; this module only
keeps rows. A row is one answer: `matches` (a source's search for one normalised query) or
`details` (one record's details), its value as `models.codec` JSON with the codec's `format`,
when it was stored and when it is no longer used at all (`expires_at`, Unix seconds). A
details row lists the record ids it names (the person, their tickets) in `lookup_cache_records`,
so a write to any of them forgets it, whichever process delivered the write.

The cache is never worth waiting for: its writes wait at most `CACHE_BUSY_TIMEOUT` for another
process's transaction and commit without a sync to disk (a power cut may lose the last rows,
never damage the file; the next outbox commit syncs them). The table holds at most
`CACHE_ROWS_LIMIT` rows, the oldest going first, and no value over `CACHE_VALUE_LIMIT`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Final, NamedTuple

from cx_tui.store.file import StoreFile

CACHE_ROWS_LIMIT: Final = 2_000
"""Rows the lookup cache keeps; storing one more drops the oldest."""
CACHE_VALUE_LIMIT: Final = 512 * 1024
"""Characters of one encoded answer, at most; a larger one stays in memory only."""
CACHE_BUSY_TIMEOUT: Final = 0.25
"""Seconds a cache write waits for another process holding the store, then is skipped."""


class CachedRow(NamedTuple):
    """One stored answer, still encoded."""

    format: str
    value: str
    stored_at: float
    expires_at: float


def forget_written(
    conn: sqlite3.Connection, source: str, record_id: str, *, searches: bool = False
) -> None:
    """Forget every details row naming `record_id` of `source` (and, with `searches`, every
    search of that source), inside the caller's transaction (the outbox's delivery)."""
    conn.execute(
        """DELETE FROM lookup_cache WHERE (kind, source, key) IN (
            SELECT kind, source, key FROM lookup_cache_records
            WHERE source = ? AND record_id = ?)""",
        (source, record_id),
    )
    if searches:
        conn.execute("DELETE FROM lookup_cache WHERE kind = 'matches' AND source = ?", (source,))


class LookupCache(StoreFile):
    """The lookup_cache tables' methods of `Store`."""

    @contextmanager
    def _caching(self, doing: str) -> Iterator[sqlite3.Connection]:
        """A write transaction that waits briefly and skips the sync to disk (see above)."""
        with self._lock:
            conn = self._connection()
            conn.execute(f"PRAGMA busy_timeout = {int(CACHE_BUSY_TIMEOUT * 1000)}")
            conn.execute("PRAGMA synchronous = NORMAL")
            try:
                with self._writing(doing) as writing:
                    yield writing
            finally:
                conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
                conn.execute("PRAGMA synchronous = FULL")

    def cached(self, kind: str, source: str, key: str) -> CachedRow | None:
        """The stored answer, or None."""
        with self._reading("read the lookup cache") as conn:
            row = conn.execute(
                "SELECT format, value, stored_at, expires_at FROM lookup_cache "
                "WHERE kind = ? AND source = ? AND key = ?",
                (kind, source, key),
            ).fetchone()
        if row is None:
            return None
        return CachedRow(str(row[0]), str(row[1]), float(row[2]), float(row[3]))

    def cached_at(self, kind: str, source: str, key: str) -> float | None:
        """When the stored answer was stored (None: there is none, or another process
        forgot it)."""
        with self._reading("read the lookup cache") as conn:
            row = conn.execute(
                "SELECT stored_at FROM lookup_cache WHERE kind = ? AND source = ? AND key = ?",
                (kind, source, key),
            ).fetchone()
        return None if row is None else float(row[0])

    def keep_cached(
        self,
        kind: str,
        source: str,
        key: str,
        row: tuple[str, str, float, float],
        records: Iterable[str] = (),
    ) -> bool:
        """Store an answer (`CachedRow` fields) in place of any earlier one; drop expired rows
        and the oldest beyond `CACHE_ROWS_LIMIT`. False when the value is too large to keep."""
        row = CachedRow(*row)
        if len(row.value) > CACHE_VALUE_LIMIT:
            self.forget_cached(kind, source, key)
            return False
        with self._caching("keep a lookup in the cache") as conn:
            conn.execute(
                "DELETE FROM lookup_cache WHERE kind = ? AND source = ? AND key = ?",
                (kind, source, key),
            )
            conn.execute(
                "INSERT INTO lookup_cache (kind, source, key, format, value, stored_at, "
                "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (kind, source, key, *row),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO lookup_cache_records (kind, source, key, record_id) "
                "VALUES (?, ?, ?, ?)",
                [(kind, source, key, record) for record in records],
            )
            conn.execute("DELETE FROM lookup_cache WHERE expires_at < ?", (row.stored_at,))
            conn.execute(
                "DELETE FROM lookup_cache WHERE rowid IN (SELECT rowid FROM lookup_cache "
                "ORDER BY stored_at DESC, rowid DESC LIMIT -1 OFFSET ?)",
                (CACHE_ROWS_LIMIT,),
            )
        return True

    def forget_cached(self, kind: str, source: str, key: str) -> None:
        """Drop one stored answer (unreadable, or too old to use)."""
        with self._caching("forget a cached lookup") as conn:
            conn.execute(
                "DELETE FROM lookup_cache WHERE kind = ? AND source = ? AND key = ?",
                (kind, source, key),
            )

    def forget_cached_record(self, source: str, record_id: str) -> None:
        """A record was written to: drop every details row naming it."""
        with self._caching("forget a cached person") as conn:
            forget_written(conn, source, record_id)

    def forget_cached_searches(self, source: str) -> None:
        """A person was added to `source` (or a number to one): drop its searches."""
        with self._caching("forget cached searches") as conn:
            conn.execute(
                "DELETE FROM lookup_cache WHERE kind = 'matches' AND source = ?", (source,)
            )

    def cached_rows(self) -> int:
        """How many answers the cache holds."""
        with self._reading("read the lookup cache") as conn:
            return int(conn.execute("SELECT count(*) FROM lookup_cache").fetchone()[0])
