"""The vendors' hooks into the kit: rate-limit headers, error bodies, scopes, 429 bodies."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from cx_tui.connectors.base import AuthError, NotFound, RateLimited
from cx_tui.connectors.hubspot.hooks import DAILY_PAUSE
from cx_tui.connectors.hubspot.hooks import HOOKS as HUBSPOT_HOOKS
from cx_tui.connectors.hubspot.hooks import observe_rate_headers as hubspot_headers
from cx_tui.connectors.kit import HttpClient, RateLimiter, Vendor, VendorHooks, bearer
from cx_tui.connectors.zendesk.hooks import HOOKS as ZENDESK_HOOKS

TOKEN = "pat-na1-aaaabbbb-cccc-dddd-eeee-ffff00001111"


def vendor(hooks: VendorHooks) -> Vendor:
    return Vendor(
        name="Acme API",
        host="api.acme.example",
        reach_hint="check `base_url`",
        auth_hint='run `cx-tui secret set "Acme"`',
        scope_hint="grant the missing scopes",
        hooks=hooks,
    )


def client(hooks: VendorHooks, handler: Callable[[httpx.Request], httpx.Response]) -> HttpClient:
    return HttpClient(
        vendor(hooks),
        "https://api.acme.example",
        bearer(TOKEN),
        secrets=(TOKEN,),
        transport=httpx.MockTransport(handler),
    )


def answers(*responses: httpx.Response) -> tuple[Callable[..., httpx.Response], list[object]]:
    seen: list[object] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses[min(len(seen), len(responses)) - 1]

    return handler, seen


def limiter() -> RateLimiter:
    return RateLimiter(100, 1.0, label="Acme API")


def ok() -> httpx.Response:
    return httpx.Response(200, json={"ok": True})


# --- rate-limit headers --------------------------------------------------------------------------


def zendesk_headers(headers: httpx.Headers, limiter: RateLimiter) -> None:
    ZENDESK_HOOKS.observe(headers, limiter)


def test_vendor_headers_feed_the_limiter() -> None:
    clock = [0.0]
    hubspot = RateLimiter(5, 1.0, label="HubSpot search", clock=lambda: clock[0])
    hubspot_headers(httpx.Headers({"X-HubSpot-RateLimit-Secondly-Remaining": "0"}), hubspot)
    assert hubspot.paused_for() == 1.0
    burst = RateLimiter(100, 10.0, label="HubSpot", clock=lambda: clock[0])
    hubspot_headers(
        httpx.Headers(
            {
                "X-HubSpot-RateLimit-Remaining": "0",
                "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            }
        ),
        burst,
    )
    assert burst.paused_for() == 10.0
    zendesk = RateLimiter(200, 60.0, label="Zendesk", clock=lambda: clock[0])
    zendesk_headers(
        httpx.Headers({"X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "699"}), zendesk
    )
    assert zendesk.limit == 700 and zendesk.paused_for() == 0.0
    zendesk_headers(
        httpx.Headers({"X-Rate-Limit-Remaining": "0", "ratelimit-reset": "12"}), zendesk
    )
    assert zendesk.paused_for() == 12.0


def test_account_headers_reach_the_account_limiter() -> None:
    """HubSpot's burst and daily headers describe the account: an answer that came through the
    search limiter must hold the account's burst limiter, not the search one."""
    clock = [0.0]
    search = RateLimiter(5, 1.0, label="HubSpot search", clock=lambda: clock[0])
    burst = RateLimiter(100, 10.0, label="HubSpot", clock=lambda: clock[0])
    hubspot_headers(
        httpx.Headers(
            {
                "X-HubSpot-RateLimit-Max": "190",
                "X-HubSpot-RateLimit-Remaining": "0",
                "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            }
        ),
        search,
        account=burst,
    )
    assert burst.limit == 190 and burst.paused_for() == 10.0
    assert search.limit == 5 and search.paused_for() == 0.0
    # A window other than the limiter's own says nothing about its limit.
    hubspot_headers(
        httpx.Headers(
            {"X-HubSpot-RateLimit-Max": "7", "X-HubSpot-RateLimit-Interval-Milliseconds": "1000"}
        ),
        search,
        account=burst,
    )
    assert burst.limit == 190
    hubspot_headers(
        httpx.Headers({"X-HubSpot-RateLimit-Daily-Remaining": "0"}), search, account=burst
    )
    assert burst.paused_for() == DAILY_PAUSE and search.paused_for() == DAILY_PAUSE


def test_zendesk_ticketing_headers_pause_the_limiter() -> None:
    clock = [0.0]
    zendesk = RateLimiter(200, 60.0, label="Zendesk", clock=lambda: clock[0])
    zendesk_headers(httpx.Headers({"ratelimit-remaining": "3", "ratelimit-reset": "20"}), zendesk)
    assert zendesk.paused_for() == 0.0
    zendesk_headers(httpx.Headers({"ratelimit-remaining": "0", "ratelimit-reset": "20"}), zendesk)
    assert zendesk.paused_for() == 20.0


def test_the_default_hooks_read_the_ietf_headers_and_no_vendor_headers() -> None:
    clock = [0.0]
    bucket = RateLimiter(10, 30.0, label="Acme", clock=lambda: clock[0])
    VendorHooks().observe(httpx.Headers({"X-HubSpot-RateLimit-Secondly-Remaining": "0"}), bucket)
    VendorHooks().observe(httpx.Headers({"X-Rate-Limit": "700"}), bucket)
    assert bucket.paused_for() == 0.0 and bucket.limit == 10
    VendorHooks().observe(httpx.Headers({"RateLimit-Remaining": "0"}), bucket)
    assert bucket.paused_for() == 30.0  # no reset given: the limiter's window


# --- error bodies ------------------------------------------------------------------------------


async def test_a_hubspot_403_names_the_missing_scopes(waits: list[float]) -> None:
    body = {
        "status": "error",
        "message": "This app hasn't been granted all required scopes to make this call.",
        "category": "MISSING_SCOPES",
        "errors": [
            {
                "message": "One or more of the following scopes are required.",
                "context": {"requiredGranularScopes": ["tickets"]},
            }
        ],
    }
    handler, _ = answers(httpx.Response(403, json=body))
    with pytest.raises(AuthError) as caught:
        await client(HUBSPOT_HOOKS, handler).get("/x", limiter=limiter())
    words = "refused this request (403): the token lacks tickets; grant the missing scopes"
    assert words in str(caught.value)
    assert caught.value.status == 403
    # Without HubSpot's hooks nobody reads `context`: no scopes are named.
    handler, _ = answers(httpx.Response(403, json=body))
    with pytest.raises(AuthError) as caught:
        await client(VendorHooks(), handler).get("/x", limiter=limiter())
    assert "the token lacks" not in str(caught.value)


async def test_a_zendesk_404_quotes_its_description(waits: list[float]) -> None:
    handler, _ = answers(
        httpx.Response(404, json={"error": "RecordNotFound", "description": "Not found"})
    )
    with pytest.raises(NotFound) as caught:
        await client(ZENDESK_HOOKS, handler).get("/x", limiter=limiter())
    assert "has no such record (404): Not found" in str(caught.value)
    assert caught.value.status == 404


async def test_a_zendesk_error_object_is_quoted(waits: list[float]) -> None:
    body = {"error": {"title": "Forbidden", "message": "You do not have access"}}
    handler, _ = answers(httpx.Response(403, json=body))
    with pytest.raises(AuthError) as caught:
        await client(ZENDESK_HOOKS, handler).get("/x", limiter=limiter())
    assert "(Acme API said: Forbidden You do not have access)" in str(caught.value)


async def test_a_hubspot_429_without_retry_after_waits_for_its_named_window(
    waits: list[float],
) -> None:
    body = {
        "status": "error",
        "message": "You have reached your secondly limit.",
        "policyName": "SECONDLY",
    }
    handler, seen = answers(httpx.Response(429, json=body), ok())
    assert await client(HUBSPOT_HOOKS, handler).get("/x", limiter=limiter()) == {"ok": True}
    assert len(seen) == 2 and any(0.9 <= w <= 1.0 for w in waits)
    body["policyName"] = "TEN_SECONDLY_ROLLING"
    handler, seen = answers(httpx.Response(429, json=body))
    with pytest.raises(RateLimited) as caught:
        await client(HUBSPOT_HOOKS, handler).get("/x", limiter=limiter())
    assert caught.value.retry_after == 10.0 and len(seen) == 1
