"""The connector kit: the plumbing every HTTP vendor shares, knowing no vendor.

| module | job |
| --- | --- |
| `client` | `HttpClient` (JSON in and out, size cap, injectable transport), `Reply`, auth |
| `retry` | `RetryPolicy` (`LOOKUP`, `BACKGROUND`) and retry decisions in a `RetryChain` |
| `limiter` | the `Limiter` interface, the in-process `RateLimiter`, `shared_limiter` |
| `errors` | status and body → `ConnectorError`, through the vendor's `VendorHooks` |
| `pages` | pagination as capped async iterators, `collect`, `every_item`, `gather_all` |
| `batch` | ids cut into a vendor's batch size, read side by side (`in_batches`) |
| `readers` | checked JSON shapes, times, ids, HTML ↔ text |
| `markers` | the one delivery-marker format, `cx-tui:<key>` |
| `matching` | the one phone matcher; confirming a candidate client-side |
| `query` | safe values for vendor query languages (refused, never escaped) |
| `template` | `VendorConnector`: find = search + confirm, note = checks + marker + write |

docs/ADDING-A-CONNECTOR.md walks through a new vendor built on it.

Importing the package costs nothing: its names load from their module on first use (PEP 562),
so a headless module that needs one small piece (the outbox needs `MARKER_PREFIX`) does not
pull in httpx at start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Loaded now, not lazily: the function `pages` shares its name with its module, and a lazy
# import of the module would bind the module, not the function, as `kit.pages`. It costs only
# asyncio.
from cx_tui.connectors.kit.pages import collect, every_item, gather_all, pages

if TYPE_CHECKING:
    from cx_tui.connectors.kit.batch import batches, in_batches
    from cx_tui.connectors.kit.client import (
        DEFAULT_TIMEOUT,
        MAX_RESPONSE_BYTES,
        USER_AGENT,
        HeaderAuth,
        HttpClient,
        Reply,
        basic,
        basic_value,
        bearer,
    )
    from cx_tui.connectors.kit.errors import (
        MAX_DETAIL,
        MAX_RETRY_AFTER,
        Vendor,
        VendorHooks,
        clean_detail,
        error_for_exception,
        error_for_response,
        first_error_item,
        header_int,
        is_dns_failure,
        parse_retry_after,
        pause_when_spent,
        redact,
        seconds_text,
    )
    from cx_tui.connectors.kit.limiter import (
        Limiter,
        LimiterFactory,
        RateLimiter,
        fingerprint,
        shared_limiter,
        use_limiters,
    )
    from cx_tui.connectors.kit.markers import (
        MARKER_PREFIX,
        checked_marker,
        has_marker,
        marker,
        strip_marker,
    )
    from cx_tui.connectors.kit.matching import (
        confirm_person,
        email_point,
        extension_confidence,
        match_phone,
        name_matches,
        phone_point,
        unique_points,
    )
    from cx_tui.connectors.kit.query import (
        checked_digits,
        checked_email,
        checked_name,
        checked_phone,
        phone_forms,
        quoted,
        refuse_unless,
        search_email,
        search_name,
    )
    from cx_tui.connectors.kit.readers import (
        expect_dict,
        expect_dicts,
        expect_list,
        fold_text,
        html_to_text,
        parse_time,
        record_id,
        shorten,
        text_in,
        text_or_none,
        text_to_html,
        texts,
        vip_tagged,
    )
    from cx_tui.connectors.kit.retry import (
        BACKGROUND,
        DEFAULT_RETRY,
        LOOKUP,
        Attempt,
        Decision,
        RetryChain,
        RetryPolicy,
        backoff_delay,
        retry_rate_limited,
        retry_server_error,
        retry_transport,
    )
    from cx_tui.connectors.kit.template import (
        CheckFailed,
        CheckReport,
        NewPerson,
        VendorConnector,
        digits_id,
    )

_HOMES: dict[str, str] = {
    "batches": "batch",
    "in_batches": "batch",
    "Attempt": "retry",
    "BACKGROUND": "retry",
    "CheckFailed": "template",
    "CheckReport": "template",
    "DEFAULT_RETRY": "retry",
    "DEFAULT_TIMEOUT": "client",
    "Decision": "retry",
    "HeaderAuth": "client",
    "HttpClient": "client",
    "LOOKUP": "retry",
    "Limiter": "limiter",
    "LimiterFactory": "limiter",
    "MARKER_PREFIX": "markers",
    "MAX_DETAIL": "errors",
    "MAX_RESPONSE_BYTES": "client",
    "MAX_RETRY_AFTER": "errors",
    "NewPerson": "template",
    "RateLimiter": "limiter",
    "Reply": "client",
    "RetryChain": "retry",
    "RetryPolicy": "retry",
    "USER_AGENT": "client",
    "Vendor": "errors",
    "VendorConnector": "template",
    "VendorHooks": "errors",
    "backoff_delay": "retry",
    "basic": "client",
    "basic_value": "client",
    "bearer": "client",
    "checked_digits": "query",
    "checked_email": "query",
    "checked_marker": "markers",
    "checked_name": "query",
    "checked_phone": "query",
    "clean_detail": "errors",
    "confirm_person": "matching",
    "digits_id": "template",
    "email_point": "matching",
    "error_for_exception": "errors",
    "error_for_response": "errors",
    "expect_dict": "readers",
    "expect_dicts": "readers",
    "expect_list": "readers",
    "extension_confidence": "matching",
    "fingerprint": "limiter",
    "first_error_item": "errors",
    "fold_text": "readers",
    "has_marker": "markers",
    "header_int": "errors",
    "html_to_text": "readers",
    "is_dns_failure": "errors",
    "marker": "markers",
    "match_phone": "matching",
    "name_matches": "matching",
    "parse_retry_after": "errors",
    "parse_time": "readers",
    "pause_when_spent": "errors",
    "phone_forms": "query",
    "phone_point": "matching",
    "quoted": "query",
    "record_id": "readers",
    "redact": "errors",
    "refuse_unless": "query",
    "retry_rate_limited": "retry",
    "retry_server_error": "retry",
    "retry_transport": "retry",
    "search_email": "query",
    "search_name": "query",
    "seconds_text": "errors",
    "shared_limiter": "limiter",
    "shorten": "readers",
    "strip_marker": "markers",
    "text_in": "readers",
    "text_or_none": "readers",
    "text_to_html": "readers",
    "texts": "readers",
    "unique_points": "matching",
    "use_limiters": "limiter",
    "vip_tagged": "readers",
}
"""Where each public name lives."""


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


__all__ = [
    "BACKGROUND",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "LOOKUP",
    "MARKER_PREFIX",
    "MAX_DETAIL",
    "MAX_RESPONSE_BYTES",
    "MAX_RETRY_AFTER",
    "USER_AGENT",
    "Attempt",
    "CheckFailed",
    "CheckReport",
    "Decision",
    "HeaderAuth",
    "HttpClient",
    "Limiter",
    "LimiterFactory",
    "NewPerson",
    "RateLimiter",
    "Reply",
    "RetryChain",
    "RetryPolicy",
    "Vendor",
    "VendorConnector",
    "VendorHooks",
    "backoff_delay",
    "basic",
    "basic_value",
    "batches",
    "bearer",
    "checked_digits",
    "checked_email",
    "checked_marker",
    "checked_name",
    "checked_phone",
    "clean_detail",
    "collect",
    "confirm_person",
    "digits_id",
    "email_point",
    "error_for_exception",
    "error_for_response",
    "every_item",
    "expect_dict",
    "expect_dicts",
    "expect_list",
    "extension_confidence",
    "fingerprint",
    "first_error_item",
    "fold_text",
    "gather_all",
    "has_marker",
    "header_int",
    "html_to_text",
    "in_batches",
    "is_dns_failure",
    "marker",
    "match_phone",
    "name_matches",
    "pages",
    "parse_retry_after",
    "parse_time",
    "pause_when_spent",
    "phone_forms",
    "phone_point",
    "quoted",
    "record_id",
    "redact",
    "refuse_unless",
    "retry_rate_limited",
    "retry_server_error",
    "retry_transport",
    "search_email",
    "search_name",
    "seconds_text",
    "shared_limiter",
    "shorten",
    "strip_marker",
    "text_in",
    "text_or_none",
    "text_to_html",
    "texts",
    "unique_points",
    "use_limiters",
    "vip_tagged",
]
