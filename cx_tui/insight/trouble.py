"""Trouble spots, the pure part: which tags of the caller to count, and what the counts mean.

A trouble spot is a theme of the caller that many OTHER customers wrote in about lately: the
helpdesks' recent tickets with the theme's tag (`Connector.count_recent`), the caller's own
left out, counted as distinct requesters per source. At or above the threshold (default 3
others in the last hour) the screen shows a banner and the ticket list. The searching, its
cache and deadline are `insight/trouble_watch.py`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from cx_tui.connectors.kit.query import TAG_CHARS
from cx_tui.insight.themes import GENERIC_TAGS
from cx_tui.models import Profile, RecentTicket, RecentTickets, Theme, TroubleSpot

WINDOW: Final = timedelta(hours=1)
"""How far back other customers' tickets count."""
DEFAULT_THRESHOLD: Final = 3
"""Other customers (at least) that make a theme a trouble spot (`[insight] trouble_threshold`)."""
MAX_TAGS: Final = 3
"""Tags counted per lookup (the caller's latest themes first): bounds the searches."""
MAX_LISTED: Final = 50
"""Tickets a trouble spot lists."""


@dataclass(frozen=True, slots=True)
class DeskLookup:
    """A caller this desk looked up today (the local lookup history): what about, and who."""

    query: str
    tags: frozenset[str]
    records: frozenset[tuple[str, str]]
    """Every record the lookup matched, as (source, record id)."""


def theme_tag(theme: Theme) -> str | None:
    """The tag that names a theme: its shared tag, or the tag most of its tickets carry (ties:
    alphabetical); None when its tickets carry no tag a helpdesk could be searched for."""
    if theme.kind == "tag":
        return theme.label if TAG_CHARS.fullmatch(theme.label) else None
    counts = Counter(
        tag.casefold()
        for ticket in theme.tickets
        for tag in set(ticket.tags)
        if tag.casefold() not in GENERIC_TAGS and TAG_CHARS.fullmatch(tag.casefold())
    )
    return min(counts, key=lambda t: (-counts[t], t)) if counts else None


def tags_to_count(profile: Profile, limit: int = MAX_TAGS) -> tuple[str, ...]:
    """The caller's theme tags worth counting, latest theme first, at most `limit`."""
    found: list[str] = []
    for theme in profile.themes:
        tag = theme_tag(theme)
        if tag is not None and tag not in found:
            found.append(tag)
        if len(found) == limit:
            break
    return tuple(found)


def caller_records(profile: Profile) -> dict[str, frozenset[str]]:
    """Source -> the caller's record ids there (their tickets are not "other customers")."""
    out: dict[str, set[str]] = {}
    for match in profile.matches:
        out.setdefault(match.source, set()).add(match.person.ref.record_id)
    return {source: frozenset(ids) for source, ids in out.items()}


def _others(
    answers: Iterable[RecentTickets], caller: Mapping[str, frozenset[str]]
) -> list[RecentTicket]:
    out = [
        t
        for answer in answers
        for t in answer.tickets
        if t.requester is None or t.requester not in caller.get(t.ref.connector, frozenset())
    ]
    out.sort(key=lambda t: (t.created, t.ref.key), reverse=True)
    return out


def spot_for(
    tag: str,
    answers: Sequence[RecentTickets],
    caller: Mapping[str, frozenset[str]],
    window: timedelta = WINDOW,
    desk: Iterable[DeskLookup] = (),
    query: str = "",
) -> TroubleSpot:
    """What the sources' answers for one tag add up to (below the threshold or not), with the
    other callers this desk looked up today about it (`query`: the caller's own lookup)."""
    tickets = _others(answers, caller)
    # A ticket whose source did not name its requester counts as its own customer.
    customers = {(t.ref.connector, t.requester or f"ticket:{t.ref.record_id}") for t in tickets}
    problems = [a.problem for a in answers if a.problem is not None]
    return TroubleSpot(
        tag,
        len(customers),
        int(window.total_seconds() // 60),
        tuple(tickets[:MAX_LISTED]),
        problems[0] if problems else None,
        _desk_others(tag, desk, caller, customers, query),
    )


def _desk_others(
    tag: str,
    desk: Iterable[DeskLookup],
    caller: Mapping[str, frozenset[str]],
    counted: set[tuple[str, str]],
    query: str,
) -> int:
    """Callers looked up here with the tag who are neither the caller nor already counted
    (each once, however often they were looked up)."""
    mine = {(source, record) for source, ids in caller.items() for record in ids}
    seen: list[frozenset[tuple[str, str]]] = []
    queries: set[str] = set()
    for entry in desk:
        if tag not in entry.tags or entry.query == query or entry.records & (mine | counted):
            continue
        if entry.records and any(entry.records & known for known in seen):
            continue
        if not entry.records and entry.query in queries:
            continue
        seen.append(entry.records)
        queries.add(entry.query)
    return len(seen)


def above(counted: Iterable[TroubleSpot], threshold: int) -> tuple[TroubleSpot, ...]:
    """The trouble spots among the counted tags: at or above `threshold` other customers, the
    most customers first."""
    return tuple(
        sorted((s for s in counted if s.total >= threshold), key=lambda s: (-s.total, s.tag))
    )


def window_words(minutes: int) -> str:
    """`the last hour`, `the last 90 minutes`, `the last 2 hours`."""
    if minutes == 60:
        return "the last hour"
    if minutes % 60 == 0:
        return f"the last {minutes // 60} hours"
    return f"the last {minutes} minutes"


def banner_text(spot: TroubleSpot) -> str:
    """`Trouble spot: 6 customers about login-failure in the last hour`, and `, 2 more looked
    up here today` when this desk's lookups add some."""
    who = "1 other customer" if spot.customers == 1 else f"{spot.customers} customers"
    line = f"Trouble spot: {who} about {spot.tag} in {window_words(spot.window_minutes)}"
    return line + (f", {spot.desk_today} more looked up here today" if spot.desk_today else "")
