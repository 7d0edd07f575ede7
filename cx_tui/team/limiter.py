"""One vendor account's request budget shared by a whole floor of agents, on Redis.

`TeamLimiter` implements the kit's `Limiter` with the `limits` library's moving window on its
async Redis storage (redis-py's `redis.asyncio`): every agent's request takes one entry in
one Redis list per account, atomically (a Lua script), so N agents together stay within the
vendor's N-per-window however they interleave. The account key is a digest of the kit's key
(vendor, host, fingerprint of the token), never the token.

What the vendor says feeds the shared state: a pause (a 429's `Retry-After`, a header saying
nothing remains) is written to Redis so every agent waits it out, and a `remaining` lower than
the team's own count takes the difference (someone else spends the account too).

Interactive first: a background request (`policy.interactive` False: refreshes, outbox
retries) waits while the shared window has `reserve` or fewer entries left, so agents on a call
are not queued behind it.

With Redis offline every call goes to the in-process `RateLimiter` this wraps (see `health`).
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from cx_tui.connectors.base import RateLimited
from cx_tui.connectors.kit import retry
from cx_tui.connectors.kit.errors import seconds_text, slow_down
from cx_tui.connectors.kit.limiter import Limiter, RateLimiter
from cx_tui.team.client import TeamRedis, TeamUnavailable, digest

if TYPE_CHECKING:
    from limits import RateLimitItem

    from cx_tui.connectors.kit.retry import RetryPolicy

POLL_JITTER = 0.02
"""Seconds of random spread on a retry of a full window, so waiting agents do not stampede."""
RESERVE_SHARE = 0.2
"""Share of the window kept for interactive lookups (at least one request)."""


@dataclass(frozen=True, slots=True)
class Budget:
    """One account's shared budget as `cx-tui connectors` shows it."""

    label: str
    limit: int
    window: float
    used: int
    remaining: int
    paused_for: float
    shared: bool
    """False when Redis could not be asked (the figures are this machine's)."""


def rate_item(limit: int, window: float) -> RateLimitItem:
    """`limit` per `window` seconds as a `limits` item (whole seconds: `limits` counts in
    them; a fractional window is rounded up, which only makes it stricter)."""
    from limits import RateLimitItemPerSecond

    return RateLimitItemPerSecond(limit, max(1, math.ceil(window)))


class TeamLimiter(Limiter):
    """The kit's `Limiter` for one account, shared through Redis.

    Args:
        key: The kit's account key (vendor, host, token fingerprint, bucket).
        limit: Requests per window.
        window: Seconds.
        label: How messages name it.
        team: The team's Redis.
    """

    def __init__(
        self, key: tuple[str, ...], limit: int, window: float, *, label: str, team: TeamRedis
    ) -> None:
        self.local = RateLimiter(limit, window, label=label)
        self.label = label
        self.limit = limit
        self.window = window
        self.slack = self.local.slack
        self.account = digest(*key)
        self.team = team
        self._item = rate_item(limit, window)
        self._tasks: set[asyncio.Task[Any]] = set()

    def __repr__(self) -> str:
        return f"<TeamLimiter {self.label}: {self.limit} per {self.window:g} s>"

    @property
    def reserve(self) -> int:
        return max(1, math.ceil(self.limit * RESERVE_SHARE))

    def _pause_key(self) -> str:
        return f"{self.team.settings.namespace}:pause:{self.account}"

    # --- the Limiter interface ---------------------------------------------------------------

    def set_limit(self, limit: int) -> None:
        if limit >= 1 and limit != self.local.limit:
            self.local.set_limit(limit)
            self.limit = limit
            self._item = rate_item(limit, self.local.window)

    def pause(self, seconds: float) -> None:
        if seconds <= 0:
            return
        self.local.pause(seconds)
        self._later(self._share_pause(seconds))

    def spent(self, seconds: float) -> None:
        """A pause, except "none remain" for about one window while the team's own window is
        full: the moving window already holds requests until its oldest turns one window
        old, which is when the vendor's rolling window frees a place; a pause would hold
        everyone a whole window instead (measured: 16 of 80 lookups failed "asked to slow
        down" in the floor benchmark before this)."""
        if not self.local.is_one_window(seconds) or not self.team.health.online:
            self.pause(seconds)
            return
        self._later(self._spent_unless_full(seconds))

    def paused_for(self) -> float:
        return self.local.paused_for()

    def observe_remaining(self, remaining: int) -> None:
        """The vendor says `remaining` requests are left in this window: take the difference
        when the team's count says more (another client spends the account too)."""
        if remaining >= 0:
            self._later(self._match_remaining(remaining))

    async def acquire(self, policy: RetryPolicy) -> None:
        try:
            await self._acquire_shared(policy)
        except TeamUnavailable:
            await self.local.acquire(policy)

    # --- shared state ------------------------------------------------------------------------

    async def _acquire_shared(self, policy: RetryPolicy) -> None:
        give_up = time.monotonic() + policy.max_queue
        while True:
            paused = max(self.local.paused_for(), await self._shared_pause())
            if paused > policy.max_retry_after:
                raise slow_down(self.label, paused)
            wait = paused
            if wait <= 0:
                oldest, count = await self._recent()
                # Interactive requests may take the last `reserve` places, background ones not.
                room = self._item.amount - (0 if policy.interactive else self.reserve)
                if count < room:
                    if await self.team.run_limits(lambda s: s.hit(self._item, self.account)):
                        return
                    oldest, count = await self._recent()
                wait = max(0.005, oldest + self.window + self.slack - time.time())
            wait += random.uniform(0, POLL_JITTER)
            if time.monotonic() + wait > give_up:
                raise RateLimited(
                    f"too many requests to {self.label} across the team; "
                    f"try again in {seconds_text(wait)}",
                    retry_after=wait,
                    status=None,
                )
            if policy.interactive:
                retry.report_wait(self.label, wait)
            await retry.sleep(wait)

    async def _recent(self) -> tuple[float, int]:
        """(start of the oldest, count) of the team's requests in the last window + slack.

        The `slack` (as the in-process limiter's) keeps a request from leaving just as the
        one `limit` places before it turns one window old: jitter on the way to the vendor
        would then put both in one window of the vendor's count. `limits` admits on the
        exact window; this look at the slightly longer one (its storage's own moving-window
        query) holds such a request back. Measured: 4 of 20 requests drew a 429 from a strict
        5-per-second double without it, none with it.
        """
        key = self._item.key_for(self.account)
        expiry: Any = self.window + self.slack  # `limits` types it int; it subtracts a float
        oldest, count = await self.team.run_limits(
            lambda s: cast(Any, s.storage).get_moving_window(key, self._item.amount, expiry)
        )
        return float(oldest), int(count)

    async def _shared_pause(self) -> float:
        ms = await self.team.run(lambda r: r.pttl(self._pause_key()))
        seconds = max(0.0, float(ms) / 1000) if isinstance(ms, int) and ms > 0 else 0.0
        if seconds > self.local.paused_for():
            self.local.pause(seconds)
        return seconds

    async def _spent_unless_full(self, seconds: float) -> None:
        try:
            _, count = await self._recent()
        except TeamUnavailable:
            self.local.pause(seconds)
            raise
        if count < self._item.amount:
            self.local.pause(seconds)
            await self._share_pause(seconds)

    async def _share_pause(self, seconds: float) -> None:
        """Write a pause for the whole team (longer pauses win)."""
        ms = max(1, int(seconds * 1000))
        key = self._pause_key()

        async def write(redis: Any) -> None:
            # Longer pauses win: set when absent, else only lengthen (Redis 7: PEXPIRE GT).
            if not await redis.set(key, "1", px=ms, nx=True):
                await redis.pexpire(key, ms, gt=True)

        await self.team.run(write)

    async def _match_remaining(self, remaining: int) -> None:
        stats = await self.team.run_limits(lambda s: s.get_window_stats(self._item, self.account))
        extra = min(stats.remaining, stats.remaining - remaining)
        if extra > 0:
            await self.team.run_limits(lambda s: s.hit(self._item, self.account, cost=extra))

    def _later(self, work: Any) -> None:
        """Run `work` on the running loop without waiting for it (the interface is sync)."""
        try:
            task = asyncio.get_running_loop().create_task(self._quietly(work))
        except RuntimeError:
            work.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _quietly(work: Any) -> None:
        try:
            await work
        except TeamUnavailable:
            pass

    async def budget(self) -> Budget:
        """Used and remaining in the current window, across the team (`cx-tui connectors`)."""
        try:
            stats = await self.team.run_limits(
                lambda s: s.get_window_stats(self._item, self.account)
            )
            pause = await self._shared_pause()
        except TeamUnavailable:
            return Budget(
                self.label, self.limit, self.window, 0, self.limit, self.paused_for(), False
            )
        remaining = max(0, stats.remaining)
        used = self._item.amount - remaining
        return Budget(self.label, self.limit, self.window, used, remaining, pause, True)
