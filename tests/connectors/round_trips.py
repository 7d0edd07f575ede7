"""Counting the dependent round trips of a full lookup (issue 16: at most 3 for a phone, 2 for an
email; the identity after 1), on a vendor double with every request delayed.

`SlowTransport` answers each request after `delay` and logs when it started and ended; `depth`
is the longest chain of requests each started after the one before it ended, i.e. the number
of round trips an agent waits for. `full_lookup` does what the engine does: `find_people`,
then every match's details side by side, and tells how deep the identity alone was.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

import httpx

from cx_tui.connectors.base import Connector
from cx_tui.identity import parse_query
from cx_tui.models import Details, Match

DELAY = 0.1
"""Seconds every request takes: far more than the connector's own work between requests."""


@dataclass
class Timed:
    label: str
    start: float
    end: float


class SlowTransport(httpx.AsyncBaseTransport):
    """The inner transport's answers, each after `delay`, with when each request started and
    ended."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, delay: float | tuple[float, float] = DELAY
    ) -> None:
        self.inner = inner
        self.delay = delay
        """Seconds, or (low, high) for a uniformly random delay per request."""
        self.log: list[Timed] = []
        self._rng = random.Random(16)

    def wait(self) -> float:
        if isinstance(self.delay, tuple):
            return self._rng.uniform(*self.delay)
        return self.delay

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        start = time.monotonic()
        await asyncio.sleep(self.wait())
        response = await self.inner.handle_async_request(request)
        self.log.append(Timed(f"{request.method} {request.url.path}", start, time.monotonic()))
        return response


def depth(log: list[Timed]) -> int:
    """The longest chain of requests each started after the one before it ended."""
    ordered = sorted(log, key=lambda t: t.start)
    levels: list[int] = []
    for i, timed in enumerate(ordered):
        before = [levels[j] for j, p in enumerate(ordered[:i]) if p.end <= timed.start]
        levels.append(1 + max(before, default=0))
    return max(levels, default=0)


def chains(log: list[Timed]) -> list[list[str]]:
    """The requests of each round trip (1-based level - 1), for an assertion's message."""
    ordered = sorted(log, key=lambda t: t.start)
    levels: list[int] = []
    for i, timed in enumerate(ordered):
        before = [levels[j] for j, p in enumerate(ordered[:i]) if p.end <= timed.start]
        levels.append(1 + max(before, default=0))
    out: list[list[str]] = [[] for _ in range(max(levels, default=0))]
    for timed, level in zip(ordered, levels, strict=True):
        out[level - 1].append(timed.label)
    return out


@dataclass
class Lookup:
    matches: list[Match]
    details: list[Details]
    trips: int
    """Dependent round trips of the whole lookup."""
    identity_trips: int
    """Those before `find_people` returned (the first paint)."""
    log: list[Timed] = field(default_factory=list)


async def full_lookup(connector: Connector, transport: SlowTransport, text: str) -> Lookup:
    """What the engine does: find, then every match's details side by side (the caller closes
    the connector)."""
    before = len(transport.log)
    matches = await connector.find_people(parse_query(text, "US"))
    identity = depth(transport.log[before:])
    details = await asyncio.gather(*(connector.get_details(m) for m in matches))
    log = transport.log[before:]
    return Lookup(matches, list(details), depth(log), identity, log)
