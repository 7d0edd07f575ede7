"""Issue 17, interactive first, in the kit's in-process limiter: background requests never take
the window's last places, wait while lookups queue and while the vendor says its budget is
low; a request made inside `background_work` (the outbox) goes as `BACKGROUND`."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from cx_tui.connectors.base import RateLimited
from cx_tui.connectors.kit import BACKGROUND, LOOKUP, HttpClient, RetryPolicy, Vendor, bearer
from cx_tui.connectors.kit.limiter import RateLimiter
from cx_tui.connectors.kit.retry import background_work
from tests.virtual_time import VirtualLoop, run_virtual


def test_background_leaves_the_reserve_to_lookups(waits: list[float]) -> None:
    async def main(_: VirtualLoop) -> None:
        bucket = RateLimiter(5, 1.0, label="x", clock=lambda: 0.0, slack=0.0)
        assert bucket.reserve == 1
        for _ in range(4):
            await bucket.acquire(BACKGROUND)
        assert waits == []
        await bucket.acquire(LOOKUP)  # the reserved place: at once
        assert waits == []
        await bucket.acquire(BACKGROUND)  # the window is full for background work
        assert waits == [1.0]

    run_virtual(main)


def test_a_low_vendor_budget_holds_background_work_for_a_window(waits: list[float]) -> None:
    async def main(_: VirtualLoop) -> None:
        bucket = RateLimiter(100, 10.0, label="HubSpot", clock=lambda: 0.0, slack=0.0)
        bucket.observe_remaining(60)
        await bucket.acquire(BACKGROUND)
        assert waits == []
        bucket.observe_remaining(20)  # another client spent the account: 20 is the reserve
        await bucket.acquire(LOOKUP)
        assert waits == []
        await bucket.acquire(BACKGROUND)
        assert waits == [10.0]

    run_virtual(main)


def test_background_waits_while_lookups_queue() -> None:
    async def main(loop: VirtualLoop) -> list[str]:
        bucket = RateLimiter(2, 1.0, label="x", clock=loop.time, slack=0.0)
        order: list[str] = []

        async def request(name: str, policy: RetryPolicy, after: float) -> None:
            await asyncio.sleep(after)
            await bucket.acquire(policy)
            order.append(name)

        await asyncio.gather(
            request("lookup 1", LOOKUP, 0.0),
            request("lookup 2", LOOKUP, 0.0),
            request("outbox", BACKGROUND, 0.01),  # asks first...
            request("lookup 3", LOOKUP, 0.02),  # ...but this lookup queues and goes first
        )
        return order

    assert run_virtual(main) == ["lookup 1", "lookup 2", "lookup 3", "outbox"]


def test_background_that_cannot_go_within_its_queue_time_says_when(waits: list[float]) -> None:
    async def main(_: VirtualLoop) -> None:
        bucket = RateLimiter(1, 100.0, label="Acme", clock=lambda: 0.0, slack=0.0)
        with pytest.raises(RateLimited) as caught:
            await bucket.acquire(BACKGROUND)  # a limit of 1 is all reserve
        assert caught.value.retry_after == 100.0 and "kept for lookups" in caught.value.message

    run_virtual(main)


class Recording(RateLimiter):
    def __init__(self) -> None:
        super().__init__(100, 1.0, label="x")
        self.policies: list[RetryPolicy] = []

    async def acquire(self, policy: RetryPolicy) -> None:
        self.policies.append(policy)
        await super().acquire(policy)


async def test_requests_inside_background_work_go_as_background() -> None:
    vendor = Vendor(name="Acme", host="acme.example", reach_hint="", auth_hint="", scope_hint="")
    transport = httpx.MockTransport(lambda _: httpx.Response(200, json={}))
    client = HttpClient(vendor, "https://acme.example", bearer("t"), transport=transport)
    bucket = Recording()
    await client.get("/a", limiter=bucket, policy=LOOKUP)
    with background_work():
        await client.get("/b", limiter=bucket, policy=LOOKUP)
        await asyncio.create_task(client.get("/c", limiter=bucket, policy=LOOKUP))
    await client.get("/d", limiter=bucket, policy=LOOKUP)
    await client.aclose()
    assert bucket.policies == [LOOKUP, BACKGROUND, BACKGROUND, LOOKUP]
