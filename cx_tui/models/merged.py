"""The merged view: one profile from every source, with provenance, conflicts and candidates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from cx_tui.models.records import (
    Company,
    ContactPoint,
    Interaction,
    Match,
    PartFailure,
    SourceRef,
    Ticket,
)
from cx_tui.models.trouble import TroubleSpot


class SourceState(StrEnum):
    SEARCHING = "searching"
    FOUND = "found"
    NOBODY = "nobody"
    TIMED_OUT = "timed out"
    RATE_LIMITED = "rate limited"
    AUTH_FAILED = "auth failed"
    UNREACHABLE = "unreachable"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_failure(self) -> bool:
        return self not in (SourceState.SEARCHING, SourceState.FOUND, SourceState.NOBODY)


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """Where one source stands in the current lookup."""

    source: str
    state: SourceState
    message: str = ""
    matches: int = 0
    elapsed_ms: float | None = None
    retry_after: float | None = None
    """Seconds until the source accepts requests again (rate limited)."""
    failed_parts: tuple[PartFailure, ...] = ()
    """Parts of the details left out (the others are shown)."""
    waiting: str = ""
    """The details' rate-limit wait `message` ends with ("details waiting for the HubSpot rate
    limit, about 6 s"), taken off when they come."""


@dataclass(frozen=True, slots=True)
class FieldValue:
    """One value of a profile field and every source that holds it."""

    value: str
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True, slots=True)
class Conflict:
    """Sources disagree on a field; every value is kept with its sources."""

    field: str
    values: tuple[FieldValue, ...]


@dataclass(frozen=True, slots=True)
class SourcedContact:
    point: ContactPoint
    sources: tuple[SourceRef, ...]
    spellings: tuple[tuple[str, str], ...] = ()
    """(source, the value as it stores it) where that differs from `point.value`: one number
    written `(415) 555-0132` in one system and `+14155550132` in another is one contact."""


@dataclass(frozen=True, slots=True)
class SourcedCompany:
    name: str
    records: tuple[Company, ...]


@dataclass(frozen=True, slots=True)
class TriedItem:
    """A step already taken on an open ticket (or on a recently solved ticket of the same
    theme), found in an internal comment or note."""

    text: str
    at: datetime
    """The latest time it was recorded."""
    ref: SourceRef
    ticket: SourceRef | None = None
    count: int = 1
    """How many notes record this step (the same words, across the caller's tickets)."""
    solved: SourceRef | None = None
    """A solved or closed ticket of the same theme it was tried on: the problem came back."""
    solved_status: str | None = None
    solved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Theme:
    """What several of the caller's contacts were about (`insight/themes.py` groups them once
    per change of the records; the profile carries the result)."""

    label: str
    """The shared tag, or the words the subjects share."""
    kind: str
    """`tag` or `subject`."""
    tickets: tuple[Ticket, ...]
    """Newest first."""
    first: datetime
    """The first contact (the oldest ticket's creation, or an earlier call about it)."""
    last: datetime
    """The latest contact."""
    times: tuple[datetime, ...]
    """When the customer got in touch about it, newest first: inbound calls, emails, chats...
    on its tickets; a ticket with none counts as one contact, when it was opened."""

    @property
    def contacts(self) -> int:
        return len(self.times)

    def contacts_since(self, since: datetime) -> int:
        return sum(1 for at in self.times if at >= since)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.ref.record_id for t in self.tickets)

    @property
    def is_open(self) -> bool:
        return any(t.is_open for t in self.tickets)

    def refs(self) -> str:
        """`#1008, #1007, #1006`."""
        return ", ".join(f"#{i}" for i in self.ids)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One of several people the query could mean; the agent picks."""

    key: str
    """Stable id of the candidate within this lookup (used to pick it)."""
    name: str | None
    company: str | None
    matches: tuple[Match, ...]
    last_contact: datetime | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.source for m in self.matches))


@dataclass(frozen=True, slots=True)
class ConfirmedLink:
    """The agent said who a number or an email belongs to: the records they picked, one per
    source, who confirmed it and when (kept in the local store)."""

    point: str
    """The line or mailbox: `+14155550132`, `+12125550100;ext=210`, `maria@example.com`."""
    records: tuple[tuple[str, str], ...]
    """(connector name, record id) of each record picked."""
    by: str
    """Who confirmed it (the operating-system user)."""
    at: datetime
    """When (UTC)."""


class LinkUse(StrEnum):
    """What a lookup made of the link the agent confirmed for its number or email."""

    RESOLVED = "resolved"
    """A weak match was confirmed before: it names the caller now."""
    PRESELECTED = "preselected"
    """A shared line: the last pick is offered first, but the agent still picks."""
    STALE = "stale"
    """The record picked is gone from its source: the lookup fell back to search."""
    UNUSED = "unused"
    """The strong matches of this lookup say who it is; the link was not needed."""


class ProfileState(StrEnum):
    SEARCHING = "searching"
    RESOLVED = "resolved"
    AMBIGUOUS = "ambiguous"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Profile:
    """Everything cx-tui knows about the caller, merged across sources."""

    query: str
    state: ProfileState
    fields: dict[str, tuple[FieldValue, ...]] = field(default_factory=dict)
    """Field name -> its values; the first value is the one to show, the rest conflict."""
    conflicts: tuple[Conflict, ...] = ()
    contacts: tuple[SourcedContact, ...] = ()
    companies: tuple[SourcedCompany, ...] = ()
    tickets: tuple[Ticket, ...] = ()
    """Open tickets first (most urgent first), then the rest, newest first."""
    timeline: tuple[Interaction, ...] = ()
    """Every source's interactions, newest first."""
    already_tried: tuple[TriedItem, ...] = ()
    themes: tuple[Theme, ...] = ()
    """The tickets grouped by what they are about, the latest contact first (every ticket in
    exactly one): grouped once per change of the tickets or timeline, read by every panel,
    rule and the JSON."""
    sources: dict[str, SourceStatus] = field(default_factory=dict)
    matches: tuple[Match, ...] = ()
    """The matches merged into this person (one per source record)."""
    candidates: tuple[Candidate, ...] = ()
    """When `state` is AMBIGUOUS: who it could be."""
    link: ConfirmedLink | None = None
    """The confirmed link for the query's number or email, when there is one."""
    link_use: LinkUse | None = None
    preselected: str | None = None
    """When AMBIGUOUS on a shared line: the key of the candidate picked last time (listed
    first; the agent still picks)."""
    notes: tuple[str, ...] = ()
    """Quiet remarks about how the lookup went ("number range not recognised", "confirmed by
    you on 3 Dec"), shown on the card."""
    attach_to: tuple[str, ...] = ()
    """For a phone lookup: the sources that can add this number to an existing person
    (`Capability.UPDATE_PERSON`), where "add this number to an existing person" is offered."""
    trouble: tuple[TroubleSpot, ...] = ()
    """Themes of the caller that many other customers got in touch about lately (found in the
    background once the profile is complete; empty until then, and when nothing stands out)."""

    def value(self, name: str) -> str | None:
        """The shown value of a field, or None when no source has it."""
        values = self.fields.get(name)
        return values[0].value if values else None

    @property
    def open_tickets(self) -> tuple[Ticket, ...]:
        return tuple(t for t in self.tickets if t.is_open)

    @property
    def pending(self) -> bool:
        """Some source has not answered yet."""
        return any(s.state is SourceState.SEARCHING for s in self.sources.values())

    @property
    def unsearched(self) -> tuple[SourceStatus, ...]:
        """Sources that could not be searched (timed out, refused, unreachable...): they may
        know the caller, so "nobody found" does not cover them."""
        return tuple(s for s in self.sources.values() if s.state.is_failure)

    @property
    def answered(self) -> tuple[SourceStatus, ...]:
        """Sources that searched and answered (found someone or nobody)."""
        return tuple(
            s for s in self.sources.values() if s.state in (SourceState.FOUND, SourceState.NOBODY)
        )
