"""A vendor without idempotency keys, and the connector that dedupes it by a marker.

This is the contract the HubSpot/Zendesk connectors follow for notes (see `cx_tui.outbox`):
the vendor stores whatever body it is given and offers a search over a record's notes; the
connector writes the marker `cx-tui:<idempotency key>` into the body and, before writing, looks
for that marker on the target. The "vendor" is a SQLite file so several processes (two
deliverers, a process killed and restarted) see the same notes, and every request is logged.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cx_tui.connectors.base import Capability, Connector, InvalidInput, NotFound
from cx_tui.identity import Query
from cx_tui.models import Details, Match, NoteReceipt, NoteTarget, SourceRef
from cx_tui.outbox import hold_for_test

MARKER_PREFIX = "cx-tui:"


def marker(idempotency_key: str) -> str:
    # Written out here on purpose: a vendor connector cannot import the outbox (layers), so
    # the format is a documented contract; test_outbox checks it matches delivery_marker().
    return f"{MARKER_PREFIX}{idempotency_key}"


@contextmanager
def open_vendor(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        yield _prepared(conn)
    finally:
        conn.close()


def _prepared(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, target_kind TEXT, "
        "record_id TEXT, body TEXT, created TEXT)"
    )
    conn.execute(
        "CREATE TABLE IF NOT EXISTS requests (id INTEGER PRIMARY KEY, kind TEXT, "
        "marker TEXT, pid INTEGER, outcome TEXT)"
    )
    return conn


def notes(path: Path) -> list[tuple[str, str, str]]:
    """(target kind, record id, body) of every note the vendor holds."""
    with open_vendor(path) as conn:
        rows = conn.execute("SELECT target_kind, record_id, body FROM notes ORDER BY id")
        return [(str(a), str(b), str(c)) for a, b, c in rows]


def requests(path: Path) -> list[tuple[str, str, int, str]]:
    """(kind, marker, pid, outcome) of every request the vendor received."""
    with open_vendor(path) as conn:
        rows = conn.execute("SELECT kind, marker, pid, outcome FROM requests ORDER BY id")
        return [(str(a), str(b), int(c), str(d)) for a, b, c, d in rows]


class MarkerVendor(Connector):
    """Notes on people and tickets, deduped by searching for the marker before writing.

    Settings: `path` (the vendor's SQLite file), `delay` (seconds each request takes).
    """

    type_name = "marker-vendor"
    display_name = "Vendor without idempotency"
    capabilities = Capability.PERSON_NOTES | Capability.TICKET_NOTES
    needs_secret = False
    note_limit = 1000

    def __init__(self, name: str, settings: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(name, settings, *args, **kwargs)
        self.path = Path(settings["path"])
        self.delay = float(settings.get("delay", 0.0))

    async def find_people(self, query: Query) -> Sequence[Match]:
        return []

    async def get_details(self, match: Match) -> Details:
        return Details()

    async def add_note(self, target: NoteTarget, text: str, idempotency_key: str) -> NoteReceipt:
        if len(text) > self.note_limit:
            raise InvalidInput(f"Body is {len(text)} characters; the limit is {self.note_limit}.")
        if target.ref.record_id == "missing":
            raise NotFound(f"No {target.kind.value} {target.ref.record_id} in {self.name}.")
        tag = marker(idempotency_key)
        await asyncio.sleep(self.delay)
        now = datetime.now(UTC)
        with open_vendor(self.path) as conn:
            # 1. Search the target's notes for the marker (a vendor search endpoint).
            found = conn.execute(
                "SELECT id FROM notes WHERE target_kind = ? AND record_id = ? AND instr(body, ?)",
                (target.kind.value, target.ref.record_id, tag),
            ).fetchone()
            conn.execute(
                "INSERT INTO requests (kind, marker, pid, outcome) VALUES (?, ?, ?, ?)",
                ("add_note", tag, os.getpid(), "found" if found else "created"),
            )
            if found is not None:
                return NoteReceipt(SourceRef(self.name, f"n{found[0]}"), now, duplicate=True)
            # 2. Not there: create it, marker on its own last line.
            cursor = conn.execute(
                "INSERT INTO notes (target_kind, record_id, body, created) VALUES (?, ?, ?, ?)",
                (target.kind.value, target.ref.record_id, f"{text}\n\n[{tag}]", now.isoformat()),
            )
        # The vendor has the note; its answer has not reached the deliverer yet.
        hold_for_test("during-send")
        return NoteReceipt(SourceRef(self.name, f"n{cursor.lastrowid}"), now)
