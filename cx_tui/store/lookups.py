"""Lookup history: the latest lookups the agent made, newest first."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

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
        theme_tags: Sequence[str] = (),
        records: Sequence[RecordKey] = (),
    ) -> LookupRecord:
        """Add a lookup to the history, keeping the latest `LOOKUP_HISTORY_LIMIT`."""
        moment = at or self.clock()
        person_connector, person_record = person_key or (None, None)
        with self._writing("save the lookup history") as conn:
            cursor = conn.execute(
                """INSERT INTO lookup_history (query, kind, at, state, person_name,
                    person_connector, person_record, theme_tags, records)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    query,
                    kind,
                    to_iso(moment),
                    state,
                    person_name,
                    person_connector,
                    person_record,
                    json.dumps(list(theme_tags)),
                    json.dumps([list(r) for r in records]),
                ),
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
            theme_tags=tuple(theme_tags),
            records=tuple(records),
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
                theme_tags=tuple(str(t) for t in _json_list(r["theme_tags"])),
                records=tuple(
                    (str(k[0]), str(k[1]))
                    for k in _json_list(r["records"])
                    if isinstance(k, list) and len(k) == 2
                ),
            )
            for r in rows
        ]

    def lookups_since(self, since: datetime) -> list[LookupRecord]:
        """The lookups made since `since`, newest first (of the kept history)."""
        return [r for r in self.lookups() if r.at >= since]


def _json_list(value: Any) -> list[Any]:
    """A stored JSON list; anything else (NULL from before version 10, damage) is empty."""
    try:
        loaded = json.loads(value) if value else []
    except (TypeError, ValueError):
        return []
    return loaded if isinstance(loaded, list) else []
