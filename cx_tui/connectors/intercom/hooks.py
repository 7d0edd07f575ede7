"""What Intercom says about its limits, read from every answer.

Intercom sends `X-RateLimit-Limit` (requests per 10-second window for the app),
`X-RateLimit-Remaining` and `X-RateLimit-Reset` (a UNIX timestamp) on authenticated answers,
and a 429 `rate_limit_exceeded` when the window is spent; it documents no `Retry-After`, so
the reset time is the wait.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cx_tui.connectors.intercom.options import WINDOW_S

if TYPE_CHECKING:
    import httpx

    from cx_tui.connectors.http import RateLimiter

MAX_RESET_WAIT = 60.0
"""A reset further away than this is read as a clock problem, not a wait."""


def _int(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name)
    try:
        return None if value is None else int(value.strip())
    except ValueError:
        return None


@dataclass(slots=True)
class Budget:
    """The last rate-limit headers Intercom sent (for `cx-tui connectors` and 429 waits)."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None

    def wait(self, now: float | None = None) -> float | None:
        """Seconds until the window resets, when Intercom said (0..MAX_RESET_WAIT)."""
        if self.reset_at is None:
            return None
        seconds = self.reset_at - (time.time() if now is None else now)
        return min(MAX_RESET_WAIT, max(0.0, seconds))

    def observe(self, headers: httpx.Headers, limiter: RateLimiter) -> None:
        """Feed one answer's headers to the account's limiter: adopt the announced limit,
        and pause until the reset when nothing remains."""
        limit = _int(headers, "x-ratelimit-limit")
        remaining = _int(headers, "x-ratelimit-remaining")
        reset = _int(headers, "x-ratelimit-reset")
        if limit is None and remaining is None and reset is None:
            return
        self.limit, self.remaining = limit, remaining
        self.reset_at = float(reset) if reset is not None else None
        if limit is not None and limit > 0 and limiter.window == WINDOW_S:
            limiter.set_limit(limit)
        if remaining == 0:
            wait = self.wait()
            limiter.pause(wait if wait is not None else WINDOW_S)

    def describe(self) -> str | None:
        """ "97 of 167 requests left in this 10-second window", or None before any answer."""
        if self.remaining is None or self.limit is None:
            return None
        return f"{self.remaining} of {self.limit} requests left in this 10-second window"
