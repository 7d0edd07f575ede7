"""Finding contacts: the POST /contacts/search query, built only from re-checked values, and
everything the first answer needs asked beside it.

POST /contacts/search compares `phone` as a plain string (no normalisation is documented), so
one OR group asks for the national number, as people write it, at the end of the stored string
(`$` "4155550132", "415-555-0132", "415.555.0132", "415 555 0132", "(415) 555-0132": whatever
prefix a country code took) and for the whole canonical forms (`=` "+14155550132" ...). An
email is asked in its normalised (lowercased) form. Both roles (users and leads) are contacts,
so no `role` filter is added. Intercom allows at most 15 filters per group; candidates are
confirmed locally (`kit.matching`). The query is JSON, so a value cannot change its structure;
still, a value that is not what the engine validated is refused before any request.

Round trip one, side by side: the contact search; GET /me (once per connector: inbox links);
GET /tags (the workspace's tag names, at most every `TAG_TTL` s: a contact's `tags` holds only
ids); and, for an email, the open conversations that address started
(`source.author.email`), so that details can read their parts in round trip two.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.base import AuthError, InvalidInput, NotFound
from cx_tui.connectors.intercom.account import IntercomAccount, checked_id
from cx_tui.connectors.intercom.records import Links, person
from cx_tui.connectors.kit import (
    LOOKUP,
    checked_email,
    checked_name,
    checked_phone,
    confirm_person,
    gather_all,
    match_phone,
    refuse_unless,
)
from cx_tui.connectors.kit.query import NAME_CHARS
from cx_tui.models import ContactKind, Match

if TYPE_CHECKING:
    from datetime import datetime

    from cx_tui.identity import PhoneQuery, Query
    from cx_tui.models import ContactPoint

MAX_FILTERS: Final = 15
"""Intercom's limit of filters in one AND/OR group."""
SEARCH_PAGE: Final = 50
MAX_SEARCH_PAGES: Final = 2
TAG_TTL: Final = 300.0
"""Seconds the workspace's tag names are reused before GET /tags is asked again."""
OPEN_PAGE: Final = 20
"""Open (and snoozed) conversations read per lookup."""
OPEN_STATES: Final = {"field": "state", "operator": "IN", "value": ["open", "snoozed"]}


def national_tails(phone: PhoneQuery) -> list[str]:
    """The national number as people write it, without country code or trunk prefix: a
    stored string that ends with one of these holds the number whatever came before it
    ("+1 ", "1-", "001 ", "+44 (0)")."""
    groups = re.split(r"[ \-]", phone.international_formatted.split(" ", 1)[-1])
    forms = [
        phone.national_digits,
        "-".join(groups),
        ".".join(groups),
        " ".join(groups),
        phone.national_formatted,
    ]
    return list(dict.fromkeys(f for f in forms if f))


def contact_query(query: Query) -> dict[str, Any]:
    """The `query` object of POST /contacts/search for a validated lookup.

    Raises:
        InvalidInput: a value that is not what the engine validated (nothing is sent).
    """
    if query.phone is not None:
        phone = checked_phone(query.phone, "Intercom")
        filters: list[dict[str, Any]] = [
            {"field": "phone", "operator": "$", "value": tail} for tail in national_tails(phone)
        ]
        for form in dict.fromkeys(f for f in phone.candidate_forms() if f):
            if len(filters) >= MAX_FILTERS:
                break
            filters.append({"field": "phone", "operator": "=", "value": form})
        return {"operator": "OR", "value": filters}
    if query.email is not None:
        return {"field": "email", "operator": "=", "value": checked_email(query.email)}
    if query.name is not None:
        name = refuse_unless(
            checked_name(query.name), NAME_CHARS, "A name lookup in Intercom takes letters, "
            "spaces, . ' and - only."
        )  # fmt: skip
        return {"field": "name", "operator": "~", "value": name}
    raise InvalidInput("Nothing to look up.")


def started_by(email: str) -> dict[str, Any]:
    """The open conversations an email address started (`source.author.email`)."""
    mine = {"field": "source.author.email", "operator": "=", "value": email}
    return {"operator": "AND", "value": [mine, OPEN_STATES]}


class IntercomLookup(IntercomAccount):
    """`search` + `confirm` for the template's `find_people`, and what round one prefetches."""

    _links: Links

    async def search(self, query: Query) -> list[dict[str, Any]]:
        body = contact_query(query)  # InvalidInput before any request
        if query.email is not None:  # for the details, which take it (`kit.ahead`)
            started = started_by(query.email)
            self.memory.ahead.start(
                query.email,
                self._search("/conversations/search", started, "conversations", per_page=OPEN_PAGE),
            )
        contacts: list[dict[str, Any]]
        contacts, self._links, _ = await gather_all(
            self._search(
                "/contacts/search", body, "data", per_page=SEARCH_PAGE, max_pages=MAX_SEARCH_PAGES
            ),
            self.links(),
            self._refresh_tags(),
        )
        unknown = [c for c in contacts if self._missing_tags(c)]
        if unknown:  # a tag newer than the cached names: ask those contacts (rare)
            await gather_all(*(self._contact_tags(c) for c in unknown))
        return contacts

    def confirm(self, candidate: dict[str, Any], query: Query, now: datetime) -> Match | None:
        tags = self._tags_of(candidate)
        found = person(candidate, self.name, self._links, self.region, tags, now)
        return confirm_person(found, query, self.region)

    async def find_people(self, query: Query) -> list[Match]:
        """The template's search and confirm, plus a contact this process created that
        Intercom's search does not list yet, fetched directly and said "not yet searchable"."""
        matches = await super().find_people(query)
        seen = {m.person.ref.record_id for m in matches}
        for contact_id, (created_at, points) in self.memory.created.items():
            if contact_id in seen or not self._made_for(points, query):
                continue
            try:
                contact = await self._call("GET", f"/contacts/{contact_id}", LOOKUP)
            except NotFound:
                continue
            found = person(contact, self.name, self._links, self.region, ())
            match = confirm_person(found, query, self.region)
            if match is not None:
                minutes = max(1, round((time.time() - created_at) / 60))
                detail = (
                    f"{match.detail}; created by cx-tui {minutes} min ago, not yet searchable "
                    "in Intercom (its search can take a few minutes to list new contacts)"
                )
                matches.append(Match(found, match.reason, match.confidence, detail))
        return matches

    def _made_for(self, points: tuple[ContactPoint, ...], query: Query) -> bool:
        if query.phone is not None:
            return match_phone(points, query.phone, self.region) is not None
        if query.email is not None:
            return any(p.kind is ContactKind.EMAIL and p.value == query.email for p in points)
        return False

    async def _refresh_tags(self) -> None:
        if self.memory.tags_denied or time.monotonic() - self.memory.tags_read_at < TAG_TTL:
            return
        try:
            data = await self._call("GET", "/tags", LOOKUP)
        except AuthError:
            self.memory.tags_denied = True  # no tag names, never a failed lookup
            return
        names = self.memory.tag_names
        for tag in data.get("data") or []:
            if isinstance(tag, Mapping) and isinstance(tag.get("name"), str):
                names[str(tag.get("id"))] = tag["name"]
        self.memory.tag_names, self.memory.tags_read_at = names, time.monotonic()

    def _tag_refs(self, contact: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        tags = contact.get("tags")
        data = tags.get("data") if isinstance(tags, Mapping) else None
        return [t for t in data or [] if isinstance(t, Mapping)]

    def _missing_tags(self, contact: Mapping[str, Any]) -> bool:
        if self.memory.tags_denied:
            return False
        known = self.memory.tag_names
        tags = contact.get("tags")
        more = isinstance(tags, Mapping) and tags.get("has_more") is True
        return more or any(
            not isinstance(t.get("name"), str) and str(t.get("id")) not in known
            for t in self._tag_refs(contact)
        )

    async def _contact_tags(self, contact: dict[str, Any]) -> None:
        contact_id = checked_id(str(contact.get("id")), "contact")
        try:
            data = await self._call("GET", f"/contacts/{contact_id}/tags", LOOKUP)
        except NotFound:
            return
        items = data.get("data", data.get("tags"))
        contact["tags"] = {"data": [t for t in items or [] if isinstance(t, Mapping)]}

    def _tags_of(self, contact: Mapping[str, Any]) -> tuple[str, ...]:
        known = self.memory.tag_names
        names = (
            t["name"] if isinstance(t.get("name"), str) else known.get(str(t.get("id")))
            for t in self._tag_refs(contact)
        )
        return tuple(dict.fromkeys(n for n in names if n))
