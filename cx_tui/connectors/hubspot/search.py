"""Finding HubSpot contacts: the search request (within HubSpot's limits) and confirmation.

One `POST /crm/v3/objects/contacts/search` per lookup. HubSpot compares `phone` and
`mobilephone` as the strings people typed, so a phone lookup asks for the number's common
written forms (`IN`) plus HubSpot's own calculated properties (national digits, E.164); an
email lookup asks `email` and the `;`-separated `hs_additional_emails`. Every result is then
confirmed client-side and dropped when it does not really match. HubSpot's limits are checked
before sending: at most 5 filter groups, 6 filters per group and 18 in total (stricter than
the documented 10/25, in case an account is on the older limits), `limit` at most 200.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.base import InvalidInput
from cx_tui.connectors.hubspot.account import next_after
from cx_tui.connectors.hubspot.ahead import HubSpotReadAhead
from cx_tui.connectors.hubspot.owners import HubSpotOwners
from cx_tui.connectors.hubspot.records import CONTACT_PROPERTIES
from cx_tui.connectors.kit import (
    LOOKUP,
    checked_email,
    checked_name,
    checked_phone,
    collect,
    confirm_person,
    expect_dicts,
    gather_all,
    phone_forms,
)
from cx_tui.connectors.kit.explain import searched

if TYPE_CHECKING:
    from datetime import datetime

    from cx_tui.identity import Query
    from cx_tui.models import Match

MAX_FILTER_GROUPS: Final = 5
MAX_FILTERS_PER_GROUP: Final = 6
MAX_FILTERS: Final = 18
MAX_SEARCH_LIMIT: Final = 200
SEARCH_PAGE: Final = 100
MAX_SEARCH_PAGES: Final = 3
MAX_MATCHES: Final = 50
"""Contacts considered per lookup (a switchboard number can have many)."""


def search_request(
    query: Query, properties: Sequence[str], *, limit: int = SEARCH_PAGE
) -> dict[str, Any]:
    """The body of `POST /crm/v3/objects/contacts/search` for a validated query.

    Raises:
        InvalidInput: a value that does not validate, or a body beyond HubSpot's limits.
    """
    body: dict[str, Any]
    if query.phone is not None:
        phone = checked_phone(query.phone, "HubSpot")
        forms = phone_forms(phone)
        body = {
            "filterGroups": [
                {"filters": [{"propertyName": "phone", "operator": "IN", "values": forms}]},
                {"filters": [{"propertyName": "mobilephone", "operator": "IN", "values": forms}]},
                _eq("hs_searchable_calculated_phone_number", phone.national_digits),
                _eq("hs_searchable_calculated_mobile_number", phone.national_digits),
                _eq("hs_calculated_phone_number", phone.e164),
            ]
        }
    elif query.email is not None:
        email = checked_email(query.email)
        additional = {
            "propertyName": "hs_additional_emails",
            "operator": "CONTAINS_TOKEN",
            "value": email,
        }
        body = {"filterGroups": [_eq("email", email), {"filters": [additional]}]}
    elif query.name is not None:
        body = {"query": checked_name(query.name)}
    else:
        raise InvalidInput("Nothing to look up.")
    body["properties"] = list(properties)
    body["limit"] = limit
    check_search_limits(body)
    return body


def _eq(prop: str, value: str) -> dict[str, Any]:
    return {"filters": [{"propertyName": prop, "operator": "EQ", "value": value}]}


def check_search_limits(body: Mapping[str, Any]) -> None:
    """Refuse a search body beyond HubSpot's limits before it is sent.

    Raises:
        InvalidInput: too many filter groups or filters, or `limit` above 200.
    """
    groups = body.get("filterGroups", [])
    per_group = [len(group.get("filters", [])) for group in groups]
    if (
        len(groups) > MAX_FILTER_GROUPS
        or any(n > MAX_FILTERS_PER_GROUP for n in per_group)
        or sum(per_group) > MAX_FILTERS
        or int(body.get("limit", 0)) > MAX_SEARCH_LIMIT
    ):
        raise InvalidInput(
            "This search is beyond HubSpot's limits (5 filter groups, 6 filters per group, "
            "18 filters, 200 results)."
        )


_HOW: Final = {"IN": "any of", "EQ": "equals", "CONTAINS_TOKEN": "has the token"}


def explain_body(body: Mapping[str, Any]) -> None:
    """Say, for an explanation, which properties the search asked and for which forms."""
    for group in body.get("filterGroups", []):
        for item in group.get("filters", []):
            values = item.get("values") or [item.get("value", "")]
            operator = str(item.get("operator", ""))
            searched(str(item.get("propertyName")), values, _HOW.get(operator, operator))
    if "query" in body:
        searched("default searchable properties (names, email, phone)", [body["query"]])


class HubSpotLookup(HubSpotReadAhead, HubSpotOwners):
    """`find_people`: search, confirm each contact, add owner names (`owners.py`)."""

    @property
    def contact_properties(self) -> tuple[str, ...]:
        extra = (self.plan_property,) if self.plan_property else ()
        return tuple(dict.fromkeys((*CONTACT_PROPERTIES, *extra, *self.fields.person_fields())))

    async def search(self, query: Query) -> list[dict[str, Any]]:
        """Contacts HubSpot finds for the query (values re-validated before anything is sent);
        the portal is asked alongside, for links; the owners' listing is started, not awaited
        (`owners.py`), and for an email the contact with that primary email is read with its
        associations, for the details (`ahead.py`)."""
        body = search_request(query, self.contact_properties)
        explain_body(body)

        async def fetch(after: str | None) -> dict[str, Any]:
            page = dict(body, after=after) if after else body
            return await self._post(
                "/crm/v3/objects/contacts/search", page, LOOKUP, safe=True, search=True
            )

        def contacts(page: dict[str, Any]) -> list[dict[str, Any]]:
            return expect_dicts(page.get("results"), "HubSpot", "search results", "a contact")

        found: list[dict[str, Any]]
        if query.email is not None:
            self._read_ahead(checked_email(query.email))
        self._start_owner_listing()
        found, _ = await gather_all(
            collect(fetch, next_after, contacts, max_pages=MAX_SEARCH_PAGES, limit=MAX_MATCHES),
            self._portal_info(LOOKUP),
        )
        return found

    def confirm(self, candidate: dict[str, Any], query: Query, now: datetime) -> Match | None:
        person = self._reader(now).person(candidate)
        return confirm_person(person, query, self.region, secondary="an additional email")
