"""HTTP answers and network failures as `ConnectorError`s, mapped in this one place.

The mapping is the same for every vendor: 401/403 → `AuthError` with what to do, 404 →
`NotFound`, 429 → `RateLimited(retry_after)`, 5xx and network failures → `Unavailable`, a DNS
failure → "cannot reach HOST: check `subdomain`", timeouts → `Timeout`, anything else →
`BadResponse`. Every error carries the HTTP `status` when there was one (the outbox uses it to
tell a refused request from a lost one).

What differs per vendor is read through its `VendorHooks` (the openai-python model: the base
client knows no vendor, each vendor fills hooks): its own words in an error body, the scopes a
403 names, the wait a 429 body names, what its rate-limit headers say, and a status that means
something else (Salesforce's 403 `REQUEST_LIMIT_EXCEEDED` is a rate limit). Nothing here knows a
vendor; `cx_tui.connectors.hubspot.hooks` and `cx_tui.connectors.zendesk.hooks` are examples.
"""

from __future__ import annotations

import email.utils
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Final
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

if TYPE_CHECKING:
    from cx_tui.connectors.kit.limiter import Limiter
    from cx_tui.connectors.kit.retry import Decision

MAX_DETAIL: Final = 200
"""Characters of a vendor's own error text quoted in a message."""
MAX_RETRY_AFTER: Final = 3600.0
"""A `Retry-After` longer than an hour is read as an hour."""


# --- Vendor hooks ----------------------------------------------------------------------------


class VendorHooks:
    """What one vendor says about errors and limits, read by the shared client. Subclass it,
    override what your vendor does differently, and pass one instance in your `Vendor`.

    The defaults read what many APIs share: `message`, `error` and JSON:API `errors[]` in error
    bodies, and the IETF `RateLimit-Remaining` / `RateLimit-Reset` headers.
    """

    retry_first: ClassVar[tuple[Decision, ...]] = ()
    """Retry decisions asked before the kit's default chain (`kit.retry`)."""

    def error_detail(self, data: Any) -> str:
        """The vendor's own words in an error body (raw; the kit shortens and redacts them).

        Args:
            data: The parsed JSON body, or its text, or None.
        """
        if isinstance(data, str):
            return data
        if not isinstance(data, Mapping):
            return ""
        message = data.get("message")
        if isinstance(message, str) and message.strip():
            return message
        error = data.get("error")
        if isinstance(error, str) and error.strip():
            return error
        return first_error_item(data.get("errors"))

    def missing_scopes(self, data: Any) -> list[str]:  # noqa: ARG002 - a default that knows none
        """Permissions a 403 body says the token lacks (named in the message)."""
        return []

    def rate_limit_wait(self, headers: httpx.Headers, data: Any) -> float | None:  # noqa: ARG002
        """Seconds a 429 asks for when it sends no `Retry-After` (from its body or headers)."""
        return None

    def mapped_status(self, status: int, data: Any) -> int:  # noqa: ARG002
        """The status to map this answer as: e.g. 429 for a 403 whose body says "rate limit".
        The error keeps the real status."""
        return status

    def observe(self, headers: httpx.Headers, limiter: Limiter) -> None:
        """Feed what an answer's headers say about the budget to the account's limiter.

        The default reads the IETF draft headers `RateLimit-Remaining` and `RateLimit-Reset`
        (seconds): a used-up window pauses the limiter until it resets.
        """
        pause_when_spent(limiter, header_int(headers, "ratelimit-remaining"), headers)


def pause_when_spent(
    limiter: Limiter, remaining: int | None, headers: httpx.Headers, default: float | None = None
) -> None:
    """Pause `limiter` when `remaining` is 0: for `RateLimit-Reset` seconds when the answer
    says, else `default` (else the limiter's window). Any `remaining` is reported to the
    limiter (`observe_remaining`), which a team-shared one tracks."""
    if remaining is not None:
        limiter.observe_remaining(remaining)
    if remaining == 0:
        reset = header_int(headers, "ratelimit-reset")
        fallback = default if default is not None else limiter.window
        limiter.spent(float(reset) if reset is not None else fallback)


def header_int(headers: httpx.Headers, name: str) -> int | None:
    """A header's value as a whole number, or None when absent or not a number."""
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def first_error_item(errors: Any) -> str:
    """Words of the first item of a JSON:API-style `errors` list (title, detail, message)."""
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], Mapping):
        return ""
    item = errors[0]
    return " ".join(
        value
        for key in ("title", "detail", "message")
        if isinstance(value := item.get(key), str) and value.strip()
    )


DEFAULT_HOOKS: Final = VendorHooks()


@dataclass(frozen=True, slots=True)
class Vendor:
    """How errors name one configured account and say what to do about them.

    Attributes:
        name: The vendor as admins know it ("HubSpot", "Zendesk").
        host: The API host, for "cannot reach HOST".
        reach_hint: What to check when the host cannot be reached ("check `subdomain`").
        auth_hint: What to do when the token is refused (the exact `cx-tui secret set` line).
        scope_hint: What to do when the token lacks a permission.
        hooks: How this vendor's error bodies and rate-limit headers read.
    """

    name: str
    host: str
    reach_hint: str
    auth_hint: str
    scope_hint: str
    hooks: VendorHooks = field(default=DEFAULT_HOOKS)


# --- Messages ------------------------------------------------------------------------------


def with_status(error: ConnectorError, status: int | None) -> ConnectorError:
    """`error` carrying the HTTP `status` (the outbox tells refused requests from lost ones)."""
    error.status = status
    return error


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret (4 characters or more) replaced by `***`."""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def clean_detail(text: str, secrets: Iterable[str] = ()) -> str:
    """A vendor's words fit to quote: one line, printable, secrets redacted, shortened."""
    text = " ".join(text.split())
    text = "".join(ch for ch in text if ch.isprintable())
    text = redact(text, secrets)
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"


def seconds_text(value: float) -> str:
    """A wait as messages say it: "12 s" (at least 1)."""
    return f"{max(1, round(value))} s"


def slow_down(label: str, seconds: float) -> RateLimited:
    """The account behind `label` may not be asked for `seconds` (no request was sent): the
    one wording every limiter and the wait rule use."""
    return RateLimited(
        f"{label} asked cx-tui to slow down; try again in {seconds_text(seconds)}",
        retry_after=seconds,
        status=None,
    )


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


# --- The mapping -----------------------------------------------------------------------------


def error_for_response(
    vendor: Vendor,
    status: int,
    headers: httpx.Headers,
    data: Any,
    secrets: Iterable[str] = (),
) -> ConnectorError:
    """The `ConnectorError` for an HTTP answer that is not a success.

    Args:
        vendor: Whose answer it is (its hooks read the body).
        status: The HTTP status code.
        headers: The answer's headers (`Retry-After`, `Location`).
        data: The parsed JSON body, or its text, or None.
        secrets: Values to scrub from any vendor text quoted in the message.
    """
    hooks = vendor.hooks
    detail = clean_detail(hooks.error_detail(data), secrets)
    said = f": {detail}" if detail else ""
    quoted = f" ({vendor.name} said: {detail})" if detail else ""
    meaning = hooks.mapped_status(status, data)
    if meaning == 401:
        error: ConnectorError = AuthError(
            f"{vendor.name} rejected the token ({status}): {vendor.auth_hint}{quoted}"
        )
    elif meaning == 403:
        scopes = hooks.missing_scopes(data)
        lacks = f"the token lacks {', '.join(scopes)}; " if scopes else ""
        error = AuthError(
            f"{vendor.name} refused this request ({status}): {lacks}{vendor.scope_hint}{quoted}"
        )
    elif meaning == 404:
        error = NotFound(f"{vendor.name} has no such record (404){said}")
    elif meaning == 429:
        retry_after = parse_retry_after(headers.get("retry-after"))
        if retry_after is None:
            retry_after = hooks.rate_limit_wait(headers, data)
        when = (
            f"try again in {seconds_text(retry_after)}" if retry_after is not None else "try later"
        )
        error = RateLimited(
            f"{vendor.name} is rate limiting cx-tui ({status}); {when}{said}",
            retry_after=retry_after,
        )
    elif meaning in (408, 504):
        error = Timeout(f"{vendor.name} timed out answering ({status})")
    elif meaning >= 500:
        error = Unavailable(f"{vendor.name} is failing ({status}){said}; try again shortly")
    elif 300 <= meaning < 400:
        target = urlsplit(headers.get("location", "")).netloc or "another address"
        error = Unavailable(
            f"{vendor.host} redirected cx-tui to {target} ({status}): {vendor.reach_hint}"
        )
    else:
        error = BadResponse(f"{vendor.name} refused the request ({status}){said}")
    return with_status(error, status)


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
        error.unreachable = True  # the host, not one request
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
    return with_status(error, None)


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
