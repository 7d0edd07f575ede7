"""What Zendesk says about errors and limits: its error bodies and rate-limit headers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.kit import VendorHooks, first_error_item, header_int, pause_when_spent

if TYPE_CHECKING:
    import httpx

    from cx_tui.connectors.kit import Limiter


class ZendeskHooks(VendorHooks):
    """Zendesk's error bodies and rate-limit headers."""

    def error_detail(self, data: Any) -> str:
        """`{"error": "...", "description": "..."}`, `{"error": {"title", "message"}}`, or
        JSON:API style `{"errors": [{"title", "detail"}]}`; a `RecordInvalid`'s `details`
        (`{"value": [{"description": "Value: ... is already being used ..."}]}`) say which
        field was refused and why, so they follow."""
        if not isinstance(data, Mapping):
            return super().error_detail(data)
        parts = [
            value
            for key in ("message", "description")
            if isinstance(value := data.get(key), str) and value.strip()
        ]
        error = data.get("error")
        if isinstance(error, str) and error.strip() and not parts:
            parts.append(error)
        elif isinstance(error, Mapping):
            parts += [
                value
                for key in ("title", "message")
                if isinstance(value := error.get(key), str) and value.strip()
            ]
        if not parts:
            parts.append(first_error_item(data.get("errors")))
        said, reasons = " ".join(parts), "; ".join(_details(data.get("details")))
        return f"{said}: {reasons}" if said and reasons else said or reasons

    def observe(self, headers: httpx.Headers, limiter: Limiter) -> None:
        """`X-Rate-Limit` (the account's per-minute limit), `X-Rate-Limit-Remaining` and, on
        ticketing endpoints, `ratelimit-remaining` / `ratelimit-reset` (seconds)."""
        limit = header_int(headers, "x-rate-limit")
        if limit is not None and limiter.window == 60.0:
            limiter.set_limit(limit)
        remaining = header_int(headers, "x-rate-limit-remaining")
        if remaining is None:
            remaining = header_int(headers, "ratelimit-remaining")
        pause_when_spent(limiter, remaining, headers, default=60.0)


def _details(details: Any) -> list[str]:
    """The field-level reasons of a 422 (`details: {field: [{"description"}]}`): "Status:
    closed prevents ticket update" is what the agent needs, not "Record validation errors"."""
    if not isinstance(details, Mapping):
        return []
    return [
        description.strip()
        for reasons in details.values()
        if isinstance(reasons, list)
        for reason in reasons
        if isinstance(reason, Mapping)
        and isinstance(description := reason.get("description"), str)
        and description.strip()
    ]


HOOKS: Final = ZendeskHooks()
