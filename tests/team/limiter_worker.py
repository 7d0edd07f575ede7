"""One agent process for the shared-limiter test: N requests to a double, each after `acquire`.

    python tests/team/limiter_worker.py REDIS_URL|local DOUBLE_URL REQUESTS LIMIT

Prints "ready", waits for a line on stdin, then sends its requests and prints one JSON line:
the statuses it got and how often the team's Redis failed it.
"""

from __future__ import annotations

import asyncio
import json
import sys

import httpx

from cx_tui.connectors.kit.limiter import Limiter, RateLimiter
from cx_tui.connectors.kit.retry import LOOKUP
from cx_tui.team.client import TeamRedis
from cx_tui.team.limiter import TeamLimiter
from cx_tui.team.settings import TeamSettings

KEY = ("hubspot", "api.hubapi.test", "0123456789abcdef", "search")


async def main(redis_url: str, double: str, requests: int, limit: int) -> None:
    team: TeamRedis | None = None
    limiter: Limiter
    if redis_url == "local":
        limiter = RateLimiter(limit, 1.0, label="HubSpot search")
    else:
        # A generous timeout: this test is about sharing, not about a slow Redis on a busy CI.
        team = TeamRedis(TeamSettings(redis_url, "limiter-test", socket_timeout=1.0), None)
        limiter = TeamLimiter(KEY, limit, 1.0, label="HubSpot search", team=team)
        # The slack covers the time between the shared count and the double's; on a CI box
        # running the suite on every core a process can stall longer than the default 0.1 s
        # between the two (seen once in a loaded run), which is the machine, not the sharing.
        limiter.slack = 0.3
    statuses: list[int] = []
    async with httpx.AsyncClient(base_url=double) as client:
        # A warm connection: the first request's set-up (100s of ms on a busy machine) would
        # otherwise sit between the limiter and the vendor's count.
        await client.get("/warm")
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        await asyncio.to_thread(sys.stdin.readline)
        for _ in range(requests):
            await limiter.acquire(LOOKUP)
            reply = await client.get("/search")
            statuses.append(reply.status_code)
    failures = team.health.failures if team is not None else 0
    sys.stdout.write(json.dumps({"statuses": statuses, "redis_failures": failures}) + "\n")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
