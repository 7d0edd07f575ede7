"""The `zendesk` connector: end users, organizations, tickets and comments in Zendesk Support.

Configuration (`type = "zendesk"`): `subdomain` (`acme` for acme.zendesk.com) or `base_url`;
`email`, the agent's address, for API-token auth (`Basic {email}/token:{token}`); without it
the secret is sent as an OAuth `Bearer` token. `plan_field` names the user or organization
field that holds the customer's plan (default `plan`).

The parts, one job each: `options` declares the options; `hooks` reads Zendesk's error
bodies and rate-limit headers for the kit; `account` is the plumbing (auth, client, a limiter
of 200 a minute until the account says its own, search pages); `search` builds the query from
checked parts only and confirms users with their identities; `records` turns JSON into models;
`details`, `writes` and `admin` are what their names say; `connector` puts them together.
"""

from typing import TYPE_CHECKING

from cx_tui.connectors.kit.exports import lazy_exports

if TYPE_CHECKING:
    from cx_tui.connectors.zendesk.connector import ZendeskConnector
    from cx_tui.connectors.zendesk.hooks import HOOKS, ZendeskHooks
    from cx_tui.connectors.zendesk.search import user_search_query
    from cx_tui.connectors.zendesk.writes import MAX_SUBJECT

    CONNECTOR = ZendeskConnector

# Loaded on first use: validating a config file reads `options` alone (see kit/exports.py).
__getattr__, __dir__ = lazy_exports(
    __name__,
    "connector.ZendeskConnector",
    {
        "HOOKS": "hooks.HOOKS",
        "ZendeskHooks": "hooks.ZendeskHooks",
        "user_search_query": "search.user_search_query",
        "MAX_SUBJECT": "writes.MAX_SUBJECT",
    },
)

__all__ = [
    "CONNECTOR",
    "HOOKS",
    "MAX_SUBJECT",
    "ZendeskConnector",
    "ZendeskHooks",
    "user_search_query",
]
