"""An in-memory connector for engine tests: real Matches and Details, with delays and faults."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cx_tui.connectors.base import Capability, Connector
from cx_tui.identity import Query, QueryKind
from cx_tui.models import (
    Comment,
    ContactKind,
    ContactPoint,
    Details,
    Match,
    MatchReason,
    Person,
    SourceRef,
    Ticket,
    TicketStatus,
)

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def phone(e164: str, ext: str | None = None, *, shared: bool = False) -> ContactPoint:
    return ContactPoint(ContactKind.PHONE, e164, ext, shared=shared)


def email(value: str, label: str = "primary") -> ContactPoint:
    return ContactPoint(ContactKind.EMAIL, value, label=label)


def person(source: str, record_id: str, name: str, *points: ContactPoint, **fields: Any) -> Person:
    return Person(SourceRef(source, record_id), name, tuple(points), **fields)


def ticket(
    source: str,
    record_id: str,
    subject: str,
    status: TicketStatus = TicketStatus.OPEN,
    *,
    age: timedelta = timedelta(days=2),
    internal: Sequence[str] = (),
    **fields: Any,
) -> Ticket:
    comments = tuple(
        Comment(SourceRef(source, f"{record_id}-c{i}"), body, False, NOW - age + timedelta(hours=i))
        for i, body in enumerate(internal, 1)
    )
    return Ticket(
        SourceRef(source, record_id),
        subject,
        status,
        created=NOW - age,
        updated=NOW - timedelta(hours=1),
        comments=comments,
        **fields,
    )


@dataclass
class FakeConnector(Connector):
    """Finds people by phone (E.164), email or name among `people`; every call is recorded."""

    fake_name: str = "Fake"
    people: list[Person] = field(default_factory=list)
    details: dict[str, Details] = field(default_factory=dict)
    delay: float = 0.0
    details_delay: float = 0.0
    error: BaseException | None = None
    returns: object = None
    calls: list[str] = field(default_factory=list)

    type_name = "fake"
    display_name = "Fake"
    capabilities = Capability.LOOKUP_PHONE | Capability.LOOKUP_EMAIL
    needs_secret = False

    def __post_init__(self) -> None:
        super().__init__(self.fake_name, {})

    async def find_people(self, query: Query) -> Sequence[Match]:
        self.calls.append(f"find:{query.text}")
        await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        if self.returns is not None:
            return self.returns  # type: ignore[return-value]
        found = []
        for p in self.people:
            if query.kind is QueryKind.PHONE and query.phone and query.phone.e164 in p.phones():
                found.append(Match(p, MatchReason.EXACT_E164, 1.0))
            elif query.kind is QueryKind.EMAIL and query.email in p.emails():
                found.append(Match(p, MatchReason.PRIMARY_EMAIL, 1.0))
            elif query.kind is QueryKind.NAME and query.name and p.name and query.name in p.name:
                found.append(Match(p, MatchReason.NAME, 0.4))
        return found

    async def get_details(self, match: Match) -> Details:
        self.calls.append(f"details:{match.person.ref.record_id}")
        await asyncio.sleep(self.details_delay)
        return self.details.get(match.person.ref.record_id, Details())
