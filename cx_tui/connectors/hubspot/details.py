"""What surrounds a HubSpot contact: companies, tickets with their internal notes, activity.

Companies and tickets through v4 associations plus batch reads; the contact's most recent
notes, calls and emails for the timeline; internal notes of open tickets as the tickets'
(private) comments, which feed "already tried". A part the token may not read (a 403: no
`tickets` scope, say) is left out rather than failing the rest; `cx-tui connectors` lists the
missing scopes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, TypeVar

from cx_tui.connectors.base import AuthError, ConnectorError, NotFound
from cx_tui.connectors.hubspot.account import HubSpotAccount
from cx_tui.connectors.hubspot.records import (
    CALL_PROPERTIES,
    EMAIL_PROPERTIES,
    NOTE_PROPERTIES,
    TICKET_PROPERTIES,
    Reader,
    pipeline_statuses,
)
from cx_tui.connectors.kit import LOOKUP, gather_all
from cx_tui.connectors.kit.parts import Parts
from cx_tui.models import Details, TicketStatus

if TYPE_CHECKING:
    from cx_tui.models import Comment, Company, Match, Ticket

T = TypeVar("T")

MAX_COMPANIES: Final = 10
MAX_TICKETS: Final = 100
MAX_TICKETS_WITH_NOTES: Final = 10
"""Open tickets whose internal notes are read (newest first)."""
MAX_ACTIVITIES: Final = 50
"""Notes, calls and emails each, most recent first (by id: HubSpot ids grow over time)."""


class HubSpotDetails(HubSpotAccount):
    """`get_details`."""

    async def get_details(self, match: Match) -> Details:
        """The contact's companies, tickets (with their internal notes) and recent activity.

        Args:
            match: A match this connector returned.

        Returns:
            Up to 10 companies; up to 100 tickets (the 10 most recently updated open ones with
            their notes as private comments); the 50 most recent notes, calls and emails each.
            A part that fails alone (a 403, 4xx or 5xx, a timeout, junk) is left out and named
            in `failed_parts` (`kit.parts`).

        Raises:
            NotFound: the match is not a HubSpot contact of this account.
            AuthError (401), RateLimited, Unavailable (unreachable): the whole source.
        """
        contact_id = self.own_record(match.person.ref, "contact")
        await self._portal_info(LOOKUP)
        read = self._reader(datetime.now(UTC))
        contact_url = read.link("0-1", contact_id)
        no_tickets: tuple[tuple[Ticket, ...], dict[str, str]] = ((), {})
        parts = Parts("HubSpot")
        companies, (tickets, note_tickets), notes, calls, emails = await gather_all(
            parts.read("companies", self._companies(contact_id, read), ()),
            parts.read("tickets", self._tickets(contact_id, read), no_tickets),
            parts.read("notes", self._activities(contact_id, "notes", NOTE_PROPERTIES), []),
            parts.read("calls", self._activities(contact_id, "calls", CALL_PROPERTIES), []),
            parts.read("e-mails", self._activities(contact_id, "emails", EMAIL_PROPERTIES), []),
        )
        interactions = [
            *parts.each("notes", notes, lambda n: read.note(n, note_tickets, contact_url)),
            *parts.each("calls", calls, lambda c: read.call(c, contact_url)),
            *parts.each("e-mails", emails, lambda e: read.email(e, contact_url)),
        ]
        interactions.sort(key=lambda i: i.at, reverse=True)
        return Details(
            companies=companies,
            tickets=tickets,
            interactions=tuple(interactions),
            failed_parts=parts.failures,
        )

    async def _companies(self, contact_id: str, read: Reader) -> tuple[Company, ...]:
        ids = (await self._associated("contacts", contact_id, "companies"))[:MAX_COMPANIES]
        if not ids:
            return ()
        plan = (self.plan_property,) if self.plan_property else ()
        properties = ("name", "domain", *plan, *self.fields.related_fields("company"))
        return tuple(read.company(r) for r in await self._batch_read("companies", ids, properties))

    async def _pipeline_stages(self) -> dict[tuple[str, str], TicketStatus] | None:
        if not self._stages_tried:
            try:
                self._stages = pipeline_statuses(
                    await self._get("/crm/v3/pipelines/tickets", LOOKUP)
                )
                self._stages_tried = True
            except (AuthError, NotFound):
                self._stages_tried = True
            except ConnectorError:
                pass  # try again next time; the default stages serve meanwhile
        return self._stages

    async def _tickets(
        self, contact_id: str, read: Reader
    ) -> tuple[tuple[Ticket, ...], dict[str, str]]:
        """The contact's tickets, and which of the notes read belong to which open ticket."""
        ids = (await self._associated("contacts", contact_id, "tickets"))[:MAX_TICKETS]
        if not ids:
            return (), {}
        records, stages = await gather_all(
            self._batch_read("tickets", ids, TICKET_PROPERTIES), self._pipeline_stages()
        )
        tickets = [read.ticket(record, stages) for record in records]
        open_ones = sorted((t for t in tickets if t.is_open), key=lambda t: t.updated, reverse=True)
        with_notes = open_ones[:MAX_TICKETS_WITH_NOTES]
        note_lists = await gather_all(*(self._ticket_notes(t, read) for t in with_notes))
        comments = {t.ref.record_id: notes for t, notes in zip(with_notes, note_lists, strict=True)}
        note_tickets = {
            c.ref.record_id.removeprefix("note-"): ticket_id
            for ticket_id, notes in comments.items()
            for c in notes
        }
        result = [
            replace(t, comments=comments[t.ref.record_id]) if t.ref.record_id in comments else t
            for t in tickets
        ]
        return tuple(result), note_tickets

    async def _ticket_notes(self, ticket: Ticket, read: Reader) -> tuple[Comment, ...]:
        ids = (await self._associated("tickets", ticket.ref.record_id, "notes", max_pages=1))[
            :MAX_ACTIVITIES
        ]
        records = await self._batch_read("notes", ids, NOTE_PROPERTIES) if ids else []
        comments = [read.ticket_note(record, ticket.ref.url) for record in records]
        comments.sort(key=lambda c: c.created)
        return tuple(comments)

    async def _activities(
        self, contact_id: str, object_type: str, properties: Sequence[str]
    ) -> list[dict[str, Any]]:
        ids = (await self._associated("contacts", contact_id, object_type))[:MAX_ACTIVITIES]
        return await self._batch_read(object_type, ids, properties) if ids else []
