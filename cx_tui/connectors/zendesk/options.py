"""Zendesk's options, declared once: config validates them from here, the connector reads them."""

from __future__ import annotations

import re
from typing import Any, Final

from cx_tui.connectors.base import SETTLE_OPTION, Option, text_validator
from cx_tui.connectors.kit.fields import fields_option

_SUBDOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_FIELD = re.compile(r"[A-Za-z0-9_]{1,64}")


def validate_subdomain(value: Any) -> str:
    text = value.strip().lower() if isinstance(value, str) else ""
    text = re.sub(r"^https?://", "", text).rstrip("/")
    text = text.removesuffix(".zendesk.com")
    if not _SUBDOMAIN.fullmatch(text):
        raise ValueError('expected the Zendesk subdomain, e.g. "acme" for acme.zendesk.com')
    return text


def validate_email(value: Any) -> str:
    # Imported here: the config is read before the first frame, and identity loads phonenumbers.
    from cx_tui.identity import QueryError, normalize_email

    try:
        return normalize_email(value if isinstance(value, str) else "")
    except QueryError:
        raise ValueError(
            'expected the email address of the agent the API token belongs to, e.g. "ana@acme.com"'
        ) from None


validate_field = text_validator(
    _FIELD, 'expected the key of a user or organization field, e.g. "plan"'
)


OPTIONS: Final[tuple[Option, ...]] = (
    SETTLE_OPTION,
    Option(
        "subdomain",
        "Subdomain",
        'The account\'s Zendesk subdomain: "acme" for acme.zendesk.com. Needed unless '
        "base_url is set.",
        validator=validate_subdomain,
    ),
    Option(
        "email",
        "Agent email",
        "The email address of the agent the API token belongs to (API-token auth). Leave "
        "it out when the secret is an OAuth access token.",
        validator=validate_email,
    ),
    Option(
        "plan_field",
        "Plan field",
        "Key of the user field (or organization field) that holds the customer's plan "
        "(the same as `fields.plan`).",
        default="plan",
        validator=validate_field,
    ),
    fields_option(
        ("organization",), "Zendesk", 'tier = "support_tier", renewal = "organization.renewal"'
    ),
)
