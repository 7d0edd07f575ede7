"""The `intercom` connector: contacts (users and leads), companies, conversations, tickets and
notes of one Intercom workspace (REST API, `Intercom-Version: 2.15`).

Configuration (`type = "intercom"`): `region = "us" | "eu" | "au"` picks the API host, or
`base_url` overrides it; `app_id` (the workspace id for inbox links) is read from GET /me when
absent. The secret is an access token, sent as `Authorization: Bearer`.

| module | job |
| --- | --- |
| `options` | the options, declared once with their validators; the pinned API version |
| `hooks` | Intercom's `X-RateLimit-*` headers (reset as a UNIX time) for the kit; the budget |
| `account` | the workspace's plumbing: client with the version header, limiter, GET /me, links |
| `search` | the contact search and what round one asks beside it (tags, an email's conversations) |
| `records` | Intercom JSON → people, companies, tickets (conversations and tickets), comments |
| `details` | companies, open conversations and tickets first, note parts as "already tried" |
| `writes` | notes on contacts, conversations and tickets with a delivery marker; new leads |
| `admin` | `cx-tui connectors`: the admin, the workspace, what the app may read, the budget |
| `connector` | `IntercomConnector`, the parts put together |
"""

from typing import TYPE_CHECKING

from cx_tui.connectors.kit.exports import lazy_exports

if TYPE_CHECKING:
    from cx_tui.connectors.intercom.connector import IntercomConnector

    CONNECTOR = IntercomConnector

# Loaded on first use: validating a config file reads `options` alone (see kit/exports.py).
__getattr__, __dir__ = lazy_exports(__name__, "connector.IntercomConnector")

__all__ = ["CONNECTOR", "IntercomConnector"]
