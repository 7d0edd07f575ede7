"""What HubSpot says about errors and limits: its rate-limit headers, 429 bodies and scopes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.kit import VendorHooks, header_int

if TYPE_CHECKING:
    import httpx

    from cx_tui.connectors.kit import Limiter

DAILY_PAUSE: Final = 300.0
"""Seconds to hold an account whose daily quota is used up (HubSpot names no reset)."""
POLICY_WINDOWS: Final[Mapping[str, float]] = {"SECONDLY": 1.0, "TEN_SECONDLY_ROLLING": 10.0}
"""Seconds to wait after a 429 without `Retry-After`, by the `policyName` in its body."""


def observe_rate_headers(
    headers: httpx.Headers, limiter: Limiter, *, account: Limiter | None = None
) -> None:
    """Feed HubSpot's rate-limit headers to the account's limiters.

    HubSpot sends `X-HubSpot-RateLimit-Max` / `-Remaining` / `-Interval-Milliseconds` (the
    account's burst window), `-Secondly-Remaining` and `-Daily-Remaining`. A used-up window
    pauses the limiter until it ends, so the next request waits instead of earning a 429.

    Args:
        headers: One answer's headers.
        limiter: The limiter the request went through.
        account: The account-wide limiter, when `limiter` is a narrower one (search has its
            own per-second budget): the burst and daily headers describe the account, so they
            go there.
    """
    whole = account or limiter
    secondly = header_int(headers, "x-hubspot-ratelimit-secondly-remaining")
    if secondly is not None:
        limiter.observe_remaining(secondly)
    if secondly == 0:
        limiter.spent(1.0)
    interval = header_int(headers, "x-hubspot-ratelimit-interval-milliseconds")
    window = (interval or 10_000) / 1000
    burst_max = header_int(headers, "x-hubspot-ratelimit-max")
    if burst_max is not None and whole.window == window:
        whole.set_limit(burst_max)
    remaining = header_int(headers, "x-hubspot-ratelimit-remaining")
    if remaining is not None and whole.window == window:
        whole.observe_remaining(remaining)
    if remaining == 0:
        whole.spent(window)
    if header_int(headers, "x-hubspot-ratelimit-daily-remaining") == 0:
        whole.pause(DAILY_PAUSE)
        limiter.pause(DAILY_PAUSE)


class HubSpotHooks(VendorHooks):
    """HubSpot's error bodies (`{"message", "category", "errors": [{"context"}]}`), the
    `policyName` of a 429, and its `X-HubSpot-RateLimit-*` headers."""

    def missing_scopes(self, data: Any) -> list[str]:
        """Scopes a 403 names (in `context` or `errors[].context`)."""
        found: list[str] = []
        contexts: list[Any] = []
        if isinstance(data, Mapping):
            contexts.append(data.get("context"))
            errors = data.get("errors")
            if isinstance(errors, list):
                contexts += [e.get("context") for e in errors if isinstance(e, Mapping)]
        for context in contexts:
            if not isinstance(context, Mapping):
                continue
            for key in ("requiredGranularScopes", "missingScopes", "requiredScopes"):
                values = context.get(key)
                if isinstance(values, list):
                    found += [
                        v for v in values if isinstance(v, str) and re.fullmatch(r"[\w.-]+", v)
                    ]
        return list(dict.fromkeys(found))

    def rate_limit_wait(self, headers: httpx.Headers, data: Any) -> float | None:  # noqa: ARG002
        # HubSpot often sends no Retry-After; its body names the window that ran out.
        if isinstance(data, Mapping):
            return POLICY_WINDOWS.get(str(data.get("policyName", "")).upper())
        return None

    def observe(self, headers: httpx.Headers, limiter: Limiter) -> None:
        observe_rate_headers(headers, limiter)


HOOKS: Final = HubSpotHooks()
