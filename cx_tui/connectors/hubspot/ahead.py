"""Reading a HubSpot contact by its primary email beside the search (issue 16: an email lookup
in two dependent round trips, not three).

`GET /crm/v3/objects/contacts/{email}?idProperty=email&associations=companies,tickets,...` (the
`idProperty` and `associations` parameters of HubSpot's basic contacts API) answers with the
contact's associated ids (`associations.<type>.results[].id`), so the details can read the
records at once instead of asking the v4 associations first. The search stays the authority
on who matches, and the lookup does not wait for this read (`kit.ahead`): it only saves the
details a round trip. A type HubSpot leaves out has
no associations; a type whose list is paged (`paging.next`) is read whole by the details; a
read that fails (404: no contact has that primary email, e.g. it is an additional email; a
403 for a missing scope; anything else) leaves the details to ask the associations as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final
from urllib.parse import quote

from cx_tui.connectors.base import ConnectorError
from cx_tui.connectors.hubspot.account import HubSpotAccount, next_after
from cx_tui.connectors.kit import LOOKUP, expect_dict, expect_list, record_id

LINKED: Final = ("companies", "tickets", "notes", "calls", "emails")
"""What a contact's details read: the associated object types."""
Links = dict[str, list[str]]
"""Associated ids by object type."""


def associated_ids(data: Mapping[str, Any]) -> tuple[str, Links]:
    """The contact's id and, per complete type of `LINKED`, its associated ids, newest
    (highest) first.

    Raises:
        BadResponse: an answer cx-tui cannot read.
    """
    contact_id = record_id(data.get("id"), "HubSpot", "a contact")
    found = expect_dict(data.get("associations") or {}, "HubSpot", "associations")
    links: Links = {}
    for kind in LINKED:
        block = expect_dict(found.get(kind) or {}, "HubSpot", "associations")
        if next_after(block):
            continue  # more than one page: the details read them whole
        ids = {
            record_id(item.get("id") if isinstance(item, Mapping) else None, "HubSpot", "a link")
            for item in expect_list(block.get("results"), "HubSpot", "associations")
        }
        links[kind] = sorted(ids, key=int, reverse=True)
    return contact_id, links


class HubSpotReadAhead(HubSpotAccount):
    """The contact's associations read beside an email search, for its details."""

    def _read_ahead(self, email: str) -> None:
        """Start reading the contact whose primary email is `email` (a validated, normalised
        address) with its associated ids; the lookup does not wait for it."""
        self._ahead.start(email, self._read_by_email(email))

    async def _read_by_email(self, email: str) -> tuple[str, Links] | None:
        try:
            data = await self._get(
                f"/crm/v3/objects/contacts/{quote(email, safe='')}",
                LOOKUP,
                idProperty="email",
                properties="email",
                associations=",".join(LINKED),
            )
            return associated_ids(data)
        except ConnectorError:
            return None

    async def _links_ahead(self, contact_id: str, emails: Iterable[str]) -> Links:
        """The contact's associated ids by type, from a read started by a lookup of one of its
        `emails`; {} when none was, or it found someone else or nothing."""
        for email in emails:
            found = await self._ahead.get(email)
            if found is not None and found[0] == contact_id:
                return found[1]
        return {}

    async def aclose(self) -> None:
        self._ahead.close()
        await super().aclose()
