"""How Salesforce's answers read: its error bodies, its 403 rate limit, its usage header.

- Errors are a JSON array `[{"message", "errorCode", "fields"?}]` (REST API "Status Codes and
  Error Responses"); the OAuth endpoints answer `{"error", "error_description"}`.
- `403 REQUEST_LIMIT_EXCEEDED` means the org used up its rolling 24-hour API allocation: a rate
  limit, not a refused token. It sends no `Retry-After`.
- Every REST answer carries `Sforce-Limit-Info: api-usage=N/M` (sometimes followed by
  `; api-bursts=a/b` or `; per-app-api-usage=...`): the org's usage so far and its allocation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.kit.errors import VendorHooks

if TYPE_CHECKING:
    import httpx

    from cx_tui.connectors.kit.limiter import Limiter

LIMIT_WAIT: Final = 900.0
"""How long an org over its daily allocation is left alone (Salesforce says no time)."""
LOW_BUDGET: Final = 0.10
"""Below this share of the daily allocation left, background work slows down."""
_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


def error_items(data: Any) -> list[Mapping[str, Any]]:
    """The `{"message", "errorCode"}` items of a Salesforce error body (any other shape: [])."""
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list):
        return []
    return [item for item in data if isinstance(item, Mapping)]


def error_code(data: Any) -> str:
    """The first `errorCode` of an error body, or ""."""
    for item in error_items(data):
        code = item.get("errorCode")
        if isinstance(code, str):
            return code
    return ""


@dataclass
class Budget:
    """The org's API usage as the last answer's `Sforce-Limit-Info` said."""

    used: int | None = None
    limit: int | None = None

    @property
    def remaining(self) -> int | None:
        if self.used is None or self.limit is None:
            return None
        return max(0, self.limit - self.used)

    @property
    def low(self) -> bool:
        """Under `LOW_BUDGET` of the allocation left: background work should wait."""
        left = self.remaining
        return left is not None and bool(self.limit) and left < LOW_BUDGET * (self.limit or 1)

    def describe(self) -> str:
        if self.remaining is None:
            return "API usage unknown (no Sforce-Limit-Info header yet)"
        share = 100 * (self.remaining / self.limit) if self.limit else 0.0
        return (
            f"API budget: {self.remaining:,} of {self.limit:,} daily requests left "
            f"({share:.0f}%)" + ("; background work is slowed" if self.low else "")
        )

    def read(self, header: str | None) -> bool:
        """Update from a `Sforce-Limit-Info` value; False when it says nothing usable."""
        match = _USAGE.search(header or "")
        if not match:
            return False
        self.used, self.limit = int(match.group(1)), int(match.group(2))
        return True


class SalesforceHooks(VendorHooks):
    """Salesforce's error bodies, its 403 rate limit and its usage header, for the kit client."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget

    def error_detail(self, data: Any) -> str:
        if isinstance(data, Mapping) and isinstance(data.get("error"), str):
            words = data.get("error_description")
            return f"{data['error']}: {words}" if isinstance(words, str) else str(data["error"])
        for item in error_items(data):
            code, message = item.get("errorCode"), item.get("message")
            parts = [p for p in (code, message) if isinstance(p, str) and p.strip()]
            if parts:
                return ": ".join(parts)
        return data if isinstance(data, str) else ""

    def mapped_status(self, status: int, data: Any) -> int:
        if error_code(data) == "REQUEST_LIMIT_EXCEEDED":
            return 429
        return status

    def rate_limit_wait(self, headers: httpx.Headers, data: Any) -> float | None:  # noqa: ARG002
        return LIMIT_WAIT if error_code(data) == "REQUEST_LIMIT_EXCEEDED" else None

    def observe(self, headers: httpx.Headers, limiter: Limiter) -> None:
        if self.budget.read(headers.get("sforce-limit-info")) and self.budget.remaining == 0:
            limiter.spent(LIMIT_WAIT)
