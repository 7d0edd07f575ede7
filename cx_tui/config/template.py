"""The built-in demo accounts, and a commented example of the file (it loads as it is)."""

from __future__ import annotations

from typing import Any

DEMO_CONNECTORS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("Demo CRM", "local", {"dataset": "crm"}),
    ("Demo Helpdesk", "local", {"dataset": "helpdesk"}),
)
"""(name, type, options) of the accounts the app runs on when there is no config file."""


CONFIG_TEMPLATE = """\
# cx-tui configuration (TOML).
#
# Tokens never go in this file. Store each connector's token in the system keyring with
#     cx-tui secret set "CONNECTOR NAME"
# or, on a host without a keyring, in the environment variable CX_TUI_SECRET_<NAME>: the
# connector name upper-cased, every other character an underscore ("Acme HubSpot" ->
# CX_TUI_SECRET_ACME_HUBSPOT).

# Region (ISO 3166-1 alpha-2 code) for phone numbers typed without a leading +.
# When absent it comes from the locale (LC_ALL, LC_MESSAGES, then LANG).
# default_region = "<two-letter code>"

# Theme to start with.
theme = "cx-dark"

[lookup]
# Seconds each source gets to find the caller before it shows as timed out (> 0, at most 60).
deadline = 3.0
# Seconds each source gets to fetch tickets, companies and history for a matched caller.
details_deadline = 5.0
# Seconds a source's answer is reused for a repeat lookup (0 = off); older answers are shown
# at once and refreshed in the background.
cache_ttl = 60.0

[calls]
# The wrap-up's dispositions, in the order the agent sees them.
dispositions = [
    "Resolved", "Follow-up needed", "Escalated", "Callback requested", "Wrong number",
    "Voicemail left",
]

[keymap]
# Override a key binding by its id; separate several keys with commas.
# "focus-lookup" = "ctrl+l"

[softphone]
# Call events reach the running app through its control socket (`cx-tui ring NUMBER`), always
# on. A PBX bridge can also POST them to http://127.0.0.1:<http_port>/cti, once enabled here.
# The endpoint's token is a secret: store it with
#     cx-tui secret set softphone-http
# or set CX_TUI_SECRET_SOFTPHONE_HTTP. Never put it in this file.
http_enabled = false
http_port = 8765
# http_token_name = "softphone-http"   # the keyring user of the token

# One [[connectors]] table per account to search. `name` and `type` are required; every type
# also accepts `base_url` (a sandbox, a proxy, a self-hosted instance) and `deadline` (seconds,
# overriding [lookup] deadline for this source). The other keys depend on the type.

# The local demo data: a CRM and a helpdesk stored on this machine.
[[connectors]]
name = "Demo CRM"
type = "local"
dataset = "crm"

[[connectors]]
name = "Demo Helpdesk"
type = "local"
dataset = "helpdesk"

# A HubSpot account; its token (a private-app access token) goes in the keyring:
#     cx-tui secret set "Acme HubSpot"
# [[connectors]]
# name = "Acme HubSpot"
# type = "hubspot"
# deadline = 2.5
"""
"""A commented example configuration; it loads as it is (on the local demo data)."""
