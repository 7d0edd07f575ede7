"""Freshdesk's rate-limit headers and `Link` pagination.

Every answer but a 429 carries `X-RateLimit-Total`, `X-RateLimit-Remaining` and
`X-RateLimit-Used-CurrentRequest` (what this request cost: 1, plus 1 per `include=` embed).
The budget is the account's, shared by every agent and app; when it is used up the limiter
pauses instead of earning a 429. A 429's `Retry-After` is honoured by the HTTP layer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx

from cx_tui.connectors.http import RateLimiter

EMPTY_BUDGET_PAUSE = 60.0
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


@dataclass
class Budget:
    """The latest rate-limit headers seen for one account."""

    total: int | None = None
    remaining: int | None = None
    last_cost: int | None = None

    def describe(self) -> str | None:
        if self.remaining is None:
            return None
        total = f" of {self.total:,}" if self.total is not None else ""
        return f"rate budget: {self.remaining:,}{total} API credits left"


def _int(headers: httpx.Headers, name: str) -> int | None:
    try:
        return int(headers[name].strip())
    except (KeyError, ValueError):
        return None


def observer(budget: Budget) -> Callable[[httpx.Headers, RateLimiter], None]:
    """The `on_headers` hook: records the budget, pauses the limiter when it is spent."""

    def observe(headers: httpx.Headers, limiter: RateLimiter) -> None:
        remaining = _int(headers, "x-ratelimit-remaining")
        if remaining is None:
            return
        budget.remaining = remaining
        budget.total = _int(headers, "x-ratelimit-total")
        budget.last_cost = _int(headers, "x-ratelimit-used-currentrequest")
        if remaining <= 0:
            limiter.pause(EMPTY_BUDGET_PAUSE)

    return observe


def next_page(headers: httpx.Headers) -> int | None:
    """The `page` of the `Link: <...>; rel="next"` header, or None on the last page."""
    match = _NEXT.search(headers.get("link", ""))
    if not match:
        return None
    values = parse_qs(urlsplit(match.group(1)).query).get("page", [])
    return int(values[0]) if values and values[0].isdigit() else None
