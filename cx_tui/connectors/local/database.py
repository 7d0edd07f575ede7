"""Opening the local database file, through the file-safety code the store uses too.

`cx_tui.sqlite_files` makes the directory and file owner-only, refuses what is not SQLite and
tells a lock from damage; this module words its refusals for the connector (`Unavailable`
naming the file, with what to do) and checks that the tables are a cx-tui local database's.

A file another program is writing to is *busy*, not broken: SQLite's own wait is kept short
(it blocks the event loop), and the connector waits further between tries with `asyncio.sleep`
(see `LocalBase._attempt`) before reporting "busy, try again".

A file that cannot be used is never modified here: only `seed.reset_database`, which the agent
runs on purpose, moves a file aside.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Literal

from cx_tui import sqlite_files
from cx_tui.connectors.base import Unavailable
from cx_tui.connectors.local.schema import SCHEMA_VERSION, TABLES, sql_fold
from cx_tui.sqlite_files import FileProblem, SQLiteFileError

BUSY_WAIT = 1.0
"""Seconds a lookup or write keeps retrying a database another program holds locked."""
SQLITE_BUSY_TIMEOUT = 0.02
"""Seconds SQLite itself waits for a lock. It waits inside the call, blocking the event loop,
so it only covers a commit in progress; longer waits happen between tries, in `_attempt`."""
RESET_BUSY_TIMEOUT = 1.0
"""`reset_database` runs from the command line, where waiting a moment blocks nothing."""
BUSY_PAUSE = 0.05
"""Seconds between tries while the database is busy."""

RESET_HINT = (
    "Move it aside, or run `cx-tui demo reset` to move it aside and start a fresh database."
)
MOVE_HINT = (
    "Move it aside (cx-tui then starts an empty database there), or point `path` at another file."
)
"""For a database without a `dataset`, which `cx-tui demo reset` leaves alone."""


class DatabaseBusy(Unavailable):
    """Another program holds the database file locked; trying again later will work."""

    title = "Local database busy"


def unusable(path: Path, why: str, fix: str = RESET_HINT) -> Unavailable:
    """The refusal of a file that cannot be used (`why`), with what to do (`fix`)."""
    return Unavailable(
        f"Cannot use the local database {path}: {why}. The file was left untouched. {fix}",
        title="Local database unusable",
    )


def busy(path: Path, fix: str = "Try again in a moment.") -> DatabaseBusy:
    """The refusal of a file another program holds locked."""
    return DatabaseBusy(
        f"The local database {path} is busy: another program is using it. "
        f"The file was left untouched. {fix}"
    )


def _refusal(error: SQLiteFileError, fix: str) -> Unavailable:
    """The connector's words for a file `sqlite_files` refused."""
    if error.problem is FileProblem.DIRECTORY:
        return Unavailable(
            f"Cannot use the local database {error.path}: {error.reason}. Nothing was changed.",
            title="Local database unusable",
        )
    if error.problem is FileProblem.CREATE:
        return Unavailable(f"Cannot create the local database {error.path}: {error.reason}.")
    if error.problem is FileProblem.IS_DIRECTORY:
        fix = "Set `path` to a file name."
    elif error.problem is FileProblem.PERMISSION:
        fix = "Make it readable by you (chmod 600) or move it aside."
    return unusable(error.path, error.reason, fix)


def prepare_directory(path: Path) -> None:
    """Make sure the file's directory is there and safe (see `sqlite_files.prepare_directory`).

    Raises:
        Unavailable: the directory is a file, another user's, or cannot be created.
    """
    try:
        sqlite_files.prepare_directory(path)
    except SQLiteFileError as exc:
        raise _refusal(exc, RESET_HINT) from None


def has_content(path: Path, fix: str = RESET_HINT) -> bool:
    """Whether the file holds a database: False when it is missing or empty (a new one).

    Raises:
        Unavailable: the file cannot be read or is not SQLite (`fix` says what to do).
    """
    try:
        return bool(sqlite_files.read_header(path))
    except SQLiteFileError as exc:
        raise _refusal(exc, fix) from None


def create_file(path: Path) -> None:
    """Create the file empty and owner-only, unless it exists.

    Raises:
        Unavailable: it could not be created.
    """
    try:
        sqlite_files.create_file(path)
    except SQLiteFileError as exc:
        raise _refusal(exc, RESET_HINT) from exc


def connect(
    path: Path,
    mode: Literal["ro", "rw"],
    *,
    timeout: float = SQLITE_BUSY_TIMEOUT,
    fix: str = RESET_HINT,
) -> sqlite3.Connection:
    """Open an existing file, with `cx_fold` (accent- and case-folding) for name searches.

    Raises:
        DatabaseBusy: another program holds it locked.
        Unavailable: SQLite cannot open it.
    """
    try:
        conn = sqlite_files.connect(path, mode, timeout=timeout)
    except sqlite3.Error as exc:
        if sqlite_files.is_busy(exc):
            raise busy(path) from exc
        raise unusable(path, f"SQLite cannot open it ({exc})", fix) from exc
    conn.create_function("cx_fold", 1, sql_fold, deterministic=True)
    return conn


def schema_is_empty(conn: sqlite3.Connection, path: Path, fix: str = RESET_HINT) -> bool:
    """Whether the database has no tables yet; raises if it holds something else.

    Raises:
        Unavailable: another program's tables, another schema version, or damage.
        sqlite3.Error: the file is not a database, or it is busy (the caller words it).
    """
    tables = sqlite_files.table_names(conn)
    if not tables:
        return True
    if "meta" not in tables:
        raise unusable(path, "it holds tables, but it is not a cx-tui database", fix)
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    version = None if row is None else str(row[0])
    if version != str(SCHEMA_VERSION):
        raise unusable(
            path,
            f"its schema version is {version or 'missing'}; this cx-tui reads version "
            f"{SCHEMA_VERSION}",
            fix,
        )
    missing = sorted(TABLES - tables)
    if missing:
        raise unusable(path, f"tables are missing ({', '.join(missing)})", fix)
    damage = sqlite_files.integrity_problem(conn)
    if damage is not None:
        raise unusable(path, f"it is damaged ({damage})", fix)
    return False


def probe(path: Path) -> str | None:
    """Why an existing file cannot be used, or None when it is a healthy (or empty) database.

    Raises:
        DatabaseBusy: another program holds it locked, so it cannot be judged (nor moved).
    """
    fix = "Close the program using it (a running cx-tui?) and reset again."
    try:
        if not has_content(path):
            return None
        conn = connect(path, "ro", timeout=RESET_BUSY_TIMEOUT)
        try:
            schema_is_empty(conn, path)
        finally:
            conn.close()
    except DatabaseBusy:
        raise busy(path, fix) from None
    except Unavailable as exc:
        return exc.message
    except sqlite3.Error as exc:
        if sqlite_files.is_busy(exc):
            raise busy(path, fix) from exc
        return str(exc)
    return None
