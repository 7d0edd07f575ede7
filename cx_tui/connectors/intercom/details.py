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

from collections.abc import Awaitable, Mapping
from typing import Any, Final, TypeVar

from cx_tui.connectors.base import ConnectorError, NotFound
from cx_tui.connectors.intercom.account import NAME, IntercomAccount, checked_id
from cx_tui.connectors.intercom.options import INBOX_HOSTS
from cx_tui.connectors.intercom.records import (
    Links,
    channel_of,
    company,
    conversation_ticket,
    interaction,
    ticket_ticket,
)
from cx_tui.connectors.intercom.search import OPEN_PAGE, OPEN_STATES
from cx_tui.connectors.kit import LOOKUP, expect_dicts, expect_list, gather_all
from cx_tui.connectors.kit.parts import Parts
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


async def _unless_gone(request: Awaitable[list[T]]) -> list[T]:
    """A part whose record is gone (404) is simply empty."""
    try:
        return await request
    except NotFound:
        return []


class IntercomDetails(IntercomAccount):
    """`get_details` for one matched contact."""

    async def get_details(self, match: Match) -> Details:
        """Companies, tickets (open conversations and tickets first) and the timeline.

        Each part (companies, tickets, conversations, conversation parts, inbox links) fails
        alone (`kit.parts`): left out and named in `failed_parts`.

        Raises:
            NotFound: the match is not a contact of this connector.
            AuthError (401), RateLimited, Unavailable (unreachable): the whole source.
        """
        contact_id = self.own_record(match.person.ref, "contact")
        emails = [p.value for p in match.person.contact_points if p.kind is ContactKind.EMAIL]
        mine = _contact_filter(contact_id)
        open_query = {"operator": "AND", "value": [mine, OPEN_STATES]}
        closed_query = {
            "operator": "AND",
            "value": [mine, {"field": "state", "operator": "=", "value": "closed"}],
        }
        parts = Parts(NAME)
        no_links = Links(INBOX_HOSTS[self.hosting], None)
        (companies, tickets, links), (open_ones, closed, early) = await gather_all(
            gather_all(
                parts.read("companies", _unless_gone(self._companies(contact_id)), []),
                parts.read(
                    "tickets",
                    _unless_gone(
                        self._search("/tickets/search", mine, "tickets", per_page=TICKET_PAGE)
                    ),
                    [],
                ),
                parts.read("inbox links", self.links(), no_links),
            ),
            gather_all(
                parts.read(
                    "conversations",
                    self._search(
                        "/conversations/search", open_query, "conversations", per_page=OPEN_PAGE
                    ),
                    [],
                ),
                parts.read(
                    "conversations",
                    self._search(
                        "/conversations/search",
                        closed_query,
                        "conversations",
                        per_page=RECENT_PAGE,
                    ),
                    [],
                ),
                parts.read("conversation parts", self._early_parts(emails, contact_id), {}),
            ),
        )
        open_ones.sort(key=lambda c: c.get("updated_at") or 0, reverse=True)
        wanted = [str(c.get("id")) for c in open_ones[:MAX_OPEN_PARTS]]
        late = [i for i in wanted if i not in early]
        full = dict(early)
        if late:  # open conversations round one did not see: a third round trip
            read = (parts.read("conversation parts", self._conversation(i), None) for i in late)
            for got in await gather_all(*read):
                if got is not None:
                    full[str(got.get("id"))] = got
        found: list[tuple[Ticket, Channel]] = []
        for data in [*open_ones, *closed]:
            made = self._conversation_ticket(parts, data, full.get(str(data.get("id"))), links)
            found += [made] if made is not None else []
        found += parts.each(
            "tickets", tickets, lambda data: (ticket_ticket(data, self.name, links), Channel.WEB)
        )
        unique = {t.ref.record_id: (t, ch) for t, ch in found}
        ordered = sorted(
            unique.values(), key=lambda tc: (not tc[0].is_open, -tc[0].updated.timestamp())
        )
        return Details(
            companies=tuple(parts.each("companies", companies, lambda c: company(c, self.name))),
            tickets=tuple(t for t, _ in ordered),
            interactions=tuple(interaction(t, ch) for t, ch in ordered),
            failed_parts=parts.failures,
        )

    def _conversation_ticket(
        self,
        parts: Parts,
        data: Mapping[str, Any],
        whole: Mapping[str, Any] | None,
        links: Links,
    ) -> tuple[Ticket, Channel] | None:
        """The conversation as a ticket, with its parts when read; without them when only
        they are junk, None (conversations named) when the conversation itself is."""
        try:
            if whole is not None:
                holder = whole.get("conversation_parts")
                items = holder.get("conversation_parts") if isinstance(holder, Mapping) else None
                items = expect_list(items, NAME, "conversation parts")
                return conversation_ticket(whole, self.name, links, items), channel_of(whole)
            return conversation_ticket(data, self.name, links, []), channel_of(data)
        except ConnectorError as error:
            if whole is not None:
                parts.fail("conversation parts", parts.reason(error))
                return self._conversation_ticket(parts, data, None, links)
            parts.fail("conversations", parts.reason(error))
            return None

    async def _early_parts(self, emails: list[str], contact_id: str) -> dict[str, dict[str, Any]]:
        """The whole open conversations (with parts) of this contact that round one found
        (the searches by its `emails` a lookup started, each taken once)."""
        found: list[dict[str, Any]] = []
        for email in emails:
            try:
                found += await self.memory.ahead.take(email) or []
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
