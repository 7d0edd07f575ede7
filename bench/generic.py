"""A minimal HTTP connector for the benchmarks' generic fake API (`bench.fakeserver`).

Only used when the vendor connectors are not installed, so the fan-out, cache and key-press
scenarios still run end to end over real HTTP. It has no rate limiter and no retries: the
rate-limit scenario is skipped in that mode.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from cx_tui.connectors.base import Capability, Connector, Unavailable
from cx_tui.models import (
    Channel,
    ContactKind,
    ContactPoint,
    Details,
    Direction,
    Interaction,
    Match,
    MatchReason,
    Person,
    SourceRef,
    Ticket,
    TicketStatus,
)

if TYPE_CHECKING:
    from cx_tui.identity import Query


class GenericConnector(Connector):
    type_name: ClassVar[str] = "bench-generic"
    display_name: ClassVar[str] = "Benchmark generic API"
    capabilities: ClassVar[Capability] = (
        Capability.LOOKUP_PHONE | Capability.LOOKUP_EMAIL | Capability.TICKETS
    )
    needs_secret: ClassVar[bool] = False

    def __init__(self, name: str, base_url: str) -> None:
        super().__init__(name, {"base_url": base_url})
        self._client = httpx.AsyncClient(base_url=base_url, timeout=10.0)

    async def _get(self, path: str, **params: str) -> Any:
        try:
            response = await self._client.get(path, params=params)
        except httpx.HTTPError as error:
            raise Unavailable(f"{self.name}: {type(error).__name__}") from None
        if response.status_code != 200:
            raise Unavailable(f"{self.name} answered {response.status_code}")
        return response.json()

    async def find_people(self, query: Query) -> Sequence[Match]:
        if query.phone is not None:
            data = await self._get("/generic/search", phone=query.phone.e164)
        elif query.email is not None:
            data = await self._get("/generic/search", email=query.email)
        else:
            return []
        matches = []
        for item in data["results"]:
            person = Person(
                SourceRef(self.name, item["id"]),
                item["name"],
                (
                    ContactPoint(ContactKind.PHONE, item["phone"]),
                    ContactPoint(ContactKind.EMAIL, item["email"], label="primary"),
                ),
            )
            reason = MatchReason.EXACT_E164 if query.phone else MatchReason.PRIMARY_EMAIL
            matches.append(Match(person, reason, 1.0))
        return matches

    async def get_details(self, match: Match) -> Details:
        data = await self._get(f"/generic/people/{match.person.ref.record_id}")
        tickets = tuple(
            Ticket(
                SourceRef(self.name, t["id"]),
                t["subject"],
                TicketStatus.OPEN if t["open"] else TicketStatus.SOLVED,
                datetime.fromisoformat(t["created"]),
                datetime.fromisoformat(t["updated"]),
            )
            for t in data["tickets"]
        )
        interactions = tuple(
            Interaction(
                SourceRef(self.name, a["id"]),
                Channel.NOTE,
                Direction.INTERNAL,
                datetime.fromisoformat(a["at"]),
                a["summary"],
            )
            for a in data["activities"]
        )
        return Details(tickets=tickets, interactions=interactions)

    async def aclose(self) -> None:
        await self._client.aclose()
