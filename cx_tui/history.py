"""The lookup history: what a finished lookup leaves behind, and the list of recent ones.

Headless. The store keeps every lookup; the recent list shows one line per query, newest first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from cx_tui.models import ProfileState

if TYPE_CHECKING:
    from cx_tui.models import Profile
    from cx_tui.store import LookupRecord


@dataclass(frozen=True, slots=True)
class RecentLookup:
    query: str
    at: datetime
    summary: str
    """Who it resolved to, or "2 candidates", "nobody"."""


def summarise(profile: Profile) -> str:
    """A few words for the history: who it was, or why nobody."""
    if profile.state is ProfileState.RESOLVED:
        return profile.value("name") or "unnamed person"
    if profile.state is ProfileState.AMBIGUOUS:
        count = len(profile.candidates)
        return f"{count} candidates" if count != 1 else "1 candidate to confirm"
    if any(status.state.is_failure for status in profile.sources.values()):
        return "not found; some sources could not be searched"
    return "nobody found"


def recent_lookups(records: Iterable[LookupRecord]) -> list[RecentLookup]:
    """One entry per query, in the order given (the store gives newest first)."""
    seen: set[str] = set()
    out = []
    for record in records:
        if record.query not in seen:
            seen.add(record.query)
            out.append(RecentLookup(record.query, record.at, record.person_name or ""))
    return out
