"""What Intercom says about errors and limits, for the kit.

Intercom's error body is `{"type": "error.list", "request_id", "errors": [{"code", "message"}]}`
(the kit's default reads `errors[0].message`). Authenticated answers carry `X-RateLimit-Limit`
(requests per 10-second window for the app), `X-RateLimit-Remaining` and `X-RateLimit-Reset`
(a UNIX timestamp); a spent window answers 429 `rate_limit_exceeded` and Intercom documents no
`Retry-After`, so the reset time is the wait.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.intercom.options import WINDOW_S
from cx_tui.connectors.kit import VendorHooks, header_int

if TYPE_CHECKING:
    import httpx

    from cx_tui.connectors.kit import Limiter

MAX_RESET_WAIT: Final = 60.0
"""A reset further away than this is read as a clock problem, not a wait."""


def reset_wait(headers: httpx.Headers, now: float | None = None) -> float | None:
    """Seconds until `X-RateLimit-Reset` (0..MAX_RESET_WAIT), or None when not sent."""
    reset = header_int(headers, "x-ratelimit-reset")
    if reset is None:
        return None
    seconds = reset - (time.time() if now is None else now)
    return min(MAX_RESET_WAIT, max(0.0, seconds))


class IntercomHooks(VendorHooks):
    """Intercom's `X-RateLimit-*` headers and its 429 without `Retry-After`."""

    def rate_limit_wait(self, headers: httpx.Headers, data: Any) -> float | None:  # noqa: ARG002
        return reset_wait(headers)

    def observe(self, headers: httpx.Headers, limiter: Limiter) -> None:
        """Adopt the app's announced limit; pause until the reset when nothing remains."""
        limit = header_int(headers, "x-ratelimit-limit")
        if limit is not None and limit > 0 and limiter.window == WINDOW_S:
            limiter.set_limit(limit)
        if header_int(headers, "x-ratelimit-remaining") == 0:
            wait = reset_wait(headers)
            limiter.spent(wait if wait is not None else WINDOW_S)


HOOKS: Final = IntercomHooks()


@dataclass(slots=True)
class Budget:
    """The last rate-limit headers one account received (for `cx-tui connectors`)."""

    limit: int | None = None
    remaining: int | None = None

    def record(self, headers: httpx.Headers) -> None:
        limit = header_int(headers, "x-ratelimit-limit")
        remaining = header_int(headers, "x-ratelimit-remaining")
        if limit is not None or remaining is not None:
            self.limit, self.remaining = limit, remaining

    def describe(self) -> str | None:
        """ "97 of 167 requests left in this 10-second window", or None before any answer."""
        if self.remaining is None or self.limit is None:
            return None
        return f"{self.remaining} of {self.limit} requests left in this 10-second window"
