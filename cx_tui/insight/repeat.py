"""Repeat contacts per theme: how often the caller got in touch about one problem lately.

Each theme (`themes.py`) counts its customer contacts in the window: inbound calls, emails,
chats... on its tickets, and each ticket opened in the window without one (the ticket itself
was the contact). A contact about a ticket the profile does not hold is its own group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cx_tui.insight.themes import theme_of
from cx_tui.models import Interaction, SourceRef, Theme, Ticket


@dataclass(frozen=True, slots=True)
class RepeatGroup:
    label: str
    ids: tuple[str, ...]
    """The theme's tickets contacted in the window, newest first."""
    subject: str
    """The subject when there is one ticket."""
    contacts: tuple[SourceRef, ...]
    channels: tuple[str, ...]
    sources: str
    target: SourceRef | None

    @property
    def refs(self) -> str:
        return ", ".join(f"#{i}" for i in self.ids)


def ordinal(n: int) -> str:
    """`1st`, `2nd`, `3rd`, `4th`, `11th`, `22nd`."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{({1: 'st', 2: 'nd', 3: 'rd'}).get(n % 10, 'th')}"


def repeat_themes(
    grouped: Sequence[Theme],
    tickets: Sequence[Ticket],
    recent: Sequence[Interaction],
    since: datetime,
    threshold: int = 2,
) -> list[RepeatGroup]:
    """Themes with at least `threshold` contacts since `since`, the most contacted first.

    Args:
        grouped: The caller's themes (`Profile.themes`).
        tickets: The caller's tickets, every source.
        recent: Their inbound customer contacts since `since`.
        since: The start of the window.
        threshold: Fewest contacts that make a repeat.
    """
    by_ticket = theme_of(grouped)
    # group key -> (theme or None, contacts as (ref, channel, ticket key, when))
    groups: dict[object, tuple[Theme | None, list[tuple[SourceRef, str, tuple[str, str]]]]] = {}
    contacted: set[tuple[str, str]] = set()
    for item in recent:
        if item.ticket_id is None:
            continue
        key = (item.ref.connector, item.ticket_id)
        theme = by_ticket.get(key)
        group = groups.setdefault(id(theme) if theme else key, (theme, []))
        group[1].append((item.ref, item.channel.value, key))
        contacted.add(key)
    by_key = {t.ref.key: t for t in tickets}  # not a search of the theme per ticket
    for key, theme in by_ticket.items():
        ticket = by_key.get(key) or next(t for t in theme.tickets if t.ref.key == key)
        if key not in contacted and ticket.created >= since:
            groups.setdefault(id(theme), (theme, []))[1].append((ticket.ref, "ticket", key))
    out = []
    for theme, contacts in groups.values():
        if len(contacts) < threshold:
            continue
        keys = {key for _, _, key in contacts}
        if theme is None:
            [(source, ticket_id)] = keys
            out.append(
                RepeatGroup(
                    f"ticket #{ticket_id}",
                    (ticket_id,),
                    "",
                    tuple(ref for ref, _, _ in contacts),
                    tuple(sorted({c for _, c, _ in contacts})),
                    source,
                    None,
                )
            )
            continue
        involved = [t for t in theme.tickets if t.ref.key in keys]
        open_ = [t for t in involved if t.is_open]
        out.append(
            RepeatGroup(
                theme.label,
                tuple(t.ref.record_id for t in involved),
                involved[0].subject if len(involved) == 1 else "",
                tuple(ref for ref, _, _ in contacts),
                tuple(sorted({c for _, c, _ in contacts})),
                ", ".join(dict.fromkeys(t.ref.connector for t in involved)),
                (open_ or involved)[0].ref,
            )
        )
    out.sort(key=lambda g: (-len(g.contacts), g.ids))
    return out
