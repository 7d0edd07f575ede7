"""What surrounds a Freshdesk contact: the company, the tickets (open first), their notes.

Round trips are what an agent waits for, so the details start while the lookup is still
confirming (`_prefetch`, called by `search.py` for each candidate whose id and company id the
first answers already name):

1. (the lookup) the contact filters and search, or for an email `?email=` beside the
   requester's tickets;
2. the full contact record (the lookup), beside the company (`GET /api/v2/companies/{id}`,
   custom fields for the plan) and the tickets (`GET /api/v2/tickets?requester_id=`, newest
   update first, up to 300; already read in step 1 for an email);
3. the conversations of the open, pending and on-hold tickets (10 at most, paginated):
   private notes are "already tried". For an email this is step 2.

The names of the tickets' agents and groups (`owners.py`) are read beside step 2 (the account's
directory, once for all candidates) and, for an id it lacks, beside step 3.

Resolved and closed tickets are listed (20 at most) without their conversations. `due_by` and
`fr_due_by` give the SLA due time. A contact whose details were not started by a lookup (a
cached match) costs two round trips: its record beside its tickets, then the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.base import ConnectorError, NotFound
from cx_tui.connectors.freshdesk import records
from cx_tui.connectors.freshdesk.account import Page
from cx_tui.connectors.freshdesk.options import (
    MAX_CLOSED_TICKETS,
    MAX_CONVERSATION_PAGES,
    MAX_OPEN_WITH_CONVERSATIONS,
    MAX_TICKET_PAGES,
)
from cx_tui.connectors.freshdesk.owners import FreshdeskOwners
from cx_tui.connectors.kit import LOOKUP, expect_dict, gather_all, record_id
from cx_tui.connectors.kit.ahead import ReadAhead
from cx_tui.connectors.kit.parts import Parts, whole_source
from cx_tui.models import Details, Interaction, Ticket

if TYPE_CHECKING:
    from cx_tui.connectors.kit import RetryPolicy
    from cx_tui.models import Company, Match

WARM_SECONDS: Final = 120.0
"""How long details started by a lookup stay good for `get_details` (`kit.ahead`)."""
MAX_WARM: Final = 20
"""Details started and not yet taken, at most (the oldest are dropped)."""


def _company_id(contact: Mapping[str, Any]) -> str | None:
    value = contact.get("company_id")
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _ticket_id(ticket: Mapping[str, Any]) -> str | None:
    """The ticket's id, or None when it has no usable one (the ticket is then junk)."""
    value = ticket.get("id")
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else None


class FreshdeskDetails(FreshdeskOwners):
    """`get_details`, and the details a lookup starts early."""

    def configure(self) -> None:
        super().configure()
        self._ahead: ReadAhead[Details] = ReadAhead(WARM_SECONDS, MAX_WARM)
        """Details a lookup started, by contact id; each is taken once (`kit.ahead`)."""

    def _prefetch(self, contact: Mapping[str, Any], tickets: Page | None) -> None:
        contact_id = record_id(contact.get("id"), "Freshdesk", "a contact")
        self._ahead.start(contact_id, self._assemble(contact_id, _company_id(contact), tickets))

    async def get_details(self, match: Match) -> Details:
        """The company, the tickets (open first) with their notes, and ticket activity."""
        contact_id = self.own_record(match.person.ref, "contact")
        started = await self._ahead.take(contact_id)
        if started is not None:
            return started
        contact, first = await gather_all(
            self._get_or_none(f"/api/v2/contacts/{contact_id}"),
            self._first_tickets(contact_id),
        )
        if contact is None:
            raise NotFound(f"{self.name} has no contact {contact_id} any more.")
        company = _company_id(expect_dict(contact, "Freshdesk", "a contact"))
        return await self._assemble(contact_id, company, first)

    async def _first_tickets(self, contact_id: str) -> Page | None:
        """The first page of the requester's tickets, or None when only it failed (the
        tickets part then asks again and names the failure)."""
        try:
            return await self._page(
                "/api/v2/tickets",
                1,
                requester_id=contact_id,
                order_by="updated_at",
                order_type="desc",
            )
        except ConnectorError as error:
            if whole_source(error):
                raise
            return None

    async def aclose(self) -> None:
        self._ahead.close()
        await super().aclose()

    async def _assemble(
        self, contact_id: str, company_id: str | None, first: Page | None
    ) -> Details:
        """The company beside the tickets and, as soon as those are known, the open ones'
        conversations. `first`: the tickets' first page when already read. Each part
        (companies, tickets, conversations) fails alone (`kit.parts`)."""
        now = datetime.now(UTC)
        parts = Parts("Freshdesk")

        async def tickets() -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
            listed = await parts.read(
                "tickets",
                self._paged(
                    "/api/v2/tickets",
                    max_pages=MAX_TICKET_PAGES,
                    first=first,
                    requester_id=contact_id,
                    order_by="updated_at",
                    order_type="desc",
                ),
                [],
            )
            open_raw = [t for t in listed if records.status(t.get("status")).is_open]
            closed = [t for t in listed if not records.status(t.get("status")).is_open]
            chosen = [
                ticket_id
                for t in open_raw[:MAX_OPEN_WITH_CONVERSATIONS]
                if (ticket_id := _ticket_id(t)) is not None
            ]
            shown = [*open_raw, *closed[:MAX_CLOSED_TICKETS]]

            async def conversations_of(ticket_id: str) -> list[dict[str, Any]]:
                return await parts.read("conversations", self.conversations(ticket_id), [])

            async def read_conversations() -> tuple[list[dict[str, Any]], ...]:
                return await gather_all(*(conversations_of(t) for t in chosen))

            found, _ = await gather_all(read_conversations(), self._name_owners(shown))
            return shown, dict(zip(chosen, found, strict=True))

        company, (listed, convs), _ = await gather_all(
            parts.read("companies", self._company(company_id, now), None),
            tickets(),
            self._read_directory(),
        )
        made: list[Ticket] = []
        timeline: list[Interaction] = []
        for item in listed:
            found = convs.get(_ticket_id(item) or "", [])
            read = self._ticket(parts, item, found, now)
            if read is not None:
                made.append(read[0])
                timeline += read[1]
        return parts.details((company,) if company is not None else (), made, timeline)

    def _ticket(
        self, parts: Parts, item: Mapping[str, Any], found: list[dict[str, Any]], now: datetime
    ) -> tuple[Ticket, list[Interaction]] | None:
        """The ticket and its timeline; without its conversations when only they are junk,
        None (the tickets part named) when the ticket itself is."""
        try:
            ticket = records.ticket(self.site, item, found, now)
            ticket = replace(ticket, owners=self.owners_of(item, ticket.ref))
            return ticket, records.activity(self.site, item, ticket, found, now)
        except ConnectorError as error:
            if found:
                parts.fail("conversations", parts.reason(error))
                return self._ticket(parts, item, [], now)
            parts.fail("tickets", parts.reason(error))
            return None

    async def _company(self, company_id: str | None, now: datetime) -> Company | None:
        """The company, or None when there is none (a 403 is the part's failure)."""
        if company_id is None:
            return None
        data = await self._get_or_none(f"/api/v2/companies/{company_id}")
        if data is None:
            return None
        return records.company(self.site, expect_dict(data, "Freshdesk", "a company"), now)

    async def conversations(
        self, ticket_id: str, policy: RetryPolicy = LOOKUP, *, max_pages: int = 0
    ) -> list[dict[str, Any]]:
        """A ticket's conversations, oldest first ([] when the ticket is gone)."""
        try:
            return await self._paged(
                f"/api/v2/tickets/{ticket_id}/conversations",
                policy=policy,
                max_pages=max_pages or MAX_CONVERSATION_PAGES,
            )
        except NotFound:
            return []
