"""The store's schema: one migration per version, applied in order inside one transaction.

`meta.schema_version` records how far a file has come; `PRAGMA application_id` tells a cx-tui
store from another program's SQLite file before anything is written to it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Final

from cx_tui.sqlite_files import transaction
from cx_tui.store.records import ItemState

APPLICATION_ID: Final = 0x63787473
"""`PRAGMA application_id` of a cx-tui store ("cxts"): how a store is told from another
program's SQLite file before anything is written to it."""


_V1_ITEM_KINDS: Final = ("note", "call")
"""The item kinds versions 1 to 7 allowed (version 8 added `add-phone`)."""


def _create_outbox(
    conn: sqlite3.Connection,
    table: str,
    target_kinds: Sequence[str],
    item_kinds: Sequence[str] = _V1_ITEM_KINDS,
) -> None:
    """Create the outbox table under the name `table`, its `target_kind` one of `target_kinds`
    and its `kind` one of `item_kinds` (each version names its own, never today's enum)."""
    states = ", ".join(f"'{state.value}'" for state in ItemState)
    kinds = ", ".join(f"'{kind}'" for kind in item_kinds)
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


def _rebuild_outbox(
    conn: sqlite3.Connection, target_kinds: Sequence[str], item_kinds: Sequence[str]
) -> None:
    """SQLite cannot change a CHECK constraint in place, so the outbox moves, row for row,
    into a table that allows these kinds (and keeps every column it had)."""
    before = [str(row[1]) for row in conn.execute("SELECT * FROM pragma_table_info('outbox')")]
    _create_outbox(conn, "outbox_next", target_kinds, item_kinds)
    for column in before:
        if column not in {
            str(row[1]) for row in conn.execute("SELECT * FROM pragma_table_info('outbox_next')")
        }:
            conn.execute(f"ALTER TABLE outbox_next ADD COLUMN {column} TEXT")
    columns = ", ".join(before)
    conn.execute(f"INSERT INTO outbox_next ({columns}) SELECT {columns} FROM outbox")
    conn.execute("DROP TABLE outbox")
    conn.execute("ALTER TABLE outbox_next RENAME TO outbox")
    conn.execute("CREATE INDEX outbox_state_due ON outbox (state, due)")


def _v4_new_ticket_targets(conn: sqlite3.Connection) -> None:
    """Version 4: a note can open a ticket (target kind `new-ticket`)."""
    _rebuild_outbox(conn, ("person", "ticket", "new-ticket"), _V1_ITEM_KINDS)


def _v5_drop_the_lookup_cache(conn: sqlite3.Connection) -> None:
    """Version 5: the lookup cache lived in memory (`cx_tui.cache.ResultCache`); the two tables
    version 2 made for a persistent one were never read by the app, so they went (version 9
    keeps the cache in the store again, in tables of its own)."""
    conn.execute("DROP TABLE IF EXISTS lookup_cache_people")
    conn.execute("DROP TABLE IF EXISTS lookup_cache")


def _v6_contact_links(conn: sqlite3.Connection) -> None:
    """Version 6: who a number or email belongs to, as the agent picked or confirmed it (the
    records per source, who and when). One pick per line or mailbox: a new one replaces it."""
    conn.execute(
        """CREATE TABLE contact_links (
            point TEXT NOT NULL,
            connector TEXT NOT NULL,
            record_id TEXT NOT NULL,
            confirmed_by TEXT NOT NULL,
            confirmed TEXT NOT NULL,
            PRIMARY KEY (point, connector, record_id)
        )"""
    )


def _v7_unsure_outcomes(conn: sqlite3.Connection) -> None:
    """Version 7: an item whose last attempt may have reached the source (a timeout, a lost
    answer, a crash mid-send) says since when, so the next attempt first looks for it."""
    conn.execute("ALTER TABLE outbox ADD COLUMN unsure_since TEXT")


def _v8_added_phones(conn: sqlite3.Connection) -> None:
    """Version 8: the outbox also adds a number to an existing person (item kind
    `add-phone`, on a person target)."""
    _rebuild_outbox(conn, ("person", "ticket", "new-ticket"), (*_V1_ITEM_KINDS, "add-phone"))


def _v9_lookup_cache(conn: sqlite3.Connection) -> None:
    """Version 9: the lookup cache is kept in the store (`store.lookup_cache`), so the first
    lookup after a restart paints from it. One row per answer (a source's search for one query,
    or one record's details) as `models.codec` JSON, and the record ids a details entry names
    (the person, their tickets), so a write to any of them forgets it."""
    conn.execute(
        """CREATE TABLE lookup_cache (
            kind TEXT NOT NULL CHECK (kind IN ('matches', 'details')),
            source TEXT NOT NULL,
            key TEXT NOT NULL,
            format TEXT NOT NULL,
            value TEXT NOT NULL,
            stored_at REAL NOT NULL,
            expires_at REAL NOT NULL,
            PRIMARY KEY (kind, source, key)
        )"""
    )
    conn.execute("CREATE INDEX lookup_cache_stored ON lookup_cache (stored_at)")
    conn.execute(
        """CREATE TABLE lookup_cache_records (
            kind TEXT NOT NULL,
            source TEXT NOT NULL,
            key TEXT NOT NULL,
            record_id TEXT NOT NULL,
            PRIMARY KEY (kind, source, key, record_id),
            FOREIGN KEY (kind, source, key) REFERENCES lookup_cache (kind, source, key)
                ON DELETE CASCADE
        )"""
    )
    conn.execute(
        "CREATE INDEX lookup_cache_records_record ON lookup_cache_records (source, record_id)"
    )


def _v10_lookup_themes(conn: sqlite3.Connection) -> None:
    """Version 10: a lookup keeps the caller's theme tags and every record matched (JSON lists),
    so trouble spots count the callers this desk looked up today about the same thing."""
    conn.execute("ALTER TABLE lookup_history ADD COLUMN theme_tags TEXT")
    conn.execute("ALTER TABLE lookup_history ADD COLUMN records TEXT")


def _v11_outbox_labels(conn: sqlite3.Connection) -> None:
    """Version 11: an outbox item keeps who or what its target is, as the agent saw it when it
    was queued (`Maria Gonzalez (+1 415-555-0132)`), so any process can list it by name
    offline; NULL for the items queued before (they show the raw target)."""
    conn.execute("ALTER TABLE outbox ADD COLUMN target_label TEXT")


def _v12_lookup_cache_expiry(conn: sqlite3.Connection) -> None:
    """Version 12: an index on when a cached answer expires, so dropping the expired rows reads
    only those (it scanned the whole table)."""
    conn.execute("CREATE INDEX lookup_cache_expires ON lookup_cache (expires_at)")


def _v13_lookup_cache_forgotten(conn: sqlite3.Connection) -> None:
    """Version 13: the lookup cache's writes land from a queue (`store.cache_writer`), so a
    delivery logs what it forgot (the record, and whether the source's searches went too):
    an answer naming that record still queued in any process is then void, never landing
    after the write. The last thousand entries are kept."""
    conn.execute(
        """CREATE TABLE lookup_cache_forgotten (
            seq INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            record_id TEXT NOT NULL,
            searches INTEGER NOT NULL CHECK (searches IN (0, 1))
        )"""
    )


MIGRATIONS: Final[tuple[Callable[[sqlite3.Connection], None], ...]] = (
    _v1_outbox_drafts_links,
    _v2_history_and_cache,
    _v3_returned_calls,
    _v4_new_ticket_targets,
    _v5_drop_the_lookup_cache,
    _v6_contact_links,
    _v7_unsure_outcomes,
    _v8_added_phones,
    _v9_lookup_cache,
    _v10_lookup_themes,
    _v11_outbox_labels,
    _v12_lookup_cache_expiry,
    _v13_lookup_cache_forgotten,
)
"""`MIGRATIONS[n]` takes a store from version n to n + 1. Append only; never edit a released
one. The first schema was written as two steps so the upgrade path is exercised (and tested)
from the start, not first on the day a real change ships."""

SCHEMA_VERSION: Final = len(MIGRATIONS)


class NewerSchemaError(Exception):
    """The file was written by a newer cx-tui (a higher schema version than this one knows)."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(f"schema version {found}; this cx-tui reads up to {known}")
        self.found = found
        self.known = known


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
    with transaction(conn):
        # Read inside the write lock: two processes opening a new store migrate it once.
        before = schema_version(conn)
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
    return before


def schema_version(conn: sqlite3.Connection) -> int:
    """The version a file has reached (0 for a new, empty one).

    Raises:
        sqlite3.DatabaseError: the recorded version is not a number.
    """
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
