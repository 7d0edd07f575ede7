"""No duplicate people: when a new contact may be created, and when it may not (issue 18).

Two checks, both headless:
- `create_refusal(profile)`: the screen offers "create contact" only when every source
  searched and answered nobody; otherwise it says why not, and what to do instead.
- `existing_person(connector, points)`: just before a create, the vendor is asked for each
  phone and email; if it already has a person by one of them, the create is refused
  (`DuplicatePersonError`) with that record named.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cx_tui.connectors.base import ConnectorError
from cx_tui.identity import QueryError, parse_query
from cx_tui.models import ContactKind, MatchReason, ProfileState
from cx_tui.phrases import listing

if TYPE_CHECKING:
    from cx_tui.connectors.base import Connector
    from cx_tui.models import ContactPoint, Match, Profile

ATTACH_INSTEAD = "add this number to the existing person"
"""What to do instead of creating a second copy of a known caller (the identity work's
attach flow; until it exists, the agent adds the number in the vendor's own record)."""

SAME_PERSON = frozenset(
    {
        MatchReason.PRIMARY_EMAIL,
        MatchReason.SECONDARY_EMAIL,
        MatchReason.EXACT_E164,
        MatchReason.NATIONAL_DIGITS,
    }
)
"""Match reasons that mean "this is the same phone or email" (the last digits or a name
alone do not)."""


class DuplicatePersonError(ConnectorError):
    """The vendor already has a person with this phone or email: nothing was created."""

    title = "Not created"


def create_refusal(profile: Profile | None) -> str | None:
    """Why a contact must not be created for the caller on screen (None: it may).

    A contact is created only for a caller that every source searched for and did not find:
    a known caller would get a second, often nameless, copy that makes every later lookup of
    the number ambiguous.
    """
    if profile is None:
        return "Look the caller up first: a contact is created only for a caller nobody knows."
    if profile.pending:
        return "Wait for every source to answer: one of them may know this caller."
    if profile.state is ProfileState.RESOLVED:
        name = profile.value("name") or "This caller"
        where = listing(sorted({match.source for match in profile.matches}))
        return (
            f"Not created: {name} is already known in {where}. To keep a new number or email "
            f"with them, {ATTACH_INSTEAD} (in their record, `o` opens it) instead of creating "
            "a second copy."
        )
    if profile.state is ProfileState.AMBIGUOUS:
        return (
            f"Not created: {len(profile.candidates)} people already match. Pick the caller "
            f"(p) and {ATTACH_INSTEAD} if the number is new to them."
        )
    unsearched = [status.source for status in profile.unsearched]
    if unsearched:
        return (
            f"Not created yet: {listing(unsearched)} could not be searched and may know this "
            "caller. Retry the lookup first."
        )
    return None


async def existing_person(
    connector: Connector, points: Sequence[ContactPoint], region: str | None = None
) -> Match | None:
    """The person `connector` already has with one of these phones or emails, if any.

    Raises:
        ConnectorError: the vendor could not be searched (then nothing should be created).
    """
    for point in points:
        if point.kind not in (ContactKind.PHONE, ContactKind.EMAIL):
            continue
        try:
            query = parse_query(point.value, region)
        except QueryError:
            continue
        for match in await connector.find_people(query):
            if match.reason in SAME_PERSON:
                return match
    return None


def duplicate_message(source: str, match: Match) -> str:
    """`HubSpot already has Maria Gonzalez (record 51000000123) with +14155550132 ...`"""
    person = match.person
    who = person.name or "a person"
    said = f" ({match.detail})" if match.detail else ""
    return (
        f"{source} already has {who} (record {person.ref.record_id}) with this "
        f"{'email' if 'email' in match.reason.value else 'phone'}{said}; nothing was created. "
        f"Look them up and {ATTACH_INSTEAD} instead."
    )
