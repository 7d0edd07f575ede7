"""Notes written back, exactly once: on a contact (POST /contacts/{id}/notes, `{"body",
"admin_id"}`) or as an internal note on a conversation or ticket (POST .../reply,
`{"message_type": "note", "type": "admin", "admin_id", "body"}`), the admin being the one the
token acts as (GET /me).

Intercom has no idempotency header, so the body's last paragraph is the delivery marker
`cx-tui:<key>`; before writing, the contact's notes (every page) or the conversation's parts
are searched for it, and a note already there is returned as a duplicate.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from cx_tui.connectors.base import InvalidInput, Unsupported
from cx_tui.connectors.http import (
    BACKGROUND,
    expect_dict,
    expect_list,
    html_to_text,
    marker,
)
from cx_tui.connectors.intercom.client import NAME, IntercomApi, checked_id, next_page, record_id
from cx_tui.connectors.intercom.records import Links, unix
from cx_tui.models import NoteReceipt, NoteTarget, SourceRef, TargetKind

NOTES_PAGE: Final = 50
MAX_NOTE_PAGES: Final = 40
"""Pages of a contact's notes searched for a marker (2,000 notes)."""


def note_body(text: str, mark: str) -> str:
    """The note as Intercom takes it: escaped HTML paragraphs, the marker last."""
    lines = [line for line in text.strip().splitlines()]
    paragraphs = "".join(
        f"<p>{html.escape(line)}</p>" if line.strip() else "<p><br></p>" for line in lines
    )
    return f"{paragraphs}<p>{mark}</p>"


def carries(body: Any, mark: str) -> bool:
    """Whether a stored body (HTML or plain) holds the marker standing alone."""
    if not isinstance(body, str):
        return False
    text = html_to_text(body) if "<" in body else body
    pattern = rf"(?<![A-Za-z0-9._:-]){re.escape(mark)}(?![A-Za-z0-9._:-])"
    return re.search(pattern, text) is not None or re.search(pattern, body) is not None


def target_of(target: NoteTarget) -> tuple[str, str]:
    """(kind, id) of a note target: contact, conversation or ticket."""
    record = target.ref.record_id
    if target.kind is TargetKind.PERSON:
        return "contact", checked_id(record, "contact")
    if target.kind is TargetKind.TICKET:
        kind, _, ident = record.partition("-")
        if kind in ("conversation", "ticket") and ident:
            return kind, checked_id(ident, kind)
        raise InvalidInput(f"'{record}' is not an Intercom conversation or ticket.")
    raise Unsupported("cx-tui does not open Intercom tickets: note the person or a conversation.")


async def _contact_note(api: IntercomApi, contact_id: str, mark: str) -> dict[str, Any] | None:
    params: dict[str, str | int] = {"per_page": NOTES_PAGE}
    for _ in range(MAX_NOTE_PAGES):
        page = await api.call(
            "GET", f"/contacts/{contact_id}/notes", policy=BACKGROUND, params=params
        )
        for note in expect_list(page.get("data", []), NAME, "notes"):
            if isinstance(note, Mapping) and carries(note.get("body"), mark):
                return dict(note)
        following = next_page(page)
        if following is None:
            return None
        params = {"per_page": NOTES_PAGE, **following}
    return None


async def _part_with(api: IntercomApi, kind: str, ident: str, mark: str) -> dict[str, Any] | None:
    data = await api.call("GET", f"/{kind}s/{ident}", policy=BACKGROUND)
    holder = data.get(f"{kind}_parts")
    parts = holder.get(f"{kind}_parts") if isinstance(holder, Mapping) else None
    for part in expect_list(parts or [], NAME, "parts"):
        if isinstance(part, Mapping) and carries(part.get("body"), mark):
            return dict(part)
    return None


async def add_note(
    api: IntercomApi,
    account: str,
    links: Links,
    target: NoteTarget,
    text: str,
    idempotency_key: str,
) -> NoteReceipt:
    """Write `text` once; see the module docstring."""
    kind, ident = target_of(target)
    try:
        mark = marker(idempotency_key)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    if not text.strip():
        raise InvalidInput("The note is empty.")
    url = links.contact(ident) if kind == "contact" else links.conversation(ident)
    now = datetime.now(UTC)
    if kind == "contact":
        found = await _contact_note(api, ident, mark)
        prefix = "note"
    else:
        found = await _part_with(api, kind, ident, mark)
        prefix = "part"
    if found is not None:
        found_id = record_id(found.get("id"), NAME, "a note")
        created = unix(found.get("created_at")) or now
        return NoteReceipt(SourceRef(account, f"{prefix}-{found_id}", url, now), created, True)
    admin = await api.admin(BACKGROUND)
    body = note_body(text, mark)
    if kind == "contact":
        path = f"/contacts/{ident}/notes"
        payload: dict[str, Any] = {"body": body, "admin_id": admin.id}
    else:
        path = f"/{kind}s/{ident}/reply"
        payload = {"message_type": "note", "type": "admin", "admin_id": admin.id, "body": body}
    data = await api.call("POST", path, policy=BACKGROUND, body=payload, safe=False)
    if kind == "contact":
        written: Mapping[str, Any] = data
    else:
        holder = data.get(f"{kind}_parts")
        parts = holder.get(f"{kind}_parts") if isinstance(holder, Mapping) else None
        listed = [p for p in expect_list(parts or [], NAME, "parts") if isinstance(p, Mapping)]
        # A ticket reply answers with the part itself; a conversation with the new part.
        written = listed[-1] if listed else expect_dict(data, NAME, "the note")
    written_id = record_id(written.get("id"), NAME, "the new note")
    return NoteReceipt(
        SourceRef(account, f"{prefix}-{written_id}", url, now),
        unix(written.get("created_at")) or now,
    )
