"""`count_recent` for Zendesk: tickets with one tag created lately, and the problem ticket.

Two searches (`GET /api/v2/search`), each built only from a checked tag (`kit.query.
checked_tag`): `type:ticket tags:<tag> created>1hours` (relative times, Zendesk's search
reference), newest first, one page of at most `RECENT_LIMIT`; then `type:ticket
ticket_type:problem tags:<tag>` for the problem ticket incidents link to, the newest
unsolved one first. Results older than `since` are dropped here as well (the search
language counts whole hours).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from cx_tui import phrases
from cx_tui.connectors.kit import expect_dicts, record_id, text_or_none
from cx_tui.connectors.kit.query import checked_tag
from cx_tui.connectors.kit.retry import GLANCE
from cx_tui.connectors.zendesk.account import ZendeskAccount
from cx_tui.connectors.zendesk.records import at, status
from cx_tui.models import RecentTicket, RecentTickets, SourceRef

RECENT_LIMIT: Final = 100
"""Tickets read per tag: one search page (Zendesk's largest)."""


def recent_query(tag: str, since: datetime, now: datetime) -> str:
    """`type:ticket tags:<tag> created><hours>hours`, the hours rounded up to cover `since`."""
    hours = max(1, math.ceil((now - since).total_seconds() / 3600))
    return f"type:ticket tags:{checked_tag(tag, 'Zendesk')} created>{hours}hours"


def problem_query(tag: str) -> str:
    return f"type:ticket ticket_type:problem tags:{checked_tag(tag, 'Zendesk')}"


class ZendeskRecent(ZendeskAccount):
    """`count_recent`: other customers' tickets about a tag (trouble spots)."""

    async def count_recent(self, tag: str, since: datetime) -> RecentTickets:
        now = phrases.now_utc()
        query = recent_query(tag, since, now)
        page = await self._get(
            "/api/v2/search",
            GLANCE,
            query=query,
            per_page=RECENT_LIMIT,
            sort_by="created_at",
            sort_order="desc",
        )
        found = [self._recent(r, now) for r in _results(page)]
        tickets = tuple(t for t in found if t.created >= since)
        total = page.get("count")
        problems = await self._get(
            "/api/v2/search",
            GLANCE,
            query=problem_query(tag),
            per_page=5,
            sort_by="created_at",
            sort_order="desc",
        )
        candidates = _results(problems)
        unsolved = [p for p in candidates if status(p.get("status")).is_open]
        chosen = (unsolved or candidates)[:1]
        return RecentTickets(
            tag,
            since,
            tickets,
            total if isinstance(total, int) and total >= len(tickets) else len(tickets),
            self._recent(chosen[0], now) if chosen else None,
        )

    def _recent(self, item: Mapping[str, Any], now: datetime) -> RecentTicket:
        ticket_id = record_id(item.get("id"), "Zendesk", "a ticket")
        requester = item.get("requester_id")
        return RecentTicket(
            SourceRef(self.name, ticket_id, self._ticket_url(ticket_id), now),
            text_or_none(item.get("subject")) or f"Ticket {ticket_id}",
            at(item.get("created_at"), f"ticket {ticket_id}"),
            None if requester is None else record_id(requester, "Zendesk", "a requester"),
        )


def _results(page: Mapping[str, Any]) -> list[dict[str, Any]]:
    results = expect_dicts(page.get("results"), "Zendesk", "search results", "a search result")
    return [r for r in results if r.get("result_type", "ticket") == "ticket"]
