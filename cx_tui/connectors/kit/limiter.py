"""Client-side rate limiting: one budget per vendor account, shared by its connectors.

`Limiter` is the interface the client spends requests through: `acquire` before each request,
`pause` when the vendor says the budget is used up (a 429 with `Retry-After`, a header that
says zero remain), `set_limit` when the vendor announces the account's own limit. `RateLimiter`
is the in-process default. A limiter shared by a whole team (Redis, issue 19) implements the
same interface and plugs in through `use_limiters`. Background work asks with a policy whose
`interactive` is False, and every limiter serves agents first (issue 17): background requests
wait while lookups queue, never take the window's last `reserve` places, and pause while the
vendor says its remaining budget is low.
"""

from __future__ import annotations

import hashlib
import math
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Sequence
from typing import Final

from cx_tui.connectors.base import RateLimited
from cx_tui.connectors.kit import retry
from cx_tui.connectors.kit.errors import seconds_text, slow_down
from cx_tui.connectors.kit.retry import RetryPolicy


class Limiter(ABC):
    """One account's request budget: at most `limit` requests per `window` seconds."""

    label: str
    """How messages name it ("HubSpot search")."""
    limit: int
    window: float

    @abstractmethod
    async def acquire(self, policy: RetryPolicy) -> None:
        """Wait for this request's turn.

        Args:
            policy: The request's policy: how long it may queue (`max_queue`), how long a
                vendor pause it waits out (`max_retry_after`), whether an agent waits
                (`interactive`).

        Raises:
            RateLimited: the wait would be longer than the policy allows.
        """

    @abstractmethod
    def pause(self, seconds: float) -> None:
        """Let nothing through for `seconds` from now (longer pauses win)."""

    def spent(self, seconds: float) -> None:
        """The vendor's headers say nothing remains of the budget for `seconds` (a count on a
        good answer, not a refusal). By default a pause; a limiter that tracks the same
        window itself may know it already holds the next request (`RateLimiter.spent`)."""
        self.pause(seconds)

    @abstractmethod
    def paused_for(self) -> float:
        """Seconds until the vendor-imposed pause ends (0 when there is none)."""

    @abstractmethod
    def set_limit(self, limit: int) -> None:
        """Adopt the limit the vendor announces for this account (e.g. `X-Rate-Limit`)."""

    def observe_remaining(self, remaining: int) -> None:  # noqa: B027 - optional, no-op default
        """The vendor says `remaining` requests are left in its current window.

        A limiter shared by a team (issue 19) moves its count to match, so the budget tracks
        the vendor's truth when other clients spend the account too; the in-process limiter
        needs nothing here (a 0 arrives as `pause`).
        """


RESERVE_SHARE: Final = 0.2
"""Share of a window kept for interactive requests (at least one request); the team limiter
(`cx_tui.team.limiter`) keeps the same."""
YIELD_POLL: Final = 0.05
"""Seconds a background request waits before looking again while lookups queue."""


def reserve_of(limit: int) -> int:
    """Places of a `limit`-per-window budget background work may not take."""
    return max(1, math.ceil(limit * RESERVE_SHARE))


class RateLimiter(Limiter):
    """At most `limit` requests in any `window` seconds, for one account; lookups first.

    A token bucket refilled continuously would let `2 * limit` requests through in one window
    (a full bucket, then its refill), and vendors count per window; so this keeps the start
    times of the last `limit` requests and gives each new request the first moment at which it
    would be the `limit`-th in its window. Reservations are plain arithmetic on the event loop
    (no lock), so one limiter serves every event loop a process runs.

    Interactive first (issue 17): a background request (`policy.interactive` False: the outbox)
    never reserves ahead. It goes only when no lookup queues, when it leaves `reserve` places
    of this window to lookups, and when the vendor has not said its budget is low (a
    `remaining` of `reserve` or fewer, from any client on the account: then it waits a whole
    window, until the vendor's count has surely reset).

    `slack` widens every window a little: requests leave here exactly one window apart but
    reach the vendor with a few milliseconds of network jitter, and a vendor counting strictly
    would then see one request too many in a window (measured: one 429 in a burst of 12 against
    a strict 5-per-second double without slack, none with 0.1 s).
    """

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        label: str,
        clock: Callable[[], float] = time.monotonic,
        slack: float = 0.1,
    ) -> None:
        if limit < 1 or window <= 0 or slack < 0:
            raise ValueError("a rate limit needs limit >= 1, window > 0 and slack >= 0")
        self.limit = limit
        self.window = window
        self.slack = slack
        self.label = label
        self._clock = clock
        self._starts: deque[float] = deque()
        self._blocked_until = 0.0
        self._low_until = 0.0
        self._lookups_waiting = 0

    def __repr__(self) -> str:
        return f"<RateLimiter {self.label}: {self.limit} per {self.window:g} s>"

    @property
    def reserve(self) -> int:
        """Places of a window background work leaves to lookups."""
        return reserve_of(self.limit)

    def set_limit(self, limit: int) -> None:
        if limit >= 1:
            self.limit = limit

    def pause(self, seconds: float) -> None:
        self._blocked_until = max(self._blocked_until, self._clock() + max(0.0, seconds))

    def spent(self, seconds: float) -> None:
        """A pause, except "none remain" for about one window while this limiter's own window
        is full: the window already holds the next request until its oldest turns one window
        old, which is when the vendor's rolling count frees a place; the pause would hold
        every lookup a whole window instead (the burst benchmark: 21 of 100 lookups showed
        "asked cx-tui to slow down; try again in 5 s" for their details, with no 429 answered
        at all). A longer reset (a daily budget) is kept, as is every refusal (`pause`)."""
        if self.is_one_window(seconds) and self._window_full(self._clock()):
            return
        self.pause(seconds)

    def is_one_window(self, seconds: float) -> bool:
        """`seconds` is about one window: what "none remain" in a rolling window means."""
        return self.window <= seconds <= self.window + self.slack

    def _window_full(self, now: float) -> bool:
        starts = self._starts
        return len(starts) >= self.limit and starts[-self.limit] + self.window + self.slack > now

    def paused_for(self) -> float:
        return max(0.0, self._blocked_until - self._clock())

    def observe_remaining(self, remaining: int) -> None:
        """A `remaining` of `reserve` or fewer holds background work for one window."""
        if 0 <= remaining <= self.reserve:
            until = self._clock() + self.window + self.slack
            self._low_until = max(self._low_until, until)

    def background_wait(self, now: float | None = None) -> float:
        """Seconds from `now` (default: the clock's) before a background request may go."""
        now = self._clock() if now is None else now
        waits = [self._blocked_until - now, self._low_until - now]
        if self._lookups_waiting:
            waits.append(YIELD_POLL)
        room = self.limit - self.reserve
        starts = self._starts
        if room < 1:
            waits.append(self.window)
        elif len(starts) >= room:
            waits.append(starts[-room] + self.window + self.slack - now)
        return max(0.0, *waits)

    def _reserve(self, now: float) -> float:
        start = max(now, self._blocked_until)
        if len(self._starts) >= self.limit:
            start = max(start, self._starts[-self.limit] + self.window + self.slack)
        self._starts.append(start)
        while len(self._starts) > self.limit:
            self._starts.popleft()
        return start

    def _release(self, start: float) -> None:
        # A request that gave up waiting hands its place back.
        try:
            self._starts.remove(start)
        except ValueError:
            pass

    def _check_pause(self, policy: RetryPolicy) -> None:
        paused = self.paused_for()
        if paused > policy.max_retry_after:
            raise slow_down(self.label, paused)

    async def acquire(self, policy: RetryPolicy) -> None:
        self._check_pause(policy)
        if not policy.interactive:
            await self._acquire_background(policy)
            return
        now = self._clock()
        start = self._reserve(now)
        delay = start - now
        if delay > policy.max_queue:
            self._release(start)
            raise RateLimited(
                f"too many requests to {self.label} at once; try again in {seconds_text(delay)}",
                retry_after=delay,
                status=None,
            )
        if delay > 0:
            self._lookups_waiting += 1
            try:
                retry.report_wait(self.label, delay)
                await retry.sleep(delay)
            except BaseException:
                self._release(start)
                raise
            finally:
                self._lookups_waiting -= 1

    async def _acquire_background(self, policy: RetryPolicy) -> None:
        # After sleeping `wait` seconds, at least that much time has passed: `now` counts it
        # even when the clock says less (a test's sleep may not move it).
        now = start = self._clock()
        while True:
            wait = self.background_wait(now)
            if wait <= 0:
                self._reserve(now)
                return
            if now + wait - start > policy.max_queue:
                raise RateLimited(
                    f"{self.label}'s budget is kept for lookups; background work tries again "
                    f"in {seconds_text(wait)}",
                    retry_after=wait,
                    status=None,
                )
            self._check_pause(policy)
            await retry.sleep(wait)
            now = max(self._clock(), now + wait)


LimiterFactory = Callable[[tuple[str, ...], int, float, str], Limiter]
"""Builds the limiter of one account: (key, limit, window, label) -> Limiter."""


def _in_process(key: tuple[str, ...], limit: int, window: float, label: str) -> Limiter:  # noqa: ARG001
    return RateLimiter(limit, window, label=label)


_LIMITERS: dict[tuple[str, ...], Limiter] = {}
_factory: LimiterFactory = _in_process


def use_limiters(factory: LimiterFactory | None) -> None:
    """Build account limiters with `factory` from now on (None: the in-process default).

    Limiters already handed out stay as they are; call this before connectors are built.
    """
    global _factory
    _factory = factory or _in_process
    _LIMITERS.clear()


def shared_limiter(key: Sequence[str], limit: int, window: float, *, label: str) -> Limiter:
    """The limiter of one account, shared by every connector configured on it.

    Args:
        key: What identifies the account and the budget (vendor, host, bucket, and a
            fingerprint of the token from `fingerprint`), never the token itself.
        limit: Requests allowed per window.
        window: Window length in seconds.
        label: How messages name it ("HubSpot search").
    """
    found = _LIMITERS.get(tuple(key))
    if found is None:
        found = _LIMITERS[tuple(key)] = _factory(tuple(key), limit, window, label)
    return found


def fingerprint(secret: str | None) -> str:
    """A short one-way digest of a token, to tell accounts apart without keeping the token."""
    return hashlib.sha256((secret or "").encode()).hexdigest()[:16]
