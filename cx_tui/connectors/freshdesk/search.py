"""Finding people in Freshdesk, with queries built only from checked values.

**Phone** (one round trip, all side by side): Freshdesk's contact filters compare the stored
string exactly, so `GET /api/v2/contacts?phone=` and `?mobile=` are asked in the commonest
written forms, and one filter-language search (`/api/v2/search/contacts?query="phone:'..' OR
mobile:'..'"`) covers every form the kit produces within Freshdesk's 512 characters. The
filter language puts values between single quotes and documents no escape: a value holding
anything but digits, spaces and `+ ( ) - .` is refused before any request.

**Email** (one round trip): `GET /api/v2/contacts?email=` (Freshdesk compares every email of a
contact, `other_emails` too) beside `GET /api/v2/tickets?email=` (the requester's tickets,
read now so the details need no round trip of their own). The email goes as a URL parameter,
never into the filter language, and only in the normalised shape `identity` allows.

Every candidate is confirmed client-side on its full record (`GET /api/v2/contacts/{id}`,
the only answer with `other_emails`), read in the second round trip beside the details
(`details.py`). Freshdesk's filters have no name: a name lookup is unsupported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.base import BadResponse, ConnectorError, NotFound, Unsupported
from cx_tui.connectors.freshdesk import records
from cx_tui.connectors.freshdesk.account import FreshdeskAccount, Page
from cx_tui.connectors.freshdesk.options import MAX_CANDIDATES, SEARCH_QUERY_LIMIT
from cx_tui.connectors.kit import (
    LOOKUP,
    checked_email,
    checked_phone,
    confirm_person,
    expect_dict,
    expect_dicts,
    gather_all,
    phone_forms,
    quoted,
    record_id,
    refuse_unless,
)

if TYPE_CHECKING:
    from cx_tui.identity import PhoneQuery, Query
    from cx_tui.models import Match

PHONE_FORM: Final = re.compile(r"[+(0-9][0-9 ().\-]{3,30}")
"""A written phone form fit for the filters and, single-quoted, the filter language."""
EMAIL_PARAM: Final = re.compile(r"[a-z0-9._%+'\-]{1,64}@[a-z0-9.\-]{1,253}")
"""A normalised email as a URL parameter (never placed in the filter language)."""
MAX_FILTER_FORMS: Final = 3
"""Written forms asked through the exact list filters (each costs a request per field)."""
REFUSED_PHONE: Final = "That phone number holds characters cx-tui will not send to Freshdesk."


def written_forms(phone: PhoneQuery) -> list[str]:
    """The written forms of a checked phone, canonical first; each refused unless it is
    digits, spaces and `+ ( ) - .` only."""
    checked = checked_phone(phone, "Freshdesk")
    # The exact filters take the first MAX_FILTER_FORMS: the forms people and imports write
    # most (E.164, then the national and international formats); the search takes them all.
    first = (checked.e164, checked.national_formatted, checked.international_formatted)
    forms = dict.fromkeys([*first, *phone_forms(checked)])
    return [refuse_unless(f, PHONE_FORM, REFUSED_PHONE) for f in forms]


def filter_value(value: str) -> str:
    """`'value'` for the filter language: a written phone form, else `InvalidInput` (a quote
    or backslash would end or break the string; nothing is ever escaped)."""
    return quoted(value, PHONE_FORM, REFUSED_PHONE, quote="'")


def phone_query(forms: Iterable[str]) -> str:
    """`"phone:'f1' OR mobile:'f1' OR ..."`, as many forms as fit in 512 characters."""
    terms: list[str] = []
    for form in forms:
        for field in ("phone", "mobile"):
            term = f"{field}:{filter_value(form)}"
            if len(" OR ".join([*terms, term])) > SEARCH_QUERY_LIMIT:
                return f'"{" OR ".join(terms)}"'
            terms.append(term)
    return f'"{" OR ".join(terms)}"'


def list_email(email: str) -> str:
    """The email as a filter parameter: normalised (`kit.query.checked_email`) and plain."""
    return refuse_unless(
        checked_email(email),
        EMAIL_PARAM,
        "That email address holds characters cx-tui will not send to Freshdesk.",
    )


def unique_contacts(lists: Iterable[Any]) -> list[dict[str, Any]]:
    """The contacts of several answers, each once, in order."""
    found: dict[str, dict[str, Any]] = {}
    for answer in lists:
        for contact in expect_dicts(answer, "Freshdesk", "contacts", "a contact"):
            found.setdefault(record_id(contact.get("id"), "Freshdesk", "a contact"), contact)
    return list(found.values())


def tickets_of(contact: Mapping[str, Any], email: str, page: Page | None) -> Page | None:
    """The first page of `contact`'s tickets from the `?email=` listing, when it surely is
    theirs: the email is the contact's primary one, or the listing names them as requester.
    None: unknown (the details ask by `requester_id`)."""
    if page is None:
        return None
    contact_id = record_id(contact.get("id"), "Freshdesk", "a contact")
    items, more = page
    mine = [t for t in items if str(t.get("requester_id")) == contact_id]
    primary = str(contact.get("email") or "").casefold() == email
    if mine and len(mine) == len(items):
        return mine, more
    if primary and not items:
        return [], None
    return None


class FreshdeskLookup(FreshdeskAccount):
    """`search` and `confirm` for the template's `find_people`."""

    async def search(self, query: Query) -> list[dict[str, Any]]:
        now = datetime.now(UTC)
        known: dict[str, Page | None] = {}
        if query.phone is not None:
            forms = written_forms(query.phone)
            text = phone_query(forms)
            asks = [
                self._get("/api/v2/contacts", LOOKUP, **{field: form})
                for form in forms[:MAX_FILTER_FORMS]
                for field in ("phone", "mobile")
            ]
            lists = await gather_all(*asks, self._search(text))
            # Phones are in the list answers: confirm before spending requests on anyone.
            candidates = [c for c in unique_contacts(lists) if self.confirm(c, query, now)]
        elif query.email is not None:
            email = list_email(query.email)
            found, page = await gather_all(
                self._get("/api/v2/contacts", LOOKUP, email=email), self._tickets_by_email(email)
            )
            candidates = unique_contacts([found])
            for contact in candidates:
                known[str(contact.get("id"))] = tickets_of(contact, email, page)
        else:
            raise Unsupported("Freshdesk's contact filters cannot look a person up by name.")
        chosen = candidates[:MAX_CANDIDATES]
        for contact in chosen:
            self._prefetch(contact, known.get(str(contact.get("id"))))
        full = await gather_all(*(self._full(c) for c in chosen))
        return [c for c in full if c is not None]

    def confirm(self, candidate: dict[str, Any], query: Query, now: datetime) -> Match | None:
        person = records.person(self.site, candidate, now)
        return confirm_person(person, query, self.region, secondary="another email of theirs")

    async def _search(self, query_text: str) -> list[Any]:
        """Filter-language results; a search the account refuses or lacks adds nothing (the
        exact filters asked beside it still answer)."""
        try:
            data = await self._get("/api/v2/search/contacts", LOOKUP, query=query_text)
        except (BadResponse, NotFound):
            return []
        results = expect_dict(data, "Freshdesk", "search").get("results")
        return expect_dicts(results, "Freshdesk", "search results", "a contact")

    async def _tickets_by_email(self, email: str) -> Page | None:
        """The first page of the tickets requested from `email`, newest update first, or None
        when the listing failed (Freshdesk answers 400 when no contact has the email, or
        when it does not resolve a secondary one): the details then ask by requester."""
        try:
            return await self._page(
                "/api/v2/tickets", 1, email=email, order_by="updated_at", order_type="desc"
            )
        except ConnectorError:
            return None

    async def _full(self, contact: Mapping[str, Any]) -> dict[str, Any] | None:
        """The contact's own record (with `other_emails`), or None when it is gone."""
        contact_id = record_id(contact.get("id"), "Freshdesk", "a contact")
        data = await self._get_or_none(f"/api/v2/contacts/{contact_id}")
        return None if data is None else expect_dict(data, "Freshdesk", "a contact")
