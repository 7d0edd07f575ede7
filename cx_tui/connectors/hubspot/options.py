"""HubSpot's options, declared once: config validates them from here, the connector reads them."""

from __future__ import annotations

import re
from typing import Any, Final

from cx_tui.connectors.base import SETTLE_OPTION, Option, text_validator
from cx_tui.connectors.kit.fields import fields_option

API_URL: Final = "https://api.hubapi.com"
APP_DOMAIN: Final = "app.hubspot.com"

HOST: Final = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_PROPERTY = re.compile(r"[a-z][a-z0-9_]{0,99}")


def validate_portal_id(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError("expected the portal (hub) id, a positive whole number such as 4512345")
    return value


validate_app_domain = text_validator(
    HOST, 'expected a host name such as "app.hubspot.com" or "app-eu1.hubspot.com"', fold=True
)
validate_property = text_validator(
    _PROPERTY, 'expected a HubSpot property internal name such as "plan_tier"'
)


OPTIONS: Final[tuple[Option, ...]] = (
    SETTLE_OPTION,
    Option(
        "portal_id",
        "Portal id",
        "The HubSpot account (hub) id, for links that open records in HubSpot. Default: "
        "asked once from GET /account-info/v3/details.",
        type=int,
        validator=validate_portal_id,
    ),
    Option(
        "app_domain",
        "App domain",
        'Where HubSpot\'s web app runs for this account, e.g. "app-eu1.hubspot.com" for an '
        "EU account. Default: what the account reports, else app.hubspot.com.",
        validator=validate_app_domain,
    ),
    Option(
        "plan_property",
        "Plan property",
        "Internal name of the contact or company property that holds the customer's plan "
        '(e.g. "plan_tier"). Default: none. The same as `fields.plan`.',
        validator=validate_property,
    ),
    fields_option(("company",), "HubSpot", 'tier = "custom_tier", plan = "company.plan"'),
)
