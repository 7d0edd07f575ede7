"""The `hubspot` connector: contacts, companies, tickets and activities in HubSpot (CRM v3/v4).

Configuration (`type = "hubspot"`): the token is a private-app or OAuth access token, sent as
`Authorization: Bearer` and stored in the keyring under the connector's name. Options
(`options.py`): `base_url` (default `https://api.hubapi.com`), `portal_id` and `app_domain` (for
deep links; fetched once from `GET /account-info/v3/details` when `portal_id` is absent) and
`plan_property` (a contact or company property that holds the customer's plan).

The parts, one job each: `options` declares the options; `hooks` reads HubSpot's rate-limit
headers, 429 bodies and missing scopes for the kit; `account` is the plumbing (client, the
search limiter of 5/s and the burst one of 100/10 s, links); `search` builds the search within
HubSpot's limits and confirms contacts; `owners` names their owners (the listing read in the
background); `ahead` reads an email's contact with its associations beside the search;
`records` turns JSON into models; `details`, `writes` and `admin` are what their names say;
`connector` puts them together.
"""

from typing import TYPE_CHECKING

from cx_tui.connectors.kit.exports import lazy_exports

if TYPE_CHECKING:
    from cx_tui.connectors.hubspot.connector import HubSpotConnector
    from cx_tui.connectors.hubspot.records import CONTACT_PROPERTIES, pipeline_statuses
    from cx_tui.connectors.hubspot.search import check_search_limits, search_request

    CONNECTOR = HubSpotConnector

# Loaded on first use: validating a config file reads `options` alone (see kit/exports.py).
__getattr__, __dir__ = lazy_exports(
    __name__,
    "connector.HubSpotConnector",
    {
        "CONTACT_PROPERTIES": "records.CONTACT_PROPERTIES",
        "pipeline_statuses": "records.pipeline_statuses",
        "check_search_limits": "search.check_search_limits",
        "search_request": "search.search_request",
    },
)

__all__ = [
    "CONNECTOR",
    "CONTACT_PROPERTIES",
    "HubSpotConnector",
    "check_search_limits",
    "pipeline_statuses",
    "search_request",
]
