"""Writes to Freshdesk, each at most once per outbox key.

Freshdesk has no idempotency header, so every write carries the outbox's marker line
(`cx-tui:<key>`) in its body and is looked up before it is sent again:
- a note is `POST /api/v2/tickets/{id}/notes` with `{"body": <html>, "private": true}` (private
  always sent explicitly); the ticket's conversations are paged for the marker first;
- a new ticket is `POST /api/v2/tickets` with `requester_id`, `subject`, `description`
  (the note, marker last), `status` 2 (open), `priority` and `source` 3 (phone); the requester's
  most recently created tickets are read first (`include=description`) for the marker;
- a contact is `POST /api/v2/contacts` (a 409 names the contact already holding the email).
Freshdesk keeps no notes on contacts, so a note to a person is refused with what to do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cx_tui.connectors.base import InvalidInput, Unsupported, new_ticket_subject
from cx_tui.connectors.freshdesk import records
from cx_tui.connectors.freshdesk.options import MAX_MARKER_PAGES, MAX_SUBJECT
from cx_tui.connectors.http import (
    BACKGROUND,
    expect_dict,
    expect_list,
    marker,
    parse_time,
    record_id,
    text_to_html,
)
from cx_tui.identity import phone_e164
from cx_tui.models import (
    ContactKind,
    ContactPoint,
    NoteReceipt,
    NoteTarget,
    Person,
    Priority,
    SourceRef,
    TargetKind,
    Ticket,
)

if TYPE_CHECKING:
    from cx_tui.connectors.freshdesk.connector import FreshdeskConnector

RECENT_TICKETS = 30
"""The requester's newest tickets read for a marker before a ticket is opened again."""


def _mark(idempotency_key: str) -> str:
    try:
        return marker(idempotency_key)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def _checked_text(fd: FreshdeskConnector, text: str) -> str:
    body = text.strip()
    if not body:
        raise InvalidInput("The note is empty.")
    if len(text) > fd.note_limit:
        raise InvalidInput(
            f"The note is {len(text):,} characters; {fd.name} takes at most {fd.note_limit:,}."
        )
    return body


def html_with_marker(body: str, mark: str) -> str:
    return f"{text_to_html(body)}<br><br>{mark}"


async def add_note(
    fd: FreshdeskConnector, target: NoteTarget, text: str, idempotency_key: str
) -> NoteReceipt:
    if target.ref.connector != fd.name:
        raise InvalidInput(
            f"That {target.kind.value} belongs to {target.ref.connector}, not {fd.name}."
        )
    if target.kind is TargetKind.PERSON:
        raise Unsupported(
            "Freshdesk keeps no notes on contacts: add the note to one of their tickets as a "
            "private note, or open a new ticket with it."
        )
    body = _checked_text(fd, text)
    mark = _mark(idempotency_key)
    if target.kind is TargetKind.NEW_TICKET:
        ticket, opened = await open_ticket(
            fd,
            target.ref,
            new_ticket_subject(body, MAX_SUBJECT),
            body,
            priority=None,
            idempotency_key=idempotency_key,
        )
        return NoteReceipt(ref=ticket.ref, created=ticket.created, duplicate=not opened)
    ticket_id = fd.own_id(target.ref, "ticket")
    url = fd.site.ticket_url(ticket_id)
    existing = await fd.conversations(int(ticket_id), BACKGROUND, max_pages=MAX_MARKER_PAGES)
    for conv in existing:
        if mark in f"{conv.get('body') or ''} {conv.get('body_text') or ''}":
            conv_id = record_id(conv.get("id"), "Freshdesk", "a conversation")
            return NoteReceipt(
                ref=fd.site.ref(f"conversation-{conv_id}", url, datetime.now(UTC)),
                created=parse_time(conv.get("created_at")) or datetime.now(UTC),
                duplicate=True,
            )
    reply = await fd.client().request(
        "POST",
        f"/api/v2/tickets/{ticket_id}/notes",
        json_body={"body": html_with_marker(body, mark), "private": True},
        limiter=fd.limiter,
        policy=BACKGROUND,
        safe=False,
    )
    note = expect_dict(reply.data, "Freshdesk", "the new note")
    now = datetime.now(UTC)
    note_id = record_id(note.get("id"), "Freshdesk", "the new note")
    return NoteReceipt(
        ref=fd.site.ref(f"conversation-{note_id}", url, now),
        created=parse_time(note.get("created_at")) or now,
    )


async def open_ticket(
    fd: FreshdeskConnector,
    requester: Person | SourceRef,
    subject: str,
    body: str,
    *,
    priority: Priority | None,
    idempotency_key: str | None,
) -> tuple[Ticket, bool]:
    """A new ticket, and whether this call opened it (False: the key had opened it before)."""
    ref = requester.ref if isinstance(requester, Person) else requester
    requester_id = fd.own_id(ref, "contact")
    title = " ".join(subject.split())
    if not title or len(title) > MAX_SUBJECT:
        raise InvalidInput(f"A ticket needs a subject of 1 to {MAX_SUBJECT} characters.")
    text = body.strip()
    if not text or len(text) > fd.note_limit:
        raise InvalidInput(f"A ticket needs a description of 1 to {fd.note_limit:,} characters.")
    description = text_to_html(text)
    if idempotency_key is not None:
        mark = _mark(idempotency_key)
        description = html_with_marker(text, mark)
        found = await _ticket_with_marker(fd, requester_id, mark)
        if found is not None:
            return records.ticket(fd.site, found, [], datetime.now(UTC)), False
    payload: dict[str, Any] = {
        "requester_id": int(requester_id),
        "subject": title,
        "description": description,
        "status": 2,
        "priority": records.PRIORITY_NUMBERS.get(Priority(priority), 1) if priority else 1,
        "source": records.SOURCE_PHONE,
    }
    reply = await fd.client().request(
        "POST",
        "/api/v2/tickets",
        json_body=payload,
        limiter=fd.limiter,
        policy=BACKGROUND,
        safe=False,
    )
    item = expect_dict(reply.data, "Freshdesk", "the new ticket")
    return records.ticket(fd.site, item, [], datetime.now(UTC)), True


async def _ticket_with_marker(
    fd: FreshdeskConnector, requester_id: str, mark: str
) -> Mapping[str, Any] | None:
    data = await fd.get(
        "/api/v2/tickets",
        BACKGROUND,
        requester_id=requester_id,
        include="description",
        order_by="created_at",
        order_type="desc",
        per_page=RECENT_TICKETS,
    )
    for item in expect_list(data, "Freshdesk", "tickets"):
        ticket = expect_dict(item, "Freshdesk", "a ticket")
        if mark in f"{ticket.get('description') or ''} {ticket.get('description_text') or ''}":
            return ticket
    return None


async def create_person(
    fd: FreshdeskConnector, name: str | None, contact_points: Sequence[ContactPoint]
) -> Person:
    emails = [p.value for p in contact_points if p.kind is ContactKind.EMAIL]
    phones = []
    for point in contact_points:
        if point.kind is ContactKind.PHONE:
            parsed = phone_e164(point.value, fd.site.region)
            if parsed is None:
                raise InvalidInput(f"'{point.value}' is not a valid phone number.")
            phones.append(point.display())
    clean = " ".join(name.split()) if name else ""
    if not clean and not emails and not phones:
        raise InvalidInput("A new contact needs a name, a phone number or an email.")
    contact: dict[str, Any] = {"name": clean or (emails or phones)[0]}
    if emails:
        contact["email"] = emails[0]
        if len(emails) > 1:
            contact["other_emails"] = emails[1:]
    if phones:
        contact["phone"] = phones[0]
    reply = await fd.client().request(
        "POST",
        "/api/v2/contacts",
        json_body=contact,
        limiter=fd.limiter,
        policy=BACKGROUND,
        safe=False,
    )
    created = expect_dict(reply.data, "Freshdesk", "the new contact")
    return records.person(fd.site, created, datetime.now(UTC))
