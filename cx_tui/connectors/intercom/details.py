"""What surrounds a matched contact: companies, conversations and tickets (open first), and
the parts of the open conversations (`note` parts feed "already tried").

Round trips after the contact search: one, side by side, for the contact's companies, its open
conversations, its recent closed ones, its tickets (search results carry their parts) and the
parts (GET /conversations/{id}) of the open conversations its email started, which round one
already found (`search.started_by`); a second only for open conversations that search did not
see (started by a teammate, or from another address). So an email lookup takes two round trips
and a phone lookup three.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
from typing import Any, Final, TypeVar

from cx_tui.connectors.base import AuthError, ConnectorError, NotFound
from cx_tui.connectors.intercom.account import NAME, IntercomAccount, checked_id
from cx_tui.connectors.intercom.records import (
    channel_of,
    company,
    conversation_ticket,
    interaction,
    ticket_ticket,
)
from cx_tui.connectors.intercom.search import OPEN_PAGE, OPEN_STATES
from cx_tui.connectors.kit import LOOKUP, expect_dicts, expect_list, gather_all
from cx_tui.models import Channel, ContactKind, Details, Match, Ticket

T = TypeVar("T")

RECENT_PAGE: Final = 10
"""Closed conversations read per lookup (most recently updated)."""
TICKET_PAGE: Final = 20
MAX_OPEN_PARTS: Final = 5
"""Open conversations whose parts are read (the most recently updated)."""


def _contact_filter(contact_id: str) -> dict[str, Any]:
    return {"field": "contact_ids", "operator": "=", "value": contact_id}


def _involves(conversation: Mapping[str, Any], contact_id: str) -> bool:
    contacts = conversation.get("contacts")
    listed = contacts.get("contacts") if isinstance(contacts, Mapping) else None
    return any(isinstance(c, Mapping) and c.get("id") == contact_id for c in listed or [])


async def _optional(request: Awaitable[list[T]]) -> list[T]:
    """A part the token may not read (403) or that is gone (404) is left out, not fatal."""
    try:
        return await request
    except NotFound:
        return []
    except AuthError as error:
        if error.status != 403:
            raise
        return []


class IntercomDetails(IntercomAccount):
    """`get_details` for one matched contact."""

    async def get_details(self, match: Match) -> Details:
        """Companies, tickets (open conversations and tickets first) and the timeline.

        Raises:
            NotFound: the match is not a contact of this connector.
        """
        contact_id = self.own_record(match.person.ref, "contact")
        emails = [p.value for p in match.person.contact_points if p.kind is ContactKind.EMAIL]
        started = self.take_started(emails)
        mine = _contact_filter(contact_id)
        open_query = {"operator": "AND", "value": [mine, OPEN_STATES]}
        closed_query = {
            "operator": "AND",
            "value": [mine, {"field": "state", "operator": "=", "value": "closed"}],
        }
        (companies, tickets, links), (open_ones, closed, early) = await gather_all(
            gather_all(
                _optional(self._companies(contact_id)),
                _optional(self._search("/tickets/search", mine, "tickets", per_page=TICKET_PAGE)),
                self.links(),
            ),
            gather_all(
                self._search(
                    "/conversations/search", open_query, "conversations", per_page=OPEN_PAGE
                ),
                self._search(
                    "/conversations/search", closed_query, "conversations", per_page=RECENT_PAGE
                ),
                self._early_parts(started, contact_id),
            ),
        )
        open_ones.sort(key=lambda c: c.get("updated_at") or 0, reverse=True)
        wanted = [str(c.get("id")) for c in open_ones[:MAX_OPEN_PARTS]]
        late = [i for i in wanted if i not in early]
        full = dict(early)
        if late:  # open conversations round one did not see: a third round trip
            for got in await gather_all(*(self._conversation(i) for i in late)):
                if got is not None:
                    full[str(got.get("id"))] = got
        found: list[tuple[Ticket, Channel]] = []
        for data in [*open_ones, *closed]:
            whole = full.get(str(data.get("id")), data)
            holder = whole.get("conversation_parts")
            parts = holder.get("conversation_parts") if isinstance(holder, Mapping) else None
            parts = expect_list(parts, NAME, "conversation parts")
            found.append((conversation_ticket(whole, self.name, links, parts), channel_of(whole)))
        found += [(ticket_ticket(data, self.name, links), Channel.WEB) for data in tickets]
        unique = {t.ref.record_id: (t, ch) for t, ch in found}
        ordered = sorted(
            unique.values(), key=lambda tc: (not tc[0].is_open, -tc[0].updated.timestamp())
        )
        return Details(
            companies=tuple(company(c, self.name) for c in companies),
            tickets=tuple(t for t, _ in ordered),
            interactions=tuple(interaction(t, ch) for t, ch in ordered),
        )

    async def _early_parts(
        self, started: list[asyncio.Task[list[dict[str, Any]]]], contact_id: str
    ) -> dict[str, dict[str, Any]]:
        """The whole open conversations (with parts) of this contact that round one found."""
        found: list[dict[str, Any]] = []
        for task in started:
            try:
                found += await asyncio.shield(task)
            except ConnectorError:
                continue  # the contact_ids search beside this one is the authority
        mine = [c for c in found if _involves(c, contact_id)]
        mine.sort(key=lambda c: c.get("updated_at") or 0, reverse=True)
        ids = list(dict.fromkeys(str(c.get("id")) for c in mine))[:MAX_OPEN_PARTS]
        got = await gather_all(*(self._conversation(i) for i in ids)) if ids else ()
        return {str(c.get("id")): c for c in got if c is not None}

    async def _companies(self, contact_id: str) -> list[dict[str, Any]]:
        data = await self._call("GET", f"/contacts/{contact_id}/companies", LOOKUP)
        items = data.get("data", data.get("companies"))
        return expect_dicts(items, NAME, "companies", "a company")

    async def _conversation(self, conversation_id: str) -> dict[str, Any] | None:
        path = f"/conversations/{checked_id(conversation_id, 'conversation')}"
        try:
            return await self._call("GET", path, LOOKUP)
        except NotFound:
            return None
