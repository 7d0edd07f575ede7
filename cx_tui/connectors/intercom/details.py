"""What surrounds a matched contact: companies, tags, conversations and tickets (open first),
and the parts of the open conversations (`note` parts feed "already tried").

Round trips, all after the contact search and side by side: the contact's companies, its open
conversations, its other recent conversations, its tickets, its tags (only when it has some),
then one GET per open conversation (at most `MAX_OPEN_PARTS`) for the parts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from cx_tui.connectors.base import NotFound
from cx_tui.connectors.http import LOOKUP, expect_dict, expect_list, gather_all
from cx_tui.connectors.intercom.client import NAME, IntercomApi, checked_id
from cx_tui.connectors.intercom.records import (
    Links,
    channel_of,
    company,
    conversation_ticket,
    interaction,
    ticket_ticket,
)
from cx_tui.models import Channel, Details, Ticket

OPEN_PAGE: Final = 20
"""Open (and snoozed) conversations read per lookup."""
RECENT_PAGE: Final = 10
"""Closed conversations read per lookup (most recently updated)."""
TICKET_PAGE: Final = 20
MAX_OPEN_PARTS: Final = 5
"""Open conversations whose parts are read (the most recently updated)."""


def _contact_filter(contact_id: str) -> dict[str, Any]:
    return {"field": "contact_ids", "operator": "=", "value": contact_id}


async def _companies(api: IntercomApi, contact_id: str) -> list[dict[str, Any]]:
    try:
        data = await api.call("GET", f"/contacts/{contact_id}/companies", policy=LOOKUP)
    except NotFound:
        return []
    items = data.get("data", data.get("companies", []))
    return [expect_dict(i, NAME, "a company") for i in expect_list(items, NAME, "companies")]


async def contact_tags(api: IntercomApi, contact: Mapping[str, Any]) -> tuple[str, ...]:
    """Tag names of a contact: its `tags` field holds only ids, so GET /contacts/{id}/tags,
    and only when it says it has some."""
    tags = contact.get("tags")
    if not isinstance(tags, Mapping) or not (tags.get("total_count") or tags.get("data")):
        return ()
    contact_id = checked_id(str(contact.get("id")), "contact")
    try:
        data = await api.call("GET", f"/contacts/{contact_id}/tags", policy=LOOKUP)
    except NotFound:
        return ()
    items = data.get("data", data.get("tags", []))
    return tuple(
        str(t["name"])
        for t in expect_list(items, NAME, "tags")
        if isinstance(t, Mapping) and isinstance(t.get("name"), str)
    )


async def _conversation(api: IntercomApi, conversation_id: str) -> dict[str, Any] | None:
    try:
        return await api.call(
            "GET", f"/conversations/{checked_id(conversation_id, 'conversation')}", policy=LOOKUP
        )
    except NotFound:
        return None


async def details(api: IntercomApi, contact_id: str, account: str, links: Links) -> Details:
    """Companies, tickets (open conversations and tickets first) and the timeline."""
    contact_id = checked_id(contact_id, "contact")
    mine = _contact_filter(contact_id)
    open_query = {
        "operator": "AND",
        "value": [mine, {"field": "state", "operator": "IN", "value": ["open", "snoozed"]}],
    }
    closed_query = {
        "operator": "AND",
        "value": [mine, {"field": "state", "operator": "=", "value": "closed"}],
    }
    companies, open_conversations, closed, tickets = await gather_all(
        _companies(api, contact_id),
        api.search(
            "/conversations/search", open_query, "conversations", per_page=OPEN_PAGE, max_pages=1
        ),
        api.search(
            "/conversations/search",
            closed_query,
            "conversations",
            per_page=RECENT_PAGE,
            max_pages=1,
        ),
        api.search("/tickets/search", mine, "tickets", per_page=TICKET_PAGE, max_pages=1),
    )
    open_conversations.sort(key=lambda c: c.get("updated_at") or 0, reverse=True)
    read = open_conversations[:MAX_OPEN_PARTS]
    full = await gather_all(*(_conversation(api, str(c.get("id"))) for c in read)) if read else ()
    by_id = {str(c.get("id")): c for c in full if c is not None}
    found: list[tuple[Ticket, Channel]] = []
    for data in [*open_conversations, *closed]:
        whole = by_id.get(str(data.get("id")), data)
        parts_list = whole.get("conversation_parts")
        parts = parts_list.get("conversation_parts") if isinstance(parts_list, Mapping) else None
        parts = expect_list(parts or [], NAME, "conversation parts")
        found.append((conversation_ticket(whole, account, links, parts), channel_of(whole)))
    for data in tickets:
        found.append((ticket_ticket(data, account, links), Channel.WEB))
    unique = {t.ref.record_id: (t, ch) for t, ch in found}
    ordered = sorted(
        unique.values(), key=lambda tc: (not tc[0].is_open, -tc[0].updated.timestamp())
    )
    return Details(
        companies=tuple(company(c, account) for c in companies),
        tickets=tuple(t for t, _ in ordered),
        interactions=tuple(interaction(t, ch) for t, ch in ordered),
    )
