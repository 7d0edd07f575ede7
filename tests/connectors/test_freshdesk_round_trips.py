"""Dependent round trips of a full Freshdesk lookup (find_people, then get_details), counted.

`Waves` holds every request until no other request has arrived for a moment, then answers the
whole batch at once: requests sent side by side share a wave, and a request that needed an
earlier answer opens a new one. The number of waves is the number of dependent round trips an
agent waits for (issue 16: at most 3 for a phone, 2 for an email).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from cx_tui.connectors.freshdesk import CONNECTOR
from cx_tui.identity import parse_query
from tests.connectors.freshdesk_fake import FRESHDESK_KEY, FreshdeskFake, seeded
from tests.connectors.vendor_fakes import ago

pytestmark = pytest.mark.asyncio

OPEN_FIRST = ["12", "10", "11"]
"""Maria's tickets as shown: open and on hold (newest update first, then id), then closed."""
QUIET = 0.05
"""Seconds without a new request that close a wave."""


class Waves(httpx.AsyncBaseTransport):
    """Answers requests in waves (see the module docstring); `log` lists each wave's requests."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.log: list[list[str]] = []
        self._pending: list[tuple[str, asyncio.Event]] = []
        self._timer: asyncio.TimerHandle | None = None

    def _release(self) -> None:
        batch, self._pending = self._pending, []
        self.log.append(sorted(name for name, _ in batch))
        for _, gate in batch:
            gate.set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        gate = asyncio.Event()
        query = "&".join(sorted(k for k in request.url.params))
        self._pending.append((f"{request.method} {request.url.path}?{query}", gate))
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(QUIET, self._release)
        await gate.wait()
        return await self.inner.handle_async_request(request)


def account() -> FreshdeskFake:
    fake = seeded()
    fake.add_ticket(10, 1, "Router drops", 2, priority=3)
    fake.add_ticket(12, 1, "Waiting on carrier", 6)
    fake.add_ticket(11, 1, "Old invoice", 5, updated=ago(days=40))
    fake.add_ticket(20, 2, "Bob's question", 3)
    fake.add_conversation(10, "Tried: power cycle", private=True)
    fake.add_conversation(11, "Closed long ago", private=True)
    return fake


async def full_lookup(text: str) -> tuple[Waves, list[Any], FreshdeskFake]:
    fake = account()
    waves = Waves(fake.transport())
    fd = CONNECTOR(
        "Support desk", {"domain": "acme", "default_region": "US"}, FRESHDESK_KEY, transport=waves
    )
    matches = await fd.find_people(parse_query(text, "US"))
    details = [await fd.get_details(m) for m in matches]
    await fd.aclose()
    return waves, [(m, d) for m, d in zip(matches, details, strict=True)], fake


async def test_phone_lookup_is_three_round_trips() -> None:
    waves, found, fake = await full_lookup("+1 415 555 0132")
    assert {m.person.ref.record_id for m, _ in found} == {"1", "2"}  # a shared number
    maria = next(d for m, d in found if m.person.ref.record_id == "1")
    assert [t.ref.record_id for t in maria.tickets] == OPEN_FIRST  # open first
    assert maria.companies[0].plan == "Enterprise"
    assert len(waves.log) == 3, waves.log
    first, second, third = waves.log
    assert all("/search/contacts" in r or r.startswith("GET /api/v2/contacts?") for r in first)
    assert "GET /api/v2/contacts/1?" in second and "GET /api/v2/companies/5?" in second
    assert any(r.startswith("GET /api/v2/tickets?") for r in second)
    # Conversations of open tickets only; a closed ticket's are never read.
    assert all("/conversations" in r for r in third)
    assert not fake.calls_to("GET", r"/tickets/11/conversations")
    assert {c.path for c in fake.calls_to("GET", "/conversations")} == {
        "/api/v2/tickets/10/conversations",
        "/api/v2/tickets/12/conversations",
        "/api/v2/tickets/20/conversations",
    }


async def test_email_lookup_is_two_round_trips() -> None:
    waves, found, _ = await full_lookup("maria@example.com")
    ((match, details),) = found
    assert match.person.ref.record_id == "1" and "mg@home.example" in match.person.emails()
    assert [t.ref.record_id for t in details.tickets] == OPEN_FIRST
    router = next(t for t in details.tickets if t.ref.record_id == "10")
    assert [c.public for c in router.comments] == [False]  # a private note: "already tried"
    assert len(waves.log) == 2, waves.log
    assert waves.log[0] == [
        "GET /api/v2/contacts?email",
        "GET /api/v2/tickets?email&order_by&order_type&page&per_page",
    ]


async def test_secondary_email_is_found_in_two_or_three() -> None:
    # Whether Freshdesk's ticket filter resolves a secondary email is not documented: the
    # listing is used only when it names the contact, else the details ask by requester.
    waves, found, _ = await full_lookup("mg@home.example")
    ((match, details),) = found
    assert match.person.ref.record_id == "1"
    assert {t.ref.record_id for t in details.tickets} == {"10", "11", "12"}
    assert len(waves.log) <= 3, waves.log


async def test_a_cached_match_costs_two_round_trips() -> None:
    fake = account()
    fd = CONNECTOR("Support desk", {"domain": "acme"}, FRESHDESK_KEY, transport=fake.transport())
    match = (await fd.find_people(parse_query("maria@example.com")))[0]
    await fd.aclose()  # drops what the lookup started
    waves = Waves(fake.transport())
    cold = CONNECTOR("Support desk", {"domain": "acme"}, FRESHDESK_KEY, transport=waves)
    details = await cold.get_details(match)
    assert [t.ref.record_id for t in details.tickets] == OPEN_FIRST
    assert len(waves.log) == 2, waves.log
