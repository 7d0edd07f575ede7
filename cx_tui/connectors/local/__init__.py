"""The `local` connector: a CRM or a helpdesk kept in one SQLite file.

It is the embedded default (seeded from the shipped demo data, so a new user sees a real merged
profile at once) and a small working CRM for a team without one. Queries take well under a
millisecond, so the async methods call stdlib `sqlite3` directly instead of handing work to a
thread (the design allows threads only for keyring calls).

A file another program is writing to is *busy*, not broken: SQLite's own wait is kept short
(it blocks the event loop), and the async methods wait further between tries with
`asyncio.sleep`, up to `database.BUSY_WAIT`, before reporting "busy, try again".

A file that cannot be used (unreadable, not a database, another program's schema) is reported
as `Unavailable` naming the file, and is never modified: only `reset_database`, which the agent
runs on purpose, moves a file aside, and it never deletes one (nor one it moved before).

Where things are:

| Module | Holds |
|---|---|
| `schema` | the tables and the row helpers |
| `database` | opening the file via `cx_tui.sqlite_files` (shared with the store); busy files |
| `seed` | the shipped demo data, `seed_database`, `reset_database` |
| `options` | the declared options and where the file lives (`database_path`) |
| `connection` | the connector's settings, its connection, `_attempt` |
| `search`, `details`, `writes` | `find_people`; `get_details`; `add_note` and `create_person` |
| `connector` | `LocalConnector`: the parts together, its declarations, `check` |
"""

from __future__ import annotations

from cx_tui.connectors.local.connector import LocalConnector
from cx_tui.connectors.local.database import BUSY_WAIT, DatabaseBusy
from cx_tui.connectors.local.details import MAX_INTERACTIONS, MAX_OTHER_TICKETS
from cx_tui.connectors.local.options import database_path, default_path
from cx_tui.connectors.local.schema import SCHEMA_VERSION
from cx_tui.connectors.local.search import MAX_NAME_MATCHES
from cx_tui.connectors.local.seed import (
    DATASETS,
    demo_region,
    load_demo,
    reset_database,
    seed_database,
)
from cx_tui.connectors.local.writes import MAX_SUBJECT

CONNECTOR = LocalConnector
"""The connector class this package provides (for the connector registry)."""

__all__ = [
    "BUSY_WAIT",
    "CONNECTOR",
    "DATASETS",
    "MAX_INTERACTIONS",
    "MAX_NAME_MATCHES",
    "MAX_OTHER_TICKETS",
    "MAX_SUBJECT",
    "SCHEMA_VERSION",
    "DatabaseBusy",
    "LocalConnector",
    "database_path",
    "default_path",
    "demo_region",
    "load_demo",
    "reset_database",
    "seed_database",
]
