"""The second hop: ask the sources that found nobody once more, with what the others found.

A caller the CRM finds by phone may be "nobody" in the helpdesk, which only knows their
secondary email. When the sources disagree (some found the caller, some answered "nobody") and
the ones that found them add up to one person, every email (secondary ones included) and every
other phone of that person is looked up in each silent source, side by side, once: a hop never
starts another hop. What a hop finds joins the profile only where the house rules join it to
the person already found (a shared email; a phone that is nobody else's, with no conflicting
email); the rest is dropped, so a hop never turns a known caller into a list of candidates,
and never overrides the shared-line rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from cx_tui.connectors.base import Capability
from cx_tui.identity import QueryError, link_point, parse_query
from cx_tui.models import ContactKind, Match, ProfileState, SourceState

if TYPE_CHECKING:
    from cx_tui.connectors.base import Connector
    from cx_tui.identity import Query
    from cx_tui.profile import ProfileBuilder

MAX_HOP_IDENTIFIERS = 6
"""At most this many identifiers are tried in each silent source (one request each)."""


@dataclass(frozen=True, slots=True)
class Hop:
    """One extra search: `query` in `connector`, with an identifier `via` describes."""

    connector: Connector
    query: Query
    via: str
    """`HubSpot's secondary email m.chen@example.com`"""


_NEEDS = {ContactKind.EMAIL: Capability.LOOKUP_EMAIL, ContactKind.PHONE: Capability.LOOKUP_PHONE}


def _label(kind: ContactKind, label: str | None) -> str:
    if kind is ContactKind.EMAIL:
        return "email" if label in (None, "primary") else f"{label} email"
    return "phone" if not label else f"{label} phone"


def plan_hops(builder: ProfileBuilder, query: Query, connectors: Sequence[Connector]) -> list[Hop]:
    """The extra searches worth one round, or none (nobody silent, nobody found, or several
    candidates: the agent picks first)."""
    statuses = builder.status
    silent = [
        c
        for c in connectors
        if statuses.get(c.name) and statuses[c.name].state is SourceState.NOBODY
    ]
    resolution = builder.resolution()
    if not silent or resolution.state is not ProfileState.RESOLVED:
        return []
    asked = link_point(query)
    identifiers: dict[str, tuple[ContactKind, str]] = {}
    for match in resolution.resolved:
        for cp in match.person.contact_points:
            value = cp.value
            if cp.shared or value == asked or value in identifiers:
                continue
            if cp.kind is ContactKind.PHONE and not value.startswith("+"):
                continue  # a number no region could read names nobody for sure
            who = f"{match.source}'s {_label(cp.kind, cp.label)} {value}"
            identifiers[value] = (cp.kind, who)
    hops: list[Hop] = []
    for connector in silent:
        tried = 0
        for value, (kind, via) in identifiers.items():
            needed = (
                Capability.LOOKUP_EMAIL if kind is ContactKind.EMAIL else Capability.LOOKUP_PHONE
            )
            if tried >= MAX_HOP_IDENTIFIERS or not connector.supports(needed):
                continue
            try:
                hop_query = parse_query(value)
            except QueryError:
                continue
            hops.append(Hop(connector, hop_query, via))
            tried += 1
    return hops


def join_hop(builder: ProfileBuilder, source: str, matches: Sequence[Match], via: str) -> int:
    """Fold what a hop found into `builder`, keeping only records that join the person
    already found; returns how many joined."""
    joined = 0
    for match in matches:
        if match.person.ref.key in {m.person.ref.key for m in builder.matches.get(source, ())}:
            continue
        found = replace(match, detail=f"found in {source} through {via}")
        before = builder.matches.get(source, ())
        builder.add_matches(source, (*before, found))
        resolved = builder.resolution()
        if resolved.state is ProfileState.RESOLVED and any(
            m.person.ref.key == found.person.ref.key for m in resolved.resolved
        ):
            joined += 1
        else:
            builder.matches[source] = before
    return joined
