"""Intercom (REST API 2.15): contacts, conversations, tickets and notes of one workspace."""

from __future__ import annotations

from cx_tui.connectors.intercom.connector import IntercomConnector

CONNECTOR = IntercomConnector

__all__ = ["CONNECTOR", "IntercomConnector"]
