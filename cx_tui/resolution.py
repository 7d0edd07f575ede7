"""Identity resolution: who the matches of every source add up to, and what the agent's
earlier pick for the number or email does to that.

A link the agent confirmed beats a shared email, which beats a shared phone. Records from one
source are never merged with each other (they are different people in that system). A phone
joins two records only when each is the other's only candidate, the number is not flagged as
shared, and their emails do not conflict; so a company switchboard yields candidates for the
agent to pick from, never a silent guess. Neither does a match on the last digits of a number
alone: that person is a candidate the agent confirms. `profile.ProfileBuilder` asks this module
on every update.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from cx_tui.models import (
    ConfirmedLink,
    ContactKind,
    LinkUse,
    Match,
    MatchReason,
    Person,
    ProfileState,
)

RecordKey = tuple[str, str]
"""(connector name, record id) of a person record."""

STRONG_MATCH = 0.9
"""At or above: the match names the person by itself (an exact number, an email). Below it the
profile says why it matched, so the agent can judge."""
WEAK_MATCH = 0.6
"""Below: a last-digits match. Noise when some match is strong; otherwise never enough to
resolve the caller silently (the agent confirms, as for a shared number)."""


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


def apply_link(
    result: Resolution,
    link: ConfirmedLink | None,
    answered: set[str],
    line: tuple[str, str] | None = None,
) -> tuple[Resolution, LinkUse | None, str | None]:
    """What the agent's earlier pick for this number or email does to a resolution.

    A pick among weak matches (the agent confirmed a last-digits match) resolves to that
    person again. Where several people really hold the line or the mailbox (some other
    candidate is more than a weak match, or a source flags the line as shared) the pick is only
    listed first and preselected: the next caller on a switchboard may be someone else. A pick
    whose records are all gone from sources that answered is stale: the search stands.

    Returns:
        The resolution, what the link did (None: no link, or its sources have not answered),
        and the key of the preselected candidate.
    """
    if link is None:
        return result, None, None
    linked = set(link.records)
    found = next((c for c in result.clusters if any(m.person.ref.key in linked for m in c)), None)
    if found is None:
        if {source for source, _ in linked} <= answered:
            return result, LinkUse.STALE, None
        return result, None, None
    if result.state is not ProfileState.AMBIGUOUS:
        return result, LinkUse.UNUSED, None
    others = [c for c in result.clusters if c is not found]
    shared = any(not weak_only(c) for c in others) or any(
        cp.shared and line is not None and cp.value == line[0]
        for cluster in result.clusters
        for m in cluster
        for cp in m.person.contact_points
    )
    if shared:
        ordered = (found, *others)
        return Resolution(ProfileState.AMBIGUOUS, ordered), LinkUse.PRESELECTED, cluster_key(found)
    return Resolution(ProfileState.RESOLVED, (found,)), LinkUse.RESOLVED, None


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
