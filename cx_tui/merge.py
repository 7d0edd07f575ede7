"""Merging one person's records: fields with provenance and conflicts, contact points, companies,
tickets, their themes, the timeline and what was already tried.

Pure functions over the models; `profile.ProfileBuilder` calls them once identity is resolved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from cx_tui.insight.themes import themes
from cx_tui.insight.tried import already_tried
from cx_tui.models import (
    Company,
    Conflict,
    ContactKind,
    ContactPoint,
    Details,
    FieldValue,
    Interaction,
    Person,
    SourcedCompany,
    SourcedContact,
    SourceRef,
    Theme,
    Ticket,
    TriedItem,
)
from cx_tui.source_values import phone_e164, region_of

MERGED_FIELDS = ("name", "company", "title", "plan", "timezone", "language", "vip")


def _norm(value: str) -> str:
    return " ".join(value.split()).casefold()


def _field_values(person: Person, name: str) -> list[str]:
    """The person's value of a card field: the built-in one, then a mapped one of that label."""
    mapped = [value for label, value in person.custom if label == name and value.strip()]
    if name not in MERGED_FIELDS:
        return mapped
    if name == "vip":
        return [] if person.vip is None else ["yes" if person.vip else "no"]
    value = getattr(person, name)
    return [value, *mapped] if isinstance(value, str) and value.strip() else mapped


def _labels(persons: Sequence[Person], companies: Sequence[Company]) -> list[str]:
    """The built-in fields, then every mapped label (`[connectors.fields]`) in source order."""
    mapped = [label for p in persons for label, _ in p.custom]
    mapped += [label for c in companies for label, _ in c.custom]
    return list(dict.fromkeys((*MERGED_FIELDS, *(m for m in mapped if m != "tags"))))


def merge_fields(
    persons: Sequence[Person], companies: Sequence[Company] = ()
) -> tuple[dict[str, tuple[FieldValue, ...]], tuple[Conflict, ...]]:
    """Per-field values with their sources; a field with several distinct values conflicts.

    Values that differ only in case or spacing are the same value. The first source (config
    order) gives the shown value.
    """
    fields: dict[str, tuple[FieldValue, ...]] = {}
    conflicts: list[Conflict] = []
    for name in _labels(persons, companies):
        found: dict[str, tuple[str, list[SourceRef]]] = {}
        for person in persons:
            for value in _field_values(person, name):
                holders = found.setdefault(_norm(value), (value, []))[1]
                if person.ref not in holders:
                    holders.append(person.ref)
        for company in companies:  # "company.<field>" mappings: the company's record says
            for label, value in company.custom:
                if label == name and value.strip():
                    found.setdefault(_norm(value), (value, []))[1].append(company.ref)
        if name == "plan" and not found:
            for company in companies:
                if company.plan:
                    found.setdefault(_norm(company.plan), (company.plan, []))[1].append(company.ref)
        if not found:
            continue
        values = tuple(FieldValue(v, tuple(refs)) for v, refs in found.values())
        fields[name] = values
        if len(values) > 1:
            conflicts.append(Conflict(name, values))
    tags: dict[str, str] = {}
    for person in persons:
        for tag in person.tags:
            tags.setdefault(tag.casefold(), tag)  # the first source's spelling wins
    if tags:
        refs = tuple(p.ref for p in persons if p.tags)
        fields["tags"] = (FieldValue(", ".join(sorted(tags.values(), key=str.casefold)), refs),)
    return fields, tuple(conflicts)


def person_region(person: Person) -> str | None:
    """The region the person's own E.164 numbers place them in (the first that tells)."""
    for cp in person.contact_points:
        if cp.kind is ContactKind.PHONE and cp.value.startswith("+"):
            region = region_of(cp.value)
            if region is not None:
                return region
    return None


def canonical_person(person: Person, region: str | None) -> Person:
    """`person` with every phone a source stored without its country code as E.164 (plus
    extension), read in the person's own region (their other numbers'), else `region` (the
    caller's); the stored spelling stays in `raw`. Unreadable numbers are left as stored."""
    if all(
        cp.kind is not ContactKind.PHONE or cp.value.startswith("+") for cp in person.contact_points
    ):
        return person
    where = person_region(person) or region
    points = []
    for cp in person.contact_points:
        if cp.kind is ContactKind.PHONE and not cp.value.startswith("+"):
            parsed = phone_e164(cp.raw or cp.value, where)
            if parsed is not None:
                cp = replace(
                    cp, value=parsed[0], extension=cp.extension or parsed[1], raw=cp.raw or cp.value
                )
        points.append(cp)
    return replace(person, contact_points=tuple(points))


def merge_contacts(persons: Sequence[Person]) -> tuple[SourcedContact, ...]:
    """Every phone and email with the sources that hold it, once: one line or mailbox however
    each source spells it (`spellings` keeps how each stored it); phones first, widely held
    first."""
    points: dict[tuple[str, str, str], ContactPoint] = {}
    sources: dict[tuple[str, str, str], list[SourceRef]] = {}
    spellings: dict[tuple[str, str, str], dict[tuple[str, str], None]] = {}
    for person in persons:
        for cp in person.contact_points:
            sources.setdefault(cp.key, []).append(person.ref)
            known = points.setdefault(cp.key, cp)
            if cp.shared and not known.shared:
                points[cp.key] = replace(known, shared=True)
            if cp.raw and cp.raw != cp.value:
                spellings.setdefault(cp.key, {})[(person.ref.connector, cp.raw)] = None
    ordered = sorted(points, key=lambda k: (k[0] != ContactKind.PHONE.value, -len(sources[k])))
    return tuple(
        SourcedContact(points[k], tuple(dict.fromkeys(sources[k])), tuple(spellings.get(k, ())))
        for k in ordered
    )


def merge_companies(companies: Sequence[Company]) -> tuple[SourcedCompany, ...]:
    grouped: dict[str, list[Company]] = {}
    for company in companies:
        grouped.setdefault(_norm(company.name), []).append(company)
    return tuple(SourcedCompany(group[0].name, tuple(group)) for group in grouped.values())


def _ticket_order(ticket: Ticket) -> tuple[bool, int, float, float]:
    rank = ticket.priority.rank if ticket.priority else 1
    due = ticket.sla_due.timestamp() if ticket.sla_due else float("inf")
    return (not ticket.is_open, -rank, due if ticket.is_open else 0.0, -ticket.updated.timestamp())


def order_tickets(tickets: Iterable[Ticket]) -> tuple[Ticket, ...]:
    """Open tickets first (most urgent, then soonest SLA), then the rest by last update."""
    unique = {t.ref.key: t for t in tickets}
    return tuple(sorted(unique.values(), key=_ticket_order))


def merge_timeline(interactions: Iterable[Interaction]) -> tuple[Interaction, ...]:
    unique = {i.ref.key: i for i in interactions}
    return tuple(sorted(unique.values(), key=lambda i: i.at, reverse=True))


@dataclass(frozen=True, slots=True)
class Records:
    """A person's tickets (open first), timeline (newest first), their themes (the latest
    contact first) and steps already tried."""

    tickets: tuple[Ticket, ...] = ()
    timeline: tuple[Interaction, ...] = ()
    already_tried: tuple[TriedItem, ...] = ()
    themes: tuple[Theme, ...] = ()


class RecordMerger:
    """Merges a person's records once per change, for a profile rebuilt on every update: the
    tickets' themes are grouped here too, once per change of the tickets or timeline.

    The same details merge to the same objects: the screen then knows by identity that a
    panel has nothing new (issue 16: 8 sources answering repainted every panel each time).
    Details that changed are merged again, and a part that comes out equal to the last one
    (another source's tickets changed, not the timeline) keeps the last one's object.
    """

    def __init__(self) -> None:
        self._found: tuple[Details, ...] = ()
        self._interactions: tuple[Interaction, ...] = ()
        self._records = Records()
        self.merges = 0
        """How many times the records were merged afresh (tests count them)."""

    def merge(self, found: Sequence[Details]) -> Records:
        last = self._records
        if len(found) == len(self._found) and all(
            a is b for a, b in zip(found, self._found, strict=True)
        ):
            return last
        self.merges += 1
        tickets = order_tickets(t for d in found for t in d.tickets)
        interactions = tuple(i for d in found for i in d.interactions)
        timeline = merge_timeline(interactions)
        tickets = last.tickets if tickets == last.tickets else tickets
        timeline = last.timeline if timeline == last.timeline else timeline
        unchanged = tickets is last.tickets and timeline is last.timeline
        grouped = last.themes if unchanged else themes(tickets, timeline)
        same = tickets is last.tickets and interactions == self._interactions
        tried = (
            last.already_tried
            if same and found
            else already_tried(tickets, interactions, grouped=grouped)
        )
        self._found, self._interactions = tuple(found), interactions
        self._records = Records(tickets, timeline, tried, grouped)
        return self._records
