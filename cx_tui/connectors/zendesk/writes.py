"""Writing to Zendesk: internal notes on tickets, new tickets, new users, at most once.

An internal note on a ticket is `PUT /api/v2/tickets/{id}` with a private comment. Zendesk keeps
no notes on people, so a note to a person is refused (`Unsupported`) with what to do instead;
the user's single `notes` field is not used (it is overwritten as a whole, so two agents
writing at once would lose one note). A note to a new ticket (`TargetKind.NEW_TICKET`, the user
as requester) is `POST /api/v2/tickets`: the note's first line is the subject (cut to 150
characters), the whole note the first comment, private. Zendesk comments have no idempotency
key: each note ends with the outbox's marker line (`cx-tui:<key>`), and the ticket's latest
comments are read back before writing; a new ticket carries the marker as its `external_id`
(and an `Idempotency-Key` header), and `GET /api/v2/tickets?external_id=` is asked first, so a
retry returns the ticket already opened.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.base import InvalidInput, Unsupported, new_ticket_subject
from cx_tui.connectors.kit import (
    BACKGROUND,
    checked_marker,
    collect,
    digits_id,
    every_item,
    expect_dicts,
    expect_list,
    has_marker,
    marker,
    parse_time,
    record_id,
    search_email,
)
from cx_tui.connectors.kit.matching import holds_phone, phone_to_add
from cx_tui.connectors.zendesk.account import next_page
from cx_tui.connectors.zendesk.details import COMMENT_PAGE, ZendeskDetails
from cx_tui.connectors.zendesk.records import at, one
from cx_tui.models import Assignment, NoteReceipt, Person, Priority, SourceRef, TargetKind

if TYPE_CHECKING:
    from cx_tui.models import ContactPoint, NoteTarget, Ticket

MAX_SUBJECT: Final = 150
MARKER_PAGES: Final = 100
"""Comment pages at most read for a marker (10,000 comments: beyond, the check refuses)."""


def after_cursor(page: Mapping[str, Any]) -> str | None:
    """The `meta.after_cursor` of a cursor-paginated answer when `meta.has_more`, else None."""
    meta = page.get("meta")
    if not isinstance(meta, Mapping) or meta.get("has_more") is not True:
        return None
    cursor = meta.get("after_cursor")
    return cursor if isinstance(cursor, str) and cursor else None


NO_PERSON_NOTES: Final = (
    "Zendesk keeps no notes on people: add the note to one of their tickets as an internal "
    "note, or open a new ticket with it."
)


IDENTITY_PAGES: Final = 10
"""Pages of a user's identities read before adding a phone (100 each: more than any user has)."""


class ZendeskWrites(ZendeskDetails):
    """The template's note hooks, `create_ticket`, `create_person` and `add_phone`."""

    def format_note(self, target: NoteTarget, body: str, key: str) -> str:
        # A new ticket carries the marker as its external_id, not in its first comment.
        return body if target.kind is TargetKind.NEW_TICKET else f"{body}\n\n{marker(key)}"

    async def find_marker(self, target: NoteTarget, key: str) -> NoteReceipt | None:
        if target.kind is TargetKind.NEW_TICKET:
            digits_id(target.ref.record_id, "user", self.name)
            ticket = await self._ticket_by_key(key)
            if ticket is None:
                return None
            return NoteReceipt(ref=ticket.ref, created=ticket.created, duplicate=True)
        ticket_id = digits_id(target.ref.record_id, "ticket", self.name)
        for comment in await self._every_comment(ticket_id):
            stored = " ".join(str(comment.get(k) or "") for k in ("body", "plain_body"))
            if has_marker(stored, key):
                found_id = record_id(comment.get("id"), "Zendesk", "a comment")
                url = self._ticket_url(ticket_id)
                return NoteReceipt(
                    ref=self._ref(f"comment-{found_id}", url, datetime.now(UTC)),
                    created=at(comment.get("created_at"), "a comment"),
                    duplicate=True,
                )
        return None

    async def _every_comment(self, ticket_id: str) -> list[dict[str, Any]]:
        """Every comment of the ticket, newest first, page after page (cursor pagination):
        a marker is never looked for on the first page only."""

        async def fetch(after: str | None) -> dict[str, Any]:
            params: dict[str, str | int] = {"sort": "-created_at", "page[size]": COMMENT_PAGE}
            if after:
                params["page[after]"] = after
            return await self._get(f"/api/v2/tickets/{ticket_id}/comments", BACKGROUND, **params)

        def comments(page: dict[str, Any]) -> list[dict[str, Any]]:
            return expect_dicts(page.get("comments"), "Zendesk", "comments", "a comment")

        return await every_item(
            fetch, after_cursor, comments, max_pages=MARKER_PAGES, what="Zendesk comments"
        )

    async def write_note(self, target: NoteTarget, stored: str, key: str) -> NoteReceipt:
        if target.kind is TargetKind.NEW_TICKET:
            fields = self._new_ticket(
                target.ref, new_ticket_subject(stored, MAX_SUBJECT), stored, False, None
            )
            ticket = await self._post_ticket(fields, key)
            return NoteReceipt(ref=ticket.ref, created=ticket.created)
        return await self._put_note(target, stored, {})

    async def hand_off(
        self, target: NoteTarget, text: str, idempotency_key: str, assign: Assignment
    ) -> NoteReceipt:
        """The note and the assignment in ONE request: `PUT /api/v2/tickets/{id}` with
        `group_id` or `assignee_id` and a private comment (so neither happens without the
        other); at most once per key, like `add_note`."""
        if target.kind is not TargetKind.TICKET:
            raise Unsupported("Zendesk assigns tickets, not people.")
        if not assign.owner_id.isdigit():
            raise InvalidInput(f"{assign.name} has no Zendesk id to assign the ticket to.")
        stored = self.stored_note(target, text, idempotency_key)
        found = await self.find_marker(target, idempotency_key)
        if found is not None:
            return found
        field = "group_id" if assign.field == "group" else "assignee_id"
        return await self._put_note(target, stored, {field: int(assign.owner_id)})

    async def _put_note(
        self, target: NoteTarget, stored: str, fields: dict[str, Any]
    ) -> NoteReceipt:
        ticket_id = digits_id(target.ref.record_id, "ticket", self.name)
        comment = {"body": stored, "public": False}
        data = await self._send(
            "PUT",
            f"/api/v2/tickets/{ticket_id}",
            {"ticket": {**fields, "comment": comment}},
            BACKGROUND,
            "the updated ticket",
        )
        audit = data.get("audit")
        now = datetime.now(UTC)
        comment_id: str | None = None
        created = now
        if isinstance(audit, Mapping):
            created = parse_time(audit.get("created_at")) or now
            for event in expect_list(audit.get("events"), "Zendesk", "audit events"):
                if isinstance(event, Mapping) and event.get("type") == "Comment":
                    comment_id = record_id(event.get("id"), "Zendesk", "the new comment")
        record = f"comment-{comment_id}" if comment_id else f"ticket-{ticket_id}-note"
        return NoteReceipt(ref=self._ref(record, self._ticket_url(ticket_id), now), created=created)

    async def create_ticket(
        self,
        requester: Person | SourceRef,
        subject: str,
        body: str,
        *,
        public: bool = False,
        priority: Priority | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        """Open a ticket for a new issue, requested by a person of this account.

        The note editor reaches this through `add_note` with a `TargetKind.NEW_TICKET`.

        Args:
            requester: The person (or their record reference) in this Zendesk.
            subject: One line, at most 150 characters.
            body: The first comment.
            public: Whether the first comment is public (the requester is notified). Default:
                an internal note, so nothing reaches the customer unplanned.
            priority: low, normal, high or urgent.
            idempotency_key: With a key, a ticket already opened with it (found by its
                `external_id`, `cx-tui:<key>`) is returned instead of opening another.

        Returns:
            The ticket, as Zendesk stored it.

        Raises:
            InvalidInput: an empty subject or body, or a requester of another source.
            BadResponse: Zendesk refused it (a 422 names the field).
            AuthError, RateLimited, Unavailable, Timeout: see `connectors.kit`.
        """
        ref = requester.ref if isinstance(requester, Person) else requester
        fields = self._new_ticket(ref, subject, body, public, priority)
        if idempotency_key is not None:
            checked_marker(idempotency_key)
            found = await self._ticket_by_key(idempotency_key)
            if found is not None:
                return found
        return await self._post_ticket(fields, idempotency_key)

    def _new_ticket(
        self, ref: SourceRef, subject: str, body: str, public: bool, priority: Priority | None
    ) -> dict[str, Any]:
        """The `ticket` of `POST /api/v2/tickets`, checked (nothing is sent otherwise)."""
        if ref.connector != self.name:
            raise InvalidInput(f"That person belongs to {ref.connector}, not {self.name}.")
        requester_id = digits_id(ref.record_id, "user", self.name)
        title, text = self.ticket_text(subject, body, MAX_SUBJECT)
        ticket: dict[str, Any] = {
            "subject": title,
            "comment": {"body": text, "public": public},
            "requester_id": int(requester_id),
        }
        if priority is not None:
            ticket["priority"] = Priority(priority).value
        return ticket

    async def _ticket_by_key(self, key: str) -> Ticket | None:
        """The ticket a key already opened (its `external_id` is the key's marker), if any."""
        found = await self._get("/api/v2/tickets", BACKGROUND, external_id=marker(key))
        existing = expect_list(found.get("tickets"), "Zendesk", "tickets")
        if not existing:
            return None
        return self._reader(datetime.now(UTC)).ticket(one(existing[0], "a ticket"))

    async def _post_ticket(self, ticket: dict[str, Any], key: str | None) -> Ticket:
        headers: dict[str, str] = {}
        if key is not None:
            ticket = {**ticket, "external_id": marker(key)}
            headers["Idempotency-Key"] = key
        data = await self._send(
            "POST",
            "/api/v2/tickets",
            {"ticket": ticket},
            BACKGROUND,
            "the new ticket",
            headers=headers or None,
        )
        return self._reader(datetime.now(UTC)).ticket(one(data.get("ticket"), "the new ticket"))

    async def create_person(
        self, name: str | None, contact_points: Sequence[ContactPoint]
    ) -> Person:
        """Create an end user with a name, the first email and the first phone.

        Raises:
            InvalidInput: nothing to create, or an invalid phone or email.
            BadResponse: Zendesk refused it (a 422 when the email is already in use).
            AuthError, RateLimited, Unavailable, Timeout: see `connectors.kit`.
        """
        new = self.new_person(
            name, contact_points, noun="user", check_email=lambda e: search_email(e, "Zendesk")
        )
        user: dict[str, Any] = {
            "name": new.name or (*new.emails, *new.phones)[0],
            "role": "end-user",
        }
        if new.emails:
            user["email"] = new.emails[0]
        if new.phones:
            user["phone"] = new.phones[0]
        data = await self._send("POST", "/api/v2/users", {"user": user}, BACKGROUND, "the new user")
        created = one(data.get("user"), "the new user")
        return self._reader(datetime.now(UTC)).person(created, [])

    async def add_phone(
        self,
        person: SourceRef,
        e164: str,
        idempotency_key: str,  # noqa: ARG002 - idempotent by reading the identities first
        *,
        extension: str | None = None,
    ) -> NoteReceipt:
        """Add the number as a `phone_number` identity of the user (`POST
        /api/v2/users/{id}/identities`), unless one of their identities already is it.

        Raises:
            InvalidInput: a number that is not E.164, or another source's user.
            NotFound: the user does not exist (any more).
            BadResponse: Zendesk refused it (a 422 when another user has the number), with
                Zendesk's own words.
            AuthError, RateLimited, Unavailable, Timeout: see `connectors.kit`.
        """
        value = phone_to_add(person, e164, extension, self.name)
        user_id = digits_id(person.record_id, "user", self.name)
        path = f"/api/v2/users/{user_id}/identities"

        async def fetch(page: str | None) -> dict[str, Any]:
            return await self._get(path, BACKGROUND, **({"page": page} if page else {}))

        def identities(page: dict[str, Any]) -> list[dict[str, Any]]:
            return expect_dicts(page.get("identities"), "Zendesk", "identities", "an identity")

        held = await collect(fetch, next_page, identities, max_pages=IDENTITY_PAGES)
        now = datetime.now(UTC)
        ref = self._ref(user_id, person.url or self._user_url(user_id), now)
        numbers = [str(i.get("value") or "") for i in held if i.get("type") == "phone_number"]
        if holds_phone(numbers, e164, extension, self.region):
            return NoteReceipt(ref=ref, created=now, duplicate=True)
        identity = {"type": "phone_number", "value": value}
        await self._send("POST", path, {"identity": identity}, BACKGROUND, "the new identity")
        return NoteReceipt(ref=ref, created=now)
