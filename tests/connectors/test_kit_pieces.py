"""The kit's pluggable pieces: retry decisions, the limiter interface, markers, query values,
status mapping through hooks, and how the registry finds built-in vendor packages."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from importlib.metadata import EntryPoint
from typing import Any

import httpx
import pytest

from cx_tui.connectors import registry
from cx_tui.connectors.base import InvalidInput, RateLimited, Unavailable
from cx_tui.connectors.hubspot import HubSpotConnector
from cx_tui.connectors.kit import (
    BACKGROUND,
    DEFAULT_RETRY,
    LOOKUP,
    Attempt,
    HttpClient,
    Limiter,
    RateLimiter,
    RetryChain,
    RetryPolicy,
    Vendor,
    VendorHooks,
    bearer,
    has_marker,
    limiter,
    marker,
    quoted,
    search_name,
    shared_limiter,
    use_limiters,
)
from cx_tui.connectors.kit.query import NAME_CHARS
from cx_tui.connectors.local import LocalConnector

VENDOR = Vendor(
    name="Acme API",
    host="api.acme.example",
    reach_hint="check `base_url`",
    auth_hint='run `cx-tui secret set "Acme"`',
    scope_hint="grant the missing scopes",
)
LIMIT_BODY = [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded."}]


def answers(*responses: httpx.Response) -> tuple[Callable[..., httpx.Response], list[object]]:
    seen: list[object] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses[min(len(seen), len(responses)) - 1]

    return handler, seen


def client(handler: Callable[..., httpx.Response], **kwargs: Any) -> HttpClient:
    return HttpClient(
        kwargs.pop("vendor", VENDOR),
        "https://api.acme.example",
        bearer("tok-1234567890"),
        transport=httpx.MockTransport(handler),
        **kwargs,
    )


def bucket() -> RateLimiter:
    return RateLimiter(100, 1.0, label="Acme API")


def _error_code(body: Any) -> str:
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return str(body[0].get("errorCode", ""))
    return ""


def limit_in_403_body(attempt: Attempt) -> float | None:
    """Salesforce's way: a 403 whose body says REQUEST_LIMIT_EXCEEDED is a rate limit."""
    if attempt.status == 403 and _error_code(attempt.body) == "REQUEST_LIMIT_EXCEEDED":
        return 7.0
    return None


# --- retry decisions ------------------------------------------------------------------------


async def test_a_decision_put_in_front_retries_a_403_that_means_rate_limit(
    waits: list[float],
) -> None:
    handler, seen = answers(httpx.Response(403, json=LIMIT_BODY), httpx.Response(200, json=[1]))
    api = client(handler, retry=DEFAULT_RETRY.before(limit_in_403_body))
    reply = await api.request("GET", "/x", limiter=bucket(), policy=BACKGROUND)
    assert reply.data == [1] and len(seen) == 2
    assert waits == [7.0]
    # The default chain alone gives up at once: a 403 is a refusal.
    handler, seen = answers(httpx.Response(403, json=LIMIT_BODY), httpx.Response(200, json=[1]))
    with pytest.raises(Exception, match="refused this request"):
        await client(handler).request("GET", "/x", limiter=bucket(), policy=BACKGROUND)
    assert len(seen) == 1


async def test_vendor_hooks_add_their_decisions_to_every_client(waits: list[float]) -> None:
    class LimitHooks(VendorHooks):
        retry_first = (limit_in_403_body,)

    vendor = Vendor("Acme API", "api.acme.example", "a", "b", "c", hooks=LimitHooks())
    handler, seen = answers(httpx.Response(403, json=LIMIT_BODY), httpx.Response(200, json=[2]))
    reply = await client(handler, vendor=vendor).request("GET", "/x", limiter=bucket())
    assert reply.data == [2] and len(seen) == 2


def test_the_chain_asks_in_order_and_the_policy_caps_it() -> None:
    asked: list[str] = []

    def first(attempt: Attempt) -> float | None:
        asked.append("first")
        return None

    def second(attempt: Attempt) -> float | None:
        asked.append("second")
        return 3.0

    def third(attempt: Attempt) -> float | None:
        asked.append("third")
        return 9.0

    chain = RetryChain(first, second, third)
    attempt = Attempt(BACKGROUND, 1, True, Unavailable("down"), 500)
    assert chain(attempt) == 3.0 and asked == ["first", "second"]
    asked.clear()
    spent = Attempt(BACKGROUND, BACKGROUND.attempts, True, Unavailable("down"), 500)
    assert chain(spent) is None and asked == []
    assert RetryChain(first)(attempt) is None


@pytest.mark.parametrize(
    ("status", "safe", "retried"),
    [(503, True, True), (503, False, False), (404, True, False), (429, False, True)],
)
def test_the_default_chain_retries_only_what_is_safe(
    status: int, safe: bool, retried: bool
) -> None:
    error = RateLimited("slow down", retry_after=None) if status == 429 else Unavailable("failing")
    wait = DEFAULT_RETRY(Attempt(LOOKUP, 1, safe, error, status))
    assert (wait is not None) is retried


async def test_a_hook_can_map_a_status_to_another_meaning(waits: list[float]) -> None:
    class Salesforceish(VendorHooks):
        def mapped_status(self, status: int, data: Any) -> int:
            if status == 403 and _error_code(data) == "REQUEST_LIMIT_EXCEEDED":
                return 429
            return status

    vendor = Vendor("Acme API", "api.acme.example", "a", "b", "c", hooks=Salesforceish())
    handler, seen = answers(httpx.Response(403, json=LIMIT_BODY))
    with pytest.raises(RateLimited) as caught:
        await client(handler, vendor=vendor).request("GET", "/x", limiter=bucket(), policy=LOOKUP)
    assert caught.value.status == 403  # the real status stays on the error
    assert "rate limiting cx-tui (403)" in caught.value.message
    assert len(seen) == LOOKUP.attempts  # a rate limit without a known wait: backed off, retried


# --- the limiter interface ------------------------------------------------------------------


class CountingLimiter(Limiter):
    """A stand-in for a shared (Redis) limiter: records what it was asked."""

    def __init__(self, key: tuple[str, ...], limit: int, window: float, label: str) -> None:
        self.key, self.limit, self.window, self.label = key, limit, window, label
        self.asked: list[RetryPolicy] = []
        self.paused: list[float] = []

    async def acquire(self, policy: RetryPolicy) -> None:
        self.asked.append(policy)

    def pause(self, seconds: float) -> None:
        self.paused.append(seconds)

    def paused_for(self) -> float:
        return 0.0

    def set_limit(self, limit: int) -> None:
        self.limit = limit


async def test_another_limiter_plugs_in_for_every_account() -> None:
    use_limiters(CountingLimiter)
    try:
        found = shared_limiter(("acme", "host", "fp"), 10, 60.0, label="Acme")
        assert isinstance(found, CountingLimiter) and found.key == ("acme", "host", "fp")
        assert shared_limiter(("acme", "host", "fp"), 10, 60.0, label="Acme") is found
        handler, _ = answers(
            httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(200, json={})
        )
        await client(handler).request("GET", "/x", limiter=found, policy=BACKGROUND)
        # Both tries asked the limiter, as background work; the 429 paused the account.
        assert [p.interactive for p in found.asked] == [False, False]
        assert found.paused == [1.0]
    finally:
        use_limiters(None)
    assert isinstance(shared_limiter(("acme", "host", "fp"), 10, 60.0, label="Acme"), RateLimiter)
    assert limiter._factory is not CountingLimiter


def test_lookups_are_interactive_and_background_work_is_not() -> None:
    assert LOOKUP.interactive and not BACKGROUND.interactive


# --- markers and query values ---------------------------------------------------------------


def test_a_marker_is_found_only_whole() -> None:
    key = "0b7e4c2a-5d2f-4f57-9a0c-3c1f7d2e9b41"
    assert has_marker(f"Called back.\n\n{marker(key)}", key)
    assert has_marker(f"<p>Called back.</p><p>{marker(key)}</p>", key)
    assert not has_marker(f"{marker(key)}0", key)
    assert not has_marker(f"x{marker(key)}", key)
    assert not has_marker("cx-tui:0b7e4c2a", key)


def test_quoted_values_are_refused_never_escaped() -> None:
    message = "names take letters"
    assert quoted("María O'Brien-Díaz", NAME_CHARS, message) == '"María O\'Brien-Díaz"'
    for hostile in ('Maria" OR type:ticket "', "Maria*", 'a"b', "x\ny"):
        with pytest.raises(InvalidInput, match=message):
            quoted(hostile, NAME_CHARS, message)
    assert search_name("Maria Or", "Acme") == "Maria Or"
    with pytest.raises(InvalidInput):
        search_name("Maria (admin)", "Acme")


# --- the registry -------------------------------------------------------------------------------


def test_built_in_vendor_packages_are_found_without_entry_points(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(registry, "_entry_points", dict)
    assert {"hubspot", "local", "zendesk"} <= set(registry.available_types())
    assert not {"base", "kit", "registry"} & set(registry.available_types())
    assert registry.connector_class("hubspot") is HubSpotConnector
    # A module without CONNECTOR still offers the one connector it defines under its name.
    assert registry.connector_class("local") is LocalConnector


def test_a_built_in_wins_over_a_plugin_of_the_same_name(monkeypatch: pytest.MonkeyPatch) -> None:
    group = registry.ENTRY_POINT_GROUP
    points = {
        "hubspot": EntryPoint("hubspot", "tests.connectors.test_kit_pieces:Impostor", group),
        "acmedesk": EntryPoint("acmedesk", "cx_tui.connectors.local:LocalConnector", group),
    }
    monkeypatch.setattr(registry, "_entry_points", lambda: points)
    assert registry.connector_class("hubspot") is HubSpotConnector
    assert registry.connector_class("acmedesk") is LocalConnector
    assert "acmedesk" in registry.available_types()
    with pytest.raises(registry.UnknownConnectorType):
        registry.connector_class("kit")


class Impostor(HubSpotConnector):
    """A plugin that tries to take the built-in name."""


def test_batches_cut_ids_in_order() -> None:
    from cx_tui.connectors.kit import batches

    assert batches(["1", "2", "3", "4", "5"], 2) == [["1", "2"], ["3", "4"], ["5"]]
    assert batches([], 100) == []
    with pytest.raises(ValueError):
        batches(["1"], 0)


async def test_in_batches_reads_every_batch_side_by_side() -> None:
    from cx_tui.connectors.kit import in_batches

    running: list[int] = []
    most = 0

    async def read(chunk: Sequence[int]) -> list[int]:
        nonlocal most
        running.append(1)
        most = max(most, len(running))
        await asyncio.sleep(0.01)
        running.pop()
        return [n * 10 for n in chunk]

    assert await in_batches(list(range(5)), 2, read) == [0, 10, 20, 30, 40]
    assert most == 3  # three batches at once: one round trip
    assert await in_batches([], 2, read) == []
