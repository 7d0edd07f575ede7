"""The `freshdesk` connector (Freshdesk API v2): contacts, companies, tickets, conversations.

See `connector.py` for what it reads and writes, and tests/connectors/freshdesk_fake.py for the
API behaviour it relies on, with sources.
"""

from cx_tui.connectors.freshdesk.connector import FreshdeskConnector

CONNECTOR = FreshdeskConnector

__all__ = ["CONNECTOR", "FreshdeskConnector"]
