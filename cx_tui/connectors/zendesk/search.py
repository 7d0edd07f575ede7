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

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.base import InvalidInput, NotFound
from cx_tui.connectors.kit import (
    LOOKUP,
    checked_digits,
    collect,
    confirm_person,
    expect_dicts,
    gather_all,
    record_id,
    search_email,
    search_name,
)
from cx_tui.connectors.kit.explain import searched
from cx_tui.connectors.zendesk.account import UserCandidate, next_page
from cx_tui.connectors.zendesk.ahead import ZendeskReadAhead
from cx_tui.connectors.zendesk.records import Reader, organization_of

if TYPE_CHECKING:
    from cx_tui.identity import Query
    from cx_tui.models import Match

SEARCH_PAGE: Final = 25
"""Users per search page; at most two pages are read."""
MAX_CANDIDATES: Final = 20
"""Users whose identities are read per lookup (a shared number can have many)."""


def user_key(user: Mapping[str, Any]) -> str:
    return record_id(user.get("id"), "Zendesk", "a user")


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


class ZendeskLookup(ZendeskReadAhead):
    """`find_people`: search users, read their identities, confirm each."""

    def _reader(self, now: datetime) -> Reader:
        return Reader(self.name, self.region, self.plan_field, self.agent_url, now, self.fields)

    async def search(self, query: Query) -> list[UserCandidate]:
        """Users Zendesk finds for the query, each with their identities: one round trip, the
        identities and organizations side-loaded (`include=`); a user whose identities did not
        come along has them read alone. For an email the requester's ticket searches start
        alongside, for the details (`ahead.py`).

        Raises:
            InvalidInput: a value that could change the query's meaning (nothing is sent).
            Unavailable: the host cannot be reached or has no Zendesk account.
        """
        search = user_search_query(query)
        searched("user search", [search], "query")
        if query.email is not None:  # the tickets too, for the details (`ahead.py`)
            self._read_ahead(search_email(query.email, "Zendesk"))
        try:
            users, side_loaded = await self._users_with_identities(search)
        except NotFound:
            raise self._no_account() from None
        users = users[:MAX_CANDIDATES]
        missing = [u for u in users if user_key(u) not in side_loaded]
        read = await gather_all(*(self._identities(u) for u in missing))
        if missing:
            searched("the identities (emails and phones) Zendesk did not side-load", [], "")
        side_loaded.update((user_key(u), i) for u, i in zip(missing, read, strict=True))
        return [(u, side_loaded[user_key(u)]) for u in users]

    async def _users_with_identities(
        self, search: str
    ) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
        """`GET /api/v2/users/search` with `include=identities,organizations`: the users, and
        the identities by user id when Zendesk side-loaded them (the organizations are kept
        for the details)."""
        identities: dict[str, list[dict[str, Any]]] = {}
        side_loaded = False

        async def fetch(page: str | None) -> dict[str, Any]:
            extra: dict[str, str | int] = {"page": page} if page else {}
            return await self._get(
                "/api/v2/users/search",
                LOOKUP,
                query=search,
                per_page=SEARCH_PAGE,
                include="identities,organizations",
                **extra,
            )

        def users(page: dict[str, Any]) -> list[dict[str, Any]]:
            nonlocal side_loaded
            if "identities" in page:
                side_loaded = True
                for identity in expect_dicts(
                    page.get("identities"), "Zendesk", "identities", "an identity"
                ):
                    identities.setdefault(str(identity.get("user_id")), []).append(identity)
            for org in expect_dicts(
                page.get("organizations", []), "Zendesk", "organizations", "an organization"
            ):
                self._organization_records[record_id(org.get("id"), "Zendesk", "an org")] = org
            return expect_dicts(page.get("users"), "Zendesk", "users", "a user")

        found = await collect(fetch, next_page, users, max_pages=2, limit=2 * SEARCH_PAGE)
        if side_loaded:
            for user in found:
                identities.setdefault(user_key(user), [])
        return found, identities

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
        # Known, even as none: the details then need not read the user again.
        self._organizations[person.ref.record_id] = organization_of(user)
        return confirm_person(person, query, self.region, secondary="a secondary identity")
