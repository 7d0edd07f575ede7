"""Intercom's JSON as cx-tui's domain objects: contacts as people, conversations and tickets
as tickets, conversation parts as comments (a `note` part is internal), deep links into the
inbox.

Conversation states (spec `conversation.state`): open, snoozed (waiting until `snoozed_until`:
pending) and closed. Ticket state categories (spec `ticket_state.category`): submitted (new),
in_progress (open), waiting_on_customer (pending), resolved. A conversation marked `priority`
is high priority; Intercom has no other levels. `sla_applied` names the SLA and whether it is
active, hit or missed; the API gives no due time, so a missed SLA is said in the tags.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from cx_tui.connectors.base import BadResponse
from cx_tui.connectors.kit import (
    email_point,
    expect_list,
    html_to_text,
    phone_point,
    shorten,
    strip_marker,
    text_in,
    text_or_none,
    vip_tagged,
)
from cx_tui.models import (
    Channel,
    Comment,
    Company,
    Direction,
    Interaction,
    Person,
    Priority,
    SourceRef,
    Ticket,
    TicketStatus,
)

NAME: Final = "Intercom"
CONVERSATION_STATUS: Final = {
    "open": TicketStatus.OPEN,
    "snoozed": TicketStatus.PENDING,
    "closed": TicketStatus.CLOSED,
}
TICKET_STATUS: Final = {
    "submitted": TicketStatus.NEW,
    "in_progress": TicketStatus.OPEN,
    "waiting_on_customer": TicketStatus.PENDING,
    "resolved": TicketStatus.SOLVED,
}
CHANNELS: Final = {
    "email": Channel.EMAIL,
    "phone_call": Channel.CALL,
    "phone_switch": Channel.CALL,
    "sms": Channel.CHAT,
    "whatsapp": Channel.CHAT,
    "conversation": Channel.CHAT,
    "push": Channel.WEB,
    "facebook": Channel.SOCIAL,
    "instagram": Channel.SOCIAL,
    "twitter": Channel.SOCIAL,
}
MAX_SUBJECT: Final = 120
ID: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""An Intercom id: contacts are 24 hex characters, conversations and parts digits."""


def intercom_id(value: Any, what: str) -> str:
    """An id Intercom sent, fit for a URL path; anything else is a `BadResponse` (the kit's
    `record_id` takes digits only)."""
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not ID.fullmatch(text):
        raise BadResponse(f"{NAME} sent {what} without a usable id")
    return text


def unix(value: Any) -> datetime | None:
    """A UNIX timestamp (Intercom's `created_at` and friends) as an aware datetime."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return datetime.fromtimestamp(value, UTC)


class Links:
    """Deep links into one workspace's inbox (`conversation_web` links in Intercom's own
    webhooks have this shape: https://app.intercom.com/a/apps/{app_id}/conversations/{id})."""

    def __init__(self, inbox_host: str, app_id: str | None) -> None:
        self.host = inbox_host.rstrip("/")
        self.app_id = app_id

    def contact(self, contact_id: str) -> str | None:
        if not self.app_id:
            return None
        return f"{self.host}/a/apps/{self.app_id}/users/{contact_id}/all-conversations"

    def conversation(self, conversation_id: str) -> str | None:
        if not self.app_id:
            return None
        return f"{self.host}/a/apps/{self.app_id}/conversations/{conversation_id}"


def person(
    contact: Mapping[str, Any],
    account: str,
    links: Links,
    region: str | None,
    tags: tuple[str, ...],
    now: datetime | None = None,
) -> Person:
    """A contact (user or lead) as a person."""
    contact_id = intercom_id(contact.get("id"), "a contact")
    now = now or datetime.now(UTC)
    points = []
    email = text_or_none(contact.get("email"))
    if email:
        points.append(email_point(email, label="primary"))
    phone = text_or_none(contact.get("phone"))
    if phone:
        points.append(phone_point(phone, region, label="phone"))
    role = text_or_none(contact.get("role"))
    seen = [
        t
        for t in (unix(contact.get(k)) for k in ("last_replied_at", "last_contacted_at"))
        if t is not None
    ]
    all_tags = tuple(dict.fromkeys((*tags, *((role,) if role == "lead" else ()))))
    return Person(
        ref=SourceRef(account, contact_id, links.contact(contact_id), now),
        name=text_or_none(contact.get("name")),
        contact_points=tuple(points),
        plan=text_in(contact.get("custom_attributes"), "plan"),
        language=text_or_none(contact.get("language_override"))
        or text_or_none(contact.get("browser_language")),
        vip=vip_tagged(all_tags),
        tags=all_tags,
        last_contact=max(seen) if seen else None,
    )


def company(data: Mapping[str, Any], account: str) -> Company:
    company_id = intercom_id(data.get("id"), "a company")
    plan_data = data.get("plan")
    plan = text_or_none(plan_data.get("name")) if isinstance(plan_data, Mapping) else None
    custom = data.get("custom_attributes")
    if plan is None and isinstance(custom, Mapping):
        plan = text_or_none(custom.get("plan"))
    website = text_or_none(data.get("website"))
    domain = website.split("//", 1)[-1].split("/", 1)[0] if website else None
    return Company(
        ref=SourceRef(account, f"company-{company_id}", None, datetime.now(UTC)),
        name=text_or_none(data.get("name")) or "(unnamed company)",
        domain=domain,
        plan=plan,
    )


def tag_names(value: Any) -> tuple[str, ...]:
    """Names of a `tag.list` (`{"tags": [...]}`) or a list of tags."""
    items = value.get("tags") if isinstance(value, Mapping) else value
    if not isinstance(items, list):
        return ()
    return tuple(
        name
        for item in items
        if isinstance(item, Mapping) and (name := text_or_none(item.get("name")))
    )


def sla_tags(value: Any) -> tuple[str, ...]:
    """`sla_applied` as words: "SLA VIP 1h: missed"."""
    if not isinstance(value, Mapping):
        return ()
    name = text_or_none(value.get("sla_name")) or "SLA"
    status = text_or_none(value.get("sla_status"))
    label = name if name.upper().startswith("SLA") else f"SLA {name}"
    return (f"{label}: {status}" if status else label,)


def comment(part: Mapping[str, Any], account: str, url: str | None) -> Comment | None:
    """A conversation or ticket part with text as a comment; a `note` part is internal."""
    body = text_or_none(part.get("body"))
    created = unix(part.get("created_at"))
    if body is None or created is None:
        return None
    text = strip_marker(html_to_text(body))
    if not text:
        return None
    author = part.get("author")
    part_id = intercom_id(part.get("id"), "a conversation part")
    return Comment(
        ref=SourceRef(account, f"part-{part_id}", url, datetime.now(UTC)),
        body=text,
        public=part.get("part_type") != "note",
        created=created,
        author=text_or_none(author.get("name")) if isinstance(author, Mapping) else None,
    )


def conversation_ticket(
    data: Mapping[str, Any], account: str, links: Links, parts: list[Any] | None = None
) -> Ticket:
    conversation_id = intercom_id(data.get("id"), "a conversation")
    url = links.conversation(conversation_id)
    created = unix(data.get("created_at")) or datetime.now(UTC)
    source = data.get("source") if isinstance(data.get("source"), Mapping) else {}
    assert isinstance(source, Mapping)
    subject = (
        text_or_none(data.get("title"))
        or text_or_none(source.get("subject"))
        or shorten(html_to_text(str(source.get("body") or "")), MAX_SUBJECT)
        or f"Conversation {conversation_id}"
    )
    comments = [c for p in parts or [] if (c := comment(p, account, url)) is not None]
    return Ticket(
        ref=SourceRef(account, f"conversation-{conversation_id}", url, datetime.now(UTC)),
        subject=subject,
        status=CONVERSATION_STATUS.get(str(data.get("state")), TicketStatus.OPEN),
        created=created,
        updated=unix(data.get("updated_at")) or created,
        priority=Priority.HIGH if data.get("priority") == "priority" else None,
        tags=tag_names(data.get("tags")) + sla_tags(data.get("sla_applied")),
        comments=tuple(comments),
    )


def ticket_ticket(data: Mapping[str, Any], account: str, links: Links) -> Ticket:
    ticket_id = intercom_id(data.get("id"), "a ticket")
    url = links.conversation(ticket_id)
    created = unix(data.get("created_at")) or datetime.now(UTC)
    attributes = data.get("ticket_attributes")
    title = (
        text_or_none(attributes.get("_default_title_")) if isinstance(attributes, Mapping) else None
    )
    state = data.get("ticket_state")
    category = state.get("category") if isinstance(state, Mapping) else state
    status = TICKET_STATUS.get(str(category))
    if status is None:
        status = TicketStatus.OPEN if data.get("open") is not False else TicketStatus.SOLVED
    parts_list = data.get("ticket_parts")
    parts = parts_list.get("ticket_parts") if isinstance(parts_list, Mapping) else None
    comments = [
        c
        for p in expect_list(parts or [], NAME, "ticket parts")
        if isinstance(p, Mapping)
        if (c := comment(p, account, url)) is not None
    ]
    return Ticket(
        ref=SourceRef(account, f"ticket-{ticket_id}", url, datetime.now(UTC)),
        subject=title or f"Ticket {text_or_none(data.get('ticket_id')) or ticket_id}",
        status=status,
        created=created,
        updated=unix(data.get("updated_at")) or created,
        comments=tuple(comments),
    )


def interaction(ticket: Ticket, channel: Channel) -> Interaction:
    """The conversation (or ticket) as one touchpoint on the timeline."""
    return Interaction(
        ref=ticket.ref,
        channel=channel,
        direction=Direction.INBOUND,
        at=ticket.updated,
        summary=ticket.subject,
        ticket_id=ticket.ref.record_id,
    )


def channel_of(data: Mapping[str, Any]) -> Channel:
    source = data.get("source")
    kind = source.get("type") if isinstance(source, Mapping) else None
    return CHANNELS.get(str(kind), Channel.CHAT)
