"""Local state in one SQLite file: the outbox, call and lookup history, the person links the
agent confirmed, note drafts, and the lookup cache.

The file is `state.db` in the platform data directory (`paths.data_dir()`; override it with
`CX_TUI_DATA_DIR`), owner-only: the directory 0700, the file 0600 (SQLite gives its `-wal` and
`-shm` files the same mode). It runs in WAL mode with a busy timeout, so the app and a
`cx-tui note` or `cx-tui outbox flush` in another terminal share it safely; every write is one
short `BEGIN IMMEDIATE` transaction.

The schema is versioned (`schema.MIGRATIONS`, one function per version, applied in order inside
one transaction; `meta.schema_version` records how far a file has come). A file that is not a
cx-tui store (junk bytes, another program's database, a newer cx-tui's schema, damage) is
refused with a `StoreError` naming it, and is never written to: cx-tui does not move, repair or
overwrite it.

Every problem leaves the store as a `StoreError` whose message is one line naming the file.
Nothing is half-written: a failed write (a full disk, a read-only directory) rolls back whole,
and the caller still holds what it tried to save (the UI keeps the note open; the CLI says it
was not saved).

Where things are:

| Module | Holds |
|---|---|
| `records` | the records callers get back (`OutboxItem`, `CallRecord`, ...) and `StoreError` |
| `schema` | the migrations, `SCHEMA_VERSION`, `migrate` |
| `file` | opening the file (via `cx_tui.sqlite_files`), its connection and transactions |
| `outbox`, `drafts`, `links`, `calls`, `lookups`, `lookup_cache` | one table family each |
| `cache_queue`, `cache_writer` | the lookup cache's writes, queued and landed off the loop |

`Store` is all of them in one object. This package is persistence only; the delivery policy
(claims, retries, backoff) lives in `cx_tui.outbox`.
"""

from __future__ import annotations

from cx_tui.store.calls import Calls
from cx_tui.store.drafts import Drafts
from cx_tui.store.file import (
    DEFAULT_BUSY_TIMEOUT,
    OUTBOX_KEEP_DAYS,
    STORE_FILENAME,
    default_path,
)
from cx_tui.store.links import Links
from cx_tui.store.lookup_cache import CACHE_ROWS_LIMIT, CachedRow, LookupCache
from cx_tui.store.lookups import LOOKUP_HISTORY_LIMIT, Lookups
from cx_tui.store.outbox import OutboxRows
from cx_tui.store.records import (
    CallRecord,
    Draft,
    ItemKind,
    ItemState,
    LookupRecord,
    OutboxItem,
    RecordKey,
    StoreError,
    target_label,
)
from cx_tui.store.schema import (
    APPLICATION_ID,
    MIGRATIONS,
    SCHEMA_VERSION,
    NewerSchemaError,
    migrate,
)

__all__ = [
    "APPLICATION_ID",
    "CACHE_ROWS_LIMIT",
    "DEFAULT_BUSY_TIMEOUT",
    "LOOKUP_HISTORY_LIMIT",
    "MIGRATIONS",
    "OUTBOX_KEEP_DAYS",
    "SCHEMA_VERSION",
    "STORE_FILENAME",
    "CachedRow",
    "CallRecord",
    "Draft",
    "ItemKind",
    "ItemState",
    "LookupRecord",
    "NewerSchemaError",
    "OutboxItem",
    "RecordKey",
    "Store",
    "StoreError",
    "default_path",
    "migrate",
    "target_label",
]


class Store(OutboxRows, Drafts, Links, Calls, Lookups, LookupCache):
    """The local SQLite store: the file, opened (created, migrated) on construction, with
    every table family's methods. `Store(path, busy_timeout=..., clock=...)`; see `StoreFile`
    for the arguments and the `StoreError` it raises when the file cannot be used."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
