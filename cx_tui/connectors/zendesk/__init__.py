"""The `zendesk` connector: end users, organizations, tickets and comments in Zendesk Support.

Configuration (`type = "zendesk"`): `subdomain` (`acme` for acme.zendesk.com) or `base_url`;
`email`, the agent's address, for API-token auth (`Basic {email}/token:{token}`); without it
the secret is sent as an OAuth `Bearer` token. `plan_field` names the user or organization
field that holds the customer's plan (default `plan`).

| module | job |
| --- | --- |
| `options` | the options, declared once with their validators |
| `hooks` | Zendesk's error bodies and rate-limit headers, for the kit |
| `account` | the account's plumbing: auth, client, limiter (200/min until told), search pages |
| `search` | the search query from checked parts only; confirming users with their identities |
| `records` | Zendesk JSON → people, organizations, tickets, comments, activity |
| `details` | organization, tickets with comments, the timeline |
| `writes` | internal notes with a delivery marker; new tickets; new users |
| `admin` | `cx-tui connectors`: the token's user and role, a ticket search |
| `connector` | `ZendeskConnector`, the parts put together |
"""

from cx_tui.connectors.zendesk.connector import ZendeskConnector
from cx_tui.connectors.zendesk.hooks import HOOKS, ZendeskHooks
from cx_tui.connectors.zendesk.search import user_search_query
from cx_tui.connectors.zendesk.writes import MAX_SUBJECT

CONNECTOR = ZendeskConnector
"""What the registry finds: the connector class this package provides."""

__all__ = [
    "CONNECTOR",
    "HOOKS",
    "MAX_SUBJECT",
    "ZendeskConnector",
    "ZendeskHooks",
    "user_search_query",
]
