"""Who owns a Freshdesk ticket: its agent (`responder_id`) and its group (`group_id`), named.

Names come from the account's directory, `GET /api/v2/agents` (an agent's name is its
`contact.name`) and `GET /api/v2/groups` (`name`), 100 a page, at most `DIRECTORY_PAGES` pages
each. The two lists are read in the background (`kit.background.BackgroundRead`) once per
`DIRECTORY_SECONDS` for the whole connector (candidates whose details run side by side share
one reading), beside the tickets, so they add no round trip; each need waits for them at most
`NAMES_WAIT` from when it joins, and a reading that failed is asked again by the next lookup.
An id the lists lack (an agent added since, a directory longer than the pages read) is asked
for alone, `GET /api/v2/agents/{id}` or `GET /api/v2/groups/{id}`, beside the open tickets'
conversations, and remembered, found or not.

Freshdesk lets only agents who manage users (agents) or run admin tasks (groups) read these
(helpkit config/privileges.rb: `api_agent` under `manage_users`, `api_group` under
`admin_tasks`). A 403 leaves those names out for the connector's life; any other failure, or a
directory slower than `NAMES_WAIT`, leaves them out of this lookup only. Owner names never fail
the details.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from cx_tui.connectors.base import AuthError, ConnectorError, NotFound
from cx_tui.connectors.freshdesk.account import FreshdeskAccount
from cx_tui.connectors.kit import LOOKUP, gather_all, text_or_none
from cx_tui.connectors.kit.background import BackgroundRead
from cx_tui.models import Owner, OwnerRole, SourceRef

log = logging.getLogger(__name__)

Kind = Literal["agents", "groups"]
KINDS: Final[tuple[tuple[Kind, str, OwnerRole], ...]] = (
    ("agents", "responder_id", OwnerRole.ASSIGNEE),
    ("groups", "group_id", OwnerRole.GROUP),
)
"""(directory, the ticket's field, the owner's role)."""
DIRECTORY_PAGES: Final = 3
DIRECTORY_SECONDS: Final = 900.0
"""How long a directory reading stays good (agents and groups change rarely)."""
NAMES_WAIT: Final = 1.5
"""Seconds the details wait for owner names before showing the tickets without them."""
MAX_ASKED_ALONE: Final = 10
"""Ids asked for one by one in one lookup, at most."""


def owner_id(value: Any) -> str | None:
    """A ticket's `responder_id` or `group_id` as a string, or None (unassigned or junk)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    return None


def name_of(kind: Kind, item: Mapping[str, Any]) -> str | None:
    """An agent's `contact.name` or a group's `name`."""
    if kind == "agents":
        contact = item.get("contact")
        return text_or_none(contact.get("name")) if isinstance(contact, Mapping) else None
    return text_or_none(item.get("name"))


@dataclass
class Names:
    """What the connector knows of its account's agents and groups."""

    known: dict[Kind, dict[str, str | None]] = field(
        default_factory=lambda: {"agents": {}, "groups": {}}
    )
    """Names by id; None: asked for and not found."""
    denied: set[Kind] = field(default_factory=set)
    """Directories this API key may not read."""


class FreshdeskOwners(FreshdeskAccount):
    """Owner names for the details (`owners_of` after `_name_owners`)."""

    def configure(self) -> None:
        super().configure()
        self._owner_names = Names()
        self._directory = BackgroundRead(
            self._list_both, backoff=0.0, refresh=DIRECTORY_SECONDS, wait_from_join=True
        )

    async def _read_directory(self) -> None:
        """Start (or join) the reading of both lists when the last one is stale."""
        await self._directory.join(NAMES_WAIT)

    async def _list_both(self) -> bool:
        """Both lists into the names; False when one could not be read now."""
        names = self._owner_names
        return all(await gather_all(*(self._list(names, kind) for kind, _, _ in KINDS)))

    async def _list(self, names: Names, kind: Kind) -> bool:
        """One directory, every page up to the cap; False when it could not be read now."""
        if kind in names.denied:
            return True
        try:
            items = await self._paged(f"/api/v2/{kind}", max_pages=DIRECTORY_PAGES)
        except AuthError:
            names.denied.add(kind)
            return True
        except ConnectorError as error:
            log.info("Freshdesk %s not listed: %s", kind, error.message)
            return False
        found: dict[str, str | None] = {}
        for item in items:
            item_id = owner_id(item.get("id"))
            if item_id is not None:
                found[item_id] = name_of(kind, item)
        names.known[kind] = found
        return True

    async def _name_owners(self, tickets: Iterable[Mapping[str, Any]]) -> None:
        """Names for the tickets' agents and groups: the directory (read beside the tickets),
        then the ids it lacks, one request each, side by side."""
        await self._read_directory()
        names = self._owner_names
        if self._directory.running:
            return  # the lists are slow today: this lookup shows no names, the next one will
        wanted: dict[tuple[Kind, str], None] = {}
        for ticket in tickets:
            for kind, key, _ in KINDS:
                found = owner_id(ticket.get(key))
                if found and kind not in names.denied and found not in names.known[kind]:
                    wanted[(kind, found)] = None
        asked = list(wanted)[:MAX_ASKED_ALONE]
        if asked:
            await gather_all(*(self._one(names, kind, found) for kind, found in asked))

    async def _one(self, names: Names, kind: Kind, item_id: str) -> None:
        try:
            data = await self._get(f"/api/v2/{kind}/{item_id}", LOOKUP)
        except NotFound:
            names.known[kind][item_id] = None
            return
        except AuthError:
            names.denied.add(kind)
            return
        except ConnectorError as error:
            log.info("Freshdesk %s %s not read: %s", kind, item_id, error.message)
            return
        names.known[kind][item_id] = name_of(kind, data) if isinstance(data, Mapping) else None

    def owners_of(self, ticket: Mapping[str, Any], ref: SourceRef) -> tuple[Owner, ...]:
        """The ticket's agent and group, with the names known (an unnamed one is left out)."""
        names = self._owner_names
        found: list[Owner] = []
        for kind, key, role in KINDS:
            item_id = owner_id(ticket.get(key))
            name = names.known[kind].get(item_id) if item_id else None
            if item_id and name:
                found.append(Owner(role, name, ref, item_id))
        return tuple(found)

    async def aclose(self) -> None:
        self._directory.close()
        await super().aclose()
