"""Trouble spots: many customers writing in about the same thing at once.

A helpdesk answers `Connector.count_recent` with `RecentTickets` (tickets carrying one tag,
opened since a moment); the engine merges them across sources into `TroubleSpot`s
(`insight/trouble.py`), which ride on the profile (`Profile.trouble`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cx_tui.models.records import SourceRef


@dataclass(frozen=True, slots=True)
class RecentTicket:
    """One ticket a source found for a tag: enough to list it and count its requester."""

    ref: SourceRef
    subject: str
    created: datetime
    requester: str | None
    """The requester's record id in that source (None when the source did not say)."""


@dataclass(frozen=True, slots=True)
class RecentTickets:
    """What one source found for one tag since a moment."""

    tag: str
    since: datetime
    tickets: tuple[RecentTicket, ...]
    """Newest first, capped by the connector (see `total`)."""
    total: int
    """How many tickets the source says match (may exceed `len(tickets)`)."""
    problem: RecentTicket | None = None
    """The problem (incident) ticket about the tag, when the source has one."""


@dataclass(frozen=True, slots=True)
class TroubleSpot:
    """A theme many other customers got in touch about lately."""

    tag: str
    customers: int
    """Other customers (not the caller) who opened a ticket with the tag in the window."""
    window_minutes: int
    tickets: tuple[RecentTicket, ...]
    """Their tickets, newest first, across sources."""
    problem: RecentTicket | None = None
    """The problem or incident ticket about it, when a source has one."""
    desk_today: int = 0
    """Other callers this desk looked up today with the theme, not among `customers`."""

    @property
    def total(self) -> int:
        """Every other customer known to be in it: the threshold is held against this."""
        return self.customers + self.desk_today
