"""Fold the engine's updates into one profile: provenance, conflicts, candidates, notes.

`ProfileBuilder` keeps what every source answered and builds a `Profile` snapshot on demand:
who the caller is comes from `resolution.py` (links > email > phone), one person's records are
merged by `merge.py` (fields, conflicts, tickets, timeline, themes, already tried).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from cx_tui.merge import (
    RecordMerger,
    canonical_person,
    merge_companies,
    merge_contacts,
    merge_fields,
)
from cx_tui.models import (
    Candidate,
    ConfirmedLink,
    Details,
    FieldValue,
    LinkUse,
    Match,
    Profile,
    ProfileState,
    SourceState,
    SourceStatus,
    TroubleSpot,
)
from cx_tui.phrases import confirmer, current_user, day
from cx_tui.resolution import RecordKey, Resolution, apply_link, cluster_key, resolve
from cx_tui.source_values import region_of


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
        line: (E.164, extension) of a phone query (see `resolution.resolve`).
        notes: Remarks about the query itself (a number outside the known ranges).
        link: Who the agent said this number or email belongs to (see `resolution.apply_link`).
        attach_to: Sources that can add the queried number to a person (`Profile.attach_to`).
    """

    def __init__(
        self,
        query: str,
        sources: Sequence[str],
        links: Iterable[Iterable[RecordKey]] = (),
        line: tuple[str, str] | None = None,
        notes: Sequence[str] = (),
        link: ConfirmedLink | None = None,
        attach_to: Sequence[str] = (),
    ) -> None:
        self.query = query
        self.attach_to = tuple(attach_to)
        self.notes: list[str] = list(notes)
        """Remarks the profile carries whatever the sources say (see `Profile.notes`)."""
        self._line = line
        self._region = region_of(line[0]) if line is not None else None
        self._order = {name: index for index, name in enumerate(sources)}
        self._links = [tuple(group) for group in links]
        self.status: dict[str, SourceStatus] = {
            name: SourceStatus(name, SourceState.SEARCHING) for name in sources
        }
        self.matches: dict[str, tuple[Match, ...]] = {}
        self.details: dict[RecordKey, Details] = {}
        self._selected: str | None = None
        self.link = link
        self.records = RecordMerger()
        """The resolved person's tickets, timeline and steps tried, merged once per change."""
        self.trouble: tuple[TroubleSpot, ...] = ()
        """Trouble spots found after the lookup (`insight.trouble_watch`): on the profile."""

    def set_status(self, status: SourceStatus) -> None:
        self.status[status.source] = status

    def add_matches(self, source: str, matches: Sequence[Match]) -> None:
        """What `source` found; numbers it stored without a country code are compared as
        E.164 in the person's region, else the caller's (`merge.canonical_person`)."""
        self.matches[source] = tuple(
            replace(m, person=canonical_person(m.person, self._region)) for m in matches
        )

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
        return self._resolve()[0]

    def _resolve(self) -> tuple[Resolution, LinkUse | None, str | None]:
        """The resolution, what the confirmed link did to it, and the preselected candidate."""
        all_matches = [m for source in self.matches.values() for m in source]
        result = resolve(all_matches, self._links, self._line)
        if self._selected is not None:
            for cluster in result.clusters:
                if cluster_key(cluster) == self._selected:
                    return Resolution(ProfileState.RESOLVED, (cluster,)), None, None
        answered = {s.source for s in self.status.values() if not s.state.is_failure}
        answered -= {s.source for s in self.status.values() if s.state is SourceState.SEARCHING}
        return apply_link(result, self.link, answered, self._line)

    def _link_notes(self, use: LinkUse | None) -> tuple[str, ...]:
        link = self.link
        if link is None or use is None or use is LinkUse.UNUSED:
            return tuple(self.notes)
        who, when = confirmer(link.by, current_user()), day(link.at)
        note = {
            LinkUse.RESOLVED: f"confirmed by {who} on {when}",
            LinkUse.PRESELECTED: f"last picked by {who} on {when}: a shared line, so ask",
            LinkUse.STALE: (
                f"the record {who} confirmed on {when} ("
                + ", ".join(f"{c} #{r}" for c, r in link.records)
                + ") was not found, perhaps deleted: searched as usual"
            ),
        }[use]
        return (*self.notes, note)

    def build(self) -> Profile:
        """The profile as of the updates applied so far."""
        resolution, use, preselected = self._resolve()
        pending = any(s.state is SourceState.SEARCHING for s in self.status.values())
        sources = dict(self.status)
        notes = self._link_notes(use)
        if resolution.state is ProfileState.UNKNOWN:
            state = ProfileState.SEARCHING if pending else ProfileState.UNKNOWN
            return Profile(
                self.query,
                state,
                sources=sources,
                link=self.link,
                link_use=use,
                notes=notes,
                attach_to=self.attach_to,
            )
        if resolution.state is ProfileState.AMBIGUOUS:
            return Profile(
                self.query,
                ProfileState.AMBIGUOUS,
                sources=sources,
                candidates=tuple(self._candidate(c) for c in resolution.clusters),
                matches=tuple(m for c in resolution.clusters for m in c),
                preselected=preselected,
                link=self.link,
                link_use=use,
                notes=notes,
            )
        cluster = sorted(resolution.resolved, key=lambda m: self._order.get(m.source, 99))
        persons = [m.person for m in cluster]
        found = [
            self.details[m.person.ref.key] for m in cluster if m.person.ref.key in self.details
        ]
        companies = [c for d in found for c in d.companies]
        records = self.records.merge(found)
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
            tickets=records.tickets,
            timeline=records.timeline,
            already_tried=records.already_tried,
            themes=records.themes,
            matches=tuple(cluster),
            link=self.link,
            link_use=use,
            notes=notes,
            trouble=self.trouble,
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
