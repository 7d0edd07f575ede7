"""Call history: every call as it rings, is answered and ends; missed calls as a worklist."""

from __future__ import annotations

import sqlite3

from cx_tui.store.file import StoreFile
from cx_tui.store.records import CallRecord, record_key
from cx_tui.utc import from_iso, from_iso_or_none, to_iso, to_iso_or_none


class Calls(StoreFile):
    """The call_history table's methods of `Store`."""

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
        person_key=record_key(row["person_connector"], row["person_record"]),
        person_name=row["person_name"],
        disposition=row["disposition"],
        missed=bool(row["missed"]),
        note=row["note"],
        returned=from_iso_or_none(row["returned"]),
    )
