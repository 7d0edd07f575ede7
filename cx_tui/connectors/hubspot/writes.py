"""Writing to HubSpot: notes and call logs on contacts and tickets, at most once; new contacts.

A note is `POST /crm/v3/objects/notes` associated to the contact (type 202) or to a ticket
(type 228); a call log is `POST /crm/v3/objects/calls` (194 to a contact, 220 to a ticket)
through `add_call`, its outcome as text and as `hs_call_disposition` (`hubspot.outcomes`).
HubSpot has no idempotency key, so each carries the outbox's marker line (`cx-tui:<key>`),
and before writing, the target's notes (or calls) are searched for it
(`hubspot.markers`): when one carries the marker, its receipt is returned with
`duplicate=True`. Opening a ticket (`TargetKind.NEW_TICKET`) is refused (`Unsupported`), never
written as a contact note.

`add_phone` reads the contact's `phone` and `mobilephone` (`GET /crm/v3/objects/contacts/{id}`)
and sets the first empty one (`PATCH`, `mobilephone` first); a contact holding the number
already is left alone, one with both set is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from cx_tui.connectors.base import InvalidInput, Unsupported
from cx_tui.connectors.hubspot.markers import HubSpotMarkers
from cx_tui.connectors.hubspot.outcomes import HubSpotOutcomes
from cx_tui.connectors.hubspot.records import iso, properties
from cx_tui.connectors.kit import (
    BACKGROUND,
    checked_marker,
    digits_id,
    marker,
    parse_time,
    record_id,
    text_or_none,
    text_to_html,
)
from cx_tui.connectors.kit.matching import holds_phone, phone_to_add
from cx_tui.models import NoteReceipt

if TYPE_CHECKING:
    from cx_tui.models import CallLog, ContactPoint, NoteTarget, Person, SourceRef

NOTE_BODY_LIMIT: Final = 65_536
"""`hs_note_body` holds at most 65,536 characters (doc)."""
NOTE_TO_CONTACT: Final = 202
NOTE_TO_TICKET: Final = 228
CALL_TO_CONTACT: Final = 194
CALL_TO_TICKET: Final = 220
PHONE_PROPERTIES: Final = ("mobilephone", "phone")
"""HubSpot's two default contact phone properties, in the order a new number takes them."""


class HubSpotWrites(HubSpotMarkers, HubSpotOutcomes):
    """The template's note hooks, `add_call` and `create_person`."""

    def format_note(self, target: NoteTarget, body: str, key: str) -> str:  # noqa: ARG002
        """The note as HTML paragraphs, the marker last; refused when too long once escaped."""
        html_body = f"<p>{text_to_html(body)}</p><p>{marker(key)}</p>"
        if len(html_body) > NOTE_BODY_LIMIT:
            # Escaping (< becomes &lt;) can push a note that fits as text over HubSpot's limit.
            raise InvalidInput(
                f"The note is too long for HubSpot once formatted: {len(html_body):,} of "
                f"{NOTE_BODY_LIMIT:,} characters"
            )
        return html_body

    async def write_note(self, target: NoteTarget, stored: str, key: str) -> NoteReceipt:  # noqa: ARG002
        where = self._target(target)
        properties = {"hs_timestamp": iso(datetime.now(UTC)), "hs_note_body": stored}
        association = NOTE_TO_TICKET if where[0] == "tickets" else NOTE_TO_CONTACT
        return await self._create("notes", properties, where, association)

    async def _create(
        self,
        object_type: str,
        properties: Mapping[str, str],
        target: tuple[str, str],
        association: int,
    ) -> NoteReceipt:
        url = self._link(target)
        types = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": association}]
        body = {
            "properties": dict(properties),
            "associations": [{"to": {"id": target[1]}, "types": types}],
        }
        # Not idempotent: sent again only when HubSpot certainly did nothing (429, no connection).
        data = await self._post(f"/crm/v3/objects/{object_type}", body, BACKGROUND, safe=False)
        created_id = record_id(data.get("id"), "HubSpot", f"the new {object_type[:-1]}")
        prefix = "note" if object_type == "notes" else "call"
        now = datetime.now(UTC)
        return NoteReceipt(
            ref=self._ref(f"{prefix}-{created_id}", url, now),
            created=parse_time(data.get("createdAt")) or now,
        )

    async def add_call(self, target: NoteTarget, call: CallLog, *, key: str) -> NoteReceipt:
        """Log a call on a contact (or a ticket) as a HubSpot call engagement, at most once.

        The wrap-up's outcome is written as text in the body ("Outcome: ..."), and as
        `hs_call_disposition` when it names one of the account's call outcomes
        (`hubspot.outcomes`, read on the first call log).

        Args:
            target: A contact or ticket of this connector.
            call: The call (its summary is the body, as plain text).
            key: The outbox's key; the body's last line is `cx-tui:<key>`.

        Returns:
            The call's receipt; `duplicate` when a call with this key already existed.

        Raises:
            InvalidInput: a bad value (nothing is sent).
            AuthError, NotFound, RateLimited, Unavailable, Timeout, BadResponse: as `add_note`.
        """
        where = self._target(target)
        checked_marker(key)
        properties: dict[str, str] = {"hs_call_status": "COMPLETED"}
        text = call.summary.strip()
        if call.direction is not None:
            properties["hs_call_direction"] = call.direction.upper()
            properties["hs_call_title"] = f"{call.direction.capitalize()} call"
        if call.duration_s is not None:
            properties["hs_call_duration"] = str(round(call.duration_s * 1000))
        outcome = " ".join((call.outcome or "").split())
        if outcome:
            text = f"{text}\nOutcome: {outcome}".strip()
        when = call.started or datetime.now(UTC)
        properties["hs_timestamp"] = iso(when)
        properties["hs_call_body"] = self.format_note(target, self.note_text(text or "Call"), key)
        found = await self._already_written("calls", where, key)
        if found is not None:
            return found
        disposition = await self._disposition(outcome) if outcome else None
        if disposition is not None:
            properties["hs_call_disposition"] = disposition
        association = CALL_TO_TICKET if where[0] == "tickets" else CALL_TO_CONTACT
        return await self._create("calls", properties, where, association)

    async def create_person(
        self, name: str | None, contact_points: Sequence[ContactPoint]
    ) -> Person:
        """Create a contact with a name, the first email (others as additional emails) and up
        to two phones (`phone`, then `mobilephone`).

        Raises:
            InvalidInput: nothing to create, or an invalid phone or email.
            BadResponse: HubSpot refused it (a 409 when the email belongs to another contact).
            AuthError, RateLimited, Unavailable, Timeout: see `connectors.kit`.
        """
        new = self.new_person(name, contact_points)
        first, _, last = new.name.rpartition(" ") if " " in new.name else (new.name, "", "")
        properties: dict[str, str] = {}
        if first:
            properties["firstname"] = first
        if last:
            properties["lastname"] = last
        if new.emails:
            properties["email"] = new.emails[0]
        if len(new.emails) > 1:
            properties["hs_additional_emails"] = ";".join(new.emails[1:])
        for prop, value in zip(("phone", "mobilephone"), new.phones, strict=False):
            properties[prop] = value
        data = await self._post(
            "/crm/v3/objects/contacts", {"properties": properties}, BACKGROUND, safe=False
        )
        if not isinstance(data.get("properties"), dict):
            data = {**data, "properties": properties}
        await self._portal_info(BACKGROUND)
        return self._reader(datetime.now(UTC)).person(data)

    async def add_phone(
        self,
        person: SourceRef,
        e164: str,
        idempotency_key: str,  # noqa: ARG002 - idempotent by reading the contact first
        *,
        extension: str | None = None,
    ) -> NoteReceipt:
        """Set the number as the contact's `mobilephone` when empty, else `phone` when empty.

        Raises:
            InvalidInput: a number that is not E.164, or another source's contact.
            NotFound: the contact does not exist (any more).
            Unsupported: both `mobilephone` and `phone` already hold other numbers.
            AuthError, RateLimited, Unavailable, Timeout, BadResponse: see `connectors.kit`.
        """
        value = phone_to_add(person, e164, extension, self.name)
        contact_id = digits_id(person.record_id, "contact", self.name)
        path = f"/crm/v3/objects/contacts/{contact_id}"
        data = await self._get(path, BACKGROUND, properties=",".join(PHONE_PROPERTIES))
        props = properties(data)
        stored = {prop: text_or_none(props.get(prop)) for prop in PHONE_PROPERTIES}
        now = datetime.now(UTC)
        receipt = NoteReceipt(ref=self._ref(contact_id, person.url, now), created=now)
        if holds_phone(stored.values(), e164, extension, self.region):
            return NoteReceipt(receipt.ref, now, duplicate=True)
        free = next((prop for prop in PHONE_PROPERTIES if not stored[prop]), None)
        if free is None:
            raise Unsupported(
                f"HubSpot contact {contact_id} has no free phone field: mobilephone is "
                f"{stored['mobilephone']} and phone is {stored['phone']}. Add {value} in "
                "HubSpot (another property), or clear one of them first."
            )
        # Setting a property to the same value twice is harmless, so a lost answer is retried.
        await self._patch(path, {"properties": {free: value}})
        return receipt
