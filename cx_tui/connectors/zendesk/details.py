"""What surrounds a Zendesk user: the organization, tickets with comments, ticket activity.

The organization (the company, its plan and VIP tag); the person's open tickets (`status<solved`,
newest first, up to 100) and the 20 most recently updated solved or closed ones, with status,
priority and tags; the comments of the 10 most recently updated open tickets and 3 others,
private ones included (they feed "already tried").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.base import NotFound
from cx_tui.connectors.kit import (
    LOOKUP,
    RetryPolicy,
    expect_dicts,
    expect_list,
    gather_all,
    record_id,
    text_or_none,
)
from cx_tui.connectors.kit.parts import Parts
from cx_tui.connectors.zendesk.records import one, organization_of, status
from cx_tui.connectors.zendesk.search import ZendeskLookup
from cx_tui.models import Details

if TYPE_CHECKING:
    from cx_tui.connectors.zendesk.records import Reader
    from cx_tui.models import Company, Interaction, Match, Ticket

MAX_OPEN_TICKETS: Final = 100
MAX_OTHER_TICKETS: Final = 20
MAX_OPEN_WITH_COMMENTS: Final = 10
MAX_OTHER_WITH_COMMENTS: Final = 3
COMMENT_PAGE: Final = 100
"""Comments read per ticket, the most recent."""


class ZendeskDetails(ZendeskLookup):
    """`get_details`, and the comments the writes read back."""

    async def get_details(self, match: Match) -> Details:
        """The user's organization, tickets (open first) with comments, and ticket activity.

        Args:
            match: A match this connector returned.

        Returns:
            See the module docstring for what is read and the caps.

        Raises:
            NotFound: the user does not exist (or is not a record of this connector).
            AuthError (401), RateLimited, Unavailable (unreachable): the whole source; any other
            failure leaves out only its part (`failed_parts`, `kit.parts`).
        """
        user_id = self.own_record(match.person.ref, "user")
        read = self._reader(datetime.now(UTC))
        parts = Parts("Zendesk")
        names: dict[str, str] = {}  # assignees and groups, side-loaded by the ticket searches
        company, open_tickets, other_tickets = await gather_all(
            parts.read("companies", self._company(user_id, read), None, reraise=(NotFound,)),
            parts.read(
                "tickets",
                self._tickets(
                    f"type:ticket requester:{user_id} status<solved",
                    MAX_OPEN_TICKETS,
                    per_page=MAX_OPEN_TICKETS // 2,
                    # the SLA policy metrics, assignees and groups, in the same request
                    include="tickets(slas,users,groups)",
                    names=names,
                ),
                [],
            ),
            parts.read(
                "tickets",
                self._tickets(
                    f"type:ticket requester:{user_id} status>hold",
                    MAX_OTHER_TICKETS,
                    include="tickets(users,groups)",
                    names=names,
                ),
                [],
            ),
        )
        raw = [
            t for t in [*open_tickets, *other_tickets] if t.get("result_type", "ticket") == "ticket"
        ]
        raw = list({record_id(t.get("id"), "Zendesk", "a ticket"): t for t in raw}.values())
        open_raw = [t for t in raw if status(t.get("status")).is_open]
        other_raw = [t for t in raw if not status(t.get("status")).is_open]
        with_comments = [
            *open_raw[:MAX_OPEN_WITH_COMMENTS],
            *other_raw[:MAX_OTHER_WITH_COMMENTS],
        ]
        no_comments: tuple[list[dict[str, Any]], dict[str, str]] = ([], {})
        comment_lists = await gather_all(
            *(parts.read("comments", self._comments(t), no_comments) for t in with_comments)
        )
        comments = {
            record_id(t.get("id"), "Zendesk", "a ticket"): c
            for t, c in zip(with_comments, comment_lists, strict=True)
        }
        tickets: list[Ticket] = []
        interactions: list[Interaction] = []
        for item in raw:
            ticket_id = record_id(item.get("id"), "Zendesk", "a ticket")
            found, users = comments.get(ticket_id, ([], {}))
            ticket = read.ticket(item, found, users, names)
            tickets.append(ticket)
            interactions += read.activity(item, ticket, found)
        return parts.details((company,) if company is not None else (), tickets, interactions)

    async def _tickets(
        self,
        query: str,
        limit: int,
        *,
        per_page: int | None = None,
        names: dict[str, str] | None = None,
        **params: str,
    ) -> list[dict[str, Any]]:
        """The requester's tickets a search finds, most recently updated first."""
        return await self._search(
            query,
            LOOKUP,
            limit=limit,
            per_page=per_page or limit,
            names=names,
            sort_by="updated_at",
            sort_order="desc",
            **params,
        )

    async def _company(self, user_id: str, read: Reader) -> Company | None:
        """The user's organization (its id read once per user)."""
        if user_id not in self._organizations:
            user = one((await self._get(f"/api/v2/users/{user_id}", LOOKUP)).get("user"), "a user")
            self._organizations[user_id] = organization_of(user)
        return await self._organization(self._organizations.get(user_id), read)

    async def _organization(self, organization_id: str | None, read: Reader) -> Company | None:
        if organization_id is None:
            return None
        side_loaded = self._organization_records.get(organization_id)
        if side_loaded is not None:
            return read.organization(side_loaded, organization_id)
        try:
            data = await self._get(f"/api/v2/organizations/{organization_id}", LOOKUP)
        except NotFound:
            return None
        return read.organization(one(data.get("organization"), "an organization"), organization_id)

    async def _comments(
        self, ticket: Mapping[str, Any], policy: RetryPolicy = LOOKUP
    ) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """The ticket's most recent comments (oldest first) and their authors' names."""
        ticket_id = record_id(ticket.get("id"), "Zendesk", "a ticket")
        try:
            data = await self._get(
                f"/api/v2/tickets/{ticket_id}/comments",
                policy,
                include="users",
                sort="-created_at",
                **{"page[size]": COMMENT_PAGE},
            )
        except NotFound:
            return [], {}
        found = expect_dicts(data.get("comments"), "Zendesk", "comments", "a comment")
        found.sort(key=lambda c: str(c.get("created_at", "")))
        users = {
            str(u.get("id")): str(u.get("name"))
            for u in expect_list(data.get("users"), "Zendesk", "users")
            if isinstance(u, Mapping) and text_or_none(u.get("name"))
        }
        return found, users
