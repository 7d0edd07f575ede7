"""Freshdesk JSON to cx-tui's domain model, and deep links into the agent interface.

Status numbers: 2 open, 3 pending, 4 resolved, 5 closed; 6 and above are an account's custom
statuses ("Waiting on Customer", "Waiting on Third Party"...), which stay unresolved and read
as on hold. Priorities 1 low, 2 medium, 3 high, 4 urgent. A ticket's SLA due time is the next
of `fr_due_by` (first response) and `due_by` (resolution) still ahead, else the earlier one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from cx_tui.connectors.base import BadResponse
from cx_tui.connectors.freshdesk.options import MAX_SUMMARY
from cx_tui.connectors.kit import (
    email_point,
    html_to_text,
    parse_time,
    phone_point,
    record_id,
    shorten,
    strip_marker,
    text_in,
    text_or_none,
    texts,
    vip_tagged,
)
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

STATUSES: Final[Mapping[int, TicketStatus]] = {
    2: TicketStatus.OPEN,
    3: TicketStatus.PENDING,
    4: TicketStatus.SOLVED,
    5: TicketStatus.CLOSED,
}
PRIORITIES: Final[Mapping[int, Priority]] = {
    1: Priority.LOW,
    2: Priority.NORMAL,
    3: Priority.HIGH,
    4: Priority.URGENT,
}
PRIORITY_NUMBERS: Final[Mapping[Priority, int]] = {v: k for k, v in PRIORITIES.items()}
TICKET_SOURCES: Final[Mapping[int, Channel]] = {
    1: Channel.EMAIL,
    2: Channel.WEB,
    3: Channel.CALL,
    5: Channel.SOCIAL,
    6: Channel.SOCIAL,
    7: Channel.CHAT,
    9: Channel.WEB,
    10: Channel.EMAIL,
}
"""Ticket `source`: 1 email, 2 portal, 3 phone, 5 twitter, 6 facebook, 7 chat, 9 feedback
widget, 10 outbound email."""
CONVERSATION_SOURCES: Final[Mapping[int, Channel]] = {
    0: Channel.EMAIL,
    5: Channel.SOCIAL,
    7: Channel.SOCIAL,
    8: Channel.EMAIL,
    9: Channel.CALL,
}
"""Conversation `source`: 0 reply, 2 note, 5 tweet, 7 facebook, 8 forwarded email, 9 phone."""
SOURCE_PHONE: Final = 3
VENDOR: Final = "Freshdesk"


@dataclass(frozen=True, slots=True)
class Site:
    """Who builds the records: the connector's name, the agent interface, the phone region."""

    connector: str
    agent_url: str
    region: str | None
    plan_field: str

    def ref(self, record: str, url: str | None, now: datetime) -> SourceRef:
        return SourceRef(self.connector, record, url, now)

    def contact_url(self, contact_id: str) -> str:
        return f"{self.agent_url}/a/contacts/{contact_id}"

    def ticket_url(self, ticket_id: str) -> str:
        return f"{self.agent_url}/a/tickets/{ticket_id}"

    def company_url(self, company_id: str) -> str:
        return f"{self.agent_url}/a/companies/{company_id}"


def status(value: Any) -> TicketStatus:
    if isinstance(value, int) and not isinstance(value, bool):
        return STATUSES.get(value, TicketStatus.HOLD if value >= 6 else TicketStatus.OPEN)
    return TicketStatus.OPEN


def priority(value: Any) -> Priority | None:
    return PRIORITIES.get(value) if isinstance(value, int) else None


def time_of(value: Any, what: str) -> datetime:
    parsed = parse_time(value)
    if parsed is None:
        raise BadResponse(f"Freshdesk sent {what} without a valid time")
    return parsed


def emails_of(contact: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(address, label) of every email the record shows: primary, then secondary."""
    found: list[tuple[str, str]] = []
    primary = text_or_none(contact.get("email"))
    if primary:
        found.append((primary, "primary"))
    others = contact.get("other_emails")
    if isinstance(others, list):
        found += [(e, "secondary") for e in others if isinstance(e, str) and e.strip()]
    return found


def person(site: Site, contact: Mapping[str, Any], now: datetime) -> Person:
    contact_id = record_id(contact.get("id"), VENDOR, "a contact")
    points: dict[tuple[str, str, str], ContactPoint] = {}
    for address, label in emails_of(contact):
        point = email_point(address, label=label)
        points.setdefault(point.key, point)
    for field, label in (("phone", "work"), ("mobile", "mobile")):
        raw = text_or_none(contact.get(field))
        if raw:
            point = phone_point(raw, site.region, label=label)
            points.setdefault(point.key, point)
    tags = texts(contact.get("tags"))
    return Person(
        ref=site.ref(contact_id, site.contact_url(contact_id), now),
        name=text_or_none(contact.get("name")),
        contact_points=tuple(points.values()),
        title=text_or_none(contact.get("job_title")),
        plan=text_in(contact.get("custom_fields"), site.plan_field),
        language=text_or_none(contact.get("language")),
        vip=vip_tagged(tags),
        tags=tags,
    )


def company(site: Site, data: Mapping[str, Any], now: datetime) -> Company:
    company_id = record_id(data.get("id"), VENDOR, "a company")
    domains = data.get("domains")
    domain = (
        next((d for d in domains if isinstance(d, str)), None)
        if isinstance(domains, list)
        else None
    )
    tier = text_or_none(data.get("account_tier"))
    return Company(
        ref=site.ref(f"company-{company_id}", site.company_url(company_id), now),
        name=text_or_none(data.get("name")) or f"Company {company_id}",
        domain=domain,
        plan=text_in(data.get("custom_fields"), site.plan_field) or tier,
    )


def sla_due(item: Mapping[str, Any], now: datetime) -> datetime | None:
    if not status(item.get("status")).is_open:
        return None
    times = [t for t in (parse_time(item.get("fr_due_by")), parse_time(item.get("due_by"))) if t]
    ahead = [t for t in times if t > now]
    if ahead:
        return min(ahead)
    return min(times) if times else None


def comment(site: Site, conv: Mapping[str, Any], url: str, now: datetime) -> Comment:
    conv_id = record_id(conv.get("id"), VENDOR, "a conversation")
    return Comment(
        ref=site.ref(f"conversation-{conv_id}", url, now),
        body=strip_marker(body_of(conv)),
        public=conv.get("private") is not True,
        created=time_of(conv.get("created_at"), f"conversation {conv_id}"),
    )


def body_of(conv: Mapping[str, Any]) -> str:
    """The conversation's text: its HTML `body` read line by line (so a marker line can be
    stripped), else `body_text`."""
    html = text_or_none(conv.get("body"))
    if html is not None:
        return html_to_text(html)
    return text_or_none(conv.get("body_text")) or ""


def ticket(
    site: Site, item: Mapping[str, Any], convs: Sequence[Mapping[str, Any]], now: datetime
) -> Ticket:
    ticket_id = record_id(item.get("id"), VENDOR, "a ticket")
    url = site.ticket_url(ticket_id)
    created = time_of(item.get("created_at"), f"ticket {ticket_id}")
    return Ticket(
        ref=site.ref(ticket_id, url, now),
        subject=text_or_none(item.get("subject")) or f"Ticket {ticket_id}",
        status=status(item.get("status")),
        created=created,
        updated=parse_time(item.get("updated_at")) or created,
        priority=priority(item.get("priority")),
        tags=texts(item.get("tags")),
        sla_due=sla_due(item, now),
        comments=tuple(comment(site, c, url, now) for c in convs),
    )


def activity(
    site: Site,
    item: Mapping[str, Any],
    made: Ticket,
    convs: Sequence[Mapping[str, Any]],
    now: datetime,
) -> list[Interaction]:
    """The ticket's opening and its public replies, for the timeline."""
    source = item.get("source")
    channel = TICKET_SOURCES.get(source, Channel.WEB) if isinstance(source, int) else Channel.WEB
    items = [
        Interaction(
            ref=site.ref(f"ticket-{made.ref.record_id}-created", made.ref.url, now),
            channel=channel,
            direction=Direction.OUTBOUND if source == 10 else Direction.INBOUND,
            at=made.created,
            summary=f"Opened: {made.subject}",
            ticket_id=made.ref.record_id,
        )
    ]
    for conv in convs:
        if conv.get("private") is True:
            continue
        conv_id = record_id(conv.get("id"), VENDOR, "a conversation")
        kind = conv.get("source")
        items.append(
            Interaction(
                ref=site.ref(f"conversation-{conv_id}", made.ref.url, now),
                channel=CONVERSATION_SOURCES.get(kind, channel)
                if isinstance(kind, int)
                else channel,
                direction=Direction.INBOUND if conv.get("incoming") is True else Direction.OUTBOUND,
                at=time_of(conv.get("created_at"), f"conversation {conv_id}"),
                summary=shorten(strip_marker(body_of(conv)), MAX_SUMMARY) or "(empty reply)",
                ticket_id=made.ref.record_id,
            )
        )
    return items
