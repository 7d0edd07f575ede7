"""`count_recent` for Freshdesk: tickets with one tag created lately, and the problem ticket.

Two filter-language searches (`GET /api/v2/search/tickets?query="..."`), each built only from
a checked tag (`kit.query.checked_tag`, so no quote can reach the query):
`"tag:'<tag>' AND created_at:>'<day before since>'"`, at most `RECENT_PAGES` pages of 30; then
`"type:'Problem' AND tag:'<tag>'"` (Problem is one of Freshdesk's default ticket types), an
unresolved one preferred. Freshdesk compares `created_at` by day (`:>` is "on or after"), in
the account's time zone; asking from the day before `since` covers any zone, and the tickets
created before `since` are dropped here: that makes the day granularity exact. The search
index lags (API-NOTES.md), so the newest tickets may be missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from cx_tui import phrases
from cx_tui.connectors.freshdesk.account import FreshdeskAccount
from cx_tui.connectors.freshdesk.records import status, time_of
from cx_tui.connectors.kit import expect_dict, expect_dicts, record_id, text_or_none
from cx_tui.connectors.kit.query import checked_tag
from cx_tui.connectors.kit.retry import GLANCE
from cx_tui.models import RecentTicket, RecentTickets

SEARCH_PAGE: Final = 30
"""Results per search page (fixed by Freshdesk)."""
RECENT_PAGES: Final = 2
"""Search pages read per tag: 60 tickets since the day before, at most two requests."""


def recent_query(tag: str, since: datetime) -> str:
    """`"tag:'<tag>' AND created_at:>'<yyyy-mm-dd>'"`, the day before `since` (UTC)."""
    day = (since.astimezone(UTC) - timedelta(days=1)).date().isoformat()
    return f"\"tag:'{checked_tag(tag, 'Freshdesk')}' AND created_at:>'{day}'\""


def problem_query(tag: str) -> str:
    return f"\"type:'Problem' AND tag:'{checked_tag(tag, 'Freshdesk')}'\""


class FreshdeskRecent(FreshdeskAccount):
    """`count_recent`: other customers' tickets about a tag (trouble spots)."""

    async def count_recent(self, tag: str, since: datetime) -> RecentTickets:
        query, problem = recent_query(tag, since), problem_query(tag)
        now = phrases.now_utc()
        read, total = await self._search_tickets(query, 1)
        for page in range(2, RECENT_PAGES + 1):
            if len(read) >= total or len(read) < (page - 1) * SEARCH_PAGE:
                break  # all read, or Freshdesk gave a short page
            read += (await self._search_tickets(query, page))[0]
        found = [self._recent(r, now) for r in read]
        tickets = tuple(
            sorted((t for t in found if t.created >= since), key=lambda t: t.created, reverse=True)
        )
        # The unread rest may all match; those read and older than `since` certainly do not.
        total = max(len(tickets), total - (len(found) - len(tickets)))
        candidates = (await self._search_tickets(problem, 1))[0]
        unresolved = [p for p in candidates if status(p.get("status")).is_open]
        newest = sorted(unresolved or candidates, key=lambda p: str(p.get("created_at")))
        return RecentTickets(
            tag, since, tickets, total, self._recent(newest[-1], now) if newest else None
        )

    async def _search_tickets(self, query: str, page: int) -> tuple[list[dict[str, Any]], int]:
        """One page of results and the total Freshdesk says match."""
        data = await self._get("/api/v2/search/tickets", GLANCE, query=query, page=page)
        body = expect_dict(data, "Freshdesk", "a ticket search")
        results = expect_dicts(body.get("results"), "Freshdesk", "search results", "a ticket")
        total = body.get("total")
        if isinstance(total, int) and not isinstance(total, bool) and total >= len(results):
            return results, total
        return results, len(results)

    def _recent(self, item: Mapping[str, Any], now: datetime) -> RecentTicket:
        ticket_id = record_id(item.get("id"), "Freshdesk", "a ticket")
        requester = item.get("requester_id")
        return RecentTicket(
            self.site.ref(ticket_id, self.site.ticket_url(ticket_id), now),
            text_or_none(item.get("subject")) or f"Ticket {ticket_id}",
            time_of(item.get("created_at"), f"ticket {ticket_id}"),
            None if requester is None else record_id(requester, "Freshdesk", "a requester"),
        )
