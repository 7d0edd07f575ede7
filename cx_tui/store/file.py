"""The store's file: opening (create, identify, migrate), the connection, and its transactions.

Each table family (`outbox`, `drafts`, `links`, `calls`, `lookups`, `lookup_cache`) adds its
methods on top of `StoreFile` (the lookup cache writes through a connection of its own,
`cache_writer`); `cx_tui.store.Store` puts them together. The file-safety rules themselves (private
directory and file, header check, busy detection) are `cx_tui.sqlite_files`, shared with the
local connector.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from cx_tui import paths, sqlite_files
from cx_tui.sqlite_files import FileProblem, SQLiteFileError, describe_sqlite, transaction
from cx_tui.store.records import StoreError
from cx_tui.store.schema import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    NewerSchemaError,
    migrate,
    schema_version,
)
from cx_tui.utc import from_iso, to_iso

STORE_FILENAME: Final = "state.db"
"""The store's file name in the data directory. Local connectors' files end in `.sqlite3`, so a
connector's default file can never be the store."""

DEFAULT_BUSY_TIMEOUT: Final = 5.0
"""Seconds a write waits for another process's transaction before giving up."""

OUTBOX_KEEP_DAYS: Final = 90
"""Delivered and discarded outbox items older than this are dropped when the store opens."""

_MOVE_ASIDE = "Move it aside (cx-tui then starts a new store) or point CX_TUI_DATA_DIR elsewhere."
_NOUN = "the store"
_DAMAGE_CODES: Final = frozenset((sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB))
"""What SQLite says only of a damaged file; anything else (full, read-only, busy, I/O) is not
damage, and is never answered with "move it aside"."""


def default_path() -> Path:
    """Where the store lives: `state.db` in the data directory."""
    return paths.data_dir() / STORE_FILENAME


def _now() -> datetime:
    return datetime.now(UTC)


_REFUSALS: Final = {
    FileProblem.DIRECTORY: "{reason}; nothing was saved. Make it writable by you or set "
    "CX_TUI_DATA_DIR.",
    FileProblem.CREATE: "cannot create the store ({reason}); nothing was saved. Make its "
    "directory writable by you or set CX_TUI_DATA_DIR.",
    FileProblem.IS_DIRECTORY: f"it is a directory, not a store file. {_MOVE_ASIDE}",
    FileProblem.NOT_SQLITE: "not a cx-tui store (not a SQLite database); the file was left "
    f"untouched. {_MOVE_ASIDE}",
    FileProblem.PERMISSION: "cannot read it ({reason}); the file was left untouched.",
    FileProblem.NETWORK: "{reason}. Nothing was saved: keep the store on this machine's own disk "
    "(set CX_TUI_DATA_DIR to a local directory); a team shares through its team outbox, never a "
    "shared file.",
}
"""The store's words for each kind of refusal (`{reason}`: the file check's own words)."""


def _refusal(error: SQLiteFileError) -> StoreError:
    """The store's words for a file `sqlite_files` refused."""
    words = _REFUSALS.get(error.problem, "{reason}; the file was left untouched.")
    return StoreError(error.path, words.format(reason=error.reason))


class StoreFile:
    """The open store file, without the tables' methods (see `cx_tui.store.Store`).

    Args:
        path: The store file; default `default_path()`.
        busy_timeout: Seconds a write waits for another process holding the store.
        clock: Returns the current time (aware, UTC); tests pass a fake one.

    Raises:
        StoreError: the file cannot be created or opened, is not a cx-tui store, is damaged, or
            was written by a newer cx-tui. An existing file is then left exactly as it was.
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.path = Path(path).expanduser().absolute() if path is not None else default_path()
        self.clock = clock
        self.busy_timeout = busy_timeout
        # One connection shared with worker threads; the lock keeps its use serial.
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._conn = self._open()

    def __repr__(self) -> str:
        return f"<Store {str(self.path)!r}>"

    def close(self) -> None:
        """Close the file; the store cannot be used afterwards."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # --- Opening -------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        path = self.path
        try:
            sqlite_files.prepare_directory(path)
            if not sqlite_files.read_header(path):
                # Missing, or created and interrupted before the first write: still ours.
                sqlite_files.create_file(path)
        except SQLiteFileError as exc:
            raise _refusal(exc) from exc
        try:
            conn = sqlite_files.connect(
                path, "rw", timeout=self.busy_timeout, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StoreError(
                path, f"cannot open the store: {describe_sqlite(exc, _NOUN)}."
            ) from exc
        try:
            # Identify the file with reads only: a foreign database must not be touched, and
            # even switching it to WAL would rewrite its header.
            self._identify(conn)
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                # A file system without shared memory (some network mounts): a rollback
                # journal still works, only without concurrent readers during a write.
                conn.execute("PRAGMA journal_mode = DELETE")
            # Every commit reaches the disk: a queued note must survive a power cut too.
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            if migrate(conn) == 0:
                # A new store went through every step, and version 4 rebuilt the outbox,
                # leaving the first one's pages free: hand them back while the file is empty
                # (cheap), so a new store starts without free space. Only tidiness: a store
                # another process holds busy keeps them.
                try:
                    conn.execute("VACUUM")
                except sqlite3.OperationalError:
                    pass
            # Only once the file is known to be ours: it holds customer notes.
            sqlite_files.tighten_mode(path)
            self._prune(conn)
        except StoreError:
            conn.close()
            raise
        except NewerSchemaError as exc:
            conn.close()
            raise StoreError(
                path,
                f"this store was written by a newer cx-tui ({exc}); the file was left "
                "untouched. Upgrade cx-tui to use it.",
            ) from exc
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(
                path, f"cannot open the store: {describe_sqlite(exc, _NOUN)}. Nothing was changed."
            ) from exc
        except BaseException:
            conn.close()
            raise
        return conn

    def _identify(self, conn: sqlite3.Connection) -> None:
        try:
            tables = sqlite_files.table_names(conn)
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            damage = None
            version = 0
            if tables:
                damage = sqlite_files.integrity_problem(conn)
                if "meta" in tables:
                    version = schema_version(conn)
        except sqlite3.DatabaseError as exc:
            code = getattr(exc, "sqlite_errorcode", None)
            if code is not None and code not in _DAMAGE_CODES:
                # A full disk, a read-only mount, a busy or unreadable file: said as such.
                # Moving a sound store aside would orphan the notes queued in it.
                raise StoreError(
                    self.path,
                    f"cannot open the store: {describe_sqlite(exc, _NOUN)}; the file was left "
                    "untouched (its queued notes are safe in it).",
                ) from exc
            raise StoreError(
                self.path,
                f"the store is damaged ({exc}); the file was left untouched. {_MOVE_ASIDE}",
            ) from exc
        if not tables and app_id in (0, APPLICATION_ID):
            return  # a new file
        if app_id != APPLICATION_ID or "meta" not in tables:
            raise StoreError(
                self.path,
                "not a cx-tui store (it is another program's SQLite database); the file was "
                f"left untouched. {_MOVE_ASIDE}",
            )
        if version > SCHEMA_VERSION:
            raise StoreError(
                self.path,
                f"this store was written by a newer cx-tui (schema version {version}; this one "
                f"reads up to {SCHEMA_VERSION}); the file was left untouched. Upgrade cx-tui.",
            )
        if damage is not None:
            raise StoreError(
                self.path,
                f"the store is damaged ({damage}); the file was left untouched. {_MOVE_ASIDE}",
            )

    def _prune(self, conn: sqlite3.Connection) -> None:
        old = to_iso(self.clock() - timedelta(days=OUTBOX_KEEP_DAYS))
        with transaction(conn):
            conn.execute(
                "DELETE FROM outbox WHERE state IN ('delivered', 'discarded') AND updated < ?",
                (old,),
            )

    # --- Plumbing for the table families ---------------------------------------------------

    @contextmanager
    def _reading(self, doing: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._connection()
            try:
                yield conn
            except sqlite3.Error as exc:
                raise StoreError(
                    self.path, f"could not {doing}: {describe_sqlite(exc, _NOUN)}."
                ) from exc

    @contextmanager
    def _writing(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One `BEGIN IMMEDIATE` transaction; on any error nothing of it is kept."""
        with self._lock:
            conn = self._connection()
            try:
                with transaction(conn):
                    yield conn
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise StoreError(
                    self.path,
                    f"could not {doing}: {describe_sqlite(exc, _NOUN)}. Nothing was saved.",
                ) from exc

    def store_time(self, conn: sqlite3.Connection) -> datetime:
        """The store's clock: SQLite's own time, read on the store's connection (the injected
        `clock` instead, when a test gave one). Claims read it once each, so leases are
        measured on one clock whatever the claimants' clocks say."""
        if self.clock is not _now:
            return self.clock()
        text = conn.execute("SELECT strftime('%Y-%m-%dT%H:%M:%f', 'now')").fetchone()[0]
        # SQLite keeps milliseconds: the true time lies within the millisecond after its text.
        return from_iso(text) + timedelta(milliseconds=1)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(self.path, "the store was closed")
        return self._conn

    @property
    def schema_version(self) -> int:
        """The version of the open file (always `SCHEMA_VERSION` once opened)."""
        with self._reading("read the schema version") as conn:
            return schema_version(conn)
