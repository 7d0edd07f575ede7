"""Add this number to an existing person: the unknown caller is someone a source knows, calling
from a new number ("this is Jane's new mobile"), so no duplicate contact is created.

Headless. The dialog (`screens/attach_number.py`) asks `people` for the agent's name or email
search in one source that declares `Capability.UPDATE_PERSON`; the pick goes to `attach`, which
queues the number in the outbox (item kind `add-phone`, delivered by the connector's
`add_phone`, which reads the record first and writes nothing when the number is there) and
remembers the pick for the number (`Services.remember_pick`), so the next call from it knows
the caller even before the vendor has the number, and still after a vendor refused it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cx_tui.connectors.base import Capability, InvalidInput
from cx_tui.identity import QueryError, parse_query
from cx_tui.models import Candidate, Match, MatchReason, NoteTarget, TargetKind
from cx_tui.resolution import cluster_key
from cx_tui.store import ItemKind

if TYPE_CHECKING:
    from cx_tui.delivery import Progress
    from cx_tui.identity import Query
    from cx_tui.lookup import LookupEngine
    from cx_tui.services import Services

ATTACHED = "this number added by you"
"""The match detail of the person the agent attached the number to."""


def attach_sources(engine: LookupEngine) -> list[str]:
    """The sources that can add a number to a person, in config order."""
    return [c.name for c in engine.connectors if c.supports(Capability.UPDATE_PERSON)]


def line_of(query: Query | None) -> str | None:
    """The line a phone query is about (`+14155550132`, `+14155550132 ext. 12`); None for an
    email or a name (there is no number to add)."""
    if query is None or query.phone is None:
        return None
    phone = query.phone
    return f"{phone.e164} ext. {phone.extension}" if phone.extension else phone.e164


async def people(engine: LookupEngine, source: str, text: str, region: str | None) -> list[Match]:
    """The people `source` finds for a name or an email the agent typed.

    Raises:
        QueryError: not a name or an email (a number would look the caller up again).
        ConnectorError: the source could not be searched (its own words).
    """
    query = parse_query(text, region)
    if query.phone is not None:
        raise QueryError("Search by the person's name or email: the number is what is added.")
    if Capability.UPDATE_PERSON not in engine.capabilities(source):
        raise InvalidInput(f"{source} cannot add a number to a person.")
    found = await engine.search_one(source, query)
    return [m for m in found if isinstance(m, Match) and m.source == source]


def chosen(match: Match) -> Candidate:
    """The picked person as the caller: a candidate resolved by the agent's word."""
    attached = Match(match.person, MatchReason.CONFIRMED_LINK, 1.0, ATTACHED)
    person = match.person
    return Candidate(cluster_key((attached,)), person.name, person.company, (attached,))


def attach(services: Services, query: Query, match: Match) -> tuple[Candidate, Progress]:
    """Queue `query`'s number for `match`'s record and remember the pick.

    Returns:
        The person as the caller (to show at once), and the outbox item's progress.

    Raises:
        OutboxError, StoreError: nothing was queued (no store, or it failed).
    """
    from cx_tui.outbox import OutboxError

    line = line_of(query)
    if line is None:
        raise OutboxError("Only a phone number can be added to a person.")
    if services.delivery is None:
        raise OutboxError(
            f"the local store could not be opened ({services.store_problem}), so the number "
            "cannot be queued safely"
        )
    from cx_tui.outbox.labels import person_label

    target = NoteTarget(TargetKind.PERSON, match.person.ref, person_label(match.person))
    progress = services.delivery.queue(line, [target], ItemKind.ADD_PHONE)
    candidate = chosen(match)
    services.remember_pick(query, candidate)  # kept even when the vendor refuses the number
    return candidate, progress
