"""`LocalConnector`: the parts (search, details, writes) put together, with its declarations
and the admin check."""

from __future__ import annotations

import sqlite3
from typing import ClassVar

from cx_tui.connectors.base import Capability, CheckResult, ConnectorError, Option
from cx_tui.connectors.kit.fields import FieldMap
from cx_tui.connectors.local.details import DetailsReader
from cx_tui.connectors.local.options import OPTIONS
from cx_tui.connectors.local.recent import RecentReader
from cx_tui.connectors.local.schema import SCHEMA_VERSION, meta
from cx_tui.connectors.local.writes import Writes


class LocalConnector(Writes, DetailsReader, RecentReader):
    """A CRM or helpdesk in one local SQLite file (people, companies, tickets, timeline, notes).

    Args:
        name: The account's configured name; also names the default database file.
        settings: Option values (`path`, `dataset`, `region`), plus `default_region` from the
            app's lookup settings.
        secret: Unused (the file needs no credentials).
        transport: Unused (there is no network).

    Raises:
        ValueError: an option value is invalid (the config layer validates them first).
    """

    type_name: ClassVar[str] = "local"
    display_name: ClassVar[str] = "Local CRM + helpdesk"
    needs_secret: ClassVar[bool] = False
    note_limit: ClassVar[int] = 65_536
    capabilities: ClassVar[Capability] = (
        Capability.LOOKUP
        | Capability.TICKETS
        | Capability.PERSON_NOTES
        | Capability.TICKET_NOTES
        | Capability.CALLS
        | Capability.CREATE_CONTACT
        | Capability.CREATE_TICKET
        | Capability.UPDATE_PERSON
        | Capability.RECENT_TICKETS
    )
    options: ClassVar[tuple[Option, ...]] = OPTIONS

    async def check(self) -> CheckResult:
        """Open the database and count what it holds.

        Returns:
            ok with "local database PATH (N people, M tickets)", or not ok with the problem.
        """

        def counts(conn: sqlite3.Connection) -> tuple[int, int, str | None, str | None, list[str]]:
            return (
                int(conn.execute("SELECT COUNT(*) FROM people").fetchone()[0]),
                int(conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]),
                meta(conn, "dataset"),
                meta(conn, "seeded_at"),
                unknown_columns(conn, self.fields),
            )

        try:
            people, tickets, dataset, seeded_at, unknown = await self._attempt(counts)
        except ConnectorError as exc:
            return CheckResult(ok=False, summary=exc.message)
        details = [f"schema version {SCHEMA_VERSION}", *unknown]
        if dataset and seeded_at:
            details.append(f"seeded from the demo {dataset} data at {seeded_at}")
        if self.region:
            details.append(f"numbers without a country code read as {self.region}")
        return CheckResult(
            ok=True,
            summary=(
                f"local database {self.path} ({_plural(people, 'person', 'people')}, "
                f"{_plural(tickets, 'ticket', 'tickets')})"
            ),
            details=tuple(details),
        )

    async def aclose(self) -> None:
        """Close the database file (it reopens on next use)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def unknown_columns(conn: sqlite3.Connection, fields: FieldMap) -> list[str]:
    """A line per `[connectors.fields]` mapping that names no column of its table."""
    tables = {None: "people", "company": "companies"}
    columns = {
        table: {str(row[1]) for row in conn.execute(f"PRAGMA table_info({table})")}
        for table in tables.values()
    }
    return [
        f"fields.{m.label} = {m.written!r}: the {tables[m.relation]} table has no column "
        f"{m.field!r}; it is left off the card"
        for m in fields.fields
        if m.field not in columns[tables[m.relation]]
    ]


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"
