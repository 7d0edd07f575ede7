"""Freshdesk configuration: the account's domain, the plan field, and the caps of a lookup."""

from __future__ import annotations

import re
from typing import Any, Final

from cx_tui.connectors.base import SETTLE_OPTION, Option

DOMAIN: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
FIELD: Final = re.compile(r"[A-Za-z0-9_]{1,64}")

LIMIT_PER_MINUTE: Final = 200
"""The smallest plan's per-minute budget (Growth); the headers pause us before a 429 anyway."""
PER_PAGE: Final = 100
MAX_CANDIDATES: Final = 5
MAX_TICKET_PAGES: Final = 3
MAX_CLOSED_TICKETS: Final = 20
MAX_OPEN_WITH_CONVERSATIONS: Final = 10
MAX_CLOSED_WITH_CONVERSATIONS: Final = 3
MAX_CONVERSATION_PAGES: Final = 3
MAX_MARKER_PAGES: Final = 100
"""Conversation pages read back (100 each) before a note is written again: every one, up to
10,000 conversations; beyond, the look-up refuses rather than read half the list."""
MAX_SUBJECT: Final = 255
NOTE_LIMIT: Final = 60_000
MAX_SUMMARY: Final = 140
SEARCH_QUERY_LIMIT: Final = 512
"""Characters inside the quotes of a filter query (Freshdesk's ApiSearchConstants)."""


def validate_domain(value: Any) -> str:
    """`acme` from "acme", "acme.freshdesk.com" or "https://acme.freshdesk.com/"."""
    text = value.strip().lower() if isinstance(value, str) else ""
    text = re.sub(r"^https?://", "", text).rstrip("/").removesuffix(".freshdesk.com")
    if not DOMAIN.fullmatch(text):
        raise ValueError('the account name before .freshdesk.com, e.g. "acme"')
    return text


def validate_field(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not FIELD.fullmatch(text):
        raise ValueError("a custom field name: letters, digits and _")
    return text


OPTIONS: Final = (
    SETTLE_OPTION,
    Option(
        "domain",
        "Domain",
        'The Freshdesk account: "acme" for https://acme.freshdesk.com. Needed unless base_url '
        "is set.",
        validator=validate_domain,
    ),
    Option(
        "plan_field",
        "Plan field",
        "Name of the company (or contact) custom field that holds the customer's plan.",
        default="plan",
        validator=validate_field,
    ),
)
