"""Who to loop in: the people and groups who own this customer in every source.

The contact or account owner each CRM names, then the assignee and group of the caller's open
tickets (of the latest ticket per source when none is open), once each, with their source.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cx_tui.models import Owner, Profile, Ticket

MAX_OWNERS = 8
"""Owners kept (a caller with many tickets can have many assignees)."""


def _tickets_owned(tickets: Iterable[Ticket]) -> list[Ticket]:
    """The open tickets; a source with none open gives its most recently updated one."""
    tickets = list(tickets)
    chosen = [t for t in tickets if t.is_open]
    with_open = {t.ref.connector for t in chosen}
    latest: dict[str, Ticket] = {}
    for ticket in tickets:
        source = ticket.ref.connector
        if source in with_open:
            continue
        if source not in latest or ticket.updated > latest[source].updated:
            latest[source] = ticket
    return chosen + list(latest.values())


def owners(profile: Profile) -> tuple[Owner, ...]:
    """The profile's owners: CRM owners first, then helpdesk assignees and groups."""
    found: dict[tuple[str, str, str], Owner] = {}
    candidates = [o for m in profile.matches for o in m.person.owners]
    candidates += [o for t in _tickets_owned(profile.tickets) for o in t.owners]
    for owner in candidates:
        found.setdefault((owner.role.value, owner.name.casefold(), owner.source), owner)
    return tuple(found.values())[:MAX_OWNERS]


def owner_label(owner: Owner) -> str:
    """`Alex Rivera (HubSpot contact owner)`, `Billing (Zendesk ticket group)`."""
    return f"{owner.name} ({owner.source} {owner.role.value})"


def owners_json(profile: Profile) -> list[dict[str, Any]]:
    """`owners` in `lookup --json`."""
    return [
        {
            "role": o.role.value,
            "name": o.name,
            "source": o.source,
            "record": o.ref.record_id,
            "owner_id": o.owner_id,
        }
        for o in owners(profile)
    ]
