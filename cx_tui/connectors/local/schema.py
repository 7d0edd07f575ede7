"""The local database's tables, and the small helpers every module writes rows with.

The schema has one version (`SCHEMA_VERSION`); a file with another version is refused, not
migrated (a local CRM is rebuilt with `cx-tui demo reset`, not upgraded in place).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from cx_tui.connectors.kit.readers import fold_text
from cx_tui.models import Channel, ContactKind, Direction, OwnerRole, Priority, TicketStatus
from cx_tui.source_values import fold_email, phone_e164

SCHEMA_VERSION = 1
"""Bumped whenever the tables change; a file with another version is refused, not migrated."""


def _sql_list(values: Sequence[str]) -> str:
    # Only ever called with enum values defined in models.py, never with input.
    return ", ".join(f"'{value}'" for value in values)


OWNERS_TABLE = f"""CREATE TABLE IF NOT EXISTS owners (
        id INTEGER PRIMARY KEY,
        person_id INTEGER REFERENCES people (id) ON DELETE CASCADE,
        ticket_id INTEGER REFERENCES tickets (id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ({_sql_list([r.value for r in OwnerRole])})),
        name TEXT NOT NULL
    )"""
"""Who owns a person or a ticket. Optional: a file made before it has none (not required by
`TABLES`, so no new schema version), and reads treat it as empty."""

SCHEMA: tuple[str, ...] = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
    """CREATE TABLE companies (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        domain TEXT,
        plan TEXT,
        vip INTEGER NOT NULL DEFAULT 0 CHECK (vip IN (0, 1))
    )""",
    """CREATE TABLE people (
        id INTEGER PRIMARY KEY,
        name TEXT,
        company_id INTEGER REFERENCES companies (id) ON DELETE SET NULL,
        title TEXT,
        plan TEXT,
        timezone TEXT,
        language TEXT,
        vip INTEGER CHECK (vip IN (0, 1)),
        tags TEXT NOT NULL DEFAULT '[]',
        created TEXT NOT NULL
    )""",
    f"""CREATE TABLE contact_points (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ({_sql_list([k.value for k in ContactKind])})),
        raw TEXT NOT NULL,
        normalized TEXT,
        extension TEXT,
        label TEXT,
        shared INTEGER NOT NULL DEFAULT 0 CHECK (shared IN (0, 1)),
        position INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX contact_points_normalized ON contact_points (normalized)",
    "CREATE INDEX contact_points_person ON contact_points (person_id)",
    f"""CREATE TABLE tickets (
        id INTEGER PRIMARY KEY,
        requester_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        subject TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ({_sql_list([s.value for s in TicketStatus])})),
        priority TEXT CHECK (priority IN ({_sql_list([p.value for p in Priority])})),
        tags TEXT NOT NULL DEFAULT '[]',
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        sla_due TEXT
    )""",
    "CREATE INDEX tickets_requester ON tickets (requester_id, updated)",
    """CREATE TABLE comments (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        author TEXT,
        body TEXT NOT NULL,
        public INTEGER NOT NULL CHECK (public IN (0, 1)),
        created TEXT NOT NULL
    )""",
    "CREATE INDEX comments_ticket ON comments (ticket_id)",
    f"""CREATE TABLE interactions (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        ticket_id INTEGER REFERENCES tickets (id) ON DELETE SET NULL,
        channel TEXT NOT NULL CHECK (channel IN ({_sql_list([c.value for c in Channel])})),
        direction TEXT NOT NULL
            CHECK (direction IN ({_sql_list([d.value for d in Direction])})),
        at TEXT NOT NULL,
        summary TEXT NOT NULL
    )""",
    "CREATE INDEX interactions_person ON interactions (person_id, at)",
    """CREATE TABLE notes (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        ticket_id INTEGER REFERENCES tickets (id) ON DELETE SET NULL,
        body TEXT NOT NULL,
        created TEXT NOT NULL,
        idempotency_key TEXT UNIQUE
    )""",
    "CREATE INDEX notes_person ON notes (person_id)",
    "CREATE INDEX notes_ticket ON notes (ticket_id)",
    OWNERS_TABLE,
)

TABLES = frozenset(
    ("meta", "companies", "people", "contact_points", "tickets", "comments", "interactions")
) | {"notes"}
"""The tables a cx-tui local database must hold."""


def ensure_schema(conn: sqlite3.Connection) -> None:
    """Create the tables unless the file has them (call inside a transaction)."""
    exists = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta')"
    ).fetchone()[0]
    if exists:
        return
    for statement in SCHEMA:
        conn.execute(statement)
    set_meta(conn, schema_version=str(SCHEMA_VERSION))


def set_meta(conn: sqlite3.Connection, **values: str | None) -> None:
    """Record facts about the database (`dataset`, `seeded_at`, `region`)."""
    conn.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        list(values.items()),
    )


def meta(conn: sqlite3.Connection, key: str) -> str | None:
    """A fact recorded with `set_meta`, or None."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def insert(conn: sqlite3.Connection, table: str, **values: Any) -> int:
    """Insert one row; returns its id."""
    # Table and column names come from this package only; values are always parameters.
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cursor = conn.execute(
        f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values())
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def insert_contact(
    conn: sqlite3.Connection,
    person_id: int,
    position: int,
    kind: ContactKind,
    raw: str,
    *,
    label: str | None,
    shared: bool,
    extension: str | None,
    region: str | None,
    value: str | None = None,
) -> None:
    """Store a contact point; `value` (default `raw`) is what gets normalised."""
    normalized: str | None
    if kind is ContactKind.PHONE:
        parsed = phone_e164(value or raw, region)
        # Kept even when it cannot be normalised: lookups then compare its digits.
        normalized = parsed[0] if parsed else None
        extension = extension or (parsed[1] if parsed else None)
    else:
        normalized = fold_email(value or raw)
    insert(
        conn,
        "contact_points",
        person_id=person_id,
        kind=kind.value,
        raw=raw,
        normalized=normalized,
        extension=extension,
        label=label,
        shared=int(shared),
        position=position,
    )


def sql_fold(value: Any) -> str | None:
    """`cx_fold(name)` in SQL: the kit's `fold_text`, so "gonzalez" finds "González"."""
    return None if value is None else fold_text(str(value))


def _like_pattern(token: str) -> str:
    escaped = token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def text_or_none(value: Any) -> str | None:
    """A column's value as text, None staying None."""
    return None if value is None else str(value)


def tags_of(value: Any) -> tuple[str, ...]:
    """The tags of a row (a JSON list), tolerating anything else as none."""
    try:
        loaded = json.loads(value) if value else []
    except (TypeError, ValueError):
        return ()
    return tuple(str(tag) for tag in loaded) if isinstance(loaded, list) else ()
