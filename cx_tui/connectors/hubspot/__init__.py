"""The `hubspot` connector: contacts, companies, tickets and activities in HubSpot (CRM v3/v4).

Configuration (`type = "hubspot"`): the token is a private-app or OAuth access token, sent as
`Authorization: Bearer` and stored in the keyring under the connector's name. Options
(`options.py`): `base_url` (default `https://api.hubapi.com`), `portal_id` and `app_domain` (for
deep links; fetched once from `GET /account-info/v3/details` when `portal_id` is absent) and
`plan_property` (a contact or company property that holds the customer's plan).

| module | job |
| --- | --- |
| `options` | the options, declared once with their validators |
| `hooks` | HubSpot's rate-limit headers, 429 bodies and missing scopes, for the kit |
| `account` | the account's plumbing: client, limiters (search 5/s, the rest 100/10 s), links |
| `search` | the search request within HubSpot's limits; confirming contacts; owners |
| `records` | HubSpot JSON → people, companies, tickets (pipeline stages), activities |
| `details` | companies, tickets with internal notes, the timeline |
| `writes` | notes and call logs with a delivery marker; new contacts |
| `admin` | `cx-tui connectors`: account, scopes, a one-result search |
| `connector` | `HubSpotConnector`, the parts put together |
"""

from cx_tui.connectors.hubspot.connector import HubSpotConnector
from cx_tui.connectors.hubspot.records import CONTACT_PROPERTIES, pipeline_statuses
from cx_tui.connectors.hubspot.search import check_search_limits, search_request

CONNECTOR = HubSpotConnector
"""What the registry finds: the connector class this package provides."""

__all__ = [
    "CONNECTOR",
    "CONTACT_PROPERTIES",
    "HubSpotConnector",
    "check_search_limits",
    "pipeline_statuses",
    "search_request",
]
