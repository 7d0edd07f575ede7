"""Lookup history: the latest lookups the agent made, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from cx_tui.store.file import StoreFile
from cx_tui.store.records import LookupRecord, RecordKey, record_key
from cx_tui.utc import from_iso, to_iso

LOOKUP_HISTORY_LIMIT: Final = 200
"""Lookups kept in the history; older ones are dropped as new ones arrive."""


class Lookups(StoreFile):
    """The lookup_history table's methods of `Store`."""

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
            person_key=record_key(person_connector, person_record),
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
                person_key=record_key(r["person_connector"], r["person_record"]),
            )
            for r in rows
        ]
