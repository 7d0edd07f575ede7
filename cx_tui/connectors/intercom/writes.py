"""Notes written back, exactly once, and new leads.

A note goes on a contact (POST /contacts/{id}/notes, `{"body", "admin_id"}`) or, internal, on a
conversation or ticket (POST .../reply, `{"message_type": "note", "type": "admin", "admin_id",
"body"}`), the admin being the one the token acts as (GET /me). Intercom has no idempotency
header, so the body's last paragraph is the delivery marker `cx-tui:<key>`; before writing,
the contact's notes (every page) or the conversation's parts are searched for it, and a note
already there is returned as a duplicate.
"""

from __future__ import annotations

import html
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from cx_tui.connectors.base import BadResponse, InvalidInput
from cx_tui.connectors.intercom.account import NAME, IntercomAccount, checked_id, next_page
from cx_tui.connectors.intercom.records import intercom_id, person, unix
from cx_tui.connectors.kit import (
    BACKGROUND,
    expect_dict,
    expect_list,
    has_marker,
    html_to_text,
    marker,
)
from cx_tui.models import ContactPoint, NoteReceipt, NoteTarget, Person, TargetKind

NOTES_PAGE: Final = 50
MAX_NOTE_PAGES: Final = 40
"""Pages of a contact's notes searched for a marker (2,000 notes); beyond, the look-up
refuses rather than decide from half the list."""
NO_NEW_TICKETS: Final = "cx-tui does not open Intercom tickets: note the person or a conversation."


def carries(body: Any, key: str) -> bool:
    """Whether a stored body (HTML or plain) holds the key's marker standing alone."""
    return isinstance(body, str) and (has_marker(body, key) or has_marker(html_to_text(body), key))


def target_of(target: NoteTarget) -> tuple[str, str]:
    """(kind, id) of a note target: contact, conversation or ticket (`InvalidInput` else)."""
    record = target.ref.record_id
    if target.kind is TargetKind.PERSON:
        return "contact", checked_id(record, "contact")
    kind, _, ident = record.partition("-")
    if kind in ("conversation", "ticket") and ident:
        return kind, checked_id(ident, kind)
    raise InvalidInput(f"'{record}' is not an Intercom conversation or ticket.")


class IntercomWrites(IntercomAccount):
    """The template's `format_note` / `find_marker` / `write_note`, and `create_person`."""

    def format_note(self, target: NoteTarget, body: str, key: str) -> str:
        """The note as Intercom takes it: escaped HTML paragraphs, the marker last."""
        target_of(target)  # a malformed target is refused before any request
        paragraphs = "".join(
            f"<p>{html.escape(line)}</p>" if line.strip() else "<p><br></p>"
            for line in body.splitlines()
        )
        return f"{paragraphs}<p>{marker(key)}</p>"

    async def find_marker(self, target: NoteTarget, key: str) -> NoteReceipt | None:
        kind, ident = target_of(target)
        if kind == "contact":
            found = await self._contact_note(ident, key)
        else:
            found = await self._part_with(kind, ident, key)
        if found is None:
            return None
        return await self._receipt(kind, ident, found, duplicate=True)

    async def write_note(self, target: NoteTarget, stored: str, key: str) -> NoteReceipt:  # noqa: ARG002
        kind, ident = target_of(target)
        admin = await self.admin(BACKGROUND)
        if kind == "contact":
            path = f"/contacts/{ident}/notes"
            payload: dict[str, Any] = {"body": stored, "admin_id": admin.id}
        else:
            path = f"/{kind}s/{ident}/reply"
            payload = {"message_type": "note", "type": "admin", "admin_id": admin.id}
            payload["body"] = stored
        data = await self._call("POST", path, BACKGROUND, body=payload, safe=False)
        written: Mapping[str, Any] = data
        if kind != "contact":
            # A conversation reply answers with the conversation and its new part; a ticket
            # reply with the part itself.
            holder = data.get(f"{kind}_parts")
            parts = holder.get(f"{kind}_parts") if isinstance(holder, Mapping) else None
            listed = [p for p in expect_list(parts, NAME, "parts") if isinstance(p, Mapping)]
            written = listed[-1] if listed else expect_dict(data, NAME, "the note")
        return await self._receipt(kind, ident, written, duplicate=False)

    async def _receipt(
        self, kind: str, ident: str, note: Mapping[str, Any], *, duplicate: bool
    ) -> NoteReceipt:
        links = await self.links()
        url = links.contact(ident) if kind == "contact" else links.conversation(ident)
        prefix = "note" if kind == "contact" else "part"
        now = datetime.now(UTC)
        note_id = intercom_id(note.get("id"), "the note")
        ref = self._ref(f"{prefix}-{note_id}", url, now)
        return NoteReceipt(ref, unix(note.get("created_at")) or now, duplicate)

    async def _contact_note(self, contact_id: str, key: str) -> dict[str, Any] | None:
        params: dict[str, str | int] = {"per_page": NOTES_PAGE}
        for _ in range(MAX_NOTE_PAGES):
            path = f"/contacts/{contact_id}/notes"
            page = await self._call("GET", path, BACKGROUND, params=params)
            for note in expect_list(page.get("data"), NAME, "notes"):
                if isinstance(note, Mapping) and carries(note.get("body"), key):
                    return dict(note)
            following = next_page(page)
            if following is None:
                return None
            params = {"per_page": NOTES_PAGE, **following}
        # Unread pages could hold the note: "not there, write it" would be a guess.
        raise BadResponse(
            f"Intercom: more than {MAX_NOTE_PAGES * NOTES_PAGE:,} notes on the contact to check "
            "for a delivery marker; cx-tui cannot check them all"
        )

    async def _part_with(self, kind: str, ident: str, key: str) -> dict[str, Any] | None:
        data = await self._call("GET", f"/{kind}s/{ident}", BACKGROUND)
        holder = data.get(f"{kind}_parts")
        parts = holder.get(f"{kind}_parts") if isinstance(holder, Mapping) else None
        for part in expect_list(parts, NAME, "parts"):
            if isinstance(part, Mapping) and carries(part.get("body"), key):
                return dict(part)
        return None

    async def create_person(
        self, name: str | None, contact_points: Sequence[ContactPoint]
    ) -> Person:
        """A lead with the caller's phone and email (a lead needs neither an external id nor
        an email). Remembered, so that a lookup minutes later says "not yet searchable"."""
        new = self.new_person(name, contact_points, noun="lead")
        body: dict[str, Any] = {"role": "lead"}
        if new.name:
            body["name"] = new.name
        if new.emails:
            body["email"] = new.emails[0]
        if new.phones:
            body["phone"] = new.phones[0]
        data = await self._call("POST", "/contacts", BACKGROUND, body=body, safe=False)
        created = person(data, self.name, await self.links(), self.region, ())
        self.memory.created[created.ref.record_id] = (time.time(), created.contact_points)
        return created
