"""Salesforce records (REST JSON) as cx-tui's domain models.

Contacts and Leads are people; an Account found by its main phone is the company line (a
shared number: the agent picks who is calling). Cases are tickets, CaseComments their comments
(`IsPublished = false` is internal, and feeds "already tried"), Tasks the timeline (`TaskSubtype
= 'Call'` with `CallType` are calls). Deep links go to Lightning record pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from cx_tui.connectors.base import BadResponse
from cx_tui.connectors.kit.markers import strip_marker
from cx_tui.connectors.kit.matching import email_point, phone_point, unique_points
from cx_tui.connectors.kit.readers import parse_time, shorten, text_or_none
from cx_tui.connectors.salesforce.soql import RECORD_ID
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

PHONES: Final = {
    "Contact": (
        ("Phone", "work"),
        ("MobilePhone", "mobile"),
        ("HomePhone", "home"),
        ("OtherPhone", "other"),
        ("AssistantPhone", "assistant"),
    ),
    "Lead": (("Phone", "work"), ("MobilePhone", "mobile")),
    "Account": (("Phone", "switchboard"),),
}
STATUS: Final = {
    "new": TicketStatus.NEW,
    "working": TicketStatus.OPEN,
    "escalated": TicketStatus.OPEN,
    "on hold": TicketStatus.HOLD,
    "waiting on customer": TicketStatus.PENDING,
    "pending": TicketStatus.PENDING,
    "resolved": TicketStatus.SOLVED,
    "closed": TicketStatus.CLOSED,
}
PRIORITY: Final = {
    "low": Priority.LOW,
    "medium": Priority.NORMAL,
    "normal": Priority.NORMAL,
    "high": Priority.HIGH,
    "urgent": Priority.URGENT,
    "critical": Priority.URGENT,
}
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


class Reader:
    """Turns one account's records into models: knows its name, links and region."""

    def __init__(
        self,
        connector: str,
        base_url: str,
        region: str | None,
        email_fields: tuple[str, ...] = (),
        plan_field: str | None = None,
    ) -> None:
        self.connector = connector
        self.base_url = base_url
        self.region = region
        self.email_fields = email_fields
        self.plan_field = plan_field
        self.now = datetime.now(UTC)

    def ref(self, sobject: str, record_id: str) -> SourceRef:
        url = f"{self.base_url}/lightning/r/{sobject}/{record_id}/view"
        return SourceRef(self.connector, record_id, url=url, fetched_at=self.now)

    def record_id(self, record: Mapping[str, Any], what: str) -> str:
        value = record.get("Id")
        if not isinstance(value, str) or not RECORD_ID.fullmatch(value):
            raise BadResponse(f"Salesforce sent {what} without a usable Id")
        return value

    def sobject(self, record: Mapping[str, Any]) -> str:
        attributes = record.get("attributes")
        kind = attributes.get("type") if isinstance(attributes, Mapping) else None
        return kind if isinstance(kind, str) else ""

    def contact_points(self, sobject: str, record: Mapping[str, Any]) -> tuple[ContactPoint, ...]:
        points = []
        for field, label in PHONES.get(sobject, ()):
            raw = text_or_none(record.get(field))
            if raw:
                shared = sobject == "Account"
                points.append(phone_point(raw, self.region, label=label, shared=shared))
        email = text_or_none(record.get("Email"))
        if email:
            points.append(email_point(email, label="primary"))
        for field in self.email_fields if sobject == "Contact" else ():
            other = text_or_none(record.get(field))
            if other:
                points.append(email_point(other, label="secondary"))
        return unique_points(points)

    def person(self, record: Mapping[str, Any]) -> Person:
        """A Contact, Lead or Account (the company line) from a search or query answer."""
        sobject = self.sobject(record)
        record_id = self.record_id(record, f"a {sobject or 'record'}")
        name = text_or_none(record.get("Name"))
        owner = related(record, "Owner", "Name")
        tags: list[str] = [sobject.lower()] if sobject else []
        if sobject == "Contact":
            company = related(record, "Account", "Name")
        elif sobject == "Lead":
            company = text_or_none(record.get("Company"))
            status = text_or_none(record.get("Status")) or "Open"
            tags += [f"lead status: {status}", f"hand to sales: lead, status {status}"]
        else:
            company = name
            tags.append("company main line")
        if owner:
            tags.append(f"owner: {owner}")
        ref = self.ref(sobject or "Contact", record_id)
        role = OwnerRole.ACCOUNT_OWNER if sobject == "Account" else OwnerRole.CONTACT_OWNER
        return Person(
            ref=ref,
            owners=(Owner(role, owner, ref),) if owner else (),
            name=name,
            contact_points=self.contact_points(sobject, record),
            company=company,
            title=text_or_none(record.get("Title")),
            plan=text_or_none(record.get(self.plan_field)) if self.plan_field else None,
            tags=tuple(tags),
            last_contact=parse_time(record.get("LastActivityDate")),
        )

    def company(self, record: Mapping[str, Any]) -> Company:
        record_id = self.record_id(record, "an Account")
        plan = text_or_none(record.get(self.plan_field)) if self.plan_field else None
        kind = text_or_none(record.get("Type"))
        website = text_or_none(record.get("Website"))
        domain = website.split("//")[-1].split("/")[0].removeprefix("www.") if website else None
        return Company(
            ref=self.ref("Account", record_id),
            name=text_or_none(record.get("Name")) or "(unnamed account)",
            domain=domain,
            plan=plan or kind,
        )

    def ticket(self, record: Mapping[str, Any], comments: list[Mapping[str, Any]]) -> Ticket:
        record_id = self.record_id(record, "a Case")
        closed = record.get("IsClosed") is True
        status_text = (text_or_none(record.get("Status")) or "").casefold()
        status = STATUS.get(status_text) or (TicketStatus.CLOSED if closed else TicketStatus.OPEN)
        if closed and status.is_open:
            status = TicketStatus.CLOSED
        number = text_or_none(record.get("CaseNumber"))
        subject = text_or_none(record.get("Subject")) or f"Case {number or record_id}"
        owner = related(record, "Owner", "Name")
        labels = (
            f"case {number}" if number else None,
            text_or_none(record.get("Status")),
            text_or_none(record.get("Origin")),
            f"owner: {owner}" if owner else None,
        )
        tags = tuple(t for t in labels if t)
        created = parse_time(record.get("CreatedDate")) or EPOCH
        ref = self.ref("Case", record_id)
        return Ticket(
            ref=ref,
            owners=(Owner(OwnerRole.ASSIGNEE, owner, ref),) if owner else (),
            subject=subject,
            status=status,
            created=created,
            updated=parse_time(record.get("LastModifiedDate")) or created,
            priority=PRIORITY.get((text_or_none(record.get("Priority")) or "").casefold()),
            tags=tags,
            comments=tuple(self.comment(c) for c in comments),
        )

    def comment(self, record: Mapping[str, Any]) -> Comment:
        record_id = self.record_id(record, "a CaseComment")
        return Comment(
            ref=self.ref("CaseComment", record_id),
            body=strip_marker(text_or_none(record.get("CommentBody")) or ""),
            public=record.get("IsPublished") is True,
            created=parse_time(record.get("CreatedDate")) or EPOCH,
            author=related(record, "CreatedBy", "Name"),
        )

    def interaction(self, record: Mapping[str, Any]) -> Interaction:
        """A Task on the timeline: a call (`TaskSubtype = 'Call'`) or another activity."""
        record_id = self.record_id(record, "a Task")
        is_call = record.get("TaskSubtype") == "Call" or record.get("Type") == "Call"
        call_type = (text_or_none(record.get("CallType")) or "").casefold()
        direction = {"inbound": Direction.INBOUND, "outbound": Direction.OUTBOUND}.get(
            call_type, Direction.INTERNAL
        )
        subject = text_or_none(record.get("Subject")) or ("Call" if is_call else "Task")
        parts = [subject]
        seconds = record.get("CallDurationInSeconds")
        if is_call and isinstance(seconds, int | float) and not isinstance(seconds, bool):
            parts.append(f"{int(seconds) // 60} min {int(seconds) % 60:02d} s")
        if disposition := text_or_none(record.get("CallDisposition")):
            parts.append(disposition)
        description = strip_marker(text_or_none(record.get("Description")) or "")
        if description:
            parts.append(shorten(" ".join(description.split()), 160))
        if owner := related(record, "Owner", "Name"):
            parts.append(f"by {owner}")
        what = record.get("WhatId")
        at = parse_time(record.get("CreatedDate")) or parse_time(record.get("ActivityDate"))
        return Interaction(
            ref=self.ref("Task", record_id),
            channel=Channel.CALL if is_call else Channel.NOTE,
            direction=direction if is_call else Direction.INTERNAL,
            at=at or EPOCH,
            summary=" · ".join(parts),
            ticket_id=what if isinstance(what, str) and what.startswith("500") else None,
        )


def related(record: Mapping[str, Any], relation: str, field: str) -> str | None:
    """A parent's field from a relationship query (`Owner.Name` -> `{"Owner": {"Name"}}`)."""
    parent = record.get(relation)
    return text_or_none(parent.get(field)) if isinstance(parent, Mapping) else None


def children(record: Mapping[str, Any], relation: str) -> list[Mapping[str, Any]]:
    """The rows of a child subquery (`(SELECT ... FROM CaseComments)`); null means none."""
    block = record.get(relation)
    rows = block.get("records") if isinstance(block, Mapping) else None
    return [r for r in rows if isinstance(r, Mapping)] if isinstance(rows, list) else []
