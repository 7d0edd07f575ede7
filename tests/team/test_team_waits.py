"""The shared limiter inside `patient` (a lookup that shows its waits): a full team window is
waited out and reported instead of failing after the policy's short queue; outside, as before,
the agent is told when to come back. A real redis-server, as every team test."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from cx_tui.connectors.base import RateLimited
from cx_tui.connectors.kit import retry
from cx_tui.connectors.kit.retry import LOOKUP, in_context, patient
from cx_tui.team.client import TeamRedis
from cx_tui.team.limiter import TeamLimiter
from cx_tui.team.settings import TeamSettings
from tests.team.conftest import RedisServer

KEY = ("hubspot", "api.hubapi.test", "0123456789abcdef", "burst")
SHORT_QUEUE = dataclasses.replace(LOOKUP, max_queue=0.2)
"""A lookup that may queue only briefly (LOOKUP's own 10 s would make the test slow)."""


def team_limiter(server: RedisServer) -> TeamLimiter:
    team = TeamRedis(TeamSettings(server.url, "t", socket_timeout=1.0), None)
    return TeamLimiter(KEY, 1, 1.0, label="HubSpot", team=team)


async def test_a_full_team_window_is_waited_out_and_reported(redis_server: RedisServer) -> None:
    agent, other = team_limiter(redis_server), team_limiter(redis_server)
    await other.acquire(LOOKUP)  # another agent took the window's one place
    with pytest.raises(RateLimited) as caught:
        await agent.acquire(SHORT_QUEUE)
    assert "across the team" in caught.value.message
    assert caught.value.retry_after is not None and caught.value.retry_after > 0.2

    reported: list[tuple[str, float]] = []
    with patient(lambda label, seconds: reported.append((label, seconds))):
        await agent.acquire(in_context(SHORT_QUEUE))  # the agent sees the wait: it waits
    assert reported and reported[0][0] == "HubSpot"
    assert 0.0 < reported[0][1] <= 1.2  # the window's one place frees within a window
    budget = await agent.budget()
    assert budget.used == 1  # the waited request took its place once the window let it


async def test_background_work_never_reports_a_wait(redis_server: RedisServer) -> None:
    from cx_tui.connectors.kit.retry import BACKGROUND

    agent, worker = team_limiter(redis_server), team_limiter(redis_server)
    await agent.acquire(LOOKUP)
    reported: list[tuple[str, float]] = []
    quick = dataclasses.replace(BACKGROUND, max_queue=0.2)
    with patient(lambda label, seconds: reported.append((label, seconds))):
        with pytest.raises(RateLimited):
            await worker.acquire(in_context(quick))
    assert reported == []


@pytest.mark.parametrize("wait", [5.0, 0.8])
async def test_agents_polling_for_a_leaders_answer_see_its_wait(
    redis_server: RedisServer, wait: float
) -> None:
    """A long wait, and a short one (a busy shared window holds the leader in short polls:
    each must reach the followers, or their deadline cuts a wait they were never told of)."""
    from cx_tui.models import Details
    from cx_tui.team.cache import TeamCache

    def cache() -> TeamCache:
        return TeamCache(TeamRedis(TeamSettings(redis_server.url, "t", socket_timeout=1.0), None))

    leader, follower = cache(), cache()
    go = asyncio.Event()
    led: list[tuple[str, float]] = []
    followed: list[tuple[str, float]] = []

    async def waiting_fetch() -> Details:
        retry.report_wait("HubSpot", wait)  # what the leader's limiter says before it waits
        await go.wait()
        return Details()

    async def never() -> Details:
        raise AssertionError("the follower asked the vendor too")

    async def lead() -> Details:
        with patient(lambda label, seconds: led.append((label, seconds))):
            return await leader.details("acct", "Acme HubSpot", "101", waiting_fetch)

    async def follow() -> Details:
        while not led:  # the leader holds the lock and has said it waits
            await asyncio.sleep(0.01)
        with patient(lambda label, seconds: followed.append((label, seconds))):
            return await follower.details("acct", "Acme HubSpot", "101", never)

    leading, following = asyncio.ensure_future(lead()), asyncio.ensure_future(follow())
    deadline = asyncio.get_running_loop().time() + 5.0
    while not followed and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)
    go.set()
    assert await leading == await following == Details()
    assert led == [("HubSpot", wait)]
    [(label, seconds)] = followed
    assert label == "HubSpot" and 0.0 < seconds <= wait
