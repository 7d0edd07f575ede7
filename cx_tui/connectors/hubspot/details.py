"""What surrounds a HubSpot contact: companies, tickets with their internal notes, activity.

The request graph, in at most three dependent round trips (issue 16) after the search:
1. one v4 batch associations read per object type (companies, tickets, notes, calls, emails)
   the lookup did not already read ahead (an email lookup reads the contact's associations
   beside its search, `ahead.py`, so it skips this trip), side by side with the ticket
   pipelines (read once per connector);
2. batch reads of those records, side by side with one batched read of the tickets' notes
   associations (every ticket: which is open is known only once the tickets are read);
3. only when an open ticket has a note that is not also on the contact (HubSpot's UI files a
   note logged on a ticket on its contacts too): a batch read of those notes.

Internal notes of open tickets become the tickets' (private) comments, which feed "already
tried". A part that fails alone (a 403: no `tickets` scope, say; a 4xx or 5xx, a timeout, junk)
is left out and named in `failed_parts` (`kit.parts`); `cx-tui connectors` lists missing scopes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, TypeVar

from cx_tui.connectors.base import AuthError, ConnectorError, NotFound
from cx_tui.connectors.hubspot.ahead import LINKED, HubSpotReadAhead, Links
from cx_tui.connectors.hubspot.records import (
    CALL_PROPERTIES,
    EMAIL_PROPERTIES,
    NOTE_PROPERTIES,
    TICKET_PROPERTIES,
    Reader,
    pipeline_statuses,
)
from cx_tui.connectors.kit import LOOKUP, gather_all, record_id
from cx_tui.connectors.kit.parts import Parts
from cx_tui.models import Details, TicketStatus

if TYPE_CHECKING:
    from cx_tui.models import Comment, Match, Ticket

T = TypeVar("T")

MAX_COMPANIES: Final = 10
MAX_TICKETS: Final = 100
MAX_TICKETS_WITH_NOTES: Final = 10
"""Open tickets whose internal notes are read (newest first)."""
MAX_ACTIVITIES: Final = 50
"""Notes, calls and emails each, most recent first (by id: HubSpot ids grow over time)."""
PART: Final = {
    "companies": "companies",
    "tickets": "tickets",
    "notes": "notes",
    "calls": "calls",
    "emails": "e-mails",
}
"""How a failed part is named to the agent."""

Records = list[dict[str, Any]]


class HubSpotDetails(HubSpotReadAhead):
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
        parts = Parts("HubSpot")

        async def linked() -> tuple[Records, Records, Records, Records, Records, Links]:
            ahead = await self._links_ahead(contact_id, match.person.emails())
            links = await self._contact_links(contact_id, parts, ahead)
            return await self._read_linked(links, parts)

        linked_records, stages, _ = await gather_all(
            linked(), self._pipeline_stages(), self._portal_info(LOOKUP)
        )
        companies, ticket_records, notes, calls, emails, ticket_notes = linked_records
        read = self._reader(datetime.now(UTC))
        tickets = parts.each("tickets", ticket_records, lambda r: read.ticket(r, stages))
        comments = await self._open_ticket_notes(tickets, ticket_notes, notes, read, parts)
        note_tickets = {
            c.ref.record_id.removeprefix("note-"): ticket_id
            for ticket_id, notes_of in comments.items()
            for c in notes_of
        }
        contact_url = read.link("0-1", contact_id)
        interactions = [
            *parts.each("notes", notes, lambda n: read.note(n, note_tickets, contact_url)),
            *parts.each("calls", calls, lambda c: read.call(c, contact_url)),
            *parts.each("e-mails", emails, lambda e: read.email(e, contact_url)),
        ]
        return parts.details(
            parts.each("companies", companies, read.company),
            (
                replace(t, comments=comments[t.ref.record_id]) if t.ref.record_id in comments else t
                for t in tickets
            ),
            interactions,
        )

    async def _contact_links(
        self, contact_id: str, parts: Parts, known: Mapping[str, list[str]]
    ) -> Links:
        """Round trip 1: the ids of each kind of record associated with the contact, but for
        the kinds `known` already holds (read ahead: no request at all when it holds every
        kind)."""
        no_ids: Links = {}
        wanted = [kind for kind in LINKED if kind not in known]
        found = await gather_all(
            *(
                parts.read(PART[kind], self._links("contacts", [contact_id], kind), no_ids)
                for kind in wanted
            )
        )
        read = {kind: ids.get(contact_id, []) for kind, ids in zip(wanted, found, strict=True)}
        return {kind: list(known[kind]) if kind in known else read[kind] for kind in LINKED}

    async def _read_linked(
        self, links: Mapping[str, list[str]], parts: Parts
    ) -> tuple[Records, Records, Records, Records, Records, Links]:
        """Round trip 2: the records, and the notes associated with each ticket."""
        plan = (self.plan_property,) if self.plan_property else ()
        properties = ("name", "domain", *plan, *self.fields.related_fields("company"))
        tickets = links.get("tickets", [])[:MAX_TICKETS]
        no_links: dict[str, list[str]] = {}

        def part(kind: str, limit: int, names: Sequence[str]) -> Awaitable[Records]:
            return self._read_part(kind, links.get(kind, [])[:limit], names, parts)

        return await gather_all(
            part("companies", MAX_COMPANIES, properties),
            part("tickets", MAX_TICKETS, TICKET_PROPERTIES),
            part("notes", MAX_ACTIVITIES, NOTE_PROPERTIES),
            part("calls", MAX_ACTIVITIES, CALL_PROPERTIES),
            part("emails", MAX_ACTIVITIES, EMAIL_PROPERTIES),
            # no tickets: `_links` sends nothing and answers {}
            parts.read("notes", self._links("tickets", tickets, "notes"), no_links),
        )

    async def _read_part(
        self, object_type: str, ids: Sequence[str], properties: Sequence[str], parts: Parts
    ) -> Records:
        if not ids:
            return []
        return await parts.read(
            PART[object_type], self._batch_read(object_type, ids, properties), []
        )

    async def _open_ticket_notes(
        self,
        tickets: Sequence[Ticket],
        ticket_notes: Mapping[str, list[str]],
        contact_notes: Records,
        read: Reader,
        parts: Parts,
    ) -> dict[str, tuple[Comment, ...]]:
        """Round trip 3, when needed: the internal notes of the most recently updated open
        tickets, by ticket id; the notes already read as the contact's are not read again."""
        open_ones = sorted((t for t in tickets if t.is_open), key=lambda t: t.updated, reverse=True)
        wanted = {
            t.ref.record_id: ticket_notes.get(t.ref.record_id, [])[:MAX_ACTIVITIES]
            for t in open_ones[:MAX_TICKETS_WITH_NOTES]
        }
        known = {record_id(n.get("id"), "HubSpot", "a note"): n for n in contact_notes}
        missing = list(dict.fromkeys(i for ids in wanted.values() for i in ids if i not in known))
        if missing:
            for extra in await self._read_part("notes", missing, NOTE_PROPERTIES, parts):
                known[record_id(extra.get("id"), "HubSpot", "a note")] = extra
        urls = {t.ref.record_id: t.ref.url for t in open_ones}
        result: dict[str, tuple[Comment, ...]] = {}
        for ticket_id, ids in wanted.items():
            url = urls[ticket_id]
            notes_of = [known[i] for i in ids if i in known]
            comments = parts.each("notes", notes_of, lambda n: read.ticket_note(n, url))  # noqa: B023
            comments.sort(key=lambda c: c.created)
            result[ticket_id] = tuple(comments)
        return result

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
