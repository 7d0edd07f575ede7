"""Redis down, slow or wrong: lookups go on within 200 ms, said once, rejoined when back."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest

from cx_tui.connectors.kit.retry import LOOKUP
from cx_tui.identity import parse_query
from cx_tui.team.client import TeamError, TeamRedis
from cx_tui.team.health import BACK, OFFLINE
from cx_tui.team.limiter import TeamLimiter
from cx_tui.team.settings import TeamSettings
from tests.team.agents import PHONE, agent, hubspot_fake, searches
from tests.team.conftest import RedisServer, start_redis

VENDOR_DELAY = 0.1


async def test_redis_killed_mid_lookup_costs_under_200_ms_and_is_said_once(
    redis_server: RedisServer,
) -> None:
    fake = hubspot_fake()
    one = agent(redis_server.url, fake, delay=VENDOR_DELAY, retry_every=0.3, timeout=0.1)
    query = parse_query(PHONE, "US")
    await one.engine.lookup(parse_query("+1 415 555 0100", "US"))  # connections are warm

    lookup = asyncio.create_task(one.engine.lookup(query))
    await asyncio.sleep(VENDOR_DELAY / 2)  # the search is with the vendor
    redis_server.stop()
    started = time.perf_counter()
    profile = await lookup
    # What is left after the kill: the search's answer, then details (several requests in
    # parallel, one round trip) — plus at most 200 ms for finding Redis gone.
    assert time.perf_counter() - started < 2 * VENDOR_DELAY + 0.2
    assert profile.matches and profile.matches[0].person.ref.record_id == "101"
    assert one.team.health.status is not None and one.team.health.status.startswith(OFFLINE)

    started = time.perf_counter()
    again = await one.engine.lookup(query)  # offline: straight to the vendor, no Redis wait
    assert again.matches and time.perf_counter() - started < 3 * VENDOR_DELAY + 0.2
    assert [n for n in one.notices if n.startswith(OFFLINE)] == [one.notices[0]]
    assert len(one.notices) == 1

    redis_server.start()
    await asyncio.sleep(0.35)
    await one.engine.lookup(query)
    assert one.team.health.online and one.notices[-1] == BACK


async def test_lookups_without_redis_from_the_start_still_answer(
    redis_server: RedisServer,
) -> None:
    fake = hubspot_fake()
    redis_server.stop()
    one = agent(redis_server.url, fake, timeout=0.1)
    started = time.perf_counter()
    profile = await one.engine.lookup(parse_query(PHONE, "US"))
    assert profile.matches and time.perf_counter() - started < 0.2
    assert searches(fake) == 1 and len(one.notices) == 1


@contextlib.asynccontextmanager
async def slow_proxy(port: int, delay: float) -> AsyncIterator[int]:
    """A TCP proxy on 127.0.0.1 that holds every chunk from Redis for `delay` seconds."""

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, wait: float) -> None:
        with contextlib.suppress(Exception):
            while data := await reader.read(65536):
                await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
        writer.close()

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        redis_r, redis_w = await asyncio.open_connection("127.0.0.1", port)
        await asyncio.gather(pipe(client_r, redis_w, 0.0), pipe(redis_r, client_w, delay))

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def test_a_slow_redis_is_left_without_waiting_for_it(redis_server: RedisServer) -> None:
    # Redis answers only after 3 s; the 100 ms budget gives up long before. The bound is the
    # proxy's delay, not a speed goal, so a loaded machine does not fail it.
    async with slow_proxy(redis_server.port, delay=3.0) as port:
        team = TeamRedis(TeamSettings(f"redis://127.0.0.1:{port}/0", "slow"), None)
        limiter = TeamLimiter(("hubspot", "h", "f"), 5, 1.0, label="HubSpot", team=team)
        started = time.perf_counter()
        await limiter.acquire(LOOKUP)
        assert time.perf_counter() - started < 1.5
        assert not team.health.online and "did not answer within 100 ms" in team.health.reason

        fake = hubspot_fake()
        one = agent(f"redis://127.0.0.1:{port}/0", fake, timeout=0.1)
        started = time.perf_counter()
        profile = await one.engine.lookup(parse_query(PHONE, "US"))
        assert profile.matches and time.perf_counter() - started < 1.5


@pytest.fixture(scope="module")
def redis_with_password() -> object:
    server = start_redis(password="the-right-one")
    yield server
    server.close()


async def test_a_wrong_password_names_the_setting_and_the_secret(
    redis_with_password: RedisServer,
) -> None:
    team = TeamRedis(TeamSettings(redis_with_password.url, "t"), "a-wrong-one")
    with pytest.raises(TeamError) as caught:
        await team.check()
    message = str(caught.value)
    assert "refused the password" in message
    assert "[team] redis_url" in message and "team-redis" in message
    assert "a-wrong-one" not in message and "the-right-one" not in message

    fake = hubspot_fake()
    one = agent(redis_with_password.url, fake, password="a-wrong-one")
    profile = await one.engine.lookup(parse_query(PHONE, "US"))
    assert profile.matches and one.notices and "team-redis" in one.notices[0]


async def test_no_password_for_a_redis_that_wants_one_says_where_to_put_it(
    redis_with_password: RedisServer,
) -> None:
    team = TeamRedis(TeamSettings(redis_with_password.url, "t"), None)
    with pytest.raises(TeamError, match="wants a password: store it as the `team-redis`"):
        await team.check()


async def test_the_right_password_from_the_environment_works(
    redis_with_password: RedisServer,
) -> None:
    from cx_tui.team.settings import redis_password

    password = redis_password({"CX_TUI_SECRET_TEAM_REDIS": "the-right-one"})
    team = TeamRedis(TeamSettings(redis_with_password.url, "t"), password)
    await team.check()
    assert team.health.online
