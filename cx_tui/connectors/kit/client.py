"""One vendor account's HTTP client: JSON in, JSON out, errors as `ConnectorError`.

- **One `httpx.AsyncClient` per connector**, created on first use and closed by `aclose`. The
  token travels in a header added by an `httpx.Auth` whose repr hides it, never in a URL, so
  httpx's own exception texts (which quote the URL) cannot leak it either.
- **Retry as explicit policy** (`kit.retry`): `LOOKUP` or `BACKGROUND`, and a chain of retry
  decisions the vendor may extend (`VendorHooks.retry_first`) or replace (`retry=`).
- **A limiter per account** (`kit.limiter`) that every request spends from; the vendor's
  rate-limit headers and `Retry-After` feed it (`VendorHooks.observe`).
- **Error mapping in one place** (`kit.errors`), and a cap on response size.
- **The transport is injectable** (`transport=`: `httpx.MockTransport`, respx, a test server).

Nothing here knows a vendor's URLs, JSON, headers or error bodies.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import httpx

from cx_tui.connectors.base import BadResponse, ConnectorError, RateLimited
from cx_tui.connectors.kit import retry
from cx_tui.connectors.kit.errors import (
    Vendor,
    error_for_exception,
    error_for_response,
    with_status,
)
from cx_tui.connectors.kit.limiter import Limiter
from cx_tui.connectors.kit.retry import DEFAULT_RETRY, LOOKUP, Attempt, RetryChain, RetryPolicy

USER_AGENT: Final = "cx-tui/0.1 (+https://github.com/cx-tui)"
MAX_RESPONSE_BYTES: Final = 8 * 1024 * 1024
"""Largest answer read into memory; a bigger one is refused as `BadResponse`."""
DEFAULT_TIMEOUT: Final = httpx.Timeout(10.0, connect=5.0)
"""Per request. Lookups are also bounded by the engine's per-source deadline."""


# --- Auth ------------------------------------------------------------------------------------


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
    """`Authorization: Bearer <token>` (HubSpot, Zendesk OAuth, most OAuth APIs)."""
    return HeaderAuth(f"Bearer {token}")


def basic(user: str, password: str) -> HeaderAuth:
    """`Authorization: Basic base64(user:password)` (Zendesk API tokens, Freshdesk)."""
    return HeaderAuth("Basic " + basic_value(user, password))


def basic_value(user: str, password: str) -> str:
    """The base64 text of a Basic credential: what travels, so also what to redact."""
    return base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


# --- The client ------------------------------------------------------------------------------

_NOT_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Failures that happen before a request's body leaves: the vendor certainly saw nothing."""


def maybe_saved(attempt: Attempt) -> bool:
    """Whether a write that failed this way may nevertheless have been saved by the vendor:
    a network failure after the connection opened, or a 5xx (the vendor may have committed
    before failing to answer). A 4xx, a 429 and a refused connection did nothing."""
    if attempt.exception is not None:
        return not isinstance(attempt.exception, _NOT_SENT)
    return attempt.status is not None and attempt.status >= 500


class Pool:
    """One `httpx.AsyncClient`, opened on first use and closed by `aclose` (a later use opens a
    new one): JSON accepted, cx-tui's User-Agent, and redirects reported, never followed."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self._options: dict[str, Any] = {
            "base_url": base_url,
            "auth": auth,
            "transport": transport,
            "timeout": timeout,
        }
        self._client: httpx.AsyncClient | None = None

    def __call__(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                **self._options,
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


@dataclass(frozen=True, slots=True)
class Reply:
    """A successful answer: status, headers and the parsed JSON (None for an empty body)."""

    status: int
    headers: httpx.Headers
    data: Any


class HttpClient:
    """One vendor account's HTTP client.

    Args:
        vendor: How errors name the account, what they tell the admin, and the vendor's hooks.
        base_url: Where the API lives (`https://api.hubapi.com`).
        auth: Adds the credentials to each request (see `bearer`, `basic`, `HeaderAuth`).
        secrets: Values never to repeat in a message (the token, its encodings).
        transport: An httpx transport for tests (`httpx.MockTransport`, respx).
        timeout: Per request.
        max_bytes: Largest answer accepted.
        on_headers: Called with every answer's headers and the limiter it went through.
            Default: `vendor.hooks.observe`.
        retry: The retry decisions. Default: the vendor's `retry_first`, then `DEFAULT_RETRY`.
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
        on_headers: Callable[[httpx.Headers, Limiter], None] | None = None,
        retry: RetryChain | None = None,
    ) -> None:
        self.vendor = vendor
        self.base_url = base_url.rstrip("/")
        self._secrets = tuple(secrets)
        self.max_bytes = max_bytes
        self._on_headers = on_headers or vendor.hooks.observe
        self.retry = retry or DEFAULT_RETRY.before(*vendor.hooks.retry_first)
        self._http = Pool(self.base_url, auth=auth, transport=transport, timeout=timeout)

    def __repr__(self) -> str:
        return f"<HttpClient {self.vendor.name} {self.base_url}>"

    def error_for(self, status: int, data: Any) -> ConnectorError:
        """The error for a non-success `status` the vendor reported inside a success (a
        composite subresponse), mapped and redacted like a whole answer's."""
        return error_for_response(self.vendor, status, httpx.Headers(), data, self._secrets)

    async def aclose(self) -> None:
        """Close the connection pool (a later request opens a new one)."""
        await self._http.aclose()

    async def get(
        self,
        path: str,
        *,
        limiter: Limiter,
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
        limiter: Limiter,
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
        policy = retry.in_context(policy)
        failures = 0
        while True:
            await limiter.acquire(policy)
            try:
                status, answer_headers, body = await self._send(
                    method, path, params, json_body, headers
                )
            except httpx.HTTPError as exc:
                failures += 1
                error = error_for_exception(self.vendor, exc)
                attempt = Attempt(policy, failures, is_safe, error, exception=exc)
            else:
                self._on_headers(answer_headers, limiter)
                if 200 <= status < 300:
                    try:
                        data = self._json(body, answer_headers, status)
                    except ConnectorError as garbled:
                        # The vendor said yes, then something mangled the answer: it has it.
                        garbled.outcome_unknown = not is_safe
                        raise
                    return Reply(status, answer_headers, data)
                data = self._error_body(body)
                error = error_for_response(self.vendor, status, answer_headers, data, self._secrets)
                failures += 1
                if isinstance(error, RateLimited) and error.retry_after is not None:
                    # Every request to this account waits it out, not just this one.
                    limiter.pause(error.retry_after)
                attempt = Attempt(policy, failures, is_safe, error, status, answer_headers, data)
            wait = self.retry(attempt)
            if wait is None:
                if not is_safe:
                    error.outcome_unknown = maybe_saved(attempt)
                raise error from None
            if wait > 0:
                await retry.sleep(wait)

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
        return BadResponse(
            f"{self.vendor.name} sent more than {self.max_bytes // (1024 * 1024)} MB; "
            "cx-tui refuses answers that large"
        )

    def _json(self, body: bytes, headers: httpx.Headers, status: int) -> Any:
        if not body.strip():
            return None
        try:
            return json.loads(body)
        except ValueError:
            kind = headers.get("content-type", "unknown type").split(";")[0].strip()
            error: ConnectorError = BadResponse(
                f"{self.vendor.name} answered with something that is not JSON ({kind}); "
                f"is the address right? ({self.vendor.reach_hint})"
            )
            raise with_status(error, status) from None

    @staticmethod
    def _error_body(body: bytes) -> Any:
        try:
            return json.loads(body)
        except ValueError:
            text = body[:2000].decode("utf-8", "replace")
            # An HTML error page says nothing an admin can use.
            return None if "<" in text else text
