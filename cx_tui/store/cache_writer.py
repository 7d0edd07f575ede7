"""The lookup cache's writer: one thread, with a connection of its own, applies the queued
cache writes (`cache_queue`), so a lookup never waits for the disk or for another process
holding the store's write lock.

The event loop only queues (tens of microseconds an answer); the thread takes everything
waiting as one batch and applies it in one transaction. The store's own connection is shared
with the event loop under a lock (`StoreFile`), so the thread never uses it: a write waiting out
another process's lock there would hold up every read the screen makes. SQLite in WAL mode lets
the store's reads go on while this connection writes.

A batch that finds the store busy for `CACHE_BUSY_TIMEOUT` goes back to the queue and is tried
again (the thread waits, nobody else does). Any other failure (a full disk, a damaged file)
drops the batch: a cache is never worth more than a miss. `close` applies what is still
waiting, waiting at most `CLOSE_WAIT` for a busy store, so an answer kept just before the app
exits is in the file for the next start. Pruning expired rows is the caller's `apply`; this
module only says when it is due (`PruneSchedule`).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from cx_tui import sqlite_files
from cx_tui.store.cache_queue import (
    CachedRow,
    CacheQueue,
    ForgetLog,
    Op,
    Put,
    Unknown,
    first_seen,
    overlay,
)

CACHE_BUSY_TIMEOUT: Final = 0.25
"""Seconds one batch waits for another process holding the store before it is tried again."""
CLOSE_WAIT: Final = 2.0
"""Seconds the last batch (on close) waits for a busy store before its answers are dropped."""
QUEUE_LIMIT: Final = 1_000
"""Writes waiting at most (one per key); beyond it the oldest answers are dropped."""
PRUNE_EVERY: Final = 200
"""Answers kept between two prunings of the expired rows..."""
PRUNE_INTERVAL: Final = 300.0
"""...or seconds, whichever comes first (the first batch of a process always prunes)."""

Apply = Callable[[sqlite3.Connection, list[Op], bool], None]
"""Applies a batch inside the writer's transaction; the flag: prune the expired rows too."""

log = logging.getLogger(__name__)


class PruneSchedule:
    """When the expired rows are next dropped: after `every` answers kept or `interval`
    seconds (on `clock`), whichever comes first; at once the first time."""

    def __init__(
        self,
        every: int | None = None,
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.every = PRUNE_EVERY if every is None else every
        self.interval = PRUNE_INTERVAL if interval is None else interval
        self.clock = clock
        self._kept = 0
        self._last: float | None = None

    def due(self) -> bool:
        if self._last is None:
            return True
        return self._kept >= self.every or self.clock() - self._last >= self.interval

    def kept(self, answers: int, *, pruned: bool) -> None:
        """A batch landed with `answers` answers kept; `pruned`: it dropped the expired rows."""
        if pruned:
            self._kept, self._last = 0, self.clock()
        self._kept += answers


class CacheWriter:
    """The queue and the thread that drains it, for one store file.

    Args:
        path: The store's file (opened, identified and migrated by the `Store`).
        apply: Applies one batch on the writer's connection, inside its transaction.
        schedule: When a batch also prunes the expired rows.
    """

    def __init__(self, path: Path, apply: Apply, schedule: PruneSchedule | None = None) -> None:
        self.path = path
        self.schedule = schedule or PruneSchedule()
        self._apply = apply
        self._cond = threading.Condition()
        self._queue = CacheQueue(QUEUE_LIMIT)
        self._flight: list[Op] = []
        self._queued = 0
        """Ops ever queued; `_settled` catches up as they land (or are dropped)."""
        self._settled = 0
        self._thread: threading.Thread | None = None
        self._closing = False
        self._done = False

    # --- the event loop's side (never waits for the disk) -------------------------------

    def submit(self, op: Op) -> None:
        """Queue `op` behind every earlier one (after close: applied by nobody, dropped)."""
        with self._cond:
            if self._closing:
                return
            self._queue.add(op)
            self._queued += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="cx-tui cache writer", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def waiting(self) -> list[Op]:
        """The writes not yet in the file, in order (being written first)."""
        with self._cond:
            return [*self._flight, *self._queue] if self._flight or len(self._queue) else []

    def overlay(
        self, kind: str, source: str, key: str, log: Callable[[int], ForgetLog]
    ) -> CachedRow | Unknown | None:
        """What the writes not yet in the file make of this row (see `cache_queue.overlay`);
        `log(seq)` reads the forget log after `seq`, only when an answer for this row waits."""
        ops = self.waiting()
        if not ops:
            return Unknown(frozenset())
        seen = first_seen(ops, (kind, source, key))
        return overlay(ops, kind, source, key, ForgetLog() if seen is None else log(seen))

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every write queued so far has landed or been dropped (False: `timeout`
        seconds went by first)."""
        with self._cond:
            target = self._queued
            return self._cond.wait_for(lambda: self._settled >= target or self._done, timeout)

    def close(self) -> None:
        """Apply what is waiting (see `CLOSE_WAIT`) and stop the thread; idempotent."""
        with self._cond:
            self._closing = True
            thread = self._thread
            self._cond.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join(CLOSE_WAIT + 5 * CACHE_BUSY_TIMEOUT)

    # --- the writer's thread -------------------------------------------------------------

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while True:
                with self._cond:
                    self._cond.wait_for(lambda: len(self._queue) > 0 or self._closing)
                    if not len(self._queue):
                        return
                    last = self._closing
                    ops = self._flight = self._queue.take()
                    upto = self._queued
                conn, busy = self._write(conn, ops, last)
                with self._cond:
                    self._flight = []
                    if busy and not last:
                        self._queue.put_back(ops)
                    else:
                        self._settled = max(self._settled, upto)
                    self._cond.notify_all()
                    if busy and not last:
                        # SQLite may answer "busy" without waiting (a snapshot gone stale).
                        self._cond.wait(CACHE_BUSY_TIMEOUT / 5)
        finally:
            if conn is not None:
                conn.close()
            with self._cond:
                self._done = True
                self._cond.notify_all()

    def _write(
        self, conn: sqlite3.Connection | None, ops: list[Op], last: bool
    ) -> tuple[sqlite3.Connection | None, bool]:
        """Apply one batch: (the connection to keep using, whether the store was busy)."""
        kept = sum(isinstance(op, Put) for op in ops)
        prune = kept > 0 and self.schedule.due()
        wait = CLOSE_WAIT if last else CACHE_BUSY_TIMEOUT
        try:
            if conn is None:
                conn = sqlite_files.connect(self.path, "rw", timeout=wait)
                # A cache row is rebuilt by the next lookup: in WAL mode no sync to disk per
                # commit (a power cut may lose the last rows, never damage the file). Where the
                # store fell back to a rollback journal, NORMAL could damage the file, which
                # holds the outbox too: the store's own FULL stays.
                mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
                if str(mode).lower() == "wal":
                    conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
            with sqlite_files.transaction(conn):
                self._apply(conn, ops, prune)
        except Exception as error:  # the thread must outlive any one batch
            if not isinstance(error, sqlite3.Error):
                # Not the store's answer (a bug, a row that will not encode): the batch is
                # dropped, a cache is never worth more than a miss, and the thread goes on.
                log.warning("lookup cache: %d writes dropped (%r)", len(ops), error)
                return conn, False
            busy = sqlite_files.is_busy(error)
            if not busy or last:
                log.info(
                    "lookup cache: %d writes not kept in the store (%s)",
                    len(ops),
                    sqlite_files.describe_sqlite(error, "the store"),
                )
            if not busy and conn is not None:
                conn.close()  # opened afresh for the next batch
                conn = None
            return conn, busy
        self.schedule.kept(kept, pruned=prune)
        return conn, False
