"""Writes to Freshdesk, each at most once per outbox key.

Freshdesk has no idempotency header, so every write carries the outbox's marker line
(`cx-tui:<key>`) as the last line of its HTML body and is looked up before it is sent again:

- a note is `POST /api/v2/tickets/{id}/notes` with `{"body": <html>, "private": true}`
  (`private` is always sent, though it defaults to true); every page of the ticket's
  conversations is read for the marker first (oldest first: a new note is on the last page);
- a new ticket is `POST /api/v2/tickets` with `requester_id`, `subject` (the note's first
  line), `description` (the note, marker last), `status` 2 (open), `priority` 1 (low) and
  `source` 3 (phone); the requester's 30 most recently created tickets are read first
  (`include=description`, 2 more credits) for the marker;
- a contact is `POST /api/v2/contacts` (a 409 names the contact already holding the email);
- a hand-off (`hand_off`) assigns the ticket, `PUT /api/v2/tickets/{id}` with `group_id` or
  `responder_id` alone, then writes the note naming them. Freshdesk has no request that does
  both, so the order makes it exactly once: a note found with the key means the assignment was
  made before it (nothing is sent again), and assigning the same group twice changes nothing, so
  a retry after a lost answer is harmless. A key that may not edit ticket properties (403) gets
  the note alone.

Freshdesk keeps no notes on contacts, so a note to a person is refused with what to do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.base import AuthError, InvalidInput, Unsupported, new_ticket_subject
from cx_tui.connectors.freshdesk import records
from cx_tui.connectors.freshdesk.account import FreshdeskAccount, Page
from cx_tui.connectors.freshdesk.options import MAX_MARKER_PAGES, MAX_SUBJECT
from cx_tui.connectors.kit import (
    BACKGROUND,
    checked_marker,
    every_item,
    expect_dict,
    expect_dicts,
    has_marker,
    html_to_text,
    marker,
    parse_time,
    record_id,
    strip_marker,
    text_to_html,
)
from cx_tui.models import NoteReceipt, Person, Priority, SourceRef, TargetKind

if TYPE_CHECKING:
    from cx_tui.models import Assignment, ContactPoint, NoteTarget, Ticket

RECENT_TICKETS: Final = 30
"""The requester's newest tickets read for a marker before a ticket is opened again."""
ASSIGN_FIELDS: Final = {"group": "group_id", "assignee": "responder_id"}
"""`Assignment.field` → the ticket's field in Freshdesk."""
NO_PERSON_NOTES: Final = (
    "Freshdesk keeps no notes on contacts: add the note to one of their tickets as a private "
    "note, or open a new ticket with it."
)


def html_with_marker(body: str, mark: str) -> str:
    """The note as HTML, its marker on a line of its own after a blank line."""
    return f"{text_to_html(body)}<br><br>{mark}"


class FreshdeskWrites(FreshdeskAccount):
    """The template's note hooks, a new ticket, a new contact."""

    def format_note(self, target: NoteTarget, body: str, key: str) -> str:  # noqa: ARG002
        return html_with_marker(body, marker(key))

    async def find_marker(self, target: NoteTarget, key: str) -> NoteReceipt | None:
        if target.kind is TargetKind.NEW_TICKET:
            requester = self.own_record(target.ref, "contact")
            found = await self._ticket_with_marker(requester, key)
            if found is None:
                return None
            ticket = records.ticket(self.site, found, [], datetime.now(UTC))
            return NoteReceipt(ref=ticket.ref, created=ticket.created, duplicate=True)
        ticket_id = self.own_record(target.ref, "ticket")
        path = f"/api/v2/tickets/{ticket_id}/conversations"

        async def fetch(cursor: str | None) -> Page:
            return await self._page(path, int(cursor or 1), policy=BACKGROUND)

        # Every page (oldest first, so a note just written is on the last): a marker missed on
        # an unread page would be written twice. Beyond the cap the look-up refuses.
        convs = await every_item(
            fetch,
            lambda page: None if page[1] is None else str(page[1]),
            lambda page: page[0],
            max_pages=MAX_MARKER_PAGES,
            what="Freshdesk conversations",
        )
        for conv in convs:
            if has_marker(f"{conv.get('body') or ''}\n{conv.get('body_text') or ''}", key):
                return self._note_receipt(ticket_id, conv, duplicate=True)
        return None

    async def write_note(self, target: NoteTarget, stored: str, key: str) -> NoteReceipt:  # noqa: ARG002
        if target.kind is TargetKind.NEW_TICKET:
            text = strip_marker(html_to_text(stored))
            ticket = await self._open(
                target.ref, new_ticket_subject(text, MAX_SUBJECT), stored, None
            )
            return NoteReceipt(ref=ticket.ref, created=ticket.created)
        ticket_id = self.own_record(target.ref, "ticket")
        body = {"body": stored, "private": True}  # private is sent, never left to the default
        note = await self._write(f"/api/v2/tickets/{ticket_id}/notes", body, "the new note")
        return self._note_receipt(ticket_id, note)

    async def hand_off(
        self, target: NoteTarget, text: str, idempotency_key: str, assign: Assignment
    ) -> NoteReceipt:
        """Assign the ticket to the group (or agent), then write the private note naming
        them; at most once per key (see the module docstring for why in that order).

        Raises:
            Unsupported: not a ticket, or this key may not assign (the outbox then writes the
                note alone).
            InvalidInput: the owner has no Freshdesk id.
        """
        if target.kind is not TargetKind.TICKET:
            raise Unsupported("Freshdesk assigns tickets, not people.")
        if not (assign.owner_id.isascii() and assign.owner_id.isdigit()):
            raise InvalidInput(f"{assign.name} has no Freshdesk id to assign the ticket to.")
        stored = self.stored_note(target, text, idempotency_key)
        found = await self.find_marker(target, idempotency_key)
        if found is not None:
            return found
        ticket_id = self.own_record(target.ref, "ticket")
        fields = {ASSIGN_FIELDS[assign.field]: int(assign.owner_id)}
        try:
            reply = await self._client().request(
                "PUT",
                f"/api/v2/tickets/{ticket_id}",
                json_body=fields,
                limiter=self._limiter,
                policy=BACKGROUND,
                safe=True,  # setting the same field twice changes nothing
            )
        except AuthError as error:
            if error.status != 403:
                raise
            raise Unsupported(
                f"{self.name} may not assign tickets with this API key: {error.message}"
            ) from error
        expect_dict(reply.data, "Freshdesk", "the updated ticket")
        return await self.write_note(target, stored, idempotency_key)

    def _note_receipt(
        self, ticket_id: str, note: Mapping[str, Any], *, duplicate: bool = False
    ) -> NoteReceipt:
        now = datetime.now(UTC)
        note_id = record_id(note.get("id"), "Freshdesk", "a note")
        return NoteReceipt(
            ref=self.site.ref(f"conversation-{note_id}", self.site.ticket_url(ticket_id), now),
            created=parse_time(note.get("created_at")) or now,
            duplicate=duplicate,
        )

    async def create_ticket(
        self,
        requester: Person | SourceRef,
        subject: str,
        body: str,
        *,
        public: bool = False,  # noqa: ARG002 - a Freshdesk description is the ticket's own text
        priority: Priority | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        """Open a ticket requested by a contact of this account, at most once per key.

        Raises:
            InvalidInput: an empty or too long subject or description, a bad key.
        """
        ref = requester.ref if isinstance(requester, Person) else requester
        title, text = self.ticket_text(subject, body, MAX_SUBJECT)
        if idempotency_key is None:
            return await self._open(ref, title, text_to_html(text), priority)
        description = html_with_marker(text, checked_marker(idempotency_key))
        found = await self._ticket_with_marker(self.own_record(ref, "contact"), idempotency_key)
        if found is not None:
            return records.ticket(self.site, found, [], datetime.now(UTC))
        return await self._open(ref, title, description, priority)

    async def _open(
        self, requester: SourceRef, subject: str, description: str, priority: Priority | None
    ) -> Ticket:
        payload: dict[str, Any] = {
            "requester_id": int(self.own_record(requester, "contact")),
            "subject": subject,
            "description": description,
            "status": 2,
            "priority": records.PRIORITY_NUMBERS.get(priority, 1) if priority else 1,
            "source": records.SOURCE_PHONE,
        }
        item = await self._write("/api/v2/tickets", payload, "the new ticket")
        return records.ticket(self.site, item, [], datetime.now(UTC))

    async def _ticket_with_marker(self, requester_id: str, key: str) -> dict[str, Any] | None:
        data = await self._get(
            "/api/v2/tickets",
            BACKGROUND,
            requester_id=requester_id,
            include="description",
            order_by="created_at",
            order_type="desc",
            per_page=RECENT_TICKETS,
        )
        for ticket in expect_dicts(data, "Freshdesk", "tickets", "a ticket"):
            text = f"{ticket.get('description') or ''}\n{ticket.get('description_text') or ''}"
            if has_marker(text, key):
                return ticket
        return None

    async def create_person(
        self, name: str | None, contact_points: Sequence[ContactPoint]
    ) -> Person:
        """Create a contact with the name, the emails (first primary) and the first phone."""
        new = self.new_person(name, contact_points)
        contact: dict[str, Any] = {"name": new.name or (new.emails or new.phones)[0]}
        if new.emails:
            contact["email"] = new.emails[0]
            if len(new.emails) > 1:
                contact["other_emails"] = list(new.emails[1:])
        if new.phones:
            contact["phone"] = new.phones[0]
        created = await self._write("/api/v2/contacts", contact, "the new contact")
        return records.person(self.site, created, datetime.now(UTC))
