"""The shared limiter on a real Redis: processes sharing one budget, pauses, priorities."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cx_tui.connectors.base import RateLimited
from cx_tui.connectors.kit.retry import BACKGROUND, LOOKUP
from cx_tui.team import wiring
from cx_tui.team.client import TeamRedis
from cx_tui.team.limiter import TeamLimiter
from cx_tui.team.settings import TeamSettings
from tests.team.conftest import RedisServer

WORKER = Path(__file__).with_name("limiter_worker.py")
REPO = Path(__file__).resolve().parents[2]
KEY = ("hubspot", "api.hubapi.test", "0123456789abcdef", "search")


class StrictDouble:
    """A vendor endpoint allowing `limit` requests in any rolling second of their arrival
    (a thread per connection, so arrivals are stamped as they come); 429 beyond."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.lock = threading.Lock()
        self.starts: collections.deque[float] = collections.deque()
        self.served = 0
        self.refused = 0
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: agents reuse their connection

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:
                # /warm opens the connection before the clock starts (not counted).
                status = 200 if self.path == "/warm" else double.arrive(time.monotonic())
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def arrive(self, now: float) -> int:
        with self.lock:
            while self.starts and self.starts[0] <= now - 1.0:
                self.starts.popleft()
            if len(self.starts) >= self.limit:
                self.refused += 1
                return 429
            self.starts.append(now)
            self.served += 1
            return 200

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def double() -> Iterator[StrictDouble]:
    found = StrictDouble(limit=5)
    found.thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


def run_agents(target: str, double: StrictDouble, agents: int, requests: int) -> list[dict]:
    """`agents` processes, started together, each sending `requests` through its limiter."""
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), target, double.url, str(requests), str(double.limit)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for _ in range(agents)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = []
        for proc in procs:
            out, _ = proc.communicate(timeout=60)
            assert proc.returncode == 0
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()


def test_processes_sharing_the_budget_never_exceed_the_vendor_limit(
    redis_server: RedisServer, double: StrictDouble
) -> None:
    started = time.monotonic()
    results = run_agents(redis_server.url, double, agents=4, requests=5)
    elapsed = time.monotonic() - started
    statuses = [s for r in results for s in r["statuses"]]
    assert [r["redis_failures"] for r in results] == [0, 0, 0, 0]
    assert statuses.count(429) == 0 and double.refused == 0
    assert double.served == 20
    # 20 requests at 5 a second take at least three full windows.
    assert elapsed >= 3.0


def test_without_the_team_the_same_floor_draws_429s(double: StrictDouble) -> None:
    results = run_agents("local", double, agents=4, requests=5)
    statuses = [s for r in results for s in r["statuses"]]
    assert statuses.count(429) > 0 and double.refused > 0


def team_limiter(server: RedisServer, limit: int = 5, timeout: float = 1.0) -> TeamLimiter:
    # A generous timeout: these tests are about sharing, and a CI box running the suite on
    # every core can take longer than the default 100 ms to schedule a Redis answer.
    team = TeamRedis(TeamSettings(server.url, "t", socket_timeout=timeout), None)
    return TeamLimiter(KEY, limit, 1.0, label="HubSpot search", team=team)


async def settled(limiter: TeamLimiter) -> None:
    """Wait for what the limiter writes in the background (the interface's calls are sync)."""
    await asyncio.wait_for(asyncio.gather(*limiter._tasks), 2.0)


async def test_a_vendor_pause_reaches_every_agent(redis_server: RedisServer) -> None:
    one, other = team_limiter(redis_server), team_limiter(redis_server)
    one.pause(5.0)
    await settled(one)
    with pytest.raises(RateLimited) as caught:
        await other.acquire(LOOKUP)
    assert caught.value.retry_after is not None and 4.0 < caught.value.retry_after <= 5.0
    assert other.paused_for() > 4.0


async def test_the_vendors_remaining_count_is_adopted_by_the_team(
    redis_server: RedisServer,
) -> None:
    one, other = team_limiter(redis_server), team_limiter(redis_server)
    await one.acquire(LOOKUP)
    one.observe_remaining(1)  # someone outside cx-tui spent three
    await settled(one)
    budget = await other.budget()
    assert budget.shared and budget.used == 4 and budget.remaining == 1


async def test_background_work_yields_when_the_budget_is_low(redis_server: RedisServer) -> None:
    agent, worker = team_limiter(redis_server), team_limiter(redis_server)
    for _ in range(4):
        await agent.acquire(LOOKUP)
    quick_background = dataclasses.replace(BACKGROUND, max_queue=0.3)
    with pytest.raises(RateLimited):
        await worker.acquire(quick_background)  # one left: kept for an agent
    started = time.monotonic()
    await agent.acquire(LOOKUP)
    assert time.monotonic() - started < 0.2


async def test_budgets_show_used_and_remaining_across_the_team(
    redis_server: RedisServer,
) -> None:
    team = wiring.install(TeamSettings(redis_server.url, "t", socket_timeout=1.0))
    assert team is not None
    limiter = team.limiter(KEY, 5, 1.0, "HubSpot search")
    other = team_limiter(redis_server)
    await limiter.acquire(LOOKUP)
    await other.acquire(LOOKUP)
    [budget] = await wiring.budgets()
    assert (budget.used, budget.remaining, budget.shared) == (2, 3, True)
    assert wiring.budget_line(budget) == "HubSpot search: 2 used, 3 left of 5 per 1 s (team)"
