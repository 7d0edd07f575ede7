"""The `freshdesk` connector (Freshdesk API v2): contacts, companies, tickets, conversations.

Configuration (`type = "freshdesk"`): `domain` (`acme` for https://acme.freshdesk.com) or
`base_url`; the secret is the agent's API key, sent as HTTP Basic with the key as user name and
`X` as password. `plan_field` names the company (or contact) custom field with the plan.

A phone lookup is three dependent round trips, an email lookup two (`search.py`,
`details.py`); tests/connectors/freshdesk_fake.py describes the API behaviour relied on, with
sources.

| module | job |
| --- | --- |
| `options` | the options, declared once with their validators; the caps |
| `hooks` | Freshdesk's error bodies, `X-RateLimit-*` headers and `Link` pages, for the kit |
| `account` | the account's plumbing: client, budget, limiter, paged lists |
| `search` | the contact filters and filter-language search; confirming contacts |
| `records` | Freshdesk JSON → people, companies, tickets, comments, activity; deep links |
| `details` | company, tickets open first, open tickets' conversations, started early |
| `owners` | the tickets' agents and groups, named from the account's directory |
| `writes` | private notes and new tickets with a delivery marker; new contacts; hand-offs |
| `admin` | `cx-tui connectors`: the agent, its ticket scope, the budget |
| `recent` | `count_recent`: tickets with a tag created lately, the problem ticket (trouble spots) |
| `connector` | `FreshdeskConnector`, the parts put together |
"""

from typing import TYPE_CHECKING

from cx_tui.connectors.kit.exports import lazy_exports

if TYPE_CHECKING:
    from cx_tui.connectors.freshdesk.connector import FreshdeskConnector

    CONNECTOR = FreshdeskConnector

# Loaded on first use: validating a config file reads `options` alone (see kit/exports.py).
__getattr__, __dir__ = lazy_exports(__name__, "connector.FreshdeskConnector")

__all__ = ["CONNECTOR", "FreshdeskConnector"]
