"""What one source knows: people, companies, tickets, comments, interactions, matches, and the
notes cx-tui writes back. Plain data (stdlib dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class ContactKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"


class Channel(StrEnum):
    CALL = "call"
    EMAIL = "email"
    CHAT = "chat"
    SOCIAL = "social"
    WEB = "web"
    NOTE = "note"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    HOLD = "hold"
    SOLVED = "solved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        """Whether the ticket still needs work (anything not solved or closed)."""
        return self not in (TicketStatus.SOLVED, TicketStatus.CLOSED)


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """Higher is more urgent; used to order open tickets."""
        return ("low", "normal", "high", "urgent").index(self.value)


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a fact came from: a record in one configured source."""

    connector: str
    """The connector's configured `name` (not its type), e.g. "Demo CRM"."""
    record_id: str
    """The record's id in that source."""
    url: str | None = None
    """Deep link that opens the record in the vendor's own UI, when it has one."""
    fetched_at: datetime | None = None
    """When cx-tui read the record (UTC)."""

    @property
    def key(self) -> tuple[str, str]:
        """Identity of the record regardless of when it was fetched."""
        return (self.connector, self.record_id)


@dataclass(frozen=True, slots=True)
class ContactPoint:
    """A phone (E.164 plus extension) or an email (case-folded) of a person."""

    kind: ContactKind
    value: str
    """E.164 for phones (`+14155550132`), case-folded address for emails."""
    extension: str | None = None
    label: str | None = None
    """How the source labels it: "work", "mobile", "secondary", "switchboard"..."""
    raw: str | None = None
    """The value exactly as the source stores it, when that differs from `value`."""
    shared: bool = False
    """The source says several people use this number (a switchboard, a family phone)."""

    @property
    def key(self) -> tuple[str, str, str]:
        """Two contact points with the same key are the same phone line or mailbox."""
        return (self.kind.value, self.value, self.extension or "")

    def display(self) -> str:
        """Human form: the value plus its extension."""
        return f"{self.value} ext. {self.extension}" if self.extension else self.value


class OwnerRole(StrEnum):
    """Who in the company looks after a customer or a ticket."""

    CONTACT_OWNER = "contact owner"
    ACCOUNT_OWNER = "account owner"
    ASSIGNEE = "ticket assignee"
    GROUP = "ticket group"

    @property
    def is_team(self) -> bool:
        """A group of people (its name is not personal data)."""
        return self is OwnerRole.GROUP


@dataclass(frozen=True, slots=True)
class Owner:
    """Someone (or a group) who owns a customer's record or ticket in one source."""

    role: OwnerRole
    name: str
    ref: SourceRef
    """The record they own (the person, the account or the ticket); its connector is the
    source that says so."""
    owner_id: str | None = None
    """The vendor's id of the owner (a user or a group), to assign a ticket to them."""

    @property
    def source(self) -> str:
        return self.ref.connector


@dataclass(frozen=True, slots=True)
class Company:
    ref: SourceRef
    name: str
    domain: str | None = None
    plan: str | None = None
    vip: bool = False
    custom: tuple[tuple[str, str], ...] = ()
    """(card label, value) of the fields `[connectors.fields]` maps to "company.<field>"."""


@dataclass(frozen=True, slots=True)
class Comment:
    ref: SourceRef
    body: str
    public: bool
    """False = an internal note that the customer never saw."""
    created: datetime
    author: str | None = None


@dataclass(frozen=True, slots=True)
class Ticket:
    ref: SourceRef
    subject: str
    status: TicketStatus
    created: datetime
    updated: datetime
    priority: Priority | None = None
    tags: tuple[str, ...] = ()
    sla_due: datetime | None = None
    """When the next SLA target breaches, if the source tracks one."""
    comments: tuple[Comment, ...] = ()
    owners: tuple[Owner, ...] = ()
    """The ticket's assignee and group, when the source says."""

    @property
    def is_open(self) -> bool:
        return self.status.is_open


@dataclass(frozen=True, slots=True)
class Interaction:
    """One touchpoint on the timeline: a call, an email, a chat, a note..."""

    ref: SourceRef
    channel: Channel
    direction: Direction
    at: datetime
    summary: str
    ticket_id: str | None = None
    """The ticket (in the same source) this interaction was about, if any."""


@dataclass(frozen=True, slots=True)
class Person:
    """A person as one source knows them."""

    ref: SourceRef
    name: str | None = None
    contact_points: tuple[ContactPoint, ...] = ()
    company: str | None = None
    """Company name as the source shows it (the full record arrives with the details)."""
    title: str | None = None
    plan: str | None = None
    timezone: str | None = None
    """IANA zone name, e.g. "America/Los_Angeles"."""
    language: str | None = None
    vip: bool | None = None
    tags: tuple[str, ...] = ()
    last_contact: datetime | None = None
    """The latest interaction the source knows of, when its search returns it cheaply."""
    custom: tuple[tuple[str, str], ...] = ()
    """(card label, value) of the person's own fields `[connectors.fields]` maps."""
    owners: tuple[Owner, ...] = ()
    """Who owns the contact (or its account) in this source."""

    def emails(self) -> frozenset[str]:
        return frozenset(cp.value for cp in self.contact_points if cp.kind is ContactKind.EMAIL)

    def phones(self) -> frozenset[str]:
        return frozenset(cp.value for cp in self.contact_points if cp.kind is ContactKind.PHONE)


class MatchReason(StrEnum):
    """Why a source said this person matches the query, strongest first."""

    CONFIRMED_LINK = "confirmed link"
    PRIMARY_EMAIL = "primary email"
    SECONDARY_EMAIL = "secondary email"
    EXACT_E164 = "exact E.164"
    NATIONAL_DIGITS = "national digits"
    SUFFIX = "last digits"
    NAME = "name"


@dataclass(frozen=True, slots=True)
class Evidence:
    """How strongly one stored value matched a query (connectors keep the best per person)."""

    confidence: float
    reason: MatchReason
    detail: str = ""

    def beats(self, other: Evidence | None) -> bool:
        """Higher confidence wins; at equal confidence, the stronger kind of reason."""
        if other is None:
            return True
        order = list(MatchReason)
        return (self.confidence, -order.index(self.reason)) > (
            other.confidence,
            -order.index(other.reason),
        )


@dataclass(frozen=True, slots=True)
class Match:
    """A person one source found for the query, with how sure it is and why."""

    person: Person
    reason: MatchReason
    confidence: float
    """0..1: 1.0 for an exact E.164 or primary email, lower for weaker evidence."""
    detail: str = ""
    """Free text for the agent, e.g. "stored as '(415) 555-0132'"."""

    @property
    def source(self) -> str:
        return self.person.ref.connector


@dataclass(frozen=True, slots=True)
class Details:
    """What a source knows around a matched person (the second stage of a lookup)."""

    companies: tuple[Company, ...] = ()
    tickets: tuple[Ticket, ...] = ()
    interactions: tuple[Interaction, ...] = ()
    failed_parts: tuple[PartFailure, ...] = ()
    """Parts left out because reading them failed (the rest is complete)."""


@dataclass(frozen=True, slots=True)
class PartFailure:
    """One part of a source's details that could not be read, and why."""

    part: str
    """As agents say it: "companies", "tickets", "comments", "notes", "calls", "e-mails"."""
    reason: str
    """"HubSpot answered 500", "no answer in time"."""

    def __str__(self) -> str:
        return f"{self.part}: {self.reason}"


class TargetKind(StrEnum):
    PERSON = "person"
    TICKET = "ticket"
    NEW_TICKET = "new-ticket"
    """A ticket the note opens: its `ref` is the requester's person record in that source."""


@dataclass(frozen=True, slots=True)
class NoteTarget:
    """Where a note goes: the person record, a ticket (as an internal note), or a new ticket
    for that person (the note's first line is its subject, the note its first internal note)."""

    kind: TargetKind
    ref: SourceRef
    label: str | None = field(default=None, compare=False)
    """Who or what it is, for the agent to read (`Maria Gonzalez (+1 415-555-0132)`,
    `Ticket #1008 Login fails`): kept with the outbox item; not part of the target's identity."""


@dataclass(frozen=True, slots=True)
class Assignment:
    """Who a hand-off note assigns its ticket to: a group or an agent, by the vendor's id."""

    field: str
    """"group" or "assignee"."""
    owner_id: str
    name: str

    def payload(self) -> dict[str, str]:
        """As the outbox keeps it (a note's JSON payload, `assign`)."""
        return {"field": self.field, "id": self.owner_id, "name": self.name}

    @classmethod
    def from_payload(cls, payload: object) -> Assignment | None:
        """The `assign` of a note's payload, or None when it has none that makes sense."""
        assign = payload.get("assign") if isinstance(payload, dict) else None
        if not isinstance(assign, dict):
            return None
        field, owner_id, name = assign.get("field"), assign.get("id"), assign.get("name")
        if field not in ("group", "assignee") or not isinstance(owner_id, str):
            return None
        return cls(field, owner_id, name if isinstance(name, str) else owner_id)


CALL_DIRECTIONS = ("inbound", "outbound")
LONGEST_CALL_S = 86_400


@dataclass(frozen=True, slots=True)
class CallLog:
    """One call as the agent wrapped it up: what the outbox queues and `Connector.add_call`
    writes (or, for a source without calls, the note `outbox.call_note_text` makes of it).

    Raises:
        ValueError: a direction other than inbound/outbound, a duration outside 0 s to a day,
            or a start time without a UTC offset (the message says which).
    """

    summary: str
    """What the call was about: the wrap-up's note."""
    direction: str | None = None
    """"inbound" or "outbound"."""
    duration_s: float | None = None
    """Seconds on the line."""
    outcome: str | None = None
    """The wrap-up's disposition as the agent chose it (`[calls] dispositions`)."""
    started: datetime | None = None
    """When the call was answered (or rang, if never answered); aware."""

    def __post_init__(self) -> None:
        if self.direction not in (None, *CALL_DIRECTIONS):
            raise ValueError(f"A call's direction is inbound or outbound, not {self.direction!r}.")
        duration = self.duration_s
        if duration is not None and (
            not isinstance(duration, int | float)
            or isinstance(duration, bool)
            or not 0 <= duration < LONGEST_CALL_S
        ):
            raise ValueError(f"A call lasts between 0 seconds and a day, not {duration!r}.")
        if self.started is not None and self.started.utcoffset() is None:
            raise ValueError("A call's start time needs a UTC offset.")


@dataclass(frozen=True, slots=True)
class NoteReceipt:
    """The source's record of a delivered note."""

    ref: SourceRef
    created: datetime
    duplicate: bool = False
    """True when the idempotency key had already been delivered (nothing new was written)."""
