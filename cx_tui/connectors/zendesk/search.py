"""Finding Zendesk users: a search query built only from checked parts, then confirmation.

Zendesk's search language has no escaping, so queries are built only from validated parts and
refused (`InvalidInput`) before any request otherwise: a phone becomes `type:user
phone:*<national digits>` (digits only; the leading `*` matches any stored format, as Zendesk
documents), an email `type:user email:<address>` (no spaces, quotes, colons or `*`), a name
`type:user name:"<name>"` (letters, spaces, `.`, `'` and `-` only). Each candidate's
identities supply secondary emails and phones, and the match is confirmed client-side; a user
whose numbers and addresses do not really match is dropped.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.base import InvalidInput, NotFound
from cx_tui.connectors.kit import (
    LOOKUP,
    checked_digits,
    confirm_person,
    expect_dicts,
    gather_all,
    record_id,
    search_email,
    search_name,
)
from cx_tui.connectors.kit.explain import searched
from cx_tui.connectors.zendesk.account import UserCandidate, ZendeskAccount
from cx_tui.connectors.zendesk.records import Reader, organization_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    from cx_tui.identity import Query
    from cx_tui.models import Match

SEARCH_PAGE: Final = 25
"""Users per search page; at most two pages are read."""
MAX_CANDIDATES: Final = 20
"""Users whose identities are read per lookup (a shared number can have many)."""


def user_search_query(query: Query) -> str:
    """The Zendesk search query for a validated lookup.

    Raises:
        InvalidInput: a value that could change the query's meaning (nothing is sent).
    """
    if query.phone is not None:
        return f"type:user phone:*{checked_digits(query.phone.national_digits, 'Zendesk')}"
    if query.email is not None:
        return f"type:user email:{search_email(query.email, 'Zendesk')}"
    if query.name is not None:
        return f'type:user name:"{search_name(query.name, "Zendesk")}"'
    raise InvalidInput("Nothing to look up.")


class ZendeskLookup(ZendeskAccount):
    """`find_people`: search users, read their identities, confirm each."""

    def _reader(self, now: datetime) -> Reader:
        return Reader(self.name, self.region, self.plan_field, self.agent_url, now, self.fields)

    async def search(self, query: Query) -> list[UserCandidate]:
        """Users Zendesk finds for the query, each with their identities.

        Raises:
            InvalidInput: a value that could change the query's meaning (nothing is sent).
            Unavailable: the host cannot be reached or has no Zendesk account.
        """
        search = user_search_query(query)
        searched("user search", [search], "query")
        try:
            results = await self._search(
                search, LOOKUP, limit=2 * SEARCH_PAGE, per_page=SEARCH_PAGE
            )
        except NotFound:
            raise self._no_account() from None
        users = [r for r in results if r.get("result_type", "user") == "user"][:MAX_CANDIDATES]
        identities = await gather_all(*(self._identities(u) for u in users))
        if users:
            searched("each user's identities (emails and phones)", [], "")
        return list(zip(users, identities, strict=True))

    async def _identities(self, user: Mapping[str, Any]) -> list[dict[str, Any]]:
        user_id = record_id(user.get("id"), "Zendesk", "a user")
        try:
            data = await self._get(f"/api/v2/users/{user_id}/identities", LOOKUP)
        except NotFound:
            return []  # deleted since the search index saw it
        return expect_dicts(data.get("identities"), "Zendesk", "identities", "an identity")

    def confirm(self, candidate: UserCandidate, query: Query, now: datetime) -> Match | None:
        user, identities = candidate
        person = self._reader(now).person(user, identities)
        organization = organization_of(user)
        if organization is not None:
            self._organizations[person.ref.record_id] = organization
        return confirm_person(person, query, self.region, secondary="a secondary identity")
