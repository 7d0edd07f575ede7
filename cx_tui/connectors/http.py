"""The HTTP layer every vendor connector shares: one client, one retry policy, one error map.

A vendor connector describes its vendor once (`Vendor`: its name and what an admin should do
when the token or the address is wrong), then asks `HttpClient` for JSON. Everything that is
the same for every vendor lives here:

- **One `httpx.AsyncClient` per connector**, created on first use and closed by `aclose`. The
  token travels in a header added by an `httpx.Auth` whose repr hides it, never in a URL, so
  httpx's own exception texts (which quote the URL) cannot leak it either.
- **Retry as explicit policy.** `LOOKUP` (an agent is waiting: one retry, short jittered
  backoff, never waits out a long `Retry-After`) and `BACKGROUND` (the outbox, `cx-tui
  connectors`: a few more tries). Only what is safe is retried: reads and searches; a request
  that writes (`safe=False`) is retried only when the vendor certainly did not act on it (a 429,
  or a connection that was never made).
- **A client-side rate limiter per account** (`RateLimiter`, shared by every connector that
  uses the same account), so a burst of lookups queues instead of earning 429s. The vendors'
  rate-limit headers and `Retry-After` feed it.
- **Error mapping in one place** (`error_for_response`, `error_for_exception`): 401/403 →
  `AuthError` with what to do, 404 → `NotFound`, 429 → `RateLimited(retry_after)`, 5xx and
  network failures → `Unavailable`, a DNS failure → "cannot reach HOST: check `subdomain`",
  timeouts → `Timeout`, junk or oversized answers → `BadResponse`. Every error carries the HTTP
  `status` when there was one (the outbox uses it to tell a refused request from a lost one).
- **Pagination** as async iterators the caller caps, and a cap on response size.

Nothing here knows a vendor's URLs or JSON; the vendor modules do.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import html
import json
import random
import re
import socket
import time
import unicodedata
from collections import deque
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Callable,
    Generator,
    Iterable,
    Mapping,
    Sequence,
)
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any, Final, TypeVar, overload
from urllib.parse import urlsplit

import httpx

from cx_tui.connectors.base import (
    AuthError,
    BadResponse,
    ConnectorError,
    NotFound,
    RateLimited,
    Timeout,
    Unavailable,
)
from cx_tui.identity import SUFFIX_DIGITS, PhoneQuery, compare_phone, phone_e164
from cx_tui.models import ContactKind, ContactPoint, Evidence, MatchReason

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
D = TypeVar("D")
E = TypeVar("E")

USER_AGENT: Final = "cx-tui/0.1 (+https://github.com/cx-tui)"
MAX_RESPONSE_BYTES: Final = 8 * 1024 * 1024
"""Largest answer read into memory; a bigger one is refused as `BadResponse`."""
DEFAULT_TIMEOUT: Final = httpx.Timeout(10.0, connect=5.0)
"""Per request. Lookups are also bounded by the engine's per-source deadline."""
MAX_RETRY_AFTER: Final = 3600.0
"""A `Retry-After` longer than an hour is read as an hour."""
MAX_DETAIL: Final = 200
"""Characters of a vendor's own error text quoted in a message."""
MARKER_PREFIX: Final = "cx-tui:"
"""Notes carry `cx-tui:<idempotency key>` as their last line so a retry can find them again
(the outbox's contract, `cx_tui.outbox.delivery_marker`)."""

sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
"""How this module waits (backoff, `Retry-After`, the limiter); tests replace it."""
jitter: Callable[[], float] = random.random
"""Uniform in [0, 1); tests replace it to make backoff deterministic."""


# --- Policy ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try one request.

    Attributes:
        attempts: Tries in all, the first included.
        base_delay: Backoff before the second try, in seconds; doubles each time.
        max_delay: Longest backoff between two tries.
        max_retry_after: Longest wait the vendor may impose (`Retry-After`, an exhausted
            rate-limit window) that is worth waiting out in place; beyond it the request fails
            at once with `RateLimited(retry_after)` so the caller can say when to come back.
        max_queue: Longest wait in our own limiter's queue before giving up.
        retry_timeouts: Whether a request that timed out is tried again (not worth it while an
            agent waits: the source's deadline is shorter than a second timeout).
    """

    attempts: int
    base_delay: float
    max_delay: float
    max_retry_after: float
    max_queue: float
    retry_timeouts: bool


LOOKUP: Final = RetryPolicy(
    attempts=2,
    base_delay=0.2,
    max_delay=1.0,
    max_retry_after=2.0,
    max_queue=10.0,
    retry_timeouts=False,
)
"""An agent is waiting: one quick retry at most."""

BACKGROUND: Final = RetryPolicy(
    attempts=4,
    base_delay=0.5,
    max_delay=8.0,
    max_retry_after=30.0,
    max_queue=60.0,
    retry_timeouts=True,
)
"""Nobody is waiting on this very request (note delivery, `cx-tui connectors`)."""


def backoff_delay(policy: RetryPolicy, failures: int) -> float:
    """Seconds to wait after `failures` failed tries: "full jitter" exponential backoff.

    Uniform between 0 and `base_delay * 2**(failures - 1)` (capped at `max_delay`), so clients
    that failed together do not retry in lockstep.
    """
    ceiling = min(policy.max_delay, policy.base_delay * 2.0 ** max(0, failures - 1))
    return ceiling * jitter()


# --- Rate limiting ---------------------------------------------------------------------------


class RateLimiter:
    """At most `limit` requests in any `window` seconds, for one account, first come first served.

    A token bucket refilled continuously would let `2 * limit` requests through in one window
    (a full bucket, then its refill), and vendors count per window; so this keeps the start
    times of the last `limit` requests and gives each new request the first moment at which it
    would be the `limit`-th in its window. Reservations are plain arithmetic on the event loop
    (no lock), so one limiter serves every event loop a process runs.

    The vendor can also pause it (`pause`): after a 429 with `Retry-After`, or when its headers
    say the window is used up.

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

    def __repr__(self) -> str:
        return f"<RateLimiter {self.label}: {self.limit} per {self.window:g} s>"

    def set_limit(self, limit: int) -> None:
        """Adopt the limit the vendor announces for this account (e.g. `X-Rate-Limit`)."""
        if limit >= 1:
            self.limit = limit

    def pause(self, seconds: float) -> None:
        """Let nothing through for `seconds` from now (longer pauses win)."""
        self._blocked_until = max(self._blocked_until, self._clock() + max(0.0, seconds))

    def paused_for(self) -> float:
        """Seconds until the vendor-imposed pause ends (0 when there is none)."""
        return max(0.0, self._blocked_until - self._clock())

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

    async def acquire(self, policy: RetryPolicy) -> None:
        """Wait for this request's turn.

        Raises:
            RateLimited: the vendor paused the account for longer than the policy waits in
                place, or the queue ahead is longer than `policy.max_queue`.
        """
        paused = self.paused_for()
        if paused > policy.max_retry_after:
            raise RateLimited(
                f"{self.label} asked cx-tui to slow down; try again in {_seconds(paused)}",
                retry_after=paused,
                status=None,
            )
        now = self._clock()
        start = self._reserve(now)
        delay = start - now
        if delay > policy.max_queue:
            self._release(start)
            raise RateLimited(
                f"too many requests to {self.label} at once; try again in {_seconds(delay)}",
                retry_after=delay,
                status=None,
            )
        if delay > 0:
            try:
                await sleep(delay)
            except BaseException:
                self._release(start)
                raise


_LIMITERS: dict[tuple[str, ...], RateLimiter] = {}


def shared_limiter(key: Sequence[str], limit: int, window: float, *, label: str) -> RateLimiter:
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
        found = _LIMITERS[tuple(key)] = RateLimiter(limit, window, label=label)
    return found


def fingerprint(secret: str | None) -> str:
    """A short one-way digest of a token, to tell accounts apart without keeping the token."""
    return hashlib.sha256((secret or "").encode()).hexdigest()[:16]


DAILY_PAUSE = 300.0
"""Seconds to hold an account whose daily quota is used up (the vendor names no reset)."""


def observe_rate_headers(
    headers: httpx.Headers, limiter: RateLimiter, *, account: RateLimiter | None = None
) -> None:
    """Feed what the vendor says about its rate limits to the account's limiters.

    HubSpot sends `X-HubSpot-RateLimit-Max` / `-Remaining` / `-Interval-Milliseconds` (the
    account's burst window), `-Secondly-Remaining` and `-Daily-Remaining`; Zendesk sends
    `X-Rate-Limit` (the account's per-minute limit), `X-Rate-Limit-Remaining` and, on ticketing
    endpoints, `ratelimit-remaining` / `ratelimit-reset` (seconds). A used-up window pauses the
    limiter until it ends, so the next request waits instead of earning a 429.

    Args:
        headers: One answer's headers.
        limiter: The limiter the request went through.
        account: The account-wide limiter, when `limiter` is a narrower one (HubSpot search
            has its own per-second budget): the burst and daily headers describe the account,
            so they go there.
    """
    whole = account or limiter
    if _header_int(headers, "x-hubspot-ratelimit-secondly-remaining") == 0:
        limiter.pause(1.0)
    interval = _header_int(headers, "x-hubspot-ratelimit-interval-milliseconds")
    window = (interval or 10_000) / 1000
    burst_max = _header_int(headers, "x-hubspot-ratelimit-max")
    if burst_max is not None and whole.window == window:
        whole.set_limit(burst_max)
    if _header_int(headers, "x-hubspot-ratelimit-remaining") == 0:
        whole.pause(window)
    if _header_int(headers, "x-hubspot-ratelimit-daily-remaining") == 0:
        whole.pause(DAILY_PAUSE)
        limiter.pause(DAILY_PAUSE)
    zendesk_limit = _header_int(headers, "x-rate-limit")
    if zendesk_limit is not None and whole.window == 60.0:
        whole.set_limit(zendesk_limit)
    remaining = _header_int(headers, "x-rate-limit-remaining")
    if remaining is None:
        remaining = _header_int(headers, "ratelimit-remaining")
    if remaining == 0:
        reset = _header_int(headers, "ratelimit-reset")
        whole.pause(float(reset) if reset is not None else 60.0)


def _header_int(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` in seconds: a number of seconds, or an HTTP date (RFC 9110 §10.2.3)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # nan
        return None
    return min(MAX_RETRY_AFTER, max(0.0, seconds))


def _seconds(value: float) -> str:
    return f"{max(1, round(value))} s"


# --- Vendors and auth ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Vendor:
    """How errors name one configured account and say what to do about them.

    Attributes:
        name: The vendor as admins know it ("HubSpot", "Zendesk").
        host: The API host, for "cannot reach HOST".
        reach_hint: What to check when the host cannot be reached ("check `subdomain`").
        auth_hint: What to do when the token is refused (the exact `cx-tui secret set` line).
        scope_hint: What to do when the token lacks a permission.
    """

    name: str
    host: str
    reach_hint: str
    auth_hint: str
    scope_hint: str


class HeaderAuth(httpx.Auth):
    """Adds one `Authorization` header to each request; its repr never shows the value."""

    def __init__(self, value: str) -> None:
        self._value = value

    def __repr__(self) -> str:
        return f"<{type(self).__name__} ***>"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._value
        yield request


def bearer(token: str) -> HeaderAuth:
    """`Authorization: Bearer <token>` (HubSpot, Zendesk OAuth)."""
    return HeaderAuth(f"Bearer {token}")


# --- Error mapping (the one place) -------------------------------------------------------------


def _with_status(error: ConnectorError, status: int | None) -> ConnectorError:
    # The outbox reads `status` to tell a request the vendor refused (4xx) from one it lost.
    error.status = status
    return error


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret (4 characters or more) replaced by `***`."""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def vendor_detail(data: Any, secrets: Iterable[str] = ()) -> str:
    """The vendor's own words about an error, shortened and cleaned, or "".

    Reads the shapes the vendors document: HubSpot `{"message", "category", ...}`, Zendesk
    `{"error": "...", "description": "..."}` or `{"error": {"title", "message"}}`, and JSON:API
    style `{"errors": [{"title", "detail"}]}`.
    """
    parts: list[str] = []
    if isinstance(data, Mapping):
        for key in ("message", "description"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                parts.append(value)
        error = data.get("error")
        if isinstance(error, str) and error.strip() and not parts:
            parts.append(error)
        elif isinstance(error, Mapping):
            for key in ("title", "message"):
                value = error.get(key)
                if isinstance(value, str) and value.strip():
                    parts.append(value)
        errors = data.get("errors")
        if isinstance(errors, list) and not parts:
            for item in errors[:1]:
                if isinstance(item, Mapping):
                    for key in ("title", "detail", "message"):
                        value = item.get(key)
                        if isinstance(value, str) and value.strip():
                            parts.append(value)
    elif isinstance(data, str):
        parts.append(data)
    text = " ".join(" ".join(parts).split())
    text = "".join(ch for ch in text if ch.isprintable())
    text = redact(text, secrets)
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"


def missing_scopes(data: Any) -> list[str]:
    """Scopes a 403 names (HubSpot puts them in `context` or `errors[].context`)."""
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
                found += [v for v in values if isinstance(v, str) and re.fullmatch(r"[\w.-]+", v)]
    return list(dict.fromkeys(found))


def error_for_response(
    vendor: Vendor,
    status: int,
    headers: httpx.Headers,
    data: Any,
    secrets: Iterable[str] = (),
) -> ConnectorError:
    """The `ConnectorError` for an HTTP answer that is not a success.

    Args:
        vendor: Whose answer it is.
        status: The HTTP status code.
        headers: The answer's headers (`Retry-After`, `Location`).
        data: The parsed JSON body, or its text, or None.
        secrets: Values to scrub from any vendor text quoted in the message.
    """
    detail = vendor_detail(data, secrets)
    said = f": {detail}" if detail else ""
    quoted = f" ({vendor.name} said: {detail})" if detail else ""
    if status == 401:
        error: ConnectorError = AuthError(
            f"{vendor.name} rejected the token ({status}): {vendor.auth_hint}{quoted}"
        )
    elif status == 403:
        scopes = missing_scopes(data)
        lacks = f"the token lacks {', '.join(scopes)}; " if scopes else ""
        error = AuthError(
            f"{vendor.name} refused this request ({status}): {lacks}{vendor.scope_hint}{quoted}"
        )
    elif status == 404:
        error = NotFound(f"{vendor.name} has no such record (404){said}")
    elif status == 429:
        retry_after = parse_retry_after(headers.get("retry-after"))
        if retry_after is None and isinstance(data, Mapping):
            # HubSpot often sends no Retry-After; its body names the window that ran out.
            retry_after = _POLICY_WINDOWS.get(str(data.get("policyName", "")).upper())
        when = f"try again in {_seconds(retry_after)}" if retry_after is not None else "try later"
        error = RateLimited(
            f"{vendor.name} is rate limiting cx-tui ({status}); {when}{said}",
            retry_after=retry_after,
        )
    elif status in (408, 504):
        error = Timeout(f"{vendor.name} timed out answering ({status})")
    elif status >= 500:
        error = Unavailable(f"{vendor.name} is failing ({status}){said}; try again shortly")
    elif 300 <= status < 400:
        target = urlsplit(headers.get("location", "")).netloc or "another address"
        error = Unavailable(
            f"{vendor.host} redirected cx-tui to {target} ({status}): {vendor.reach_hint}"
        )
    else:
        error = BadResponse(f"{vendor.name} refused the request ({status}){said}")
    return _with_status(error, status)


_POLICY_WINDOWS: Final[Mapping[str, float]] = {"SECONDLY": 1.0, "TEN_SECONDLY_ROLLING": 10.0}
"""Seconds to wait after a HubSpot 429 without `Retry-After`, by the `policyName` in its body."""

_DNS_WORDS = (
    "name or service not known",
    "nodename nor servname",
    "getaddrinfo failed",
    "temporary failure in name resolution",
    "no address associated with hostname",
    "name does not resolve",
)


def is_dns_failure(exc: BaseException) -> bool:
    """Whether a connection failed because the host name does not resolve."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return True
        if any(word in str(current).lower() for word in _DNS_WORDS):
            return True
        current = current.__cause__ or current.__context__
    return False


def error_for_exception(vendor: Vendor, exc: httpx.HTTPError) -> ConnectorError:
    """The `ConnectorError` for a request that got no HTTP answer (network, timeout)."""
    if isinstance(exc, httpx.ConnectTimeout):
        error: ConnectorError = Timeout(
            f"{vendor.host} did not accept a connection in time: {vendor.reach_hint}"
        )
    elif isinstance(exc, httpx.TimeoutException):
        error = Timeout(f"{vendor.name} did not answer in time ({type(exc).__name__})")
    elif isinstance(exc, httpx.ConnectError) and is_dns_failure(exc):
        error = Unavailable(f"cannot reach {vendor.host}: {vendor.reach_hint}")
    elif isinstance(exc, httpx.ConnectError):
        error = Unavailable(
            f"cannot connect to {vendor.host} ({_reason(exc)}): {vendor.reach_hint}"
        )
    elif isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        error = Unavailable(f"cannot use the address of {vendor.name}: {vendor.reach_hint}")
    else:
        error = Unavailable(f"the connection to {vendor.host} failed ({type(exc).__name__})")
    return _with_status(error, None)


def _reason(exc: BaseException) -> str:
    text = str(exc).lower()
    for words, reason in (
        ("refused", "connection refused"),
        ("reset", "connection reset"),
        ("certificate", "TLS certificate problem"),
        ("ssl", "TLS problem"),
        ("unreachable", "network unreachable"),
    ):
        if words in text:
            return reason
    return type(exc).__name__


def _retryable_exception(exc: httpx.HTTPError, policy: RetryPolicy, safe: bool) -> bool:
    if isinstance(exc, httpx.ConnectError) and is_dns_failure(exc):
        return False  # a typo in the address does not fix itself
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return True  # nothing reached the vendor, so even a write is safe to send again
    if not safe:
        return False
    if isinstance(exc, httpx.TimeoutException):
        return policy.retry_timeouts
    return isinstance(exc, httpx.TransportError)


# --- The client ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    """A successful answer: status, headers and the parsed JSON (None for an empty body)."""

    status: int
    headers: httpx.Headers
    data: Any


class HttpClient:
    """One vendor account's HTTP client: JSON in, JSON out, errors as `ConnectorError`.

    Args:
        vendor: How errors name the account and what they tell the admin to do.
        base_url: Where the API lives (`https://api.hubapi.com`).
        auth: Adds the credentials to each request (see `bearer`, `HeaderAuth`).
        secrets: Values never to repeat in a message (the token, its encodings).
        transport: An httpx transport for tests (`httpx.MockTransport`, respx).
        timeout: Per request.
        max_bytes: Largest answer accepted.
        on_headers: Called with every answer's headers and the limiter it went through.
    """

    def __init__(
        self,
        vendor: Vendor,
        base_url: str,
        auth: httpx.Auth,
        *,
        secrets: Sequence[str] = (),
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        max_bytes: int = MAX_RESPONSE_BYTES,
        on_headers: Callable[[httpx.Headers, RateLimiter], None] = observe_rate_headers,
    ) -> None:
        self.vendor = vendor
        self.base_url = base_url.rstrip("/")
        self._auth = auth
        self._secrets = tuple(secrets)
        self._transport = transport
        self._timeout = timeout
        self.max_bytes = max_bytes
        self._on_headers = on_headers
        self._client: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"<HttpClient {self.vendor.name} {self.base_url}>"

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self.base_url,
                auth=self._auth,
                transport=self._transport,
                timeout=self._timeout,
                # A redirect would carry the token to another host; it is reported instead.
                follow_redirects=False,
                headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            )
        return self._client

    async def aclose(self) -> None:
        """Close the connection pool (a later request opens a new one)."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    async def get(
        self,
        path: str,
        *,
        limiter: RateLimiter,
        params: Mapping[str, str | int] | None = None,
        policy: RetryPolicy = LOOKUP,
    ) -> Any:
        """GET `path` and return its JSON (reads are always safe to retry)."""
        reply = await self.request("GET", path, limiter=limiter, params=params, policy=policy)
        return reply.data

    async def request(
        self,
        method: str,
        path: str,
        *,
        limiter: RateLimiter,
        params: Mapping[str, str | int] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        policy: RetryPolicy = LOOKUP,
        safe: bool | None = None,
    ) -> Reply:
        """Send one request under `policy`, through `limiter`.

        Args:
            method: HTTP method.
            path: Path under the base URL (ids in it already validated by the caller).
            limiter: The account budget this request spends.
            params: Query parameters (URL-encoded by httpx).
            json_body: Sent as JSON.
            headers: Extra headers (e.g. `Idempotency-Key`).
            policy: How many tries, how long to wait.
            safe: Whether sending it twice is harmless. Default: GET/HEAD yes, others no; a
                search sent as POST passes `safe=True`.

        Returns:
            The answer, JSON parsed.

        Raises:
            ConnectorError: a subclass, from `error_for_response` / `error_for_exception`, or
                `BadResponse` for an answer that is not JSON or too large.
        """
        is_safe = method in ("GET", "HEAD") if safe is None else safe
        failures = 0
        while True:
            await limiter.acquire(policy)
            try:
                status, answer_headers, body = await self._send(
                    method, path, params, json_body, headers
                )
            except httpx.HTTPError as exc:
                failures += 1
                if failures < policy.attempts and _retryable_exception(exc, policy, is_safe):
                    await sleep(backoff_delay(policy, failures))
                    continue
                raise error_for_exception(self.vendor, exc) from None
            self._on_headers(answer_headers, limiter)
            if 200 <= status < 300:
                return Reply(status, answer_headers, self._json(body, answer_headers, status))
            data = self._error_body(body)
            error = error_for_response(self.vendor, status, answer_headers, data, self._secrets)
            failures += 1
            if isinstance(error, RateLimited) and error.retry_after is not None:
                # Every request to this account waits it out, not just this one.
                limiter.pause(error.retry_after)
            wait = self._retry_wait(error, status, answer_headers, policy, failures, is_safe)
            if wait is None:
                raise error
            if wait > 0:
                await sleep(wait)

    def _retry_wait(
        self,
        error: ConnectorError,
        status: int,
        headers: httpx.Headers,
        policy: RetryPolicy,
        failures: int,
        safe: bool,
    ) -> float | None:
        """Seconds to wait before trying again, or None to give up with `error`."""
        if failures >= policy.attempts:
            return None
        if isinstance(error, RateLimited):
            # A 429 means the vendor did nothing, so even a write may be sent again.
            retry_after = error.retry_after
            if retry_after is None:
                return backoff_delay(policy, failures)
            # The limiter is paused for `retry_after`; the next `acquire` does the waiting.
            return 0.0 if retry_after <= policy.max_retry_after else None
        if not safe:
            return None
        if status in (500, 502, 503, 504):
            retry_after = parse_retry_after(headers.get("retry-after"))
            if retry_after is not None:
                return retry_after if retry_after <= policy.max_retry_after else None
            return backoff_delay(policy, failures)
        return None

    async def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, str | int] | None,
        json_body: Any,
        headers: Mapping[str, str] | None,
    ) -> tuple[int, httpx.Headers, bytes]:
        client = self._http()
        async with client.stream(
            method, path, params=params, json=json_body, headers=headers
        ) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise self._too_large()
            chunks: list[bytes] = []
            total = 0
            async for chunk in response.aiter_bytes():
                total += len(chunk)
                if total > self.max_bytes:
                    raise self._too_large()
                chunks.append(chunk)
            return response.status_code, response.headers, b"".join(chunks)

    def _too_large(self) -> BadResponse:
        error = BadResponse(
            f"{self.vendor.name} sent more than {self.max_bytes // (1024 * 1024)} MB; "
            "cx-tui refuses answers that large"
        )
        return error

    def _json(self, body: bytes, headers: httpx.Headers, status: int) -> Any:
        if not body.strip():
            return None
        try:
            return json.loads(body)
        except ValueError:
            kind = headers.get("content-type", "unknown type").split(";")[0].strip()
            raise _with_status(
                BadResponse(
                    f"{self.vendor.name} answered with something that is not JSON ({kind}); "
                    f"is the address right? ({self.vendor.reach_hint})"
                ),
                status,
            ) from None

    @staticmethod
    def _error_body(body: bytes) -> Any:
        try:
            return json.loads(body)
        except ValueError:
            text = body[:2000].decode("utf-8", "replace")
            # An HTML error page says nothing an admin can use.
            return None if "<" in text else text


# --- Pagination ------------------------------------------------------------------------------


async def pages(
    fetch: Callable[[str | None], Awaitable[T]],
    next_cursor: Callable[[T], str | None],
    *,
    max_pages: int,
) -> AsyncGenerator[T, None]:
    """Yield pages until there is no next one or `max_pages` were read.

    The caller caps further by breaking out (use `contextlib.aclosing`).

    Args:
        fetch: Reads the page at a cursor (None for the first).
        next_cursor: The cursor of the page after this one, or None.
        max_pages: Upper bound on requests.
    """
    cursor: str | None = None
    for _ in range(max_pages):
        page = await fetch(cursor)
        yield page
        cursor = next_cursor(page)
        if not cursor:
            return


@overload
async def gather_all(a: Awaitable[A], b: Awaitable[B], /) -> tuple[A, B]: ...
@overload
async def gather_all(a: Awaitable[A], b: Awaitable[B], c: Awaitable[C], /) -> tuple[A, B, C]: ...
@overload
async def gather_all(
    a: Awaitable[A], b: Awaitable[B], c: Awaitable[C], d: Awaitable[D], e: Awaitable[E], /
) -> tuple[A, B, C, D, E]: ...
@overload
async def gather_all(*awaitables: Awaitable[T]) -> tuple[T, ...]: ...
async def gather_all(*awaitables: Awaitable[Any]) -> tuple[Any, ...]:
    """Run concurrently; on the first error cancel the rest and raise that error (not a group)."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        return tuple(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


# --- Reading vendor JSON -----------------------------------------------------------------------


def expect_dict(value: Any, vendor: str, what: str) -> dict[str, Any]:
    """`value` if it is a JSON object, else `BadResponse` naming what was expected."""
    if not isinstance(value, dict):
        raise BadResponse(f"{vendor} sent {what} cx-tui cannot read (not an object)")
    return value


def expect_list(value: Any, vendor: str, what: str) -> list[Any]:
    """`value` if it is a JSON array (None counts as empty), else `BadResponse`."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadResponse(f"{vendor} sent {what} cx-tui cannot read (not a list)")
    return value


def text_or_none(value: Any) -> str | None:
    """A non-blank string stripped, else None (vendors send "" and null alike)."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def parse_time(value: Any) -> datetime | None:
    """A vendor timestamp as an aware UTC datetime: ISO 8601 text or epoch milliseconds."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        try:
            return datetime.fromtimestamp(int(value) / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def record_id(value: Any, vendor: str, what: str) -> str:
    """A vendor record id (digits) as text; anything else is a `BadResponse`."""
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not text.isdigit():
        raise BadResponse(f"{vendor} sent {what} without a usable id")
    return text


# --- Text --------------------------------------------------------------------------------------


_MARKER_LINE = re.compile(rf"^\s*{re.escape(MARKER_PREFIX)}[A-Za-z0-9._:-]{{1,100}}\s*$", re.M)
_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9._:-]{1,100}")


def marker(idempotency_key: str) -> str:
    """`cx-tui:<key>`, the line a note carries so that a retry finds it instead of writing again.

    Raises:
        ValueError: the key holds characters that do not belong in a marker.
    """
    if not _IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise ValueError("an idempotency key is 1 to 100 letters, digits and . _ : -")
    return f"{MARKER_PREFIX}{idempotency_key}"


def strip_marker(text: str) -> str:
    """`text` without cx-tui's delivery marker lines (agents need not see them)."""
    return _MARKER_LINE.sub("", text).strip()


class _TextExtractor(HTMLParser):
    _BLOCKS = frozenset({"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment (HubSpot note and call bodies): lines kept, tags gone."""
    if "<" not in value and "&" not in value:
        return value.strip()
    parser = _TextExtractor()
    parser.feed(value)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    # Block tags open and close lines; blank lines between them carry no meaning.
    return "\n".join(line for line in lines if line)


def text_to_html(text: str) -> str:
    """Plain text as a safe HTML fragment: escaped, line breaks kept."""
    return "<br>".join(html.escape(line, quote=False) for line in text.split("\n"))


def fold_text(value: str) -> str:
    """Case- and accent-insensitive form, so "gonzalez" finds "González"."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def shorten(text: str, limit: int) -> str:
    """One line of at most `limit` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


# --- Matching at the boundary ------------------------------------------------------------------


def phone_point(
    raw: str, region: str | None, *, label: str | None = None, shared: bool = False
) -> ContactPoint:
    """A stored phone as a contact point: E.164 plus extension when it parses, raw kept."""
    parsed = phone_e164(raw, region)
    value = parsed[0] if parsed else raw.strip()
    extension = parsed[1] if parsed else None
    return ContactPoint(
        ContactKind.PHONE,
        value,
        extension=extension,
        label=label,
        raw=raw if raw != value else None,
        shared=shared,
    )


def email_point(raw: str, *, label: str | None = None) -> ContactPoint:
    """A stored email as a contact point (case-folded, raw kept when it differs)."""
    value = raw.strip().casefold()
    return ContactPoint(ContactKind.EMAIL, value, label=label, raw=raw if raw != value else None)


def match_phone(
    stored: Iterable[ContactPoint], query: PhoneQuery, region: str | None
) -> Evidence | None:
    """The best confirmation, client-side, that one of a person's numbers is the query's.

    Same rules as the local connector: an exact E.164 match is certain unless extensions differ
    (a different extension is another person) or the line is shared; a number stored without
    its country code is a strong match; the last seven digits alone are a weak one.
    """
    best: Evidence | None = None
    for point in stored:
        if point.kind is not ContactKind.PHONE:
            continue
        raw = point.raw or point.value
        reason = compare_phone(raw, query, region)
        if reason is None:
            continue
        notes: list[str] = []
        if reason is MatchReason.EXACT_E164:
            confidence = _extension_confidence(query.extension, point.extension, point.shared)
            if confidence is None:
                continue
            if point.shared:
                notes.append("a shared line")
            if point.extension and not query.extension:
                notes.append(f"extension {point.extension}; the call gave none")
            elif query.extension and not point.extension:
                notes.append(f"stored without extension {query.extension}")
        elif reason is MatchReason.NATIONAL_DIGITS:
            confidence = 0.7 if point.shared else 0.8
            notes.append("without its country code")
        else:
            confidence = 0.5
            notes.append(f"only the last {SUFFIX_DIGITS} digits agree")
        detail = f"stored as '{raw}'" + (f" ({'; '.join(notes)})" if notes else "")
        hit = Evidence(confidence, reason, detail)
        if hit.beats(best):
            best = hit
    return best


def _extension_confidence(
    query_ext: str | None, stored_ext: str | None, shared: bool
) -> float | None:
    if query_ext and stored_ext:
        return 1.0 if query_ext == stored_ext else None
    if query_ext or stored_ext:
        return 0.7 if shared else 0.9
    return 0.7 if shared else 1.0


def name_matches(query: str, name: str | None) -> bool:
    """Every word of the query appears in the name (case and accents ignored)."""
    if not name:
        return False
    folded = fold_text(name)
    return all(token in folded for token in fold_text(query).split())
