"""The Intercom connector's configuration: region or `base_url`, the pinned API version.

Config contract (issue 13): `type = "intercom"`; `region = "us" | "eu" | "au"` picks the API
host (Intercom's "Regional Hosting": api.intercom.io, api.eu.intercom.io, api.au.intercom.io)
or `base_url` overrides it; the secret is an access token sent as `Authorization: Bearer`.
"""

from __future__ import annotations

from typing import Any, Final

from cx_tui.connectors.base import SETTLE_OPTION, Option

API_VERSION: Final = "2.15"
"""`info.version` of the OpenAPI description the connector was written against
(shared/vendor-specs/intercom/api.intercom.io.yaml), sent as `Intercom-Version`."""

API_HOSTS: Final = {
    "us": "https://api.intercom.io",
    "eu": "https://api.eu.intercom.io",
    "au": "https://api.au.intercom.io",
}
INBOX_HOSTS: Final = {
    "us": "https://app.intercom.com",
    "eu": "https://app.eu.intercom.com",
    "au": "https://app.au.intercom.com",
}
"""Where teammates open the inbox for each hosting region."""

LIMIT_PER_WINDOW: Final = 166
"""Requests per 10-second window before the first answer announces the app's own limit
(Intercom spreads 1,000/min over 10-second windows; `X-RateLimit-Limit` then takes over)."""
WINDOW_S: Final = 10.0


def validate_region(value: Any) -> str:
    """`us`, `eu` or `au` (case ignored)."""
    if not isinstance(value, str) or value.strip().lower() not in API_HOSTS:
        raise ValueError('"us", "eu" or "au" (the region that hosts the workspace)')
    return value.strip().lower()


def validate_app_id(value: Any) -> str:
    """The workspace id (`app.id_code`), letters and digits."""
    if not isinstance(value, str) or not value.isalnum() or len(value) > 64:
        raise ValueError("the workspace id: letters and digits, as in app.intercom.com/a/apps/<id>")
    return value


OPTIONS: Final = (
    SETTLE_OPTION,
    Option(
        "region",
        "Region",
        'Where the workspace is hosted: "us" (api.intercom.io, the default), "eu" '
        '(api.eu.intercom.io) or "au" (api.au.intercom.io). Ignored for the API when base_url '
        "is set; still picks the inbox host for links.",
        default="us",
        validator=validate_region,
    ),
    Option(
        "app_id",
        "Workspace id",
        "The workspace id used in inbox links (app.intercom.com/a/apps/<id>). Read from the "
        "token's workspace (GET /me) when left out.",
        validator=validate_app_id,
    ),
)
