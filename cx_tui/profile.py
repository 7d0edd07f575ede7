"""Merge what the sources found into one profile: identity resolution, provenance, conflicts.

Identity resolution (docs/ARCHITECTURE.md): a link the agent confirmed beats a shared email, which
beats a shared phone. Records from one source are never merged with each other (they are
different people in that system). A phone joins two records only when each is the other's only
candidate, the number is not flagged as shared, and their emails do not conflict; so a company
switchboard yields candidates for the agent to pick from, never a silent guess. Neither does a
match on the last digits of a number alone: that person is a candidate the agent confirms.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from cx_tui.insight.tried import already_tried
from cx_tui.insight.tried import tried_steps as tried_steps  # re-exported: the parsing rule
from cx_tui.models import (
    Candidate,
    Company,
    Conflict,
    ContactKind,
    ContactPoint,
    Details,
    FieldValue,
    Interaction,
    Match,
    MatchReason,
    Person,
    Profile,
    ProfileState,
    SourcedCompany,
    SourcedContact,
    SourceRef,
    SourceState,
    SourceStatus,
    Ticket,
)

RecordKey = tuple[str, str]
"""(connector name, record id) of a person record."""

STRONG_MATCH = 0.9
"""At or above: the match names the person by itself (an exact number, an email). Below it the
profile says why it matched, so the agent can judge."""
WEAK_MATCH = 0.6
"""Below: a last-digits match. Noise when some match is strong; otherwise never enough to
resolve the caller silently (the agent confirms, as for a shared number)."""

MERGED_FIELDS = ("name", "company", "title", "plan", "timezone", "language", "vip")


# --- Identity resolution -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Resolution:
    """Who the matches add up to."""

    state: ProfileState
    clusters: tuple[tuple[Match, ...], ...]
    """Each cluster is one real person as seen by one or more sources, best first."""

    @property
    def resolved(self) -> tuple[Match, ...]:
        return self.clusters[0] if self.state is ProfileState.RESOLVED else ()


def is_weak(match: Match) -> bool:
    """Evidence too thin to name the caller on its own (a last-digits match).

    A name match is not weak in this sense: the agent typed the name the caller gave, and the
    profile shows the name it found.
    """
    return match.confidence < WEAK_MATCH and match.reason is not MatchReason.NAME


def weak_only(matches: Iterable[Match]) -> bool:
    """Every match is weak: whoever they point at is a guess the agent must confirm."""
    found = list(matches)
    return bool(found) and all(is_weak(m) for m in found)


def cluster_key(cluster: Iterable[Match]) -> str:
    """A stable id for a cluster: its record keys, sorted."""
    return "|".join(sorted(f"{m.person.ref.connector}:{m.person.ref.record_id}" for m in cluster))


def resolve(
    matches: Iterable[Match],
    links: Iterable[Iterable[RecordKey]] = (),
    line: tuple[str, str] | None = None,
) -> Resolution:
    """Group matches into people, and say whether they name one person, several or nobody.

    Args:
        matches: Every match from every source (a record matched twice keeps its best match).
        links: Groups of records the agent confirmed are one person.
        line: (E.164, extension) when the query was a phone number with an extension: a person
            on exactly that line outranks people on the same number without it (the caller
            dialled from extension 210, so they are not whoever answers the main line).

    Returns:
        The clusters, strongest first, and the resulting state. A lone cluster resolves only
        when some match in it is better than weak: a last-digits match alone stays a candidate
        for the agent to confirm (a wrong guess about who is calling is worse than asking).
    """
    best: dict[RecordKey, Match] = {}
    for match in matches:
        key = match.person.ref.key
        if key not in best or match.confidence > best[key].confidence:
            best[key] = match
    if not best:
        return Resolution(ProfileState.UNKNOWN, ())

    clusters = _Clusters(list(best))
    persons = {key: m.person for key, m in best.items()}

    for group in links:
        present = [key for key in group if key in best]
        for other in present[1:]:
            clusters.union(present[0], other)

    keys = list(best)
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            if persons[a].emails() & persons[b].emails() and clusters.compatible(a, b):
                clusters.union(a, b)

    _link_by_phone(clusters, persons)

    groups = [tuple(best[key] for key in members) for members in clusters.groups()]
    groups.sort(key=lambda g: (-max(m.confidence for m in g), -len(g), cluster_key(g)))
    if max(m.confidence for m in groups[0]) >= STRONG_MATCH:
        groups = [g for g in groups if max(m.confidence for m in g) >= WEAK_MATCH]
    unsure = False
    if line is not None and line[1]:
        on_line = [g for g in groups if any(_has_line(m.person, line) for m in g)]
        # Nobody on record at that extension of a shared number: whoever is on the main line
        # is a guess, so the agent confirms even a single candidate.
        unsure = not on_line and any(
            cp.shared and cp.value == line[0]
            for g in groups
            for m in g
            for cp in m.person.contact_points
        )
        groups = on_line or groups
    single = len(groups) == 1 and not unsure and not weak_only(groups[0])
    state = ProfileState.RESOLVED if single else ProfileState.AMBIGUOUS
    return Resolution(state, tuple(groups))


def _has_line(person: Person, line: tuple[str, str]) -> bool:
    return any(
        cp.kind is ContactKind.PHONE and (cp.value, cp.extension or "") == line
        for cp in person.contact_points
    )


class _Clusters:
    """Union-find over record keys that refuses to put two records of one source together."""

    def __init__(self, keys: Sequence[RecordKey]) -> None:
        self._parent = {key: key for key in keys}

    def find(self, key: RecordKey) -> RecordKey:
        while self._parent[key] != key:
            self._parent[key] = self._parent[self._parent[key]]
            key = self._parent[key]
        return key

    def members(self, key: RecordKey) -> list[RecordKey]:
        root = self.find(key)
        return [k for k in self._parent if self.find(k) == root]

    def compatible(self, a: RecordKey, b: RecordKey) -> bool:
        if self.find(a) == self.find(b):
            return False
        sources_a = {k[0] for k in self.members(a)}
        return not any(k[0] in sources_a for k in self.members(b))

    def union(self, a: RecordKey, b: RecordKey) -> None:
        self._parent[self.find(b)] = self.find(a)

    def groups(self) -> list[list[RecordKey]]:
        out: dict[RecordKey, list[RecordKey]] = {}
        for key in self._parent:
            out.setdefault(self.find(key), []).append(key)
        return list(out.values())


def _phone_lines(person: Person) -> set[tuple[str, str]]:
    """Phone lines usable as identity evidence: not flagged as shared by the source."""
    return {
        (cp.value, cp.extension or "")
        for cp in person.contact_points
        if cp.kind is ContactKind.PHONE and not cp.shared
    }


def _same_line(a: set[tuple[str, str]], b: set[tuple[str, str]]) -> bool:
    for number, ext in a:
        for other_number, other_ext in b:
            if number == other_number and (not ext or not other_ext or ext == other_ext):
                return True
    return False


def _link_by_phone(clusters: _Clusters, persons: Mapping[RecordKey, Person]) -> None:
    """Join clusters that share a phone line when each is the other's only candidate."""
    changed = True
    while changed:
        changed = False
        roots = {clusters.find(key) for key in persons}
        lines = {
            root: set().union(*(_phone_lines(persons[k]) for k in clusters.members(root)))
            for root in roots
        }
        emails = {
            root: frozenset().union(*(persons[k].emails() for k in clusters.members(root)))
            for root in roots
        }
        partners: dict[RecordKey, list[RecordKey]] = {root: [] for root in roots}
        for a in roots:
            for b in roots:
                if a == b or not clusters.compatible(a, b):
                    continue
                if emails[a] and emails[b] and not (emails[a] & emails[b]):
                    continue  # a phone-only match whose email conflicts is not merged
                if _same_line(lines[a], lines[b]):
                    partners[a].append(b)
        for a, found in partners.items():
            if len(found) == 1 and partners[found[0]] == [a] and clusters.compatible(a, found[0]):
                clusters.union(a, found[0])
                changed = True
                break


# --- Building the profile ------------------------------------------------------------------


def _norm(value: str) -> str:
    return " ".join(value.split()).casefold()


def _field_value(person: Person, name: str) -> str | None:
    if name == "vip":
        return None if person.vip is None else ("yes" if person.vip else "no")
    value = getattr(person, name)
    return value if isinstance(value, str) and value.strip() else None


def merge_fields(
    persons: Sequence[Person], companies: Sequence[Company] = ()
) -> tuple[dict[str, tuple[FieldValue, ...]], tuple[Conflict, ...]]:
    """Per-field values with their sources; a field with several distinct values conflicts.

    Values that differ only in case or spacing are the same value. The first source (config
    order) gives the shown value.
    """
    fields: dict[str, tuple[FieldValue, ...]] = {}
    conflicts: list[Conflict] = []
    for name in MERGED_FIELDS:
        found: dict[str, tuple[str, list[SourceRef]]] = {}
        for person in persons:
            value = _field_value(person, name)
            if value is not None:
                found.setdefault(_norm(value), (value, []))[1].append(person.ref)
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


def merge_contacts(persons: Sequence[Person]) -> tuple[SourcedContact, ...]:
    """Every phone and email with the sources that hold it; phones first, widely held first."""
    points: dict[tuple[str, str, str], ContactPoint] = {}
    sources: dict[tuple[str, str, str], list[SourceRef]] = {}
    for person in persons:
        for cp in person.contact_points:
            sources.setdefault(cp.key, []).append(person.ref)
            known = points.setdefault(cp.key, cp)
            if cp.shared and not known.shared:
                points[cp.key] = replace(known, shared=True)
    ordered = sorted(points, key=lambda k: (k[0] != ContactKind.PHONE.value, -len(sources[k])))
    return tuple(SourcedContact(points[k], tuple(sources[k])) for k in ordered)


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


def _last_contact(
    cluster: Sequence[Match], details: Mapping[RecordKey, Details]
) -> datetime | None:
    times = [m.person.last_contact for m in cluster if m.person.last_contact is not None]
    times += [i.at for m in cluster for i in details.get(m.person.ref.key, Details()).interactions]
    return max(times) if times else None


class ProfileBuilder:
    """Folds the engine's stream of updates into a `Profile`, one snapshot per update.

    Args:
        query: What the agent looked up (shown on the profile).
        sources: Every source taking part, in config order (that order breaks ties).
        links: Record groups the agent confirmed are one person.
        line: (E.164, extension) of a phone query (see `resolve`).
    """

    def __init__(
        self,
        query: str,
        sources: Sequence[str],
        links: Iterable[Iterable[RecordKey]] = (),
        line: tuple[str, str] | None = None,
    ) -> None:
        self.query = query
        self._line = line
        self._order = {name: index for index, name in enumerate(sources)}
        self._links = [tuple(group) for group in links]
        self.status: dict[str, SourceStatus] = {
            name: SourceStatus(name, SourceState.SEARCHING) for name in sources
        }
        self.matches: dict[str, tuple[Match, ...]] = {}
        self.details: dict[RecordKey, Details] = {}
        self._selected: str | None = None

    def set_status(self, status: SourceStatus) -> None:
        self.status[status.source] = status

    def add_matches(self, source: str, matches: Sequence[Match]) -> None:
        self.matches[source] = tuple(matches)

    def add_details(self, key: RecordKey, details: Details) -> None:
        self.details[key] = details

    def select(self, candidate_key: str) -> None:
        """The agent picked one of the candidates: resolve to it from now on."""
        self._selected = candidate_key

    @property
    def selected(self) -> str | None:
        """The candidate the agent picked (None: nobody picked yet)."""
        return self._selected

    def resolution(self) -> Resolution:
        all_matches = [m for source in self.matches.values() for m in source]
        result = resolve(all_matches, self._links, self._line)
        if self._selected is not None:
            for cluster in result.clusters:
                if cluster_key(cluster) == self._selected:
                    return Resolution(ProfileState.RESOLVED, (cluster,))
        return result

    def build(self) -> Profile:
        """The profile as of the updates applied so far."""
        resolution = self.resolution()
        pending = any(s.state is SourceState.SEARCHING for s in self.status.values())
        sources = dict(self.status)
        if resolution.state is ProfileState.UNKNOWN:
            state = ProfileState.SEARCHING if pending else ProfileState.UNKNOWN
            return Profile(self.query, state, sources=sources)
        if resolution.state is ProfileState.AMBIGUOUS:
            return Profile(
                self.query,
                ProfileState.AMBIGUOUS,
                sources=sources,
                candidates=tuple(self._candidate(c) for c in resolution.clusters),
                matches=tuple(m for c in resolution.clusters for m in c),
            )
        cluster = sorted(resolution.resolved, key=lambda m: self._order.get(m.source, 99))
        persons = [m.person for m in cluster]
        found = [
            self.details[m.person.ref.key] for m in cluster if m.person.ref.key in self.details
        ]
        companies = [c for d in found for c in d.companies]
        tickets = order_tickets(t for d in found for t in d.tickets)
        interactions = [i for d in found for i in d.interactions]
        fields, conflicts = merge_fields(persons, companies)
        if "company" not in fields and companies:
            fields["company"] = (FieldValue(companies[0].name, (companies[0].ref,)),)
        return Profile(
            self.query,
            ProfileState.RESOLVED,
            sources=sources,
            fields=fields,
            conflicts=conflicts,
            contacts=merge_contacts(persons),
            companies=merge_companies(companies),
            tickets=tickets,
            timeline=merge_timeline(interactions),
            already_tried=already_tried(tickets, interactions),
            matches=tuple(cluster),
        )

    def _candidate(self, cluster: Sequence[Match]) -> Candidate:
        ordered = sorted(cluster, key=lambda m: self._order.get(m.source, 99))
        names = [m.person.name for m in ordered if m.person.name]
        companies = [m.person.company for m in ordered if m.person.company]
        return Candidate(
            key=cluster_key(cluster),
            name=names[0] if names else None,
            company=companies[0] if companies else None,
            matches=tuple(ordered),
            last_contact=_last_contact(ordered, self.details),
        )
