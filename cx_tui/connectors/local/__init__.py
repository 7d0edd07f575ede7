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

from typing import TYPE_CHECKING

from cx_tui.connectors.kit.exports import lazy_exports

if TYPE_CHECKING:
    from cx_tui.connectors.local.connector import LocalConnector
    from cx_tui.connectors.local.database import BUSY_WAIT, DatabaseBusy
    from cx_tui.connectors.local.details import MAX_INTERACTIONS, MAX_OTHER_TICKETS
    from cx_tui.connectors.local.options import DATASETS, database_path, default_path
    from cx_tui.connectors.local.schema import SCHEMA_VERSION
    from cx_tui.connectors.local.search import MAX_NAME_MATCHES
    from cx_tui.connectors.local.seed import demo_region, load_demo, reset_database, seed_database
    from cx_tui.connectors.local.writes import MAX_SUBJECT

    CONNECTOR = LocalConnector

# Loaded on first use: validating a config file reads `options` alone (see kit/exports.py).
__getattr__, __dir__ = lazy_exports(
    __name__,
    "connector.LocalConnector",
    {
        "BUSY_WAIT": "database.BUSY_WAIT",
        "DatabaseBusy": "database.DatabaseBusy",
        "MAX_INTERACTIONS": "details.MAX_INTERACTIONS",
        "MAX_OTHER_TICKETS": "details.MAX_OTHER_TICKETS",
        "database_path": "options.database_path",
        "default_path": "options.default_path",
        "SCHEMA_VERSION": "schema.SCHEMA_VERSION",
        "MAX_NAME_MATCHES": "search.MAX_NAME_MATCHES",
        "DATASETS": "options.DATASETS",
        "demo_region": "seed.demo_region",
        "load_demo": "seed.load_demo",
        "reset_database": "seed.reset_database",
        "seed_database": "seed.seed_database",
        "MAX_SUBJECT": "writes.MAX_SUBJECT",
    },
)

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
