"""Opening a SQLite file safely: the one code path the store and the local connector share.

What it guarantees, whoever calls it:

- **Private directories.** A directory cx-tui creates for a file, and the data directory
  itself, are owner-only (0700). One that belongs to another user, or that is a file, is
  refused. A folder the user chose for a file elsewhere keeps its permissions.
- **Private files.** A new file is created owner-only (0600) and exclusively, so two processes
  never both think they made it; `tighten_mode` brings an existing file and its `-wal`/`-shm`
  files back to 0600 once the caller knows the file is its own.
- **Nothing foreign is written.** `read_header` refuses a file that is not SQLite before any
  connection exists; `integrity_problem` reports damage with reads only.
- **Busy is not broken.** `is_busy` tells a lock another process holds from damage, so callers
  say "try again" instead of "corrupt".
- **Whole transactions.** `transaction` is one `BEGIN IMMEDIATE`, rolled back on any error (also
  when `COMMIT` itself fails), joined when the caller is already inside one.

Every refusal is a `SQLiteFileError` whose `reason` is one phrase without the file name; each
caller frames it in its own words (the store names "the store", the connector "the local
database") and adds what the user should do. This module is stdlib-only and knows neither
caller, so the connectors layer can import it without importing the store.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Final, Literal

from cx_tui import paths

SQLITE_HEADER: Final = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file."""

SIDECARS: Final = ("-journal", "-wal", "-shm")
"""Files SQLite keeps next to a database (rollback journal, write-ahead log, shared memory)."""


class FileProblem(StrEnum):
    """What kind of refusal a `SQLiteFileError` is (callers pick their advice by it)."""

    DIRECTORY = "directory"
    """The file's directory cannot be created, is not a directory, or is not the user's own."""
    IS_DIRECTORY = "is-directory"
    """The path is a directory, not a file."""
    PERMISSION = "permission"
    """The file exists but cannot be read by this user."""
    UNREADABLE = "unreadable"
    """The file exists but reading it failed (an I/O error)."""
    NOT_SQLITE = "not-sqlite"
    """The file has content, and it is not a SQLite database."""
    CREATE = "create"
    """A new file could not be created."""
    NETWORK = "network"
    """The file is on a network file system, where SQLite's locking cannot be trusted."""


class SQLiteFileError(Exception):
    """A SQLite file cannot be used safely. Nothing was written to it.

    Attributes:
        path: The database file.
        problem: What kind of refusal it is.
        reason: One phrase, without the file name, e.g. "it is not a SQLite database".
    """

    def __init__(self, path: Path, problem: FileProblem, reason: str) -> None:
        self.path = path
        self.problem = problem
        self.reason = reason
        super().__init__(f"{path}: {reason}")


# --- Directories and files -----------------------------------------------------------------


def prepare_directory(path: Path) -> None:
    """Make sure the directory of the database file `path` is there and safe to write in.

    A missing directory is created owner-only; the data directory (`paths.data_dir()`) is made
    owner-only if it is not. Both must belong to the user running cx-tui. Any other existing
    directory, one the user chose for the file, is left as it is.

    Raises:
        SQLiteFileError: (`DIRECTORY`) the directory is a file, belongs to another user, or
            cannot be created or made owner-only.
    """
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise SQLiteFileError(
            path, FileProblem.DIRECTORY, f"its directory {parent} is a file, not a directory"
        )
    kind = network_filesystem(parent)
    if kind is not None:
        raise SQLiteFileError(
            path,
            FileProblem.NETWORK,
            f"it is on a network file system ({kind}), where SQLite's locking is not reliable "
            "and two machines sharing the file can send a note twice or lose one",
        )
    if parent.exists() and parent.absolute() != paths.data_dir().absolute():
        return
    try:
        paths.ensure_private_dir(parent)
    except OSError as exc:
        if _foreign(parent):
            raise _not_yours(path, parent) from None
        raise SQLiteFileError(
            path,
            FileProblem.DIRECTORY,
            f"cannot create its directory {parent} ({exc.strerror or exc})",
        ) from exc
    if _foreign(parent):
        # Root can chmod anything, so ownership is checked apart from the mode.
        raise _not_yours(path, parent)


NETWORK_FILESYSTEMS: Final = frozenset(
    (
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb2",
        "smb3",
        "smbfs",
        "fuse.sshfs",
        "sshfs",
        "9p",
        "afs",
        "ncpfs",
        "fuse.rclone",
        "davfs",
        "fuse.davfs2",
        "glusterfs",
        "fuse.glusterfs",
        "ceph",
        "fuse.ceph",
        "lustre",
        "gpfs",
        "fuse.s3fs",
        "fuse.gcsfuse",
    )
)
"""Mount types SQLite's documentation warns against ("SQLite over a network filesystem")."""
MOUNTS: Final = Path("/proc/self/mounts")


def network_filesystem(directory: Path, mounts: Path = MOUNTS) -> str | None:
    """The network file system type `directory` lives on (from Linux's mount table), or None:
    a local disk, or a system without /proc (nothing can be told there)."""
    try:
        table = mounts.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    here = directory.absolute()
    while not here.exists() and here.parent != here:
        here = here.parent
    where = os.path.realpath(here)
    best, kind = "", ""
    for line in table.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = where == point or where.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind if kind in NETWORK_FILESYSTEMS else None


def _foreign(directory: Path) -> bool:
    """Whether an existing directory (a link is judged by its target) is another user's."""
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # Windows: the profile directory's ACLs already keep it private
        return False
    try:
        return bool(directory.stat().st_uid != getuid())
    except OSError:
        return False


def _not_yours(path: Path, parent: Path) -> SQLiteFileError:
    return SQLiteFileError(
        path, FileProblem.DIRECTORY, f"its directory {parent} belongs to another user"
    )


def read_header(path: Path) -> bytes | None:
    """The file's first bytes (empty for an empty file), or None when there is no file.

    An empty file is one that was created and never written (an interrupted first start): it
    may be used as a new database.

    Raises:
        SQLiteFileError: the path is a directory (`IS_DIRECTORY`), cannot be read
            (`PERMISSION`, `UNREADABLE`), or is not a SQLite database (`NOT_SQLITE`).
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise SQLiteFileError(path, FileProblem.IS_DIRECTORY, "it is a directory") from None
    except PermissionError:
        raise SQLiteFileError(path, FileProblem.PERMISSION, "permission denied") from None
    except OSError as exc:
        raise SQLiteFileError(
            path, FileProblem.UNREADABLE, f"it cannot be read ({exc.strerror or exc})"
        ) from exc
    if header and header != SQLITE_HEADER:
        raise SQLiteFileError(path, FileProblem.NOT_SQLITE, "it is not a SQLite database")
    return header


def create_file(path: Path) -> bool:
    """Create the file, empty and owner-only, unless it exists.

    Returns:
        True when this call created it.

    Raises:
        SQLiteFileError: (`CREATE`) the directory refused it (read-only, full, permissions).
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    except OSError as exc:
        raise SQLiteFileError(path, FileProblem.CREATE, str(exc.strerror or exc)) from exc
    os.close(fd)
    path.chmod(0o600)  # in case the umask took bits away
    return True


def tighten_mode(path: Path) -> None:
    """Make the file and its sidecars owner-only (0600); call once the file is known to be
    yours. A file the user does not own (a shared one an admin set up) is left as it is."""
    try:
        for suffix in ("", *SIDECARS):
            file = path.with_name(path.name + suffix)
            if file.exists() and stat.S_IMODE(file.stat().st_mode) & 0o077:
                file.chmod(0o600)
    except OSError:
        pass


def move_aside(path: Path, moved: Path) -> None:
    """Move a database and its sidecars to `moved` (a leftover journal next to a new file
    would be "recovered" into it).

    Raises:
        OSError: a file could not be moved (the ones before it were).
    """
    os.replace(path, moved)
    for suffix in SIDECARS:
        sidecar = path.with_name(path.name + suffix)
        if sidecar.exists():
            os.replace(sidecar, moved.with_name(moved.name + suffix))


# --- Connections -------------------------------------------------------------------------


def connect(
    path: Path,
    mode: Literal["ro", "rw"],
    *,
    timeout: float,
    check_same_thread: bool = True,
) -> sqlite3.Connection:
    """Open an existing file in autocommit mode, rows as `sqlite3.Row`; never creates one.

    Raises:
        sqlite3.Error: SQLite could not open it (see `is_busy`, `describe_sqlite`).
    """
    conn = sqlite3.connect(
        f"{path.absolute().as_uri()}?mode={mode}",
        uri=True,
        timeout=timeout,
        isolation_level=None,
        check_same_thread=check_same_thread,
    )
    conn.row_factory = sqlite3.Row
    return conn


def is_busy(error: sqlite3.Error) -> bool:
    """Whether SQLite failed because another connection holds a lock (not because of damage)."""
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        # Extended codes (SQLITE_BUSY_SNAPSHOT, ...) keep the primary code in the low byte.
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(error) or "busy" in str(error)


def describe_sqlite(error: sqlite3.Error, noun: str = "the file") -> str:
    """A one-line reason for a SQLite failure, with what to do about it.

    Args:
        error: What SQLite raised.
        noun: How the caller names the file ("the store").
    """
    code = getattr(error, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_FULL:
        return f"the disk is full (or {noun} reached its size limit); free some space"
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM):
        return f"{noun} is read-only; make the file and its directory writable by you"
    if is_busy(error) and code is not None:
        return f"another cx-tui kept {noun} busy too long; try again in a moment"
    if code == sqlite3.SQLITE_CANTOPEN:
        return "it cannot be opened; check that its directory exists and is writable by you"
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return "the file is damaged"
    if code is not None and code & 0xFF == sqlite3.SQLITE_IOERR:
        return f"a disk error ({error})"
    return f"SQLite failed ({error})"


def table_names(conn: sqlite3.Connection) -> set[str]:
    """The tables the file holds (reads the schema only)."""
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def integrity_problem(conn: sqlite3.Connection) -> str | None:
    """What SQLite's quick check finds wrong with the file, or None when it is sound.

    Raises:
        sqlite3.DatabaseError: the file is too damaged to check at all.
    """
    check = conn.execute("PRAGMA quick_check(1)").fetchone()
    if check is not None and check[0] == "ok":
        return None
    return str(check[0]) if check else "no integrity result"


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One `BEGIN IMMEDIATE` transaction on an autocommit connection: committed when the block
    ends, rolled back whole on any error. Inside the caller's own transaction it joins it (the
    caller commits or rolls back)."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        # Also when COMMIT itself failed (busy, a full disk): SQLite may keep the transaction
        # open, or may already have rolled it back.
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
