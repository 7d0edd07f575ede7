"""Who owns a HubSpot contact (`hubspot_owner_id`), named: the "owner: Jane Doe" tag and the
contact owner of a hand-off.

The account's owners are listed in one request (`GET /crm/v3/owners`, one page of
`OWNER_PAGE`) in the background (`kit.background`): started beside the first search, so that a
contact's owner costs no round trip of its own, and joined only by `enrich`, when a confirmed
contact has an owner not named yet, at most `OWNER_LOOKUP_TIMEOUT` after the listing started;
the search never waits for it. A listing still running then goes on, and a later lookup finds
it done. The names are kept for the connector's life. A listing that fails is asked again only
after `OWNER_RETRY_SECONDS`, not on every lookup; a 403 (no `crm.objects.owners.read` scope)
leaves owners out for the connector's life. An owner the listing lacks (archived, beyond the
page, or the listing slow or failing) is asked for alone (`GET /crm/v3/owners/{id}`, 5 per
lookup at most). Owners never fail a lookup: one not named is simply absent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.base import AuthError, ConnectorError, NotFound
from cx_tui.connectors.hubspot.account import HubSpotAccount
from cx_tui.connectors.hubspot.records import properties
from cx_tui.connectors.kit import LOOKUP, expect_dicts, gather_all, text_or_none
from cx_tui.connectors.kit.background import BackgroundRead
from cx_tui.models import Owner, OwnerRole

if TYPE_CHECKING:
    from cx_tui.models import Match

log = logging.getLogger(__name__)

OWNER_LOOKUP_TIMEOUT: Final = 1.0
"""Seconds a lookup may wait for owner names: the listing from its start, an owner alone."""
OWNER_PAGE: Final = 500
"""Owners read in one request (HubSpot's largest page)."""
OWNER_RETRY_SECONDS: Final = 60.0
"""After a failed listing, how long before it is asked again."""
MAX_ASKED_ALONE: Final = 5
"""Owners asked for one by one in one lookup, at most."""


def owner_name(data: Mapping[str, Any]) -> str | None:
    """ "First Last", else the owner's email."""
    name = " ".join(
        p for p in (text_or_none(data.get("firstName")), text_or_none(data.get("lastName"))) if p
    )
    return name or text_or_none(data.get("email"))


class HubSpotOwners(HubSpotAccount):
    """Owner names for the matches (`enrich`), from a listing read in the background."""

    def configure(self) -> None:
        super().configure()
        self._owners: dict[str, str | None] = {}
        """Names by owner id; None: asked for and not found."""
        self._owners_denied = False
        self._owner_listing = BackgroundRead(self._list_owners, backoff=OWNER_RETRY_SECONDS)

    def _start_owner_listing(self) -> None:
        """Start listing the owners unless they are listed, denied, being listed, or the last
        listing failed less than `OWNER_RETRY_SECONDS` ago; never waits."""
        if not self._owners_denied:
            self._owner_listing.start()

    async def enrich(self, confirmed: list[tuple[Match, dict[str, Any]]]) -> list[Match]:
        """Add each contact's owner as a tag ("owner: Jane Doe") and a contact owner, when the
        token may read them and they are known in time."""
        found = [
            (match, text_or_none(properties(record).get("hubspot_owner_id")))
            for match, record in confirmed
        ]
        wanted = list(dict.fromkeys(o for _, o in found if o and o.isdigit()))
        await self._name_owners(wanted)
        return [self._owned(match, owner) for match, owner in found]

    async def _name_owners(self, owner_ids: list[str]) -> None:
        """Names for `owner_ids`: the listing (joined only when one is not named yet), then
        the ids it lacks, one request each, side by side."""
        if self._owners_denied or all(o in self._owners for o in owner_ids):
            return
        await self._owner_listing.join(OWNER_LOOKUP_TIMEOUT)
        alone = [o for o in owner_ids if o not in self._owners][:MAX_ASKED_ALONE]
        if alone and not self._owners_denied:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    gather_all(*(self._owner(o) for o in alone)), OWNER_LOOKUP_TIMEOUT
                )

    def _owned(self, match: Match, owner_id: str | None) -> Match:
        name = self._owners.get(owner_id) if owner_id else None
        if not name:
            return match
        owned = Owner(OwnerRole.CONTACT_OWNER, name, match.person.ref, owner_id)
        person = replace(
            match.person,
            tags=(*match.person.tags, f"owner: {name}"),
            owners=(*match.person.owners, owned),
        )
        return replace(match, person=person)

    async def _list_owners(self) -> bool:
        """The account's owners into the names; False when they could not be listed now."""
        try:
            data = await self._get("/crm/v3/owners", LOOKUP, limit=OWNER_PAGE)
            listed = expect_dicts(data.get("results"), "HubSpot", "owners", "an owner")
        except AuthError:
            self._owners_denied = True
            return True
        except ConnectorError as error:
            log.info("HubSpot owners not listed: %s", error.message)
            return False
        for owner in listed:
            owner_id = text_or_none(owner.get("id"))
            if owner_id and owner_id.isdigit():
                self._owners[owner_id] = owner_name(owner)
        return True

    async def _owner(self, owner_id: str) -> None:
        try:
            data = await self._get(f"/crm/v3/owners/{owner_id}", LOOKUP)
        except AuthError:
            self._owners_denied = True
            return
        except NotFound:
            self._owners[owner_id] = None
            return
        except ConnectorError:
            return
        self._owners[owner_id] = owner_name(data)

    async def aclose(self) -> None:
        self._owner_listing.close()
        await super().aclose()
