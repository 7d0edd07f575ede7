"""A person's company, tickets (with comments and notes) and timeline from the local database."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from cx_tui.connectors.base import NotFound
from cx_tui.connectors.kit.fields import read_fields
from cx_tui.connectors.local.connection import LocalBase, row_id
from cx_tui.connectors.local.owners import read_owners
from cx_tui.connectors.local.schema import tags_of, text_or_none
from cx_tui.models import (
    Channel,
    Comment,
    Company,
    Details,
    Direction,
    Interaction,
    Match,
    Priority,
    Ticket,
    TicketStatus,
)
from cx_tui.utc import from_iso, from_iso_or_none

MAX_OTHER_TICKETS = 50
"""Closed (solved, closed) tickets returned per person, most recently updated first."""
MAX_INTERACTIONS = 1000
"""Timeline items returned per person, newest first."""

_OPEN_STATUSES = tuple(status.value for status in TicketStatus if status.is_open)


class DetailsReader(LocalBase):
    """`get_details` of `LocalConnector`."""

    async def get_details(self, match: Match) -> Details:
        """The person's company, tickets (with comments and notes) and timeline.

        Args:
            match: A match this connector returned.

        Returns:
            The company; every open ticket plus the 50 most recently updated others, each with
            its comments and internal notes; up to 1000 interactions and notes, newest first.

        Raises:
            NotFound: the person no longer exists (or is not a record of this connector).
            Unavailable: the database file cannot be used, or stays busy (`DatabaseBusy`).
        """
        ref = match.person.ref
        if ref.connector != self.name:
            raise NotFound(f"{ref.connector} record {ref.record_id} is not in {self.name}.")
        person_id = row_id(ref, "person")
        return await self._attempt(lambda conn: self._details(conn, person_id))

    def _details(self, conn: sqlite3.Connection, person_id: int) -> Details:
        now = datetime.now(UTC)
        person = conn.execute("SELECT company_id FROM people WHERE id = ?", (person_id,)).fetchone()
        if person is None:
            raise NotFound(f"Person {person_id} no longer exists in {self.name}.")
        companies: tuple[Company, ...] = ()
        if person["company_id"] is not None:
            row = conn.execute(
                "SELECT * FROM companies WHERE id = ?", (person["company_id"],)
            ).fetchone()
            if row is not None:
                companies = (self._company(row, now),)
        tickets = self._tickets(conn, person_id, now)
        interactions = self._timeline(conn, person_id, now)
        return Details(companies=companies, tickets=tickets, interactions=interactions)

    def _company(self, row: sqlite3.Row, now: datetime) -> Company:
        return Company(
            ref=self._ref(f"company-{row['id']}", now),
            name=str(row["name"]),
            domain=text_or_none(row["domain"]),
            plan=text_or_none(row["plan"]),
            vip=bool(row["vip"]),
            custom=read_fields(self.fields, dict(row), "company"),
        )

    def _tickets(
        self, conn: sqlite3.Connection, person_id: int, now: datetime
    ) -> tuple[Ticket, ...]:
        statuses = ", ".join("?" for _ in _OPEN_STATUSES)
        open_rows = conn.execute(
            f"SELECT * FROM tickets WHERE requester_id = ? AND status IN ({statuses}) "
            "ORDER BY updated DESC, id DESC",
            (person_id, *_OPEN_STATUSES),
        ).fetchall()
        other_rows = conn.execute(
            f"SELECT * FROM tickets WHERE requester_id = ? AND status NOT IN ({statuses}) "
            "ORDER BY updated DESC, id DESC LIMIT ?",
            (person_id, *_OPEN_STATUSES, MAX_OTHER_TICKETS),
        ).fetchall()
        return tuple(self._ticket(conn, row, now) for row in [*open_rows, *other_rows])

    def _ticket(self, conn: sqlite3.Connection, row: sqlite3.Row, now: datetime) -> Ticket:
        ticket_id = int(row["id"])
        # Public and private comments, then the notes cx-tui wrote, oldest first.
        comments = tuple(
            Comment(
                ref=self._ref(str(c["ref"]), now),
                body=str(c["body"]),
                public=bool(c["public"]),
                created=from_iso(c["created"]),
                author=text_or_none(c["author"]),
            )
            for c in conn.execute(
                "SELECT 'comment-' || id AS ref, body, public, created, author, 0 AS rank, id "
                "FROM comments WHERE ticket_id = ? UNION ALL "
                "SELECT 'note-' || id, body, 0, created, NULL, 1, id "
                "FROM notes WHERE ticket_id = ? ORDER BY created, rank, id",
                (ticket_id, ticket_id),
            )
        )
        priority = row["priority"]
        ref = self._ref(str(ticket_id), now)
        return Ticket(
            ref=ref,
            owners=read_owners(conn, "ticket_id", ticket_id, ref),
            subject=str(row["subject"]),
            status=TicketStatus(row["status"]),
            created=from_iso(row["created"]),
            updated=from_iso(row["updated"]),
            priority=None if priority is None else Priority(priority),
            tags=tags_of(row["tags"]),
            sla_due=from_iso_or_none(row["sla_due"]),
            comments=comments,
        )

    def _timeline(
        self, conn: sqlite3.Connection, person_id: int, now: datetime
    ) -> tuple[Interaction, ...]:
        # The timeline and the notes, newest first (at one moment, the timeline's item first).
        return tuple(
            Interaction(
                ref=self._ref(str(row["ref"]), now),
                channel=Channel(row["channel"]),
                direction=Direction(row["direction"]),
                at=from_iso(row["at"]),
                summary=str(row["summary"]),
                ticket_id=text_or_none(row["ticket_id"]),
            )
            for row in conn.execute(
                "SELECT 'interaction-' || id AS ref, channel, direction, at, summary, ticket_id, "
                "0 AS rank, id FROM interactions WHERE person_id = ? UNION ALL "
                "SELECT 'note-' || id, ?, ?, created, body, ticket_id, 1, id "
                "FROM notes WHERE person_id = ? ORDER BY at DESC, rank, id DESC LIMIT ?",
                (
                    person_id,
                    Channel.NOTE.value,
                    Direction.INTERNAL.value,
                    person_id,
                    MAX_INTERACTIONS,
                ),
            )
        )
