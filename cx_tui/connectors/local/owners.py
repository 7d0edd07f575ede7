"""Who owns a person or a ticket in the local database (the optional `owners` table)."""

from __future__ import annotations

import sqlite3
from typing import Literal

from cx_tui.models import Owner, OwnerRole, SourceRef


def read_owners(
    conn: sqlite3.Connection, column: Literal["person_id", "ticket_id"], row_id: int, ref: SourceRef
) -> tuple[Owner, ...]:
    """The owners of one person or ticket; none in a file made before the table existed."""
    try:
        rows = conn.execute(
            f"SELECT id, role, name FROM owners WHERE {column} = ? ORDER BY id", (row_id,)
        ).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return ()
        raise
    return tuple(Owner(OwnerRole(r[1]), str(r[2]), ref, f"owner-{r[0]}") for r in rows)
