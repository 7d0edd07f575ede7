"""The mask: a profile with its personal data hidden, for a screen shared or recorded.

`redact(profile)` returns the same profile with names as initials (`Maria Gonzalez` -> `M. G.`),
numbers as their last 2 digits (`+14155550132` -> `•••32`), emails as their first letter and
domain (`m•••@example.com`), and note, comment and timeline bodies as their first words. Ticket
subjects, theme labels, steps and match details keep their words, with the same masks applied to
any number, email or the caller's name inside them. Record ids, sources, states and dates are not
personal and stay, so every renderer (screen, `lookup`, `--json`) shows the masked profile
unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import TypeVar, cast

from cx_tui.models import (
    Candidate,
    Comment,
    Conflict,
    ContactKind,
    ContactPoint,
    FieldValue,
    Interaction,
    Match,
    Owner,
    Person,
    Profile,
    RecentTicket,
    SourcedContact,
    SourceStatus,
    Theme,
    Ticket,
    TriedItem,
    TroubleSpot,
)

FIRST_WORDS = 3
"""Words a masked body keeps."""
DOT = "•••"

_EMAIL = re.compile(r"([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_NUMBER = re.compile(r"[+(]*\d[\d\s().-]{3,}\d")
"""A run of 5+ digits, spaces, dots, dashes or brackets: a phone, an account or card number."""


def initials(name: str | None) -> str | None:
    """`Maria Gonzalez` -> `M. G.`."""
    if name is None:
        return None
    letters = [word[0].upper() + "." for word in name.split() if word[:1].isalnum()]
    return " ".join(letters) or DOT


def mask_email(address: str) -> str:
    """`maria.gonzalez@example.com` -> `m•••@example.com`."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}{DOT}@{domain}" if domain else DOT


def mask_number(value: str) -> str:
    """`+1 (415) 555-0132` -> `•••32`."""
    digits = re.sub(r"\D", "", value)
    return DOT + digits[-2:]


class Mask:
    """Masks the text of one profile: knows the caller's names, to hide them in free text."""

    def __init__(self, names: Iterable[str | None] = ()) -> None:
        words = {w for name in names if name for w in re.findall(r"\w{2,}", name)}
        self.key = frozenset(words)
        """What this mask hides beyond emails and numbers (two masks with one key mask alike)."""
        self._names = (
            re.compile(
                r"\b(" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")\b",
                re.I,
            )
            if words
            else None
        )

    def text(self, value: str) -> str:
        """Emails, numbers and the caller's names masked inside free text."""
        value = _EMAIL.sub(lambda m: f"{m.group(1)}{DOT}@{m.group(2)}", value)
        value = _NUMBER.sub(lambda m: mask_number(m.group(0)), value)
        if self._names is not None:
            value = self._names.sub(lambda m: m.group(0)[0].upper() + ".", value)
            value = re.sub(r"\b([A-Z])\.\.(?!\.)", r"\1.", value)  # "Thanks M.." -> "Thanks M."
        return value

    def body(self, value: str) -> str:
        """The first words of a note or comment, masked."""
        words = value.split()
        cut = " ".join(words[:FIRST_WORDS])
        return self.text(cut) + (" …" if len(words) > FIRST_WORDS else "")

    def name(self, value: str | None) -> str | None:
        return initials(value)

    def query(self, value: str) -> str:
        if "@" in value:
            return mask_email(value.strip())
        if re.search(r"\d{3}", value):
            return mask_number(value)
        return initials(value) or ""

    def point(self, point: ContactPoint) -> ContactPoint:
        if point.kind is ContactKind.EMAIL:
            return replace(point, value=mask_email(point.value), raw=None)
        return replace(point, value=mask_number(point.value), raw=None)

    def person(self, person: Person) -> Person:
        return replace(
            person,
            name=self.name(person.name),
            contact_points=tuple(self.point(cp) for cp in person.contact_points),
            tags=tuple(self.tag(t) for t in person.tags),
            owners=tuple(self.owner(o) for o in person.owners),
        )

    def tag(self, tag: str) -> str:
        """A tag, with the owner a CRM names in it (`owner: Alex Rivera`) as initials."""
        if tag.casefold().startswith("owner: "):
            return "owner: " + (initials(tag[7:]) or DOT)
        return self.text(tag)

    def owner(self, owner: Owner) -> Owner:
        """A person's name as initials; a group's name stays (it is not personal)."""
        return owner if owner.role.is_team else replace(owner, name=initials(owner.name) or DOT)

    def match(self, match: Match) -> Match:
        return replace(match, person=self.person(match.person), detail=self.text(match.detail))

    def ticket(self, ticket: Ticket) -> Ticket:
        return replace(
            ticket,
            subject=self.text(ticket.subject),
            tags=tuple(self.tag(t) for t in ticket.tags),
            comments=tuple(self.comment(c) for c in ticket.comments),
            owners=tuple(self.owner(o) for o in ticket.owners),
        )

    def theme(self, theme: Theme, masked: Mapping[tuple[str, str], Ticket]) -> Theme:
        """A theme's label as a tag or subject words are masked; its tickets the masked ones
        (`masked`, by key)."""
        label = self.tag(theme.label) if theme.kind == "tag" else self.text(theme.label)
        tickets = tuple(masked.get(t.ref.key) or self.ticket(t) for t in theme.tickets)
        return replace(theme, label=label, tickets=tickets)

    def comment(self, comment: Comment) -> Comment:
        return replace(comment, body=self.body(comment.body), author=self.name(comment.author))

    def interaction(self, item: Interaction) -> Interaction:
        return replace(item, summary=self.body(item.summary))

    def tried(self, item: TriedItem) -> TriedItem:
        return replace(item, text=self.text(item.text))

    def field(self, name: str, values: Iterable[FieldValue]) -> tuple[FieldValue, ...]:
        if name == "name":
            return tuple(replace(v, value=initials(v.value) or DOT) for v in values)
        return tuple(replace(v, value=self.text(v.value)) for v in values)

    def candidate(self, candidate: Candidate) -> Candidate:
        return replace(
            candidate,
            name=self.name(candidate.name),
            matches=tuple(self.match(m) for m in candidate.matches),
        )

    def status(self, status: SourceStatus) -> SourceStatus:
        return replace(status, message=self.text(status.message))

    def recent(self, ticket: RecentTicket) -> RecentTicket:
        return replace(ticket, subject=self.text(ticket.subject))

    def trouble(self, spot: TroubleSpot) -> TroubleSpot:
        """Other customers' ticket subjects, as the caller's are (record ids stay)."""
        return replace(
            spot,
            tag=self.tag(spot.tag),
            tickets=tuple(self.recent(t) for t in spot.tickets),
            problem=self.recent(spot.problem) if spot.problem else None,
        )


def mask_for(profile: Profile) -> Mask:
    """A mask that knows every name the profile holds for the caller (or the candidates)."""
    names: list[str | None] = [v.value for v in profile.fields.get("name", ())]
    names += [m.person.name for m in profile.matches]
    names += [c.name for c in profile.candidates]
    return Mask(names)


T = TypeVar("T")


class RedactMemo:
    """The masked tickets, timeline, steps and themes of the last profile `redact` was given:
    a paint whose records did not change gets the same masked tuples back, so the tables and
    the theme list (which skip a repaint for the same tuple) do no work."""

    def __init__(self) -> None:
        self._kept: dict[str, tuple[frozenset[str], object, tuple[object, ...]]] = {}

    def kept(
        self, part: str, key: frozenset[str], values: tuple[T, ...], mask: Callable[[T], T]
    ) -> tuple[T, ...]:
        """`values` masked: the tuple of the last call when `values` is that call's very tuple
        and the mask hides the same names."""
        last = self._kept.get(part)
        if last is not None and last[0] == key and last[1] is values:
            return cast("tuple[T, ...]", last[2])
        masked = tuple(mask(v) for v in values)
        self._kept[part] = (key, values, masked)
        return masked


def redact(profile: Profile, memo: RedactMemo | None = None) -> Profile:
    """`profile` with its personal data masked (see the module's docstring); `memo` keeps the
    masked records of the last call for the next (the screen's paints)."""
    mask = mask_for(profile)

    def each(part: str, values: tuple[T, ...], masked: Callable[[T], T]) -> tuple[T, ...]:
        if memo is None:
            return tuple(masked(v) for v in values)
        return memo.kept(part, mask.key, values, masked)

    tickets = each("tickets", profile.tickets, mask.ticket)
    by_key = {t.ref.key: t for t in tickets}
    return replace(
        profile,
        query=mask.query(profile.query),
        fields={name: mask.field(name, values) for name, values in profile.fields.items()},
        conflicts=tuple(
            Conflict(c.field, mask.field(c.field, c.values)) for c in profile.conflicts
        ),
        contacts=tuple(SourcedContact(mask.point(c.point), c.sources) for c in profile.contacts),
        tickets=tickets,
        timeline=each("timeline", profile.timeline, mask.interaction),
        already_tried=each("tried", profile.already_tried, mask.tried),
        themes=each("themes", profile.themes, lambda theme: mask.theme(theme, by_key)),
        sources={k: mask.status(s) for k, s in profile.sources.items()},
        matches=tuple(mask.match(m) for m in profile.matches),
        candidates=tuple(mask.candidate(c) for c in profile.candidates),
        trouble=tuple(mask.trouble(s) for s in profile.trouble),
    )
