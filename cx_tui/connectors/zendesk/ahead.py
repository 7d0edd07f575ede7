"""A Zendesk requester's tickets: by user id in the details, or by email beside the user search
(issue 16: an email lookup in two dependent round trips, not three).

Zendesk's search takes `requester:<id or email>`, so for an email lookup the two ticket
searches of the details (`type:ticket requester:<email> status<solved`, and `status>hold`)
start beside the user search (`kit.ahead`; the lookup does not wait for them) and the details
go straight to the comments. The answer is used for a user only when it surely is theirs: the
email is the user's primary one, or every ticket found names them as requester (whether
Zendesk resolves a secondary identity's email is not documented); otherwise, and when the
searches failed, the details search by the user's id as before. The email is the one the
user search took (`kit.query.search_email`: no search syntax).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Final, TypeVar

from cx_tui.connectors.base import ConnectorError
from cx_tui.connectors.kit import LOOKUP, gather_all
from cx_tui.connectors.kit.parts import Parts
from cx_tui.connectors.zendesk.account import ZendeskAccount

T = TypeVar("T")

MAX_OPEN_TICKETS: Final = 100
MAX_OTHER_TICKETS: Final = 20
Tickets = tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, str]]
"""Open tickets, solved or closed ones, and the side-loaded assignee and group names."""


class ZendeskReadAhead(ZendeskAccount):
    """The requester's ticket searches, and those a lookup by email starts."""

    async def _requester_tickets(self, requester: str, parts: Parts | None) -> Tickets:
        """The open (`status<solved`, newest update first, up to 100, with their SLA metrics)
        and the solved or closed (up to 20) tickets of `requester` (a user id or a checked
        email), side by side; with `parts`, each search that fails alone is left out."""
        names: dict[str, str] = {}

        def part(tickets: Awaitable[list[dict[str, Any]]]) -> Awaitable[list[dict[str, Any]]]:
            return tickets if parts is None else parts.read("tickets", tickets, [])

        open_tickets, other_tickets = await gather_all(
            part(
                self._tickets(
                    f"type:ticket requester:{requester} status<solved",
                    MAX_OPEN_TICKETS,
                    per_page=MAX_OPEN_TICKETS // 2,
                    # the SLA policy metrics, assignees and groups, in the same request
                    include="tickets(slas,users,groups)",
                    names=names,
                )
            ),
            part(
                self._tickets(
                    f"type:ticket requester:{requester} status>hold",
                    MAX_OTHER_TICKETS,
                    include="tickets(users,groups)",
                    names=names,
                )
            ),
        )
        return open_tickets, other_tickets, names

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

    def _read_ahead(self, email: str) -> None:
        """Start the ticket searches of the requester with `email`; nothing waits for them."""
        self._ahead.start(email, _or_none(lambda: self._requester_tickets(email, None)))

    async def _tickets_ahead(
        self, user_id: str, emails: Iterable[str], primary: Iterable[str]
    ) -> Tickets | None:
        """The user's tickets found by a lookup of one of their `emails` when surely theirs
        (see the module docstring), else None."""
        primary = set(primary)
        for email in emails:
            found = await self._ahead.get(email)
            if found is None:
                continue
            every = [*found[0], *found[1]]
            if email in primary and not every:
                return found
            if every and all(str(t.get("requester_id")) == user_id for t in every):
                return found
        return None

    async def aclose(self) -> None:
        self._ahead.close()
        await super().aclose()


async def _or_none(request: Callable[[], Awaitable[T]]) -> T | None:
    try:
        return await request()
    except ConnectorError:
        return None
