"""Already tried, across the theme: the steps internal notes record, each said once.

Steps come from the internal comments of open tickets, from the notes about them, and from the
internal comments of solved or closed tickets of the same theme updated in the last
`SOLVED_WINDOW` (the problem came back: "on #1006, solved 6 days ago: it came back"). The same
step (same words, case and spacing aside) is listed once, with how many notes record it and the
latest date. A call log's header is a record of a call, not a step.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from cx_tui.insight.themes import themes
from cx_tui.models import Interaction, SourceRef, Theme, Ticket, TriedItem
from cx_tui.phrases import ago, now_utc

SOLVED_WINDOW = timedelta(days=30)
"""Solved or closed tickets of an open theme updated this recently still say what was tried."""

_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d{1,2}[.)])\s+(.*\S)")
_TRIED_PREFIX = re.compile(
    r"^\s*(?:already tried|steps tried|tried|done so far|troubleshooting)\s*:\s*(.+)",
    re.IGNORECASE | re.DOTALL,
)
_MAX_STEP = 240
CALL_LOG = re.compile(r"\A\s*(?:inbound |outbound )?call(?: · [^\n]*)?[ \t]*(?:\n|\Z)", re.I)
"""The header line `outbox.call_note_text` gives a call log (`Inbound call · 4 min · ...`): a
record of a call, not a troubleshooting step."""


def tried_steps(body: str) -> list[str]:
    """The steps an internal note records: its bullets, a "Tried: a; b" list, or the note."""
    bullets = [m.group(1) for line in body.splitlines() if (m := _BULLET.match(line))]
    if bullets:
        return [" ".join(b.split())[:_MAX_STEP] for b in bullets]
    prefixed = _TRIED_PREFIX.match(body)
    if prefixed:
        parts = re.split(r"[;\n]", prefixed.group(1))
        return [" ".join(p.split()).strip(" .")[:_MAX_STEP] for p in parts if p.strip(" .\n")]
    text = " ".join(body.split())
    return [text[:_MAX_STEP]] if text else []


@dataclass(frozen=True, slots=True)
class _Note:
    ticket: Ticket
    body: str
    at: datetime
    ref: SourceRef


def _notes(
    tickets: Sequence[Ticket],
    interactions: Sequence[Interaction],
    now: datetime,
    grouped: Sequence[Theme],
) -> list[_Note]:
    """Internal notes that may record steps: open tickets', and recently solved ones' of a
    theme that is still open."""
    wanted = {t.ref.key: t for t in tickets if t.is_open}
    for theme in grouped:
        if theme.is_open:
            for t in theme.tickets:
                if not t.is_open and now - t.updated <= SOLVED_WINDOW:
                    wanted[t.ref.key] = t
    notes = [
        _Note(ticket, c.body, c.created, c.ref)
        for ticket in wanted.values()
        for c in ticket.comments
        if not c.public
    ]
    for item in interactions:
        if item.channel.value == "note" and item.ticket_id is not None:
            noted = wanted.get((item.ref.connector, item.ticket_id))
            if noted is not None:
                notes.append(_Note(noted, item.summary, item.at, item.ref))
    return notes


def already_tried(
    tickets: Sequence[Ticket],
    interactions: Sequence[Interaction],
    now: datetime | None = None,
    grouped: Sequence[Theme] | None = None,
) -> tuple[TriedItem, ...]:
    """Every step tried on the caller's open problems, once each, newest first.

    `grouped`: the tickets' themes when the caller has them already (the profile's, grouped
    once per change); grouped here otherwise."""
    now = now or now_utc()
    if grouped is None:
        grouped = themes(tickets, ())
    items: dict[str, TriedItem] = {}
    seen: set[tuple[str, str, str]] = set()  # one note quoted in a comment and a note counts once
    for note in _notes(tickets, interactions, now, grouped):
        if CALL_LOG.match(note.body):
            continue
        for step in tried_steps(note.body):
            key = " ".join(step.casefold().split()).strip(" .")
            mark = (*note.ticket.ref.key, f"{key}@{note.at.isoformat()}")
            if mark in seen:
                continue
            seen.add(mark)
            items[key] = _fold(items.get(key), step, note)
    return tuple(sorted(items.values(), key=lambda item: item.at, reverse=True))


def _fold(known: TriedItem | None, step: str, note: _Note) -> TriedItem:
    ticket = note.ticket
    solved = None if ticket.is_open else ticket
    if known is None:
        item = TriedItem(step, note.at, note.ref, ticket.ref)
    elif note.at > known.at:
        item = replace(known, text=step, at=note.at, ref=note.ref, ticket=ticket.ref)
        item = replace(item, count=known.count + 1)
    else:
        item = replace(known, count=known.count + 1)
    if solved is not None and (item.solved_at is None or solved.updated > item.solved_at):
        item = replace(
            item, solved=solved.ref, solved_status=solved.status.value, solved_at=solved.updated
        )
    return item


def came_back(item: TriedItem, now: datetime | None = None) -> str | None:
    """`on #1006, solved 6 days ago: it came back` (None: tried on open tickets only)."""
    if item.solved is None or item.solved_at is None:
        return None
    return (
        f"on #{item.solved.record_id}, {item.solved_status or 'solved'} "
        f"{ago(item.solved_at, now)}: it came back"
    )


def describe(item: TriedItem, now: datetime | None = None) -> str:
    """`3 times, last 2 h ago, Desk; on #1006, solved 6 days ago: it came back`."""
    when = ago(item.at, now)
    head = f"{item.count} times, last {when}" if item.count > 1 else when
    head += f", {item.ref.connector}"
    back = came_back(item, now)
    return f"{head}; {back}" if back else head
