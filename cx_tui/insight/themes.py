"""Themes: a caller's tickets from every source grouped by what they are about.

Shared tags first (a tag two of the caller's tickets carry names their theme), then subjects that
are near-duplicates: the Jaccard similarity of their normalised words (lower case, stop words
out, a crude stem) reaches `SIMILAR`. Deterministic, no model, and linear in the number of
tickets: each ticket is compared only with the themes that share one of its words, at most
`MAX_CANDIDATES` of them (500 tickets take a few milliseconds, `bench/themes.py`).

The grouping runs once per change of a caller's tickets or timeline, where the profile is built
(`merge.RecordMerger`); the profile carries the result (`Profile.themes`) for every reader.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from cx_tui.models import Channel, Direction, Interaction, Theme, Ticket

SIMILAR = 0.5
"""Jaccard similarity of two subjects' word sets at or above which they are one theme."""
MAX_CANDIDATES = 8
"""Themes compared per ticket (those sharing the most words first): keeps the grouping linear."""
GENERIC_TAGS = frozenset(
    {"vip", "urgent", "phone", "email", "chat", "web", "social", "call", "voicemail", "cx-tui"}
)
"""Tags that say how or how urgently someone wrote, not what about."""
CUSTOMER_CHANNELS = frozenset(
    {Channel.CALL, Channel.EMAIL, Channel.CHAT, Channel.SOCIAL, Channel.WEB}
)
_STOP = frozenset(
    "a an and are as at be but by can cannot cant do does dont for from get gets got has have "
    "help how i im in is it its my no not of on or our please re fwd fw so still the their "
    "them this to up us we what when why will with you your after about again".split()
)
_WORD = re.compile(r"[a-z0-9]+")


def words(subject: str) -> frozenset[str]:
    """A subject's normalised words: lower case, no stop words or bare numbers, stemmed."""
    out = set()
    for word in _WORD.findall(subject.casefold()):
        if word in _STOP or word.isdigit() or len(word) < 2:
            continue
        out.add(_stem(word))
    return frozenset(out)


def _stem(word: str) -> str:
    """`failing`, `failed`, `fails` -> `fail`: enough for subjects, not a linguist's stemmer."""
    for suffix, shortest in (("ing", 6), ("ed", 5)):
        if word.endswith(suffix) and len(word) >= shortest:
            stem = word[: -len(suffix)]
            # dropping -> dropp -> drop; calling -> call
            doubled = len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz"
            return stem[:-1] if doubled else stem
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard: shared words over all words (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


class _Group:
    __slots__ = ("kind", "label", "members", "words")

    def __init__(self, label: str, kind: str, first: Ticket, first_words: frozenset[str]) -> None:
        self.label = label
        self.kind = kind
        self.members = [first]
        self.words = first_words


def _tag_of(ticket: Ticket, counts: dict[str, int]) -> str | None:
    """The ticket's tag shared by the most of the caller's tickets (ties: alphabetical)."""
    shared = [t.casefold() for t in ticket.tags if counts.get(t.casefold(), 0) >= 2]
    return min(shared, key=lambda t: (-counts[t], t)) if shared else None


def _group_tickets(tickets: Sequence[Ticket]) -> list[_Group]:
    """The tickets in groups of one theme each: a shared tag first, then near-duplicate
    subjects."""
    counts: dict[str, int] = {}
    for ticket in tickets:
        for name in {t.casefold() for t in ticket.tags} - GENERIC_TAGS:
            counts[name] = counts.get(name, 0) + 1
    groups: list[_Group] = []
    by_tag: dict[str, _Group] = {}
    index: dict[str, list[int]] = {}  # word -> groups holding it
    rest: list[tuple[Ticket, frozenset[str]]] = []
    for ticket in sorted(tickets, key=lambda t: (t.created, t.ref.key)):
        subject = words(ticket.subject)
        tag = _tag_of(ticket, counts)
        if tag is None:
            rest.append((ticket, subject))
            continue
        group = by_tag.get(tag)
        if group is None:
            group = by_tag[tag] = _Group(tag, "tag", ticket, subject)
            groups.append(group)
            for word in subject:
                index.setdefault(word, []).append(len(groups) - 1)
        else:
            group.members.append(ticket)
    for ticket, subject in rest:
        best = _closest(subject, groups, index)
        if best is None:
            groups.append(_Group("", "subject", ticket, subject))
            for word in subject:
                index.setdefault(word, []).append(len(groups) - 1)
            continue
        group = groups[best]
        group.members.append(ticket)
        if group.kind == "subject":
            group.words = group.words & subject  # the words every subject shares
    return groups


def _closest(
    subject: frozenset[str], groups: list[_Group], index: dict[str, list[int]]
) -> int | None:
    shared: dict[int, int] = {}
    for word in subject:
        for position in index.get(word, ())[-MAX_CANDIDATES:]:
            shared[position] = shared.get(position, 0) + 1
    ranked = sorted(shared, key=lambda p: (-shared[p], p))[:MAX_CANDIDATES]
    best, score = None, SIMILAR
    for position in ranked:
        value = similarity(subject, groups[position].words)
        if value >= score and (best is None or value > score):
            best, score = position, value
    return best


def _label(group: _Group) -> str:
    if group.label:
        return group.label
    first = group.members[0].subject
    ordered = [w for w in _WORD.findall(first.casefold()) if _stem(w) in group.words]
    picked = list(dict.fromkeys(ordered))[:4]
    return " ".join(picked) if picked else first.strip()[:40]


def themes(
    tickets: Sequence[Ticket], interactions: Iterable[Interaction] = ()
) -> tuple[Theme, ...]:
    """The caller's themes, the latest contact first (every ticket is in exactly one)."""
    contacts: dict[tuple[str, str], list[datetime]] = {}
    for item in interactions:
        if (
            item.ticket_id is not None
            and item.direction is Direction.INBOUND
            and item.channel in CUSTOMER_CHANNELS
        ):
            contacts.setdefault((item.ref.connector, item.ticket_id), []).append(item.at)
    out = []
    for group in _group_tickets(tickets):
        times = [at for t in group.members for at in (contacts.get(t.ref.key) or [t.created])]
        ordered = tuple(sorted(group.members, key=lambda t: (t.created, t.ref.key), reverse=True))
        out.append(
            Theme(
                _label(group),
                group.kind,
                ordered,
                min(min(times), min(t.created for t in group.members)),
                max(times),
                tuple(sorted(times, reverse=True)),
            )
        )
    out.sort(key=lambda theme: (theme.last, theme.ids), reverse=True)
    return tuple(out)


def theme_of(all_themes: Iterable[Theme]) -> dict[tuple[str, str], Theme]:
    """Ticket key -> its theme."""
    return {t.ref.key: theme for theme in all_themes for t in theme.tickets}
