"""What Freshdesk says about errors and limits: its error bodies, rate-limit headers and pages.

- **Errors.** A validation failure is 400 (409 for a duplicate) `{"description": "Validation
  failed", "errors": [{"field", "message", "code"}]}`; the field and its message reach the
  agent ("email: It should be in the 'valid email' format"). Other refusals are `{"code",
  "message"}` (401 `invalid_credentials`, 403 `access_denied`, ...); a 429 is `{"message"}`.
- **Limits.** Every answer but a 429 carries `X-RateLimit-Total` (the account's per-minute
  budget), `X-RateLimit-Remaining` and `X-RateLimit-Used-CurrentRequest` (1, plus the credits
  of `include=` embeds). The budget is the account's, shared by every agent and app: the
  limiter takes the total as its limit and pauses a minute when nothing remains, instead of
  earning a 429. A 429's `Retry-After` is honoured by the kit.
- **Pages** are announced by `Link: <url?page=N>; rel="next"`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, urlsplit

from cx_tui.connectors.kit import VendorHooks, header_int, pause_when_spent

if TYPE_CHECKING:
    import httpx

    from cx_tui.connectors.kit import Limiter

EMPTY_BUDGET_PAUSE: Final = 60.0
"""Seconds to hold the account when its budget is used up (the budget is per minute)."""
MAX_ERRORS_QUOTED: Final = 3
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


@dataclass
class Budget:
    """The latest rate-limit headers seen for one account (`cx-tui connectors` shows them)."""

    total: int | None = None
    remaining: int | None = None
    last_cost: int | None = None

    def record(self, headers: httpx.Headers) -> None:
        remaining = header_int(headers, "x-ratelimit-remaining")
        if remaining is None:
            return
        self.remaining = remaining
        self.total = header_int(headers, "x-ratelimit-total")
        self.last_cost = header_int(headers, "x-ratelimit-used-currentrequest")

    def describe(self) -> str | None:
        if self.remaining is None:
            return None
        total = f" of {self.total:,}" if self.total is not None else ""
        return f"rate budget: {self.remaining:,}{total} API credits left this minute"


def _field_error(item: Any) -> str:
    if not isinstance(item, Mapping):
        return ""
    field, message, code = (item.get(k) for k in ("field", "message", "code"))
    words = message if isinstance(message, str) and message.strip() else ""
    if isinstance(code, str) and code.strip():
        words = f"{words} ({code})" if words else code
    if isinstance(field, str) and field.strip():
        return f"{field}: {words}" if words else field
    return words


def next_page(headers: httpx.Headers) -> int | None:
    """The `page` of the `Link: <...>; rel="next"` header, or None on the last page."""
    match = _NEXT.search(headers.get("link", ""))
    if not match:
        return None
    values = parse_qs(urlsplit(match.group(1)).query).get("page", [])
    return int(values[0]) if values and values[0].isdigit() else None


class FreshdeskHooks(VendorHooks):
    """Freshdesk's error bodies and `X-RateLimit-*` headers."""

    def error_detail(self, data: Any) -> str:
        if isinstance(data, str):
            return data
        if not isinstance(data, Mapping):
            return ""
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            parts = [p for p in (_field_error(e) for e in errors[:MAX_ERRORS_QUOTED]) if p]
            more = len(errors) - MAX_ERRORS_QUOTED
            if more > 0:
                parts.append(f"{more} more")
            head = data.get("description")
            lead = f"{head}: " if isinstance(head, str) and head.strip() and parts else ""
            if parts:
                return lead + "; ".join(parts)
        message = data.get("message") or data.get("description")
        code = data.get("code")
        if isinstance(message, str) and message.strip():
            return f"{message} ({code})" if isinstance(code, str) and code.strip() else message
        return code if isinstance(code, str) else ""

    def observe(self, headers: httpx.Headers, limiter: Limiter) -> None:
        total = header_int(headers, "x-ratelimit-total")
        if total is not None and total > 0:
            limiter.set_limit(total)
        remaining = header_int(headers, "x-ratelimit-remaining")
        pause_when_spent(limiter, remaining, headers, EMPTY_BUDGET_PAUSE)


HOOKS: Final = FreshdeskHooks()
