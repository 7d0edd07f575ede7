"""HubSpot JSON → domain models: contacts, companies, tickets (pipeline stages), activities.

HubSpot tickets have pipeline stages, not statuses: a stage whose pipeline metadata says
`ticketState: CLOSED` is `closed`; of the open stages, the pipeline's first is `new`, one
labelled "waiting on contact/customer" is `pending`, one labelled "... hold" is `hold`, others
are `open`. Without pipeline access, the default support pipeline's stage ids are used (1 new,
2 waiting on contact, 3 waiting on us, 4 closed). Priorities LOW, MEDIUM, HIGH, URGENT become
low, normal, high, urgent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

from cx_tui.connectors.base import BadResponse
from cx_tui.connectors.kit import (
    email_point,
    expect_dict,
    expect_list,
    html_to_text,
    parse_time,
    phone_point,
    record_id,
    shorten,
    strip_marker,
    text_or_none,
    unique_points,
)
from cx_tui.connectors.kit.fields import NO_FIELDS, FieldMap, read_fields
from cx_tui.models import (
    Channel,
    Comment,
    Company,
    ContactPoint,
    Direction,
    Interaction,
    Person,
    Priority,
    SourceRef,
    Ticket,
    TicketStatus,
)

if TYPE_CHECKING:
    from cx_tui.connectors.hubspot.account import Portal

MAX_SUMMARY: Final = 2000
CONTACT_PROPERTIES: Final = (
    "firstname",
    "lastname",
    "email",
    "hs_additional_emails",
    "phone",
    "mobilephone",
    "company",
    "jobtitle",
    "lifecyclestage",
    "hubspot_owner_id",
    "hs_timezone",
    "hs_language",
    "notes_last_contacted",
    "notes_last_updated",
)
TICKET_PROPERTIES: Final = (
    "subject",
    "content",
    "hs_pipeline",
    "hs_pipeline_stage",
    "hs_ticket_priority",
    "createdate",
    "hs_lastmodifieddate",
    "closed_date",
)
NOTE_PROPERTIES: Final = ("hs_timestamp", "hs_note_body", "hs_createdate")
CALL_PROPERTIES: Final = (
    "hs_timestamp",
    "hs_call_title",
    "hs_call_body",
    "hs_call_direction",
    "hs_call_duration",
    "hs_call_disposition",
)
EMAIL_PROPERTIES: Final = (
    "hs_timestamp",
    "hs_email_subject",
    "hs_email_text",
    "hs_email_direction",
)
DEFAULT_STAGES: Final[Mapping[str, TicketStatus]] = {
    "1": TicketStatus.NEW,
    "2": TicketStatus.PENDING,
    "3": TicketStatus.OPEN,
    "4": TicketStatus.CLOSED,
}
"""The default support pipeline: New, Waiting on contact, Waiting on us, Closed."""
PRIORITIES: Final[Mapping[str, Priority]] = {
    "LOW": Priority.LOW,
    "MEDIUM": Priority.NORMAL,
    "HIGH": Priority.HIGH,
    "URGENT": Priority.URGENT,
}


@dataclass(frozen=True, slots=True)
class Reader:
    """Reads one lookup's records for one connector: its name, the region for numbers stored
    without a country code, the plan property, the portal for links, and the time of reading."""

    source: str
    region: str | None
    plan_property: str | None
    portal: Portal | None
    now: datetime
    fields: FieldMap = NO_FIELDS
    """The `[connectors.fields]` mapping: contact properties and "company." ones."""

    def ref(self, record: str, url: str | None) -> SourceRef:
        return SourceRef(self.source, record, url, self.now)

    def link(self, object_type_id: str, record: str) -> str | None:
        return self.portal.link(object_type_id, record) if self.portal else None

    def plan(self, props: Mapping[str, Any]) -> str | None:
        return text_or_none(props.get(self.plan_property)) if self.plan_property else None

    def person(self, contact: Mapping[str, Any]) -> Person:
        contact_id = record_id(contact.get("id"), "HubSpot", "a contact")
        props = properties(contact)
        points: list[ContactPoint] = []
        primary = text_or_none(props.get("email"))
        if primary:
            points.append(email_point(primary, label="primary"))
        for extra in str(props.get("hs_additional_emails") or "").split(";"):
            if extra.strip():
                points.append(email_point(extra.strip(), label="secondary"))
        for prop, label in (("phone", "phone"), ("mobilephone", "mobile")):
            raw = text_or_none(props.get(prop))
            if raw:
                points.append(phone_point(raw, self.region, label=label))
        name = " ".join(
            part
            for part in (text_or_none(props.get("firstname")), text_or_none(props.get("lastname")))
            if part
        )
        stage = text_or_none(props.get("lifecyclestage"))
        times = [parse_time(props.get(p)) for p in ("notes_last_contacted", "notes_last_updated")]
        known = [t for t in times if t is not None]
        return Person(
            ref=self.ref(contact_id, self.link("0-1", contact_id)),
            name=name or None,
            contact_points=unique_points(points),
            company=text_or_none(props.get("company")),
            title=text_or_none(props.get("jobtitle")),
            plan=self.plan(props),
            timezone=timezone_name(props.get("hs_timezone")),
            language=text_or_none(props.get("hs_language")),
            tags=(f"lifecycle: {stage}",) if stage else (),
            last_contact=max(known) if known else None,
            custom=read_fields(self.fields, props),
        )

    def company(self, record: Mapping[str, Any]) -> Company:
        company_id = record_id(record.get("id"), "HubSpot", "a company")
        props = properties(record)
        return Company(
            ref=self.ref(f"company-{company_id}", self.link("0-2", company_id)),
            name=text_or_none(props.get("name")) or f"Company {company_id}",
            domain=text_or_none(props.get("domain")),
            plan=self.plan(props),
            custom=read_fields(self.fields, props, "company"),
        )

    def ticket(
        self, record: Mapping[str, Any], stages: Mapping[tuple[str, str], TicketStatus] | None
    ) -> Ticket:
        ticket_id = record_id(record.get("id"), "HubSpot", "a ticket")
        props = properties(record)
        created = parse_time(props.get("createdate")) or parse_time(record.get("createdAt"))
        updated = parse_time(props.get("hs_lastmodifieddate")) or parse_time(
            record.get("updatedAt")
        )
        if created is None:
            raise BadResponse(f"HubSpot sent ticket {ticket_id} without a creation time")
        priority = str(props.get("hs_ticket_priority") or "").upper()
        return Ticket(
            ref=self.ref(ticket_id, self.link("0-5", ticket_id)),
            subject=text_or_none(props.get("subject")) or f"Ticket {ticket_id}",
            status=ticket_status(props, stages),
            created=created,
            updated=updated or created,
            priority=PRIORITIES.get(priority),
        )

    def ticket_note(self, record: Mapping[str, Any], url: str | None) -> Comment:
        note_id = record_id(record.get("id"), "HubSpot", "a note")
        props = properties(record)
        return Comment(
            ref=self.ref(f"note-{note_id}", url),
            body=strip_marker(html_to_text(str(props.get("hs_note_body") or ""))),
            public=False,
            created=activity_time(props, record),
        )

    def note(
        self, record: Mapping[str, Any], note_tickets: Mapping[str, str], url: str | None
    ) -> Interaction:
        note_id = record_id(record.get("id"), "HubSpot", "a note")
        props = properties(record)
        text = strip_marker(html_to_text(str(props.get("hs_note_body") or "")))
        return Interaction(
            ref=self.ref(f"note-{note_id}", url),
            channel=Channel.NOTE,
            direction=Direction.INTERNAL,
            at=activity_time(props, record),
            summary=text[:MAX_SUMMARY] or "(empty note)",
            ticket_id=note_tickets.get(note_id),
        )

    def call(self, record: Mapping[str, Any], url: str | None) -> Interaction:
        call_id = record_id(record.get("id"), "HubSpot", "a call")
        props = properties(record)
        inbound = str(props.get("hs_call_direction") or "").upper() == "INBOUND"
        parts = [
            text_or_none(props.get("hs_call_title")) or ("Inbound call" if inbound else "Call")
        ]
        duration = duration_text(props.get("hs_call_duration"))
        if duration:
            parts.append(duration)
        body = strip_marker(html_to_text(str(props.get("hs_call_body") or "")))
        if body:
            parts.append(shorten(body, 300))
        return Interaction(
            ref=self.ref(f"call-{call_id}", url),
            channel=Channel.CALL,
            direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
            at=activity_time(props, record),
            summary=" · ".join(parts),
        )

    def email(self, record: Mapping[str, Any], url: str | None) -> Interaction:
        email_id = record_id(record.get("id"), "HubSpot", "an email")
        props = properties(record)
        inbound = str(props.get("hs_email_direction") or "").upper() == "INCOMING_EMAIL"
        subject = text_or_none(props.get("hs_email_subject")) or "(no subject)"
        text = text_or_none(props.get("hs_email_text"))
        return Interaction(
            ref=self.ref(f"email-{email_id}", url),
            channel=Channel.EMAIL,
            direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
            at=activity_time(props, record),
            summary=f"{subject} — {shorten(text, 200)}" if text else subject,
        )


def properties(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record's `properties`, or `BadResponse`."""
    props = record.get("properties")
    if not isinstance(props, dict):
        raise BadResponse("HubSpot sent a record without properties")
    return props


def timezone_name(value: Any) -> str | None:
    """HubSpot's `hs_timezone` ("america_slash_los_angeles") as an IANA name, when it is one."""
    text = text_or_none(value)
    if text is None:
        return None
    if "/" in text:
        candidate = text
    else:
        parts = text.split("_slash_")
        candidate = "/".join("_".join(w.capitalize() for w in p.split("_")) for p in parts)
    try:
        ZoneInfo(candidate)
    except (ValueError, KeyError, OSError):
        return None
    return candidate


def _stage_status(label: str, state: str, first: bool) -> TicketStatus:
    if state.upper() == "CLOSED":
        return TicketStatus.CLOSED
    folded = label.casefold()
    if "waiting on contact" in folded or "waiting on customer" in folded:
        return TicketStatus.PENDING
    if "hold" in folded:
        return TicketStatus.HOLD
    return TicketStatus.NEW if first else TicketStatus.OPEN


def pipeline_statuses(data: Any) -> dict[tuple[str, str], TicketStatus]:
    """(pipeline id, stage id) → status, from `GET /crm/v3/pipelines/tickets`."""
    mapping: dict[tuple[str, str], TicketStatus] = {}
    pipelines = expect_list(
        expect_dict(data, "HubSpot", "pipelines").get("results"), "HubSpot", "pipelines"
    )
    for pipeline in pipelines:
        if not isinstance(pipeline, Mapping):
            continue
        pipeline_id = str(pipeline.get("id", ""))
        listed = expect_list(pipeline.get("stages"), "HubSpot", "pipeline stages")
        stages = [s for s in listed if isinstance(s, Mapping)]
        stages.sort(key=lambda s: _order(s.get("displayOrder")))
        for index, stage in enumerate(stages):
            metadata = stage.get("metadata")
            state = metadata.get("ticketState", "") if isinstance(metadata, Mapping) else ""
            mapping[(pipeline_id, str(stage.get("id", "")))] = _stage_status(
                str(stage.get("label", "")), str(state or ""), index == 0
            )
    return mapping


def _order(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def ticket_status(
    props: Mapping[str, Any], stages: Mapping[tuple[str, str], TicketStatus] | None
) -> TicketStatus:
    """A ticket's status from its pipeline stage (see the module docstring)."""
    pipeline = str(props.get("hs_pipeline") or "")
    stage = str(props.get("hs_pipeline_stage") or "")
    if stages is not None and (pipeline, stage) in stages:
        return stages[(pipeline, stage)]
    if pipeline in ("", "0") and stage in DEFAULT_STAGES:
        return DEFAULT_STAGES[stage]
    return TicketStatus.CLOSED if text_or_none(props.get("closed_date")) else TicketStatus.OPEN


def duration_text(milliseconds: Any) -> str | None:
    """A call's `hs_call_duration` as "2 min 05 s"."""
    try:
        seconds = round(int(str(milliseconds)) / 1000)
    except ValueError:
        return None
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


def activity_time(props: Mapping[str, Any], record: Mapping[str, Any]) -> datetime:
    """When an activity happened: `hs_timestamp`, else its creation."""
    when = (
        parse_time(props.get("hs_timestamp"))
        or parse_time(props.get("hs_createdate"))
        or parse_time(record.get("createdAt"))
    )
    if when is None:
        raise BadResponse("HubSpot sent an activity without a time")
    return when


def iso(moment: datetime) -> str:
    """HubSpot's timestamp form: UTC, milliseconds, `Z`."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
