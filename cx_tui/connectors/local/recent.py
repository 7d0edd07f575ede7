"""`count_recent` for the local database: tickets with one tag opened since a moment.

The tag is compared as a value (`json_each` over the ticket's tag list, a bound parameter),
never spliced into SQL. A ticket that carries the tag and `problem` is the problem ticket
others link to (the local schema has no ticket type; the demo data marks it so).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Final

from cx_tui.connectors.kit.query import checked_tag
from cx_tui.connectors.local.connection import LocalBase
from cx_tui.connectors.local.schema import tags_of
from cx_tui.models import RecentTicket, RecentTickets, TicketStatus
from cx_tui.utc import from_iso

RECENT_LIMIT: Final = 100
"""Tickets read per tag, newest first."""
PROBLEM_TAG: Final = "problem"
"""The tag that makes a ticket the problem (incident) ticket of its other tags."""
_TAGGED = (
    "SELECT id, subject, status, created, requester_id, tags FROM tickets "
    "WHERE EXISTS (SELECT 1 FROM json_each(tickets.tags) WHERE json_each.value = ?) "
)


class RecentReader(LocalBase):
    """`count_recent` of `LocalConnector`."""

    async def count_recent(self, tag: str, since: datetime) -> RecentTickets:
        checked = checked_tag(tag, self.name)
        return await self._attempt(lambda conn: self._recent(conn, checked, since))

    def _recent(self, conn: sqlite3.Connection, tag: str, since: datetime) -> RecentTickets:
        now = datetime.now(UTC)
        rows = conn.execute(_TAGGED + "ORDER BY created DESC, id DESC", (tag,)).fetchall()
        recent, problems = [], []
        for row in rows:
            if PROBLEM_TAG in tags_of(row["tags"]) and tag != PROBLEM_TAG:
                problems.append(row)
            elif from_iso(row["created"]) >= since:
                recent.append(row)
        unsolved = [r for r in problems if TicketStatus(r["status"]).is_open]
        chosen = (unsolved or problems)[:1]
        return RecentTickets(
            tag,
            since,
            tuple(self._item(r, now) for r in recent[:RECENT_LIMIT]),
            len(recent),
            self._item(chosen[0], now) if chosen else None,
        )

    def _item(self, row: sqlite3.Row, now: datetime) -> RecentTicket:
        return RecentTicket(
            self._ref(str(row["id"]), now),
            str(row["subject"]),
            from_iso(row["created"]),
            str(row["requester_id"]),
        )
