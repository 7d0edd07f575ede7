"""Agents for the team tests: each its own Redis connection, connector and engine, all on one
HubSpot double (the connector tests' `HubSpotFake`), optionally slow."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from cx_tui.cache import ResultCache
from cx_tui.connectors.hubspot import HubSpotConnector
from cx_tui.lookup import LookupEngine
from cx_tui.team.cache import TeamCache
from cx_tui.team.client import TeamRedis
from cx_tui.team.health import TeamHealth
from cx_tui.team.settings import TeamSettings
from cx_tui.team.wiring import Team
from tests.connectors.vendor_fakes import HUBSPOT_TOKEN, HubSpotFake

NAME = "Acme HubSpot"
PHONE = "+1 415 555 0132"


class SlowTransport(httpx.AsyncBaseTransport):
    """The double's answers, each `delay` seconds late (a vendor across the internet)."""

    def __init__(self, fake: HubSpotFake, delay: float) -> None:
        self.inner = fake.transport()
        self.delay = delay

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(self.delay)
        return await self.inner.handle_async_request(request)


def hubspot_fake() -> HubSpotFake:
    fake = HubSpotFake()
    fake.add(
        "contacts",
        "101",
        firstname="Maria",
        lastname="Gonzalez",
        email="maria.gonzalez@example.com",
        phone="+1 (415) 555-0132",
    )
    return fake


@dataclass
class Agent:
    team: Team
    engine: LookupEngine
    notices: list[str]


def agent(
    url: str,
    fake: HubSpotFake,
    *,
    delay: float = 0.0,
    password: str | None = None,
    retry_every: float = 5.0,
    timeout: float = 1.0,
    local: ResultCache | None = None,
) -> Agent:
    """One agent; `timeout` is generous by default (a loaded CI box can take longer than the
    real 100 ms to schedule an answer); the outage tests pass the real one. `local`: the
    engine's own cache (default: in memory only)."""
    notices: list[str] = []
    settings = TeamSettings(url, "acme-support", socket_timeout=timeout)
    redis = TeamRedis(settings, password, TeamHealth(notices.append, retry_every=retry_every))
    team = Team(settings, redis, TeamCache(redis))
    connector = HubSpotConnector(
        NAME, {"default_region": "US"}, HUBSPOT_TOKEN, transport=SlowTransport(fake, delay)
    )
    connectors, cache = team.engine_parts([connector], local or ResultCache())
    return Agent(team, LookupEngine(connectors, cache=cache), notices)


def searches(fake: HubSpotFake) -> int:
    return len(fake.calls_to("POST", r"/contacts/search$"))
