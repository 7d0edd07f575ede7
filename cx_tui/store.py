"""Local state in one SQLite file: the outbox, call and lookup history, the lookup cache, the
person links the agent confirmed, and note drafts.

The file is `state.db` in the platform data directory (`paths.data_dir()`; override it with
`CX_TUI_DATA_DIR`), owner-only: the directory 0700, the file 0600 (SQLite gives its `-wal` and
`-shm` files the same mode). It runs in WAL mode with a busy timeout, so the app and a
`cx-tui note` or `cx-tui outbox flush` in another terminal share it safely; every write is one
short `BEGIN IMMEDIATE` transaction.

The schema is versioned: `MIGRATIONS` holds one function per version, applied in order inside
one transaction, and `meta.schema_version` records how far a file has come. A file that is not
a cx-tui store (junk bytes, another program's database, a newer cx-tui's schema, damage) is
refused with a `StoreError` naming it, and is never written to: cx-tui does not move, repair or
overwrite it.

Every problem leaves this module as a `StoreError` whose message is one line naming the file.
Nothing is half-written: a failed write (a full disk, a read-only directory) rolls back whole,
and the caller still holds what it tried to save (the UI keeps the note open; the CLI says it
was not saved).

This module is persistence only; the delivery policy (claims, retries, backoff) lives in
`cx_tui.outbox`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from cx_tui import paths
from cx_tui.models import NoteTarget, SourceRef, TargetKind
from cx_tui.utc import from_iso, from_iso_or_none, to_iso, to_iso_or_none

STORE_FILENAME: Final = "state.db"
"""The store's file name in the data directory. Local connectors' files end in `.sqlite3`, so a
connector's default file can never be the store."""

APPLICATION_ID: Final = 0x63787473
"""`PRAGMA application_id` of a cx-tui store ("cxts"): how a store is told from another
program's SQLite file before anything is written to it."""

DEFAULT_BUSY_TIMEOUT: Final = 5.0
"""Seconds a write waits for another process's transaction before giving up."""

LOOKUP_HISTORY_LIMIT: Final = 200
"""Lookups kept in the history; older ones are dropped as new ones arrive."""

OUTBOX_KEEP_DAYS: Final = 90
"""Delivered and discarded outbox items older than this are dropped when the store opens."""

CACHE_KEEP_DAYS: Final = 30
"""Cached lookup answers older than this are dropped when the store opens."""

RecordKey = tuple[str, str]
"""(connector name, record id): one record in one source, as in `SourceRef.key`."""

_SQLITE_HEADER = b"SQLite format 3\x00"
_MOVE_ASIDE = "Move it aside (cx-tui then starts a new store) or point CX_TUI_DATA_DIR elsewhere."


class StoreError(Exception):
    """The store cannot do what was asked. `str(error)` is one line naming the file.

    Attributes:
        path: The store file.
        problem: What went wrong and what to do, without the file name.
    """

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


# --- Records -----------------------------------------------------------------------------


class ItemState(StrEnum):
    """Where an outbox item stands."""

    PENDING = "pending"
    """Waiting for its next attempt (`due`)."""
    SENDING = "sending"
    """Claimed by a deliverer (`lease_owner`) until `lease_until`; an expired lease, or one
    held by a process that no longer exists, makes it claimable again."""
    DELIVERED = "delivered"
    """The source has it (`receipt`)."""
    FAILED = "failed"
    """The source refused it for good (`last_error`); edit and resend, retry, or discard."""
    DISCARDED = "discarded"
    """The agent dropped it; kept for a while, never sent."""


class ItemKind(StrEnum):
    NOTE = "note"
    CALL = "call"
    """A call log: delivered with the connector's `add_call` when it has one, else as a note."""


def target_label(target: NoteTarget) -> str:
    """A target as the CLI writes it: `SOURCE NAME/person/ID`, `SOURCE NAME/ticket/ID` or
    `SOURCE NAME/new-ticket/PERSON ID`."""
    return f"{target.ref.connector}/{target.kind.value}/{target.ref.record_id}"


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One note (or call log) for one target, as the outbox holds it."""

    id: int
    kind: ItemKind
    text: str
    target: NoteTarget
    idempotency_key: str
    """A uuid4, the same on every attempt; a new one only when the text is edited."""
    state: ItemState
    created: datetime
    updated: datetime
    due: datetime
    """Not attempted before this time (backoff, a source's Retry-After)."""
    attempts: int
    """Times a deliverer claimed it to send (a crash mid-send counts)."""
    batch: str
    """Shared by the items of one `enqueue` (one note written for several targets)."""
    last_error: str | None = None
    payload: dict[str, Any] | None = None
    """For calls: duration_s, direction, disposition, at (ISO 8601)."""
    receipt: SourceRef | None = None
    """The note (or call) record the source created, once delivered."""
    delivered_at: datetime | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None

    @property
    def target_label(self) -> str:
        return target_label(self.target)

    def age(self, now: datetime) -> timedelta:
        """How long the item has existed."""
        return now - self.created


@dataclass(frozen=True, slots=True)
class Draft:
    context_key: str
    text: str
    updated: datetime


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One call in the history; recorded again (same `call_id`) as it rings, is answered, ends."""

    call_id: str
    direction: str
    """"inbound" or "outbound"."""
    started: datetime
    number: str | None = None
    """E.164, or None when the caller withheld it."""
    line: str | None = None
    """The agent's line or queue the call came in on."""
    answered: datetime | None = None
    ended: datetime | None = None
    duration_s: float | None = None
    person_key: RecordKey | None = None
    """A record of the matched person, to open the profile again."""
    person_name: str | None = None
    disposition: str | None = None
    missed: bool = False
    note: str | None = None
    returned: datetime | None = None
    """For a missed call: when it was returned (a later answered or outbound call with that
    number, or the agent's key); None while it waits on the callback list."""


@dataclass(frozen=True, slots=True)
class LookupRecord:
    id: int
    query: str
    kind: str
    """"phone", "email" or "name"."""
    at: datetime
    state: str
    """The profile state: "resolved", "ambiguous" or "unknown"."""
    person_name: str | None = None
    person_key: RecordKey | None = None


@dataclass(frozen=True, slots=True)
class CacheEntry:
    source: str
    query_key: str
    payload: Any
    """The JSON value stored by `put`."""
    fetched_at: datetime

    def age(self, now: datetime) -> timedelta:
        return now - self.fetched_at


# --- Schema and migrations ---------------------------------------------------------------


def _create_outbox(conn: sqlite3.Connection, table: str, target_kinds: Sequence[str]) -> None:
    """Create the outbox table under the name `table`, its `target_kind` one of `target_kinds`."""
    states = ", ".join(f"'{state.value}'" for state in ItemState)
    kinds = ", ".join(f"'{kind.value}'" for kind in ItemKind)
    targets = ", ".join(f"'{kind}'" for kind in target_kinds)
    conn.execute(
        f"""CREATE TABLE {table} (
            id INTEGER PRIMARY KEY,
            batch TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ({kinds})),
            text TEXT NOT NULL,
            payload TEXT,
            connector TEXT NOT NULL,
            target_kind TEXT NOT NULL CHECK (target_kind IN ({targets})),
            record_id TEXT NOT NULL,
            target_url TEXT,
            idempotency_key TEXT NOT NULL UNIQUE,
            state TEXT NOT NULL CHECK (state IN ({states})),
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            due TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            lease_owner TEXT,
            lease_until TEXT,
            delivered_at TEXT,
            receipt_connector TEXT,
            receipt_id TEXT,
            receipt_url TEXT
        )"""
    )


def _v1_outbox_drafts_links(conn: sqlite3.Connection) -> None:
    """Version 1: what must never be lost (the outbox, drafts, confirmed links)."""
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    # The target kinds as version 1 shipped them (version 4 added one), not today's enum.
    _create_outbox(conn, "outbox", ("person", "ticket"))
    conn.execute("CREATE INDEX outbox_state_due ON outbox (state, due)")
    conn.execute(
        """CREATE TABLE drafts (
            context_key TEXT PRIMARY KEY,
            text TEXT NOT NULL,
            updated TEXT NOT NULL
        )"""
    )
    conn.execute(
        """CREATE TABLE person_links (
            connector TEXT NOT NULL,
            record_id TEXT NOT NULL,
            group_id INTEGER NOT NULL,
            confirmed TEXT NOT NULL,
            PRIMARY KEY (connector, record_id)
        )"""
    )
    conn.execute("CREATE INDEX person_links_group ON person_links (group_id)")


def _v2_history_and_cache(conn: sqlite3.Connection) -> None:
    """Version 2: what can be rebuilt (call and lookup history, the lookup cache)."""
    conn.execute(
        """CREATE TABLE call_history (
            call_id TEXT PRIMARY KEY,
            number TEXT,
            direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
            line TEXT,
            started TEXT NOT NULL,
            answered TEXT,
            ended TEXT,
            duration_s REAL,
            person_connector TEXT,
            person_record TEXT,
            person_name TEXT,
            disposition TEXT,
            missed INTEGER NOT NULL DEFAULT 0 CHECK (missed IN (0, 1)),
            note TEXT
        )"""
    )
    conn.execute("CREATE INDEX call_history_started ON call_history (started)")
    conn.execute(
        """CREATE TABLE lookup_history (
            id INTEGER PRIMARY KEY,
            query TEXT NOT NULL,
            kind TEXT NOT NULL,
            at TEXT NOT NULL,
            state TEXT NOT NULL,
            person_name TEXT,
            person_connector TEXT,
            person_record TEXT
        )"""
    )
    conn.execute(
        """CREATE TABLE lookup_cache (
            source TEXT NOT NULL,
            query_key TEXT NOT NULL,
            payload TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            PRIMARY KEY (source, query_key)
        )"""
    )
    conn.execute(
        """CREATE TABLE lookup_cache_people (
            source TEXT NOT NULL,
            query_key TEXT NOT NULL,
            connector TEXT NOT NULL,
            record_id TEXT NOT NULL,
            PRIMARY KEY (source, query_key, connector, record_id),
            FOREIGN KEY (source, query_key) REFERENCES lookup_cache (source, query_key)
                ON DELETE CASCADE
        )"""
    )
    conn.execute(
        "CREATE INDEX lookup_cache_people_record ON lookup_cache_people (connector, record_id)"
    )


def _v3_returned_calls(conn: sqlite3.Connection) -> None:
    """Version 3: a missed call can be marked returned, so the missed list is a worklist."""
    conn.execute("ALTER TABLE call_history ADD COLUMN returned TEXT")
    conn.execute("CREATE INDEX call_history_number ON call_history (number, missed)")


def _v4_new_ticket_targets(conn: sqlite3.Connection) -> None:
    """Version 4: a note can open a ticket (target kind `new-ticket`). SQLite cannot change a
    CHECK constraint in place, so the outbox moves, row for row, into a table that allows it."""
    columns = ", ".join(
        str(row[1]) for row in conn.execute("SELECT * FROM pragma_table_info('outbox')")
    )
    _create_outbox(conn, "outbox_v4", ("person", "ticket", "new-ticket"))
    conn.execute(f"INSERT INTO outbox_v4 ({columns}) SELECT {columns} FROM outbox")
    conn.execute("DROP TABLE outbox")
    conn.execute("ALTER TABLE outbox_v4 RENAME TO outbox")
    conn.execute("CREATE INDEX outbox_state_due ON outbox (state, due)")


MIGRATIONS: Final[tuple[Callable[[sqlite3.Connection], None], ...]] = (
    _v1_outbox_drafts_links,
    _v2_history_and_cache,
    _v3_returned_calls,
    _v4_new_ticket_targets,
)
"""`MIGRATIONS[n]` takes a store from version n to n + 1. Append only; never edit a released
one. The first schema was written as two steps so the upgrade path is exercised (and tested)
from the start, not first on the day a real change ships."""

SCHEMA_VERSION: Final = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring a store up to `target` in one transaction.

    Args:
        conn: A connection in autocommit mode (`isolation_level=None`).
        target: The version to reach (tests build old versions with it).

    Returns:
        The version the file had before.

    Raises:
        sqlite3.Error: the transaction failed; nothing was changed.
        NewerSchemaError: the file's version is newer than `target`.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Read inside the write lock: two processes opening a new store migrate it once.
        before = _schema_version(conn)
        if before > target:
            raise NewerSchemaError(before, target)
        if before == 0:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        for version in range(before, target):
            MIGRATIONS[version](conn)
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(version + 1),),
            )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return before


class NewerSchemaError(Exception):
    """The file was written by a newer cx-tui (a higher schema version than this one knows)."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(f"schema version {found}; this cx-tui reads up to {known}")
        self.found = found
        self.known = known


def _schema_version(conn: sqlite3.Connection) -> int:
    has_meta = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta')"
    ).fetchone()[0]
    if not has_meta:
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        return 0
    if not str(row[0]).isdigit():
        raise sqlite3.DatabaseError(f"its schema version is {row[0]!r}, not a number")
    return int(row[0])


# --- Times and conversions ---------------------------------------------------------------


def _key(connector: Any, record_id: Any) -> RecordKey | None:
    return None if connector is None or record_id is None else (str(connector), str(record_id))


def _now() -> datetime:
    return datetime.now(UTC)


def _describe_sqlite(error: sqlite3.Error) -> str:
    """A one-line reason for a SQLite failure, with what to do about it."""
    code = getattr(error, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_FULL:
        return "the disk is full (or the store reached its size limit); free some space"
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM):
        return "the store is read-only; make the file and its directory writable by you"
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return "another cx-tui kept the store busy too long; try again in a moment"
    if code == sqlite3.SQLITE_CANTOPEN:
        return "it cannot be opened; check that its directory exists and is writable by you"
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return "the file is damaged"
    if code == sqlite3.SQLITE_IOERR or (code is not None and code & 0xFF == sqlite3.SQLITE_IOERR):
        return f"a disk error ({error})"
    return f"SQLite failed ({error})"


# --- The store ---------------------------------------------------------------------------


def default_path() -> Path:
    """Where the store lives: `state.db` in the data directory."""
    return paths.data_dir() / STORE_FILENAME


class Store:
    """The local SQLite store, opened (created, migrated) on construction.

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
        self.cache = LookupCache(self)

    def __repr__(self) -> str:
        return f"<Store {str(self.path)!r}>"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file; the store cannot be used afterwards."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # --- Opening -------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        path = self.path
        self._prepare_directory()
        existed = self._check_header()
        if not existed:
            self._create_file()
        try:
            conn = sqlite3.connect(
                f"{path.as_uri()}?mode=rw",
                uri=True,
                timeout=self.busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise StoreError(path, f"cannot open the store: {_describe_sqlite(exc)}.") from exc
        conn.row_factory = sqlite3.Row
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
            self._tighten_mode()
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
                path, f"cannot open the store: {_describe_sqlite(exc)}. Nothing was changed."
            ) from exc
        except BaseException:
            conn.close()
            raise
        return conn

    def _prepare_directory(self) -> None:
        parent = self.path.parent
        try:
            if not parent.exists() or parent == paths.data_dir().absolute():
                paths.ensure_private_dir(parent)
        except OSError as exc:
            raise StoreError(
                self.path,
                f"cannot create its directory {parent} ({exc.strerror or exc}); "
                "nothing was saved. Make it writable by you or set CX_TUI_DATA_DIR.",
            ) from exc

    def _check_header(self) -> bool:
        """Whether the file exists with content; refuse anything that is not SQLite."""
        try:
            with self.path.open("rb") as handle:
                header = handle.read(len(_SQLITE_HEADER))
        except FileNotFoundError:
            return False
        except IsADirectoryError:
            raise StoreError(
                self.path, f"it is a directory, not a store file. {_MOVE_ASIDE}"
            ) from None
        except OSError as exc:
            raise StoreError(
                self.path,
                f"cannot read it ({exc.strerror or exc}); the file was left untouched.",
            ) from exc
        if not header:
            return False  # created, then interrupted before the first write: still ours
        if header != _SQLITE_HEADER:
            raise StoreError(
                self.path,
                f"not a cx-tui store (not a SQLite database); the file was left untouched. "
                f"{_MOVE_ASIDE}",
            )
        return True

    def _create_file(self) -> None:
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return
        except OSError as exc:
            raise StoreError(
                self.path,
                f"cannot create the store ({exc.strerror or exc}); nothing was saved. "
                "Make its directory writable by you or set CX_TUI_DATA_DIR.",
            ) from exc
        os.close(fd)

    def _identify(self, conn: sqlite3.Connection) -> None:
        try:
            tables = {
                row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            damaged = None
            version = 0
            if tables:
                check = conn.execute("PRAGMA quick_check(1)").fetchone()
                damaged = None if check is not None and check[0] == "ok" else check
                if "meta" in tables:
                    version = _schema_version(conn)
        except sqlite3.DatabaseError as exc:
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
        if damaged is not None:
            raise StoreError(
                self.path,
                f"the store is damaged ({damaged[0] if damaged else 'no integrity result'}); "
                f"the file was left untouched. {_MOVE_ASIDE}",
            )

    def _tighten_mode(self) -> None:
        # Only once the file is known to be ours: it holds customer notes.
        try:
            for suffix in ("", "-wal", "-shm"):
                file = self.path.with_name(self.path.name + suffix)
                if file.exists() and file.stat().st_mode & 0o077:
                    file.chmod(0o600)
        except OSError:
            pass  # not the owner (a shared file the admin set up): leave it as it is

    def _prune(self, conn: sqlite3.Connection) -> None:
        now = self.clock()
        old = to_iso(now - timedelta(days=OUTBOX_KEEP_DAYS))
        stale = to_iso(now - timedelta(days=CACHE_KEEP_DAYS))
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "DELETE FROM outbox WHERE state IN ('delivered', 'discarded') AND updated < ?",
                (old,),
            )
            conn.execute("DELETE FROM lookup_cache WHERE fetched_at < ?", (stale,))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    # --- Plumbing ------------------------------------------------------------------------

    @contextmanager
    def _reading(self, doing: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._connection()
            try:
                yield conn
            except sqlite3.Error as exc:
                raise StoreError(self.path, f"could not {doing}: {_describe_sqlite(exc)}.") from exc

    @contextmanager
    def _writing(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One `BEGIN IMMEDIATE` transaction; on any error nothing of it is kept."""
        with self._lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    # SQLite may already have rolled back (a full disk does).
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise StoreError(
                    self.path,
                    f"could not {doing}: {_describe_sqlite(exc)}. Nothing was saved.",
                ) from exc

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(self.path, "the store was closed")
        return self._conn

    @property
    def schema_version(self) -> int:
        """The version of the open file (always `SCHEMA_VERSION` once opened)."""
        with self._reading("read the schema version") as conn:
            return _schema_version(conn)

    # --- Outbox rows (the policy is in cx_tui.outbox) -------------------------------------

    def outbox_insert(
        self,
        *,
        batch: str,
        kind: ItemKind,
        text: str,
        targets: Sequence[tuple[NoteTarget, str]],
        payload: Mapping[str, Any] | None,
        now: datetime,
    ) -> list[OutboxItem]:
        """Add one pending item per (target, idempotency key), all or none, due at `now`.

        Raises:
            StoreError: nothing was saved.
        """
        stamp = to_iso(now)
        payload_json = None if payload is None else json.dumps(dict(payload), sort_keys=True)
        ids: list[int] = []
        with self._writing("save the note") as conn:
            for target, key in targets:
                cursor = conn.execute(
                    """INSERT INTO outbox (batch, kind, text, payload, connector, target_kind,
                        record_id, target_url, idempotency_key, state, created, updated, due)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)""",
                    (
                        batch,
                        kind.value,
                        text,
                        payload_json,
                        target.ref.connector,
                        target.kind.value,
                        target.ref.record_id,
                        target.ref.url,
                        key,
                        stamp,
                        stamp,
                        stamp,
                    ),
                )
                assert cursor.lastrowid is not None
                ids.append(cursor.lastrowid)
            rows = self._rows(conn, ids)
        return rows

    def outbox_get(self, item_id: int) -> OutboxItem | None:
        """The item with this id, in any state, or None."""
        with self._reading("read the outbox") as conn:
            row = conn.execute("SELECT * FROM outbox WHERE id = ?", (item_id,)).fetchone()
        return None if row is None else _item(row)

    def outbox_items(
        self, states: Iterable[ItemState] | None = None, *, ids: Collection[int] | None = None
    ) -> list[OutboxItem]:
        """Items in these states (default: all), oldest first."""
        clauses, params = _filters(states, ids)
        with self._reading("read the outbox") as conn:
            rows = conn.execute(
                f"SELECT * FROM outbox {clauses} ORDER BY created, id", params
            ).fetchall()
        return [_item(row) for row in rows]

    def outbox_counts(self) -> dict[ItemState, int]:
        """How many items are in each state."""
        with self._reading("count the outbox") as conn:
            rows = conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()
        counts = dict.fromkeys(ItemState, 0)
        counts.update({ItemState(row[0]): int(row[1]) for row in rows})
        return counts

    def outbox_claim(
        self,
        *,
        owner: str,
        now: datetime,
        lease_until: datetime,
        connectors: Collection[str],
        exclude: Collection[int] = (),
        ids: Collection[int] | None = None,
        owner_alive: Callable[[str], bool] = lambda _owner: True,
    ) -> OutboxItem | None:
        """Claim the next item to send, atomically across processes.

        Claimable: a pending item that is due, or a sending one whose lease expired or whose
        owner is known to be gone. The claim sets `sending`, the lease and `attempts + 1` in
        one `BEGIN IMMEDIATE` transaction, so two deliverers never hold the same item.

        Args:
            owner: The claiming deliverer's id.
            now: The current time.
            lease_until: When the claim expires if the owner never reports back.
            connectors: Only items for these sources.
            exclude: Item ids not to claim (already tried in this pass).
            ids: When given, only these items.
            owner_alive: Whether the owner of an unexpired lease still runs.

        Returns:
            The claimed item, or None when nothing is claimable.
        """
        if not connectors:
            return None
        stamp = to_iso(now)
        marks = ", ".join("?" for _ in connectors)
        with self._writing("claim an outbox item") as conn:
            rows = conn.execute(
                f"""SELECT * FROM outbox WHERE connector IN ({marks})
                AND ((state = 'pending' AND due <= ?) OR state = 'sending')
                ORDER BY due, id""",
                (*connectors, stamp),
            ).fetchall()
            for row in rows:
                if row["id"] in exclude or (ids is not None and row["id"] not in ids):
                    continue
                if row["state"] == ItemState.SENDING.value and (
                    row["lease_until"] is not None
                    and row["lease_until"] > stamp
                    and owner_alive(str(row["lease_owner"]))
                ):
                    continue
                conn.execute(
                    """UPDATE outbox SET state = 'sending', lease_owner = ?, lease_until = ?,
                    attempts = attempts + 1, updated = ? WHERE id = ?""",
                    (owner, to_iso(lease_until), stamp, row["id"]),
                )
                return self._rows(conn, [row["id"]])[0]
        return None

    def outbox_update(
        self,
        item_id: int,
        *,
        states: Collection[ItemState],
        now: datetime,
        owner: str | None = None,
        **changes: Any,
    ) -> OutboxItem | None:
        """Change an item if it is in one of `states` (and, when given, leased by `owner`).

        Args:
            item_id: The item.
            states: The states the change is valid from.
            now: Recorded as `updated`.
            owner: Only if this deliverer holds the lease.
            **changes: Columns to set: state, text, idempotency_key, due, attempts,
                last_error, lease_owner, lease_until, delivered_at, receipt (a SourceRef).

        Returns:
            The changed item, or None when it was not in a state the change is valid from.
        """
        values: dict[str, Any] = {"updated": to_iso(now)}
        for name, value in changes.items():
            if name == "receipt":
                ref: SourceRef | None = value
                values["receipt_connector"] = ref.connector if ref else None
                values["receipt_id"] = ref.record_id if ref else None
                values["receipt_url"] = ref.url if ref else None
            elif name in _UPDATABLE:
                if isinstance(value, datetime):
                    value = to_iso(value)
                elif isinstance(value, StrEnum):
                    value = value.value
                values[name] = value
            else:
                raise ValueError(f"outbox column {name!r} cannot be changed")
        assignments = ", ".join(f"{column} = ?" for column in values)
        state_marks = ", ".join("?" for _ in states)
        where = f"id = ? AND state IN ({state_marks})"
        params: list[Any] = [*values.values(), item_id, *(s.value for s in states)]
        if owner is not None:
            where += " AND lease_owner = ?"
            params.append(owner)
        with self._writing("update the outbox") as conn:
            cursor = conn.execute(f"UPDATE outbox SET {assignments} WHERE {where}", params)
            if cursor.rowcount == 0:
                return None
            return self._rows(conn, [item_id])[0]

    def outbox_postpone(
        self, connector: str, *, until: datetime, last_error: str | None, now: datetime
    ) -> list[OutboxItem]:
        """Push every pending item of `connector` due before `until` back to `until`.

        Used when a whole source is unusable for a while (rate limited, down, refusing the
        token): the items wait together instead of each trying and failing. Attempts are not
        counted; `last_error` says why they wait.

        Returns:
            The items moved.
        """
        with self._writing("reschedule the outbox") as conn:
            ids = [
                int(row[0])
                for row in conn.execute(
                    "SELECT id FROM outbox WHERE connector = ? AND state = 'pending' AND due < ?",
                    (connector, to_iso(until)),
                )
            ]
            if not ids:
                return []
            marks = ", ".join("?" for _ in ids)
            conn.execute(
                f"UPDATE outbox SET due = ?, last_error = COALESCE(?, last_error), updated = ? "
                f"WHERE id IN ({marks})",
                (to_iso(until), last_error, to_iso(now), *ids),
            )
            return self._rows(conn, ids)

    def outbox_connectors(self, states: Iterable[ItemState]) -> set[str]:
        """The sources that have items in these states."""
        clauses, params = _filters(states, None)
        with self._reading("read the outbox") as conn:
            rows = conn.execute(f"SELECT DISTINCT connector FROM outbox {clauses}", params)
            return {str(row[0]) for row in rows}

    def outbox_next_due(self, connectors: Collection[str]) -> datetime | None:
        """The earliest time an item of these sources becomes claimable (due or lease end)."""
        if not connectors:
            return None
        marks = ", ".join("?" for _ in connectors)
        with self._reading("read the outbox") as conn:
            row = conn.execute(
                f"""SELECT MIN(CASE state WHEN 'pending' THEN due ELSE lease_until END)
                FROM outbox WHERE connector IN ({marks}) AND state IN ('pending', 'sending')""",
                tuple(connectors),
            ).fetchone()
        return from_iso_or_none(row[0]) if row is not None else None

    def _rows(self, conn: sqlite3.Connection, ids: Sequence[int]) -> list[OutboxItem]:
        marks = ", ".join("?" for _ in ids)
        rows = conn.execute(f"SELECT * FROM outbox WHERE id IN ({marks})", tuple(ids)).fetchall()
        by_id = {int(row["id"]): _item(row) for row in rows}
        return [by_id[i] for i in ids]

    # --- Drafts --------------------------------------------------------------------------

    def save_draft(self, context_key: str, text: str) -> None:
        """Keep what the agent typed for `context_key` (a call, a person); blank text clears it.

        Raises:
            StoreError: it was not saved (the caller still has the text).
        """
        if not text.strip():
            self.clear_draft(context_key)
            return
        with self._writing("save the draft") as conn:
            conn.execute(
                "INSERT INTO drafts (context_key, text, updated) VALUES (?, ?, ?) "
                "ON CONFLICT (context_key) DO UPDATE SET text = excluded.text, "
                "updated = excluded.updated",
                (context_key, text, to_iso(self.clock())),
            )

    def draft(self, context_key: str) -> str | None:
        """The saved draft for `context_key`, or None."""
        with self._reading("read the draft") as conn:
            row = conn.execute(
                "SELECT text FROM drafts WHERE context_key = ?", (context_key,)
            ).fetchone()
        return None if row is None else str(row[0])

    def clear_draft(self, context_key: str) -> None:
        """Forget the draft (the note was queued, or the agent threw it away)."""
        with self._writing("clear the draft") as conn:
            conn.execute("DELETE FROM drafts WHERE context_key = ?", (context_key,))

    def drafts(self) -> list[Draft]:
        """Every saved draft, newest first (to offer them back after a crash)."""
        with self._reading("read the drafts") as conn:
            rows = conn.execute("SELECT * FROM drafts ORDER BY updated DESC").fetchall()
        return [Draft(str(r["context_key"]), str(r["text"]), from_iso(r["updated"])) for r in rows]

    # --- Confirmed links -----------------------------------------------------------------

    def confirmed_links(self) -> list[list[RecordKey]]:
        """The record groups the agent confirmed are one person (for `LookupEngine(links=)`).

        Returns:
            Groups of two or more (connector, record id) keys, each group sorted.
        """
        with self._reading("read the confirmed links") as conn:
            rows = conn.execute(
                "SELECT group_id, connector, record_id FROM person_links "
                "ORDER BY group_id, connector, record_id"
            ).fetchall()
        groups: dict[int, list[RecordKey]] = {}
        for row in rows:
            groups.setdefault(int(row[0]), []).append((str(row[1]), str(row[2])))
        return [group for group in groups.values() if len(group) > 1]

    def confirm_link(self, keys: Iterable[RecordKey]) -> None:
        """Record that these records are one person; groups they already belong to merge.

        Raises:
            ValueError: fewer than two distinct records.
            StoreError: it was not saved.
        """
        unique = list(dict.fromkeys((str(c), str(r)) for c, r in keys))
        if len(unique) < 2:
            raise ValueError("a link needs at least two different records")
        stamp = to_iso(self.clock())
        with self._writing("save the link") as conn:
            found: set[int] = set()
            for connector, record_id in unique:
                row = conn.execute(
                    "SELECT group_id FROM person_links WHERE connector = ? AND record_id = ?",
                    (connector, record_id),
                ).fetchone()
                if row is not None:
                    found.add(int(row[0]))
            if found:
                group = min(found)
                marks = ", ".join("?" for _ in found)
                conn.execute(
                    f"UPDATE person_links SET group_id = ? WHERE group_id IN ({marks})",
                    (group, *found),
                )
            else:
                group = int(
                    conn.execute(
                        "SELECT COALESCE(MAX(group_id), 0) + 1 FROM person_links"
                    ).fetchone()[0]
                )
            conn.executemany(
                "INSERT INTO person_links (connector, record_id, group_id, confirmed) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (connector, record_id) DO NOTHING",
                [(connector, record_id, group, stamp) for connector, record_id in unique],
            )

    def unlink(self, key: RecordKey) -> None:
        """Take one record out of its group (a group left with one record disappears)."""
        with self._writing("remove the link") as conn:
            row = conn.execute(
                "SELECT group_id FROM person_links WHERE connector = ? AND record_id = ?", key
            ).fetchone()
            if row is None:
                return
            conn.execute("DELETE FROM person_links WHERE connector = ? AND record_id = ?", key)
            conn.execute(
                "DELETE FROM person_links WHERE group_id = ? AND "
                "(SELECT COUNT(*) FROM person_links WHERE group_id = ?) < 2",
                (row[0], row[0]),
            )

    # --- Call history --------------------------------------------------------------------

    def record_call(self, call: CallRecord) -> None:
        """Save a call, replacing what was saved under the same `call_id`.

        A call that reached someone (answered, either way) or that the agent placed (outbound)
        also marks the earlier missed calls with its number as returned. A call saved without
        `returned` keeps the mark it already has.
        """
        person_connector, person_record = call.person_key or (None, None)
        with self._writing("save the call") as conn:
            conn.execute(
                """INSERT INTO call_history (call_id, number, direction, line, started,
                    answered, ended, duration_s, person_connector, person_record, person_name,
                    disposition, missed, note, returned)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (call_id) DO UPDATE SET number = excluded.number,
                    direction = excluded.direction, line = excluded.line,
                    started = excluded.started, answered = excluded.answered,
                    ended = excluded.ended, duration_s = excluded.duration_s,
                    person_connector = excluded.person_connector,
                    person_record = excluded.person_record,
                    person_name = excluded.person_name, disposition = excluded.disposition,
                    missed = excluded.missed, note = excluded.note,
                    returned = COALESCE(excluded.returned, call_history.returned)""",
                (
                    call.call_id,
                    call.number,
                    call.direction,
                    call.line,
                    to_iso(call.started),
                    to_iso_or_none(call.answered),
                    to_iso_or_none(call.ended),
                    call.duration_s,
                    person_connector,
                    person_record,
                    call.person_name,
                    call.disposition,
                    int(call.missed),
                    call.note,
                    to_iso_or_none(call.returned),
                ),
            )
            if call.number and (call.answered is not None or call.direction == "outbound"):
                conn.execute(
                    """UPDATE call_history SET returned = ? WHERE number = ? AND missed = 1
                        AND returned IS NULL AND call_id != ? AND started <= ?""",
                    (
                        to_iso(call.answered or call.started),
                        call.number,
                        call.call_id,
                        to_iso(call.started),
                    ),
                )

    def call(self, call_id: str) -> CallRecord | None:
        with self._reading("read the call history") as conn:
            row = conn.execute(
                "SELECT * FROM call_history WHERE call_id = ?", (call_id,)
            ).fetchone()
        return None if row is None else _call(row)

    def calls(self, limit: int = 100, *, missed_only: bool = False) -> list[CallRecord]:
        """The latest calls, newest first; `missed_only`: the missed calls not yet returned."""
        where = "WHERE missed = 1 AND returned IS NULL" if missed_only else ""
        with self._reading("read the call history") as conn:
            rows = conn.execute(
                f"SELECT * FROM call_history {where} ORDER BY started DESC LIMIT ?", (limit,)
            ).fetchall()
        return [_call(row) for row in rows]

    def mark_returned(self, call_id: str, returned: bool = True) -> CallRecord | None:
        """Mark a missed call returned (and the earlier missed calls from its number), or put
        it back on the callback list (`returned=False`, this call only).

        Returns:
            The call as saved now, or None when there is no such call.
        """
        with self._writing("mark the call returned") as conn:
            row = conn.execute(
                "SELECT number, started FROM call_history WHERE call_id = ?", (call_id,)
            ).fetchone()
            if row is None:
                return None
            if not returned:
                conn.execute(
                    "UPDATE call_history SET returned = NULL WHERE call_id = ?", (call_id,)
                )
            else:
                now = to_iso(self.clock())
                conn.execute(
                    "UPDATE call_history SET returned = ? WHERE call_id = ? AND missed = 1 "
                    "AND returned IS NULL",
                    (now, call_id),
                )
                if row["number"] is not None:
                    conn.execute(
                        """UPDATE call_history SET returned = ? WHERE number = ? AND missed = 1
                            AND returned IS NULL AND started <= ?""",
                        (now, row["number"], row["started"]),
                    )
        return self.call(call_id)

    # --- Lookup history ------------------------------------------------------------------

    def record_lookup(
        self,
        query: str,
        kind: str,
        state: str,
        *,
        person_name: str | None = None,
        person_key: RecordKey | None = None,
        at: datetime | None = None,
    ) -> LookupRecord:
        """Add a lookup to the history, keeping the latest `LOOKUP_HISTORY_LIMIT`."""
        moment = at or self.clock()
        person_connector, person_record = person_key or (None, None)
        with self._writing("save the lookup history") as conn:
            cursor = conn.execute(
                """INSERT INTO lookup_history (query, kind, at, state, person_name,
                    person_connector, person_record) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (query, kind, to_iso(moment), state, person_name, person_connector, person_record),
            )
            conn.execute(
                "DELETE FROM lookup_history WHERE id NOT IN "
                "(SELECT id FROM lookup_history ORDER BY id DESC LIMIT ?)",
                (LOOKUP_HISTORY_LIMIT,),
            )
        assert cursor.lastrowid is not None
        return LookupRecord(
            id=cursor.lastrowid,
            query=query,
            kind=kind,
            at=moment,
            state=state,
            person_name=person_name,
            person_key=_key(person_connector, person_record),
        )

    def lookups(self, limit: int = LOOKUP_HISTORY_LIMIT) -> list[LookupRecord]:
        """The latest lookups, newest first."""
        with self._reading("read the lookup history") as conn:
            rows = conn.execute(
                "SELECT * FROM lookup_history ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [
            LookupRecord(
                id=int(r["id"]),
                query=str(r["query"]),
                kind=str(r["kind"]),
                at=from_iso(r["at"]),
                state=str(r["state"]),
                person_name=None if r["person_name"] is None else str(r["person_name"]),
                person_key=_key(r["person_connector"], r["person_record"]),
            )
            for r in rows
        ]


class LookupCache:
    """Lookup answers per (source, query key), for stale-while-revalidate; `store.cache`."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, source: str, query_key: str) -> CacheEntry | None:
        """The cached answer, however old (the caller decides whether it is fresh enough)."""
        with self._store._reading("read the cache") as conn:
            row = conn.execute(
                "SELECT * FROM lookup_cache WHERE source = ? AND query_key = ?",
                (source, query_key),
            ).fetchone()
        if row is None:
            return None
        return CacheEntry(
            source=str(row["source"]),
            query_key=str(row["query_key"]),
            payload=json.loads(row["payload"]),
            fetched_at=from_iso(row["fetched_at"]),
        )

    def put(
        self,
        source: str,
        query_key: str,
        payload: Any,
        *,
        people: Iterable[RecordKey] = (),
        fetched_at: datetime | None = None,
    ) -> None:
        """Store an answer (a JSON value), replacing the previous one.

        Args:
            source: The connector's name.
            query_key: The normalised query (or a record key for details).
            payload: Any JSON-serialisable value.
            people: The person records the answer mentions, for `invalidate_person`.
            fetched_at: When the source answered (default: now).

        Raises:
            TypeError: the payload is not JSON-serialisable.
            StoreError: it was not saved.
        """
        text = json.dumps(payload, separators=(",", ":"), sort_keys=True)
        stamp = to_iso(fetched_at or self._store.clock())
        with self._store._writing("save to the cache") as conn:
            conn.execute(
                "DELETE FROM lookup_cache WHERE source = ? AND query_key = ?", (source, query_key)
            )
            conn.execute(
                "INSERT INTO lookup_cache (source, query_key, payload, fetched_at) "
                "VALUES (?, ?, ?, ?)",
                (source, query_key, text, stamp),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO lookup_cache_people (source, query_key, connector, "
                "record_id) VALUES (?, ?, ?, ?)",
                [(source, query_key, str(c), str(r)) for c, r in people],
            )

    def invalidate_person(self, key: RecordKey) -> int:
        """Drop every cached answer that mentions this person record (after a write to it).

        Returns:
            How many entries were dropped.
        """
        with self._store._writing("update the cache") as conn:
            cursor = conn.execute(
                """DELETE FROM lookup_cache WHERE (source, query_key) IN (
                    SELECT source, query_key FROM lookup_cache_people
                    WHERE connector = ? AND record_id = ?)""",
                key,
            )
            return cursor.rowcount

    def clear(self) -> None:
        """Drop every cached answer."""
        with self._store._writing("clear the cache") as conn:
            conn.execute("DELETE FROM lookup_cache")


# --- Row conversion ----------------------------------------------------------------------

_UPDATABLE = frozenset(
    (
        "state",
        "text",
        "idempotency_key",
        "due",
        "attempts",
        "last_error",
        "lease_owner",
        "lease_until",
        "delivered_at",
    )
)


def _filters(
    states: Iterable[ItemState] | None, ids: Collection[int] | None
) -> tuple[str, tuple[Any, ...]]:
    clauses: list[str] = []
    params: list[Any] = []
    if states is not None:
        wanted = [ItemState(s).value for s in states]
        clauses.append(f"state IN ({', '.join('?' for _ in wanted)})" if wanted else "0")
        params += wanted
    if ids is not None:
        clauses.append(f"id IN ({', '.join('?' for _ in ids)})" if ids else "0")
        params += list(ids)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), tuple(params)


def _item(row: sqlite3.Row) -> OutboxItem:
    receipt = None
    if row["receipt_id"] is not None:
        receipt = SourceRef(
            connector=str(row["receipt_connector"]),
            record_id=str(row["receipt_id"]),
            url=row["receipt_url"],
        )
    return OutboxItem(
        id=int(row["id"]),
        kind=ItemKind(row["kind"]),
        text=str(row["text"]),
        target=NoteTarget(
            TargetKind(row["target_kind"]),
            SourceRef(str(row["connector"]), str(row["record_id"]), url=row["target_url"]),
        ),
        idempotency_key=str(row["idempotency_key"]),
        state=ItemState(row["state"]),
        created=from_iso(row["created"]),
        updated=from_iso(row["updated"]),
        due=from_iso(row["due"]),
        attempts=int(row["attempts"]),
        batch=str(row["batch"]),
        last_error=row["last_error"],
        payload=None if row["payload"] is None else json.loads(row["payload"]),
        receipt=receipt,
        delivered_at=from_iso_or_none(row["delivered_at"]),
        lease_owner=row["lease_owner"],
        lease_until=from_iso_or_none(row["lease_until"]),
    )


def _call(row: sqlite3.Row) -> CallRecord:
    return CallRecord(
        call_id=str(row["call_id"]),
        direction=str(row["direction"]),
        started=from_iso(row["started"]),
        number=row["number"],
        line=row["line"],
        answered=from_iso_or_none(row["answered"]),
        ended=from_iso_or_none(row["ended"]),
        duration_s=row["duration_s"],
        person_key=_key(row["person_connector"], row["person_record"]),
        person_name=row["person_name"],
        disposition=row["disposition"],
        missed=bool(row["missed"]),
        note=row["note"],
        returned=from_iso_or_none(row["returned"]),
    )
