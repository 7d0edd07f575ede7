"""Zendesk JSON → domain models: users, organizations, tickets, comments, ticket activity.

A user's identities (`/api/v2/users/{id}/identities`) supply secondary emails and phones;
`shared_phone_number` marks the user's phone as shared (a switchboard). The timeline holds each
ticket's creation and its public replies, with the channel from the ticket's `via.channel`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from cx_tui.connectors.base import BadResponse
from cx_tui.connectors.kit import (
    email_point,
    expect_dict,
    expect_list,
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
from cx_tui.connectors.kit.fields import NO_FIELDS, FieldMap, read_fields
from cx_tui.models import (
    Channel,
    Comment,
    Company,
    ContactPoint,
    Direction,
    Interaction,
    Owner,
    OwnerRole,
    Person,
    Priority,
    SourceRef,
    Ticket,
    TicketStatus,
)

MAX_SUMMARY: Final = 500
CHANNELS: Final[Mapping[str, Channel]] = {
    "email": Channel.EMAIL,
    "voice": Channel.CALL,
    "phone": Channel.CALL,
    "phone_call_inbound": Channel.CALL,
    "phone_call_outbound": Channel.CALL,
    "voicemail": Channel.CALL,
    "chat": Channel.CHAT,
    "native_messaging": Channel.CHAT,
    "messaging": Channel.CHAT,
    "sms": Channel.CHAT,
    "whatsapp": Channel.CHAT,
    "any_channel": Channel.CHAT,
    "twitter": Channel.SOCIAL,
    "twitter_dm": Channel.SOCIAL,
    "facebook": Channel.SOCIAL,
    "facebook_post": Channel.SOCIAL,
    "facebook_message": Channel.SOCIAL,
    "instagram_dm": Channel.SOCIAL,
}
"""Zendesk `via.channel` → timeline channel; anything else (web, mobile, api, rule) is web."""


def status(value: Any) -> TicketStatus:
    """A ticket's `status`, or `BadResponse` for one cx-tui does not know."""
    try:
        return TicketStatus(str(value))
    except ValueError:
        raise BadResponse(
            f"Zendesk sent a ticket status cx-tui does not know ({value!r})"
        ) from None


def _priority(value: Any) -> Priority | None:
    try:
        return None if value is None else Priority(str(value))
    except ValueError:
        return None


def _channel(via: Any) -> Channel:
    channel = via.get("channel") if isinstance(via, Mapping) else None
    return CHANNELS.get(str(channel or ""), Channel.WEB)


def at(value: Any, what: str) -> datetime:
    """A Zendesk time, or `BadResponse` naming what lacked one."""
    parsed = parse_time(value)
    if parsed is None:
        raise BadResponse(f"Zendesk sent {what} without a usable time")
    return parsed


def organization_of(user: Mapping[str, Any]) -> str | None:
    """The id of the user's organization, when they have one."""
    organization = user.get("organization_id")
    if isinstance(organization, int) and not isinstance(organization, bool):
        return str(organization)
    return None


@dataclass(frozen=True, slots=True)
class Reader:
    """Reads one lookup's records for one connector, as of `now`."""

    source: str
    region: str | None
    plan_field: str
    agent_url: str
    now: datetime
    fields: FieldMap = NO_FIELDS
    """The `[connectors.fields]` mapping: user fields, and "organization." ones."""

    def ref(self, record: str, url: str | None) -> SourceRef:
        return SourceRef(self.source, record, url, self.now)

    def ticket_url(self, ticket_id: str) -> str:
        return f"{self.agent_url}/agent/tickets/{ticket_id}"

    def person(self, user: Mapping[str, Any], identities: Sequence[Mapping[str, Any]]) -> Person:
        user_id = record_id(user.get("id"), "Zendesk", "a user")
        shared = user.get("shared_phone_number") is True
        points: list[ContactPoint] = []
        primary = text_or_none(user.get("email"))
        if primary:
            points.append(email_point(primary, label="primary"))
        phone = text_or_none(user.get("phone"))
        if phone:
            points.append(phone_point(phone, self.region, label="phone", shared=shared))
        for identity in identities:
            value = text_or_none(identity.get("value"))
            if value is None:
                continue
            if identity.get("type") == "email":
                label = "primary" if identity.get("primary") is True else "secondary"
                points.append(email_point(value, label=label))
            elif identity.get("type") == "phone_number":
                same = phone is not None and _digits(value) == _digits(phone)
                points.append(
                    phone_point(value, self.region, label="phone", shared=shared and same)
                )
        unique: dict[tuple[str, str, str], ContactPoint] = {}
        for point in points:
            known = unique.get(point.key)
            # The user record's own primary email wins over the same address as an identity.
            if known is None or (point.shared and not known.shared):
                unique[point.key] = point
        user_fields = user.get("user_fields")
        tags = texts(user.get("tags"))
        return Person(
            ref=self.ref(user_id, f"{self.agent_url}/agent/users/{user_id}"),
            name=text_or_none(user.get("name")),
            contact_points=tuple(unique.values()),
            plan=text_in(user_fields, self.plan_field),
            timezone=text_or_none(user.get("iana_time_zone")),
            language=text_or_none(user.get("locale")),
            vip=vip_tagged(tags),
            tags=tags,
            custom=read_fields(
                self.fields, user_fields if isinstance(user_fields, Mapping) else None
            ),
        )

    def organization(self, org: Mapping[str, Any], organization_id: str) -> Company:
        listed = expect_list(org.get("domain_names"), "Zendesk", "organization domains")
        domains = [d for d in listed if isinstance(d, str)]
        fields = org.get("organization_fields")
        tags = texts(org.get("tags"))
        return Company(
            ref=self.ref(
                f"org-{organization_id}", f"{self.agent_url}/agent/organizations/{organization_id}"
            ),
            name=text_or_none(org.get("name")) or f"Organization {organization_id}",
            domain=domains[0] if domains else None,
            plan=text_in(fields, self.plan_field),
            vip="vip" in (t.casefold() for t in tags),
            custom=read_fields(
                self.fields, fields if isinstance(fields, Mapping) else None, "organization"
            ),
        )

    def ticket(
        self,
        item: Mapping[str, Any],
        comments: Sequence[Mapping[str, Any]] = (),
        users: Mapping[str, str] | None = None,
        names: Mapping[str, str] | None = None,
    ) -> Ticket:
        ticket_id = record_id(item.get("id"), "Zendesk", "a ticket")
        url = self.ticket_url(ticket_id)
        created = at(item.get("created_at"), f"ticket {ticket_id}")
        return Ticket(
            ref=self.ref(ticket_id, url),
            subject=text_or_none(item.get("subject")) or f"Ticket {ticket_id}",
            status=status(item.get("status")),
            created=created,
            updated=parse_time(item.get("updated_at")) or created,
            priority=_priority(item.get("priority")),
            tags=texts(item.get("tags")),
            sla_due=sla_due(item.get("slas")),
            comments=tuple(self.comment(c, users or {}, url) for c in comments),
            owners=self.ticket_owners(item, ticket_id, url, names or {}),
        )

    def ticket_owners(
        self, item: Mapping[str, Any], ticket_id: str, url: str, names: Mapping[str, str]
    ) -> tuple[Owner, ...]:
        """The assignee and group, named from the search's side-loads (`user:<id>`,
        `group:<id>`); an id without a side-loaded name is left out."""
        found = []
        for role, kind, key in (
            (OwnerRole.ASSIGNEE, "user", "assignee_id"),
            (OwnerRole.GROUP, "group", "group_id"),
        ):
            owner_id = item.get(key)
            if owner_id is not None and (name := names.get(f"{kind}:{owner_id}")):
                found.append(Owner(role, name, self.ref(ticket_id, url), str(owner_id)))
        return tuple(found)

    def comment(self, comment: Mapping[str, Any], users: Mapping[str, str], url: str) -> Comment:
        comment_id = record_id(comment.get("id"), "Zendesk", "a comment")
        return Comment(
            ref=self.ref(f"comment-{comment_id}", url),
            body=strip_marker(_body(comment)),
            public=comment.get("public") is not False,
            created=at(comment.get("created_at"), f"comment {comment_id}"),
            author=users.get(str(comment.get("author_id"))),
        )

    def activity(
        self, item: Mapping[str, Any], ticket: Ticket, comments: Sequence[Mapping[str, Any]]
    ) -> list[Interaction]:
        """The ticket's opening and its public replies (the description, written when the ticket
        was opened, is the opening)."""
        requester = item.get("requester_id")
        channel = _channel(item.get("via"))
        opened_by_customer = item.get("submitter_id") in (None, requester)
        items = [
            Interaction(
                ref=self.ref(f"ticket-{ticket.ref.record_id}-created", ticket.ref.url),
                channel=channel,
                direction=Direction.INBOUND if opened_by_customer else Direction.OUTBOUND,
                at=ticket.created,
                summary=f"Opened: {ticket.subject}",
                ticket_id=ticket.ref.record_id,
            )
        ]
        for comment in comments:
            if comment.get("public") is False:
                continue
            when = at(comment.get("created_at"), "a comment")
            if abs((when - ticket.created).total_seconds()) < 2:
                continue  # the description: the ticket's opening above
            comment_id = record_id(comment.get("id"), "Zendesk", "a comment")
            inbound = comment.get("author_id") == requester
            items.append(
                Interaction(
                    ref=self.ref(f"comment-{comment_id}", ticket.ref.url),
                    channel=channel,
                    direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
                    at=when,
                    summary=shorten(strip_marker(_body(comment)), MAX_SUMMARY) or "(empty reply)",
                    ticket_id=ticket.ref.record_id,
                )
            )
        return items


def _body(comment: Mapping[str, Any]) -> str:
    return text_or_none(comment.get("plain_body")) or text_or_none(comment.get("body")) or ""


def _digits(value: str) -> str:
    return "".join(filter(str.isdigit, value))


def one(value: Any, what: str) -> dict[str, Any]:
    """`expect_dict` for Zendesk."""
    return expect_dict(value, "Zendesk", what)


def sla_due(slas: Any) -> datetime | None:
    """When the ticket's next SLA target breaches, from the `slas` sideload: the earliest
    `breach_at` of its policy metrics still running (an achieved target is not due; a paused
    one is not counting down). A breached target keeps its past `breach_at`. None when the
    ticket has no SLA policy or the sideload was not sent."""
    metrics = slas.get("policy_metrics") if isinstance(slas, Mapping) else None
    if not isinstance(metrics, list):
        return None
    due = [
        when
        for metric in metrics
        if isinstance(metric, Mapping) and metric.get("stage") == "active"
        if (when := parse_time(metric.get("breach_at"))) is not None
    ]
    return min(due) if due else None
