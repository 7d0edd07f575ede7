"""What the lookup history says: recent lookups grouped by caller, and who a number turned out
to be. Headless; derived at read time from the store's lookup rows and confirmed links.

One caller is often looked up in several spellings (`+14155550100`, `(415) 555-0100`, the email
that resolved to the same person): the recent list shows them as one row, grouped by the
resolved person (a record id, or the group of records the agent linked) or else by the
normalised number or address. A call from a number nobody knew keeps "unknown" until a later
lookup of that number resolves it (a contact created for it is looked up again, so it counts).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

from cx_tui.identity import QueryError, parse_query
from cx_tui.store import CallRecord, LookupRecord, RecordKey

RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class RecentCaller:
    """One row of the recent list: every lookup of one person, or of one number or address."""

    query: str
    """The latest lookup's text, as typed (Enter looks it up again)."""
    name: str | None
    """The person's name when any of the lookups resolved; else what the latest one found
    (`nobody found`, `2 candidates`)."""
    resolved: bool
    points: tuple[str, ...]
    """What was looked up, latest first, each once: numbers as E.164, addresses folded,
    names as typed."""
    count: int
    latest: datetime


@lru_cache(maxsize=1024)
def point_of(query: str, region: str | None) -> str:
    """The normalised form of a lookup's text: E.164 (`;ext=` and the extension when there is
    one), the folded address, the folded name; the text itself when it does not parse.

    Cached: the history holds the same few texts many times, and parsing a number is the cost
    of opening the recent list or the call history."""
    try:
        parsed = parse_query(query, region)
    except QueryError:
        return query.strip()
    if parsed.phone is not None:
        ext = parsed.phone.extension
        return f"{parsed.phone.e164};ext={ext}" if ext else parsed.phone.e164
    return parsed.email or (parsed.name or parsed.text).casefold()


def _shown(query: str, point: str) -> str:
    """A point as the list shows it: the normalised number or address, a name as typed."""
    return point if point.startswith("+") or "@" in point else " ".join(query.split())


def _person_ids(links: Iterable[Sequence[RecordKey]]) -> dict[RecordKey, RecordKey]:
    """Each linked record -> its group's first record: one person across sources."""
    return {key: min(group) for group in links for key in group}


def group_recent(
    records: Sequence[LookupRecord],
    region: str | None,
    links: Iterable[Sequence[RecordKey]] = (),
) -> list[RecentCaller]:
    """`records` (newest first) as one row per caller, newest first.

    A resolved lookup belongs to its person; an unresolved one to the person its number or
    address resolved to most recently, else to that number or address alone. Two people on
    one shared line stay two rows.
    """
    person_of = _person_ids(links)
    points = [point_of(record.query, region) for record in records]
    resolved_to: dict[str, RecordKey] = {}
    for record, point in zip(records, points, strict=True):
        if record.state == RESOLVED and record.person_key is not None:
            resolved_to.setdefault(point, person_of.get(record.person_key, record.person_key))
    groups: dict[object, list[tuple[LookupRecord, str]]] = {}
    for record, point in zip(records, points, strict=True):
        person = None
        if record.state == RESOLVED and record.person_key is not None:
            person = person_of.get(record.person_key, record.person_key)
        person = person or resolved_to.get(point)
        key: object = ("person", person) if person is not None else ("point", point)
        groups.setdefault(key, []).append((record, point))
    return [_caller(members) for members in groups.values()]


def _caller(members: list[tuple[LookupRecord, str]]) -> RecentCaller:
    latest = members[0][0]
    named = next((r for r, _ in members if r.state == RESOLVED and r.person_name), None)
    shown: dict[str, str] = {}
    for record, point in members:  # newest first: each point as its latest lookup spelt it
        shown.setdefault(point, _shown(record.query, point))
    return RecentCaller(
        query=latest.query,
        name=(named or latest).person_name,
        resolved=named is not None,
        points=tuple(shown.values()),
        count=len(members),
        latest=latest.at,
    )


def known_numbers(records: Sequence[LookupRecord], region: str | None) -> dict[str, LookupRecord]:
    """Number (E.164) -> its latest resolved lookup (`records` newest first)."""
    known: dict[str, LookupRecord] = {}
    for record in records:
        if record.state != RESOLVED or not record.person_name:
            continue
        point = point_of(record.query, region)
        if point.startswith("+") and ";" not in point:  # a number without an extension
            known.setdefault(point, record)
    return known


def name_calls(
    calls: Sequence[CallRecord], records: Sequence[LookupRecord], region: str | None
) -> list[CallRecord]:
    """The calls, each without a caller named after the latest lookup that resolved its
    number (the person and the record to open). A call that was identified keeps its own
    caller, even when the line now resolves to someone else."""
    known = known_numbers(records, region)
    named: list[CallRecord] = []
    for call in calls:
        found = known.get(call.number) if call.number and not call.person_name else None
        if found is not None:
            call = replace(call, person_name=found.person_name, person_key=found.person_key)
        named.append(call)
    return named
