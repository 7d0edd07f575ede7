"""The `local` connector: a CRM or a helpdesk kept in one SQLite file.

It is the embedded default (seeded from the shipped demo data, so a new user sees a real merged
profile at once) and a small working CRM for a team without one. Queries take well under a
millisecond, so the async methods call stdlib `sqlite3` directly instead of handing work to a
thread (the design allows threads only for keyring calls).

A file another program is writing to is *busy*, not broken: SQLite's own wait is kept short
(it blocks the event loop), and the async methods wait further between tries with
`asyncio.sleep`, up to `BUSY_WAIT`, before reporting "busy, try again".

A file that cannot be used (unreadable, not a database, another program's schema) is reported
as `Unavailable` naming the file, and is never modified: only `reset_database`, which the agent
runs on purpose, moves a file aside, and it never deletes one (nor one it moved before).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

import phonenumbers

from cx_tui import paths
from cx_tui.connectors.base import (
    Capability,
    CheckResult,
    Connector,
    ConnectorError,
    InvalidInput,
    NotFound,
    Option,
    Unavailable,
    new_ticket_subject,
)
from cx_tui.identity import compare_phone, fold_email, phone_e164
from cx_tui.models import (
    Channel,
    Comment,
    Company,
    ContactKind,
    ContactPoint,
    Details,
    Direction,
    Evidence,
    Interaction,
    Match,
    MatchReason,
    NoteReceipt,
    NoteTarget,
    Person,
    Priority,
    SourceRef,
    TargetKind,
    Ticket,
    TicketStatus,
)
from cx_tui.utc import from_iso, from_iso_or_none, to_iso

if TYPE_CHECKING:
    import httpx

    from cx_tui.identity import PhoneQuery, Query

SCHEMA_VERSION = 1
"""Bumped whenever the tables change; a file with another version is refused, not migrated."""

DATASETS = ("crm", "helpdesk")
"""The parts of the shipped demo data a database can be seeded from."""

MAX_OTHER_TICKETS = 50
"""Closed (solved, closed) tickets returned per person, most recently updated first."""
MAX_INTERACTIONS = 1000
"""Timeline items returned per person, newest first."""
MAX_NAME_MATCHES = 20
"""People returned for a name query."""
MAX_SUBJECT = 150
"""Longest subject of a ticket opened from a note (Zendesk's limit too)."""

BUSY_WAIT = 1.0
"""Seconds a lookup or write keeps retrying a database another program holds locked."""
_SQLITE_BUSY_TIMEOUT = 0.02
"""Seconds SQLite itself waits for a lock. It waits inside the call, blocking the event loop,
so it only covers a commit in progress; longer waits happen between tries, in `_attempt`."""
_RESET_BUSY_TIMEOUT = 1.0
"""`reset_database` runs from the command line, where waiting a moment blocks nothing."""
_BUSY_PAUSE = 0.05
"""Seconds between tries while the database is busy."""

_SQLITE_HEADER = b"SQLite format 3\x00"
_RESET_HINT = (
    "Move it aside, or run `cx-tui demo reset` to move it aside and start a fresh database."
)
_MOVE_HINT = (
    "Move it aside (cx-tui then starts an empty database there), or point `path` at another file."
)
"""For a database without a `dataset`, which `cx-tui demo reset` leaves alone."""
_SIDECARS = ("-journal", "-wal", "-shm")
"""Files SQLite keeps next to a database; they travel with it when it is moved aside."""

_OPEN_STATUSES = tuple(status.value for status in TicketStatus if status.is_open)


def _sql_list(values: Sequence[str]) -> str:
    # Only ever called with enum values defined in models.py, never with input.
    return ", ".join(f"'{value}'" for value in values)


_SCHEMA: tuple[str, ...] = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
    """CREATE TABLE companies (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        domain TEXT,
        plan TEXT,
        vip INTEGER NOT NULL DEFAULT 0 CHECK (vip IN (0, 1))
    )""",
    """CREATE TABLE people (
        id INTEGER PRIMARY KEY,
        name TEXT,
        company_id INTEGER REFERENCES companies (id) ON DELETE SET NULL,
        title TEXT,
        plan TEXT,
        timezone TEXT,
        language TEXT,
        vip INTEGER CHECK (vip IN (0, 1)),
        tags TEXT NOT NULL DEFAULT '[]',
        created TEXT NOT NULL
    )""",
    f"""CREATE TABLE contact_points (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ({_sql_list([k.value for k in ContactKind])})),
        raw TEXT NOT NULL,
        normalized TEXT,
        extension TEXT,
        label TEXT,
        shared INTEGER NOT NULL DEFAULT 0 CHECK (shared IN (0, 1)),
        position INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX contact_points_normalized ON contact_points (normalized)",
    "CREATE INDEX contact_points_person ON contact_points (person_id)",
    f"""CREATE TABLE tickets (
        id INTEGER PRIMARY KEY,
        requester_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        subject TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ({_sql_list([s.value for s in TicketStatus])})),
        priority TEXT CHECK (priority IN ({_sql_list([p.value for p in Priority])})),
        tags TEXT NOT NULL DEFAULT '[]',
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        sla_due TEXT
    )""",
    "CREATE INDEX tickets_requester ON tickets (requester_id, updated)",
    """CREATE TABLE comments (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        author TEXT,
        body TEXT NOT NULL,
        public INTEGER NOT NULL CHECK (public IN (0, 1)),
        created TEXT NOT NULL
    )""",
    "CREATE INDEX comments_ticket ON comments (ticket_id)",
    f"""CREATE TABLE interactions (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        ticket_id INTEGER REFERENCES tickets (id) ON DELETE SET NULL,
        channel TEXT NOT NULL CHECK (channel IN ({_sql_list([c.value for c in Channel])})),
        direction TEXT NOT NULL
            CHECK (direction IN ({_sql_list([d.value for d in Direction])})),
        at TEXT NOT NULL,
        summary TEXT NOT NULL
    )""",
    "CREATE INDEX interactions_person ON interactions (person_id, at)",
    """CREATE TABLE notes (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        ticket_id INTEGER REFERENCES tickets (id) ON DELETE SET NULL,
        body TEXT NOT NULL,
        created TEXT NOT NULL,
        idempotency_key TEXT UNIQUE
    )""",
    "CREATE INDEX notes_person ON notes (person_id)",
    "CREATE INDEX notes_ticket ON notes (ticket_id)",
)

_TABLES = frozenset(
    ("meta", "companies", "people", "contact_points", "tickets", "comments", "interactions")
) | {"notes"}

_REASON_RANK = {reason: rank for rank, reason in enumerate(MatchReason)}

_T = TypeVar("_T")


# --- Option validators -------------------------------------------------------------------


def _validate_path(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError('expected the path of a SQLite file, e.g. "~/cx-tui/crm.sqlite3"')
    return str(Path(value.strip()).expanduser())


def _validate_dataset(value: Any) -> str:
    if value not in DATASETS:
        raise ValueError('expected "crm" or "helpdesk" (the part of the demo data to seed from)')
    return str(value)


def _validate_region(value: Any) -> str:
    region = value.strip().upper() if isinstance(value, str) else None
    if region is None or region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError('expected an ISO 3166 region code such as "US" or "GB"')
    return region


def default_path(name: str) -> Path:
    """Where a local connector keeps its database when its `path` option is not set.

    Args:
        name: The connector's configured name ("Demo CRM" gives `demo-crm.sqlite3`).

    Returns:
        A path in the cx-tui data directory.
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "local"
    return paths.data_dir() / f"{slug}.sqlite3"


def database_path(name: str, settings: Mapping[str, Any]) -> Path:
    """The database file of a local connector: its `path` option, else `default_path(name)`.

    Args:
        name: The connector's configured name.
        settings: Its option values.

    Returns:
        An absolute path.

    Raises:
        ValueError: the `path` option is not a usable string.
    """
    path = settings.get("path")
    return (Path(_validate_path(path)) if path is not None else default_path(name)).absolute()


# --- Demo data ---------------------------------------------------------------------------


@cache
def _demo_text() -> str:
    return resources.files("cx_tui").joinpath("data", "demo.json").read_text(encoding="utf-8")


def load_demo() -> dict[str, Any]:
    """The shipped demo data set (`cx_tui/data/demo.json`), parsed.

    Returns:
        `{"region": ..., "_readme": [...], "systems": {"crm": {...}, "helpdesk": {...}}}`, with
        times relative to seeding (`ago_min`, `sla_due_in_min`).
    """
    data: dict[str, Any] = json.loads(_demo_text())
    return data


@cache
def demo_region() -> str | None:
    """The region the demo data's phone numbers were written in ("US")."""
    region = load_demo().get("region")
    return None if region is None else str(region)


def seed_database(
    conn: sqlite3.Connection, dataset: str, now: datetime, *, region: str | None = None
) -> int:
    """Create the tables if missing and load one part of the demo data into an empty database.

    Relative times in the demo data become absolute UTC times counted from `now`, so an SLA
    that is "about to breach" stays about to breach whenever the database is seeded. The demo's
    phone numbers are always read in the region they were written in (the data's `region`), so
    an agent's own default region never turns "(415) 555-0132" into an invalid number.

    Args:
        conn: An open connection (autocommit mode or inside the caller's transaction).
        dataset: `"crm"` or `"helpdesk"`.
        now: The moment of seeding (aware).
        region: Recorded as the database's region for numbers added later without a country
            code (used when the connector has no `region` or `default_region`); default: the
            demo data's region.

    Returns:
        How many people were inserted.

    Raises:
        ValueError: an unknown dataset, or the database already holds people.
    """
    if dataset not in DATASETS:
        raise ValueError(f"unknown demo dataset {dataset!r}: expected one of {DATASETS}")
    demo = load_demo()
    system: dict[str, Any] = demo["systems"][dataset]
    data_region = _str(demo.get("region"))
    with _transaction(conn):
        _ensure_schema(conn)
        if conn.execute("SELECT EXISTS (SELECT 1 FROM people)").fetchone()[0]:
            raise ValueError("the database already holds people; seed only an empty one")
        count = _Seeder(conn, now, data_region).load(system)
        _set_meta(conn, dataset=dataset, seeded_at=to_iso(now), region=region or data_region)
    return count


@dataclass
class _Seeder:
    conn: sqlite3.Connection
    now: datetime
    region: str | None

    def ago(self, minutes: Any) -> str:
        return to_iso(self.now - timedelta(minutes=int(minutes)))

    def load(self, system: Mapping[str, Any]) -> int:
        companies: dict[str, int] = {}
        for company in system.get("companies", ()):
            companies[company["key"]] = _insert(
                self.conn,
                "companies",
                name=company["name"],
                domain=company.get("domain"),
                plan=company.get("plan"),
                vip=int(bool(company.get("vip", False))),
            )
        people: dict[str, int] = {}
        for person in system.get("people", ()):
            people[person["key"]] = self.person(person, companies)
        tickets: dict[str, int] = {}
        for ticket in system.get("tickets", ()):
            tickets[ticket["key"]] = self.ticket(ticket, people)
        for item in system.get("interactions", ()):
            _insert(
                self.conn,
                "interactions",
                person_id=people[item["person"]],
                ticket_id=tickets[item["ticket"]] if item.get("ticket") else None,
                channel=Channel(item["channel"]).value,
                direction=Direction(item["direction"]).value,
                at=self.ago(item["ago_min"]),
                summary=item["summary"],
            )
        for note in system.get("notes", ()):
            _insert(
                self.conn,
                "notes",
                person_id=people[note["person"]],
                ticket_id=tickets[note["ticket"]] if note.get("ticket") else None,
                body=note["body"],
                created=self.ago(note["ago_min"]),
            )
        return len(people)

    def person(self, person: Mapping[str, Any], companies: Mapping[str, int]) -> int:
        vip = person.get("vip")
        person_id = _insert(
            self.conn,
            "people",
            name=person.get("name"),
            company_id=companies[person["company"]] if person.get("company") else None,
            title=person.get("title"),
            plan=person.get("plan"),
            timezone=person.get("timezone"),
            language=person.get("language"),
            vip=None if vip is None else int(bool(vip)),
            tags=json.dumps(list(person.get("tags", ()))),
            created=self.ago(person.get("created_ago_min", 0)),
        )
        for position, contact in enumerate(person.get("contacts", ())):
            _insert_contact(
                self.conn,
                person_id,
                position,
                ContactKind(contact["kind"]),
                contact["value"],
                label=contact.get("label"),
                shared=bool(contact.get("shared", False)),
                extension=contact.get("extension"),
                region=self.region,
            )
        return person_id

    def ticket(self, ticket: Mapping[str, Any], people: Mapping[str, int]) -> int:
        due = ticket.get("sla_due_in_min")
        ticket_id = _insert(
            self.conn,
            "tickets",
            requester_id=people[ticket["requester"]],
            subject=ticket["subject"],
            status=TicketStatus(ticket["status"]).value,
            priority=Priority(ticket["priority"]).value if ticket.get("priority") else None,
            tags=json.dumps(list(ticket.get("tags", ()))),
            created=self.ago(ticket["created_ago_min"]),
            updated=self.ago(ticket["updated_ago_min"]),
            sla_due=None if due is None else to_iso(self.now + timedelta(minutes=int(due))),
        )
        for comment in ticket.get("comments", ()):
            _insert(
                self.conn,
                "comments",
                ticket_id=ticket_id,
                author=comment.get("author"),
                body=comment["body"],
                public=int(bool(comment["public"])),
                created=self.ago(comment["ago_min"]),
            )
        return ticket_id


# --- Reset -------------------------------------------------------------------------------


def reset_database(
    path: Path,
    dataset: str | None,
    *,
    now: datetime | None = None,
    region: str | None = None,
) -> Path | None:
    """Move an existing database aside and create a fresh one (seeded when `dataset` is set).

    A healthy file becomes `<name>.bak-<UTC timestamp>`; an unusable one becomes
    `<name>.corrupt-<UTC timestamp>`, kept for inspection. Nothing is deleted: every reset keeps
    its own backup (a counter is added when two land in the same second). A file another
    program holds locked is refused, not taken for a corrupt one.

    Args:
        path: The database file.
        dataset: `"crm"`, `"helpdesk"`, or None for an empty database.
        now: The moment of seeding (default: now, UTC).
        region: The database's region for numbers added later (see `seed_database`).

    Returns:
        Where the previous file was moved, or None when there was none.

    Raises:
        Unavailable: the path is a directory, the file is busy (another program is using it),
            or it could not be moved or created. Nothing was changed unless it says so.
        ValueError: an unknown dataset.
    """
    if dataset is not None and dataset not in DATASETS:
        raise ValueError(f"unknown demo dataset {dataset!r}: expected one of {DATASETS}")
    now = now or datetime.now(UTC)
    path = Path(path).expanduser().absolute()
    if path.is_dir():
        raise Unavailable(
            f"{path} is a directory, not a database file; set `path` to a file name. "
            "Nothing was changed."
        )
    _prepare_directory(path)
    moved: Path | None = None
    if path.exists() or path.is_symlink():
        kind = "bak" if _probe(path) is None else "corrupt"
        stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        moved = path.with_name(f"{path.name}.{kind}-{stamp}")
        counter = 1
        while any(_exists(moved.with_name(moved.name + s)) for s in ("", *_SIDECARS)):
            moved = path.with_name(f"{path.name}.{kind}-{stamp}-{counter}")
            counter += 1
        try:
            os.replace(path, moved)
            for suffix in _SIDECARS:
                # A leftover journal next to the new file would be "recovered" into it.
                sidecar = path.with_name(path.name + suffix)
                if sidecar.exists():
                    os.replace(sidecar, moved.with_name(moved.name + suffix))
        except OSError as exc:
            raise Unavailable(
                f"Could not move {path} aside to {moved}: {exc.strerror or exc}. "
                "Nothing was deleted; move it yourself and retry."
            ) from exc
    _create_file(path)
    conn = _connect(path, "rw", timeout=_RESET_BUSY_TIMEOUT)
    try:
        if dataset is None:
            with _transaction(conn):
                _ensure_schema(conn)
        else:
            seed_database(conn, dataset, now, region=region)
    except sqlite3.Error as exc:
        raise Unavailable(f"Could not create the local database {path}: {exc}.") from exc
    finally:
        conn.close()
    return moved


# --- Files and connections ---------------------------------------------------------------


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _unusable(path: Path, why: str, fix: str = _RESET_HINT) -> Unavailable:
    return Unavailable(
        f"Cannot use the local database {path}: {why}. The file was left untouched. {fix}",
        title="Local database unusable",
    )


class DatabaseBusy(Unavailable):
    """Another program holds the database file locked; trying again later will work."""

    title = "Local database busy"


def _busy(path: Path, fix: str = "Try again in a moment.") -> DatabaseBusy:
    return DatabaseBusy(
        f"The local database {path} is busy: another program is using it. "
        f"The file was left untouched. {fix}"
    )


def _is_busy(exc: sqlite3.Error) -> bool:
    """Whether SQLite failed because another connection holds a lock (not because of damage)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        # Extended codes (SQLITE_BUSY_SNAPSHOT, ...) keep the primary code in the low byte.
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(exc) or "busy" in str(exc)


def _prepare_directory(path: Path) -> None:
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise Unavailable(
            f"Cannot keep the local database {path.name} in {parent}: that is a file, "
            "not a directory."
        )
    try:
        # Only a directory we create (or our own data directory) is made owner-only; a folder
        # the user chose for the file keeps its permissions.
        if not parent.exists() or parent == paths.data_dir().absolute():
            paths.ensure_private_dir(parent)
    except OSError as exc:
        raise Unavailable(
            f"Cannot create the directory {parent} for the local database: {exc.strerror or exc}."
        ) from exc


def _read_header(path: Path, fix: str = _RESET_HINT) -> bytes | None:
    """The first bytes of the file, or None when it does not exist.

    Raises:
        Unavailable: the file cannot be read or is not a SQLite database (`fix` says what to do).
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise _unusable(path, "it is a directory", "Set `path` to a file name.") from None
    except PermissionError:
        raise _unusable(
            path, "permission denied", "Make it readable by you (chmod 600) or move it aside."
        ) from None
    except OSError as exc:
        raise _unusable(path, f"it cannot be read ({exc.strerror or exc})", fix) from None
    if header and header != _SQLITE_HEADER:
        raise _unusable(path, "it is not a SQLite database", fix)
    return header


def _create_file(path: Path) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise Unavailable(
            f"Cannot create the local database {path}: {exc.strerror or exc}."
        ) from exc
    os.close(fd)
    path.chmod(0o600)


def _connect(
    path: Path,
    mode: Literal["ro", "rw"],
    *,
    timeout: float = _SQLITE_BUSY_TIMEOUT,
    fix: str = _RESET_HINT,
) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(
            f"{path.absolute().as_uri()}?mode={mode}",
            uri=True,
            timeout=timeout,
            isolation_level=None,
        )
    except sqlite3.Error as exc:
        if _is_busy(exc):
            raise _busy(path) from exc
        raise _unusable(path, f"SQLite cannot open it ({exc})", fix) from exc
    conn.row_factory = sqlite3.Row
    conn.create_function("cx_fold", 1, _fold_text, deterministic=True)
    return conn


def _schema_is_empty(conn: sqlite3.Connection, path: Path, fix: str = _RESET_HINT) -> bool:
    """Whether the database has no tables yet; raises if it holds something else.

    Raises:
        Unavailable: another program's tables, another schema version, or damage.
        sqlite3.Error: the file is not a database, or it is busy (the caller words it).
    """
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not tables:
        return True
    if "meta" not in tables:
        raise _unusable(path, "it holds tables, but it is not a cx-tui database", fix)
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    version = None if row is None else str(row[0])
    if version != str(SCHEMA_VERSION):
        raise _unusable(
            path,
            f"its schema version is {version or 'missing'}; this cx-tui reads version "
            f"{SCHEMA_VERSION}",
            fix,
        )
    missing = sorted(_TABLES - tables)
    if missing:
        raise _unusable(path, f"tables are missing ({', '.join(missing)})", fix)
    check = conn.execute("PRAGMA quick_check(1)").fetchone()
    if check is None or check[0] != "ok":
        damage = check[0] if check else "no integrity result"
        raise _unusable(path, f"it is damaged ({damage})", fix)
    return False


def _probe(path: Path) -> str | None:
    """Why an existing file cannot be used, or None when it is a healthy (or empty) database.

    Raises:
        DatabaseBusy: another program holds it locked, so it cannot be judged (nor moved).
    """
    fix = "Close the program using it (a running cx-tui?) and reset again."
    try:
        header = _read_header(path)
        if not header:
            return None
        conn = _connect(path, "ro", timeout=_RESET_BUSY_TIMEOUT)
        try:
            _schema_is_empty(conn, path)
        finally:
            conn.close()
    except DatabaseBusy:
        raise _busy(path, fix) from None
    except Unavailable as exc:
        return exc.message
    except sqlite3.Error as exc:
        if _is_busy(exc):
            raise _busy(path, fix) from exc
        return str(exc)
    return None


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    if conn.in_transaction:
        # Already inside the caller's transaction: it commits or rolls back.
        yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        # Also when COMMIT itself failed (busy): SQLite then keeps the transaction open, and
        # the next try must start a fresh one.
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _ensure_schema(conn: sqlite3.Connection) -> None:
    exists = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta')"
    ).fetchone()[0]
    if exists:
        return
    for statement in _SCHEMA:
        conn.execute(statement)
    _set_meta(conn, schema_version=str(SCHEMA_VERSION))


def _set_meta(conn: sqlite3.Connection, **values: str | None) -> None:
    conn.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        list(values.items()),
    )


def _meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def _insert(conn: sqlite3.Connection, table: str, **values: Any) -> int:
    # Table and column names come from this module only; values are always parameters.
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cursor = conn.execute(
        f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values())
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _insert_contact(
    conn: sqlite3.Connection,
    person_id: int,
    position: int,
    kind: ContactKind,
    raw: str,
    *,
    label: str | None,
    shared: bool,
    extension: str | None,
    region: str | None,
    value: str | None = None,
) -> None:
    """Store a contact point; `value` (default `raw`) is what gets normalised."""
    normalized: str | None
    if kind is ContactKind.PHONE:
        parsed = phone_e164(value or raw, region)
        # Kept even when it cannot be normalised: lookups then compare its digits.
        normalized = parsed[0] if parsed else None
        extension = extension or (parsed[1] if parsed else None)
    else:
        normalized = fold_email(value or raw)
    _insert(
        conn,
        "contact_points",
        person_id=person_id,
        kind=kind.value,
        raw=raw,
        normalized=normalized,
        extension=extension,
        label=label,
        shared=int(shared),
        position=position,
    )


def _fold_text(value: Any) -> str | None:
    """Case- and accent-insensitive form of a name, so "gonzalez" finds "González"."""
    if value is None:
        return None
    decomposed = unicodedata.normalize("NFKD", str(value))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _like_pattern(token: str) -> str:
    escaped = token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _tags(value: Any) -> tuple[str, ...]:
    try:
        loaded = json.loads(value) if value else []
    except (TypeError, ValueError):
        return ()
    return tuple(str(tag) for tag in loaded) if isinstance(loaded, list) else ()


def _record_id(ref: SourceRef, what: str) -> int:
    try:
        return int(ref.record_id)
    except ValueError:
        raise NotFound(f"There is no {what} {ref.record_id!r} in {ref.connector}.") from None


def _extension_confidence(
    query_ext: str | None, stored_ext: str | None, shared: bool
) -> float | None:
    """How sure a same-number match is, given both extensions; None when they differ."""
    if query_ext and stored_ext:
        return 1.0 if query_ext == stored_ext else None
    if query_ext or stored_ext:
        return 0.7 if shared else 0.9
    # Same line, no extension on either side: a shared line still does not single anyone out.
    return 0.7 if shared else 1.0


# --- The connector -----------------------------------------------------------------------


class LocalConnector(Connector):
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
        Capability.LOOKUP_PHONE
        | Capability.LOOKUP_EMAIL
        | Capability.LOOKUP_NAME
        | Capability.TICKETS
        | Capability.PERSON_NOTES
        | Capability.TICKET_NOTES
        | Capability.CALLS
        | Capability.CREATE_CONTACT
        | Capability.CREATE_TICKET
    )
    options: ClassVar[tuple[Option, ...]] = (
        Option(
            "path",
            "Database file",
            "The SQLite file holding this CRM or helpdesk; created (owner-only) on first use. "
            "Default: <data dir>/<connector name>.sqlite3.",
            validator=_validate_path,
            unique=database_path,
        ),
        Option(
            "dataset",
            "Demo data",
            'Seed a new, empty database from the shipped demo data: "crm" or "helpdesk". '
            "Leave unset for an empty database.",
            validator=_validate_dataset,
        ),
        Option(
            "region",
            "Region of stored numbers",
            'ISO region ("US", "GB") of phone numbers stored without a country code. Default: '
            "the app's default_region, else the region the demo data was written in.",
            validator=_validate_region,
        ),
    )

    def __init__(
        self,
        name: str,
        settings: Mapping[str, Any],
        secret: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(name, settings, secret, transport=transport)
        self.path: Path = database_path(name, self.settings)
        dataset = self.settings.get("dataset")
        self.dataset: str | None = None if dataset is None else _validate_dataset(dataset)
        region = self.settings.get("region")
        self._region_option: str | None = None if region is None else _validate_region(region)
        default_region = self.settings.get("default_region")
        self._default_region: str | None = (
            None if not default_region else _validate_region(default_region)
        )
        self._conn: sqlite3.Connection | None = None
        self._seed_region: str | None = None
        # `cx-tui demo reset` only touches sources with a dataset; others get another way out.
        self._fix: str = _RESET_HINT if self.dataset is not None else _MOVE_HINT

    @property
    def offered(self) -> Capability:
        """A database seeded as the demo CRM opens no tickets: in the demo it plays the CRM
        (HubSpot's part, which opens none either), and tickets are opened in the helpdesk."""
        if self.dataset == "crm":
            return self.capabilities & ~Capability.CREATE_TICKET
        return self.capabilities

    @property
    def region(self) -> str | None:
        """The region used for stored numbers without a country code (see the `region` option)."""
        return self._region_option or self._default_region or self._seed_region

    # --- Connection ----------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._open()
        return self._conn

    def _open(self) -> sqlite3.Connection:
        path = self.path
        _prepare_directory(path)
        if _read_header(path, self._fix) is None:
            _create_file(path)
        conn = _connect(path, "rw", fix=self._fix)
        try:
            if _schema_is_empty(conn, path, self._fix):
                with _transaction(conn):
                    _ensure_schema(conn)
            if (
                self.dataset is not None
                and _meta(conn, "seeded_at") is None
                and not conn.execute("SELECT EXISTS (SELECT 1 FROM people)").fetchone()[0]
            ):
                seed_database(conn, self.dataset, datetime.now(UTC), region=self._region_option)
            self._seed_region = _meta(conn, "region")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            conn.close()
            if _is_busy(exc):
                raise _busy(path) from exc
            raise _unusable(path, f"it is not a usable SQLite database ({exc})", self._fix) from exc
        except BaseException:
            conn.close()
            raise
        return conn

    async def _attempt(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run `work` on the database, trying again while another program holds it locked.

        `work` must be safe to repeat: reads, or writes inside one `_transaction` (rolled back
        when the lock is not granted).

        Raises:
            DatabaseBusy: still locked after `BUSY_WAIT` seconds.
            Unavailable: the database file cannot be used.
        """
        loop = asyncio.get_running_loop()
        give_up = loop.time() + BUSY_WAIT
        while True:
            try:
                with self._using() as conn:
                    return work(conn)
            except DatabaseBusy:
                if loop.time() + _BUSY_PAUSE > give_up:
                    raise
            await asyncio.sleep(_BUSY_PAUSE)

    @contextmanager
    def _using(self) -> Iterator[sqlite3.Connection]:
        conn = self._db()
        try:
            yield conn
        except sqlite3.Error as exc:
            if _is_busy(exc):
                raise _busy(self.path) from exc
            raise Unavailable(
                f"The local database {self.path} failed: {exc}. The file was left untouched; "
                "if this repeats, run `cx-tui connectors` to check it.",
                title="Local database error",
            ) from exc

    def _ref(self, record_id: str, fetched_at: datetime | None = None) -> SourceRef:
        return SourceRef(connector=self.name, record_id=record_id, fetched_at=fetched_at)

    # --- Lookup --------------------------------------------------------------------------

    async def find_people(self, query: Query) -> list[Match]:
        """Find the people whose phone, email or name matches the query.

        Phones match on E.164 (extensions compared as described in `_extension_confidence`),
        or on digits for stored values that could not be normalised; emails match case-folded;
        names match when every word appears in the name.

        Args:
            query: A validated phone, email or name query.

        Returns:
            One match per person (the strongest reason), most confident first.

        Raises:
            Unavailable: the database file cannot be used, or stays busy (`DatabaseBusy`).
        """
        matches = await self._attempt(lambda conn: self._find(conn, query))
        matches.sort(key=lambda m: (-m.confidence, _REASON_RANK[m.reason], m.person.name or ""))
        return matches

    def _find(self, conn: sqlite3.Connection, query: Query) -> list[Match]:
        if query.phone is not None:
            found = self._match_phone(conn, query.phone)
        elif query.email is not None:
            found = self._match_email(conn, query.email)
        elif query.name is not None:
            found = self._match_name(conn, query.name)
        else:
            return []
        now = datetime.now(UTC)
        matches = []
        for person_id, hit in found.items():
            person = self._load_person(conn, person_id, now)
            if person is not None:
                matches.append(Match(person, hit.reason, hit.confidence, hit.detail))
        return matches

    def _match_phone(self, conn: sqlite3.Connection, phone: PhoneQuery) -> dict[int, Evidence]:
        found: dict[int, Evidence] = {}

        def keep(person_id: int, hit: Evidence) -> None:
            if hit.beats(found.get(person_id)):
                found[person_id] = hit

        rows = conn.execute(
            "SELECT person_id, raw, extension, shared FROM contact_points "
            "WHERE kind = 'phone' AND normalized = ?",
            (phone.e164,),
        )
        for row in rows:
            shared = bool(row["shared"])
            stored_ext = _str(row["extension"])
            confidence = _extension_confidence(phone.extension, stored_ext, shared)
            if confidence is None:
                continue
            keep(
                int(row["person_id"]),
                Evidence(
                    confidence,
                    MatchReason.EXACT_E164,
                    _phone_detail(str(row["raw"]), phone.extension, stored_ext, shared),
                ),
            )
        # Values that could not be normalised when stored (no area code, a foreign number in
        # national form) can still share the number's digits.
        rows = conn.execute(
            "SELECT person_id, raw, shared FROM contact_points "
            "WHERE kind = 'phone' AND normalized IS NULL"
        )
        for row in rows:
            raw = str(row["raw"])
            reason = compare_phone(raw, phone, self.region)
            if reason is None:
                continue
            if reason is MatchReason.EXACT_E164:
                confidence = _extension_confidence(phone.extension, None, bool(row["shared"]))
                assert confidence is not None  # a stored value without extension never differs
            else:
                confidence = 0.8 if reason is MatchReason.NATIONAL_DIGITS else 0.5
            why = {
                MatchReason.NATIONAL_DIGITS: "without its country code",
                MatchReason.SUFFIX: "only the last digits agree",
            }.get(reason, "")
            detail = f"stored as '{raw}'" + (f" ({why})" if why else "")
            keep(int(row["person_id"]), Evidence(confidence, reason, detail))
        return found

    def _match_email(self, conn: sqlite3.Connection, email: str) -> dict[int, Evidence]:
        found: dict[int, Evidence] = {}
        rows = conn.execute(
            "SELECT cp.person_id, cp.raw, cp.id = ("
            "  SELECT first.id FROM contact_points AS first"
            "  WHERE first.person_id = cp.person_id AND first.kind = 'email'"
            "  ORDER BY first.position, first.id LIMIT 1"
            ") AS is_primary "
            "FROM contact_points AS cp WHERE cp.kind = 'email' AND cp.normalized = ?",
            (fold_email(email),),
        )
        for row in rows:
            raw = str(row["raw"])
            if row["is_primary"]:
                hit = Evidence(1.0, MatchReason.PRIMARY_EMAIL, f"stored as '{raw}'")
            else:
                hit = Evidence(0.9, MatchReason.SECONDARY_EMAIL, f"stored as '{raw}' (not primary)")
            person_id = int(row["person_id"])
            if hit.beats(found.get(person_id)):
                found[person_id] = hit
        return found

    def _match_name(self, conn: sqlite3.Connection, name: str) -> dict[int, Evidence]:
        tokens = [token for token in (_fold_text(name) or "").split() if token]
        if not tokens:
            return {}
        where = " AND ".join("cx_fold(name) LIKE ? ESCAPE '\\'" for _ in tokens)
        rows = conn.execute(
            f"SELECT id, name FROM people WHERE {where} ORDER BY name, id LIMIT ?",
            (*[_like_pattern(token) for token in tokens], MAX_NAME_MATCHES),
        )
        return {
            int(row["id"]): Evidence(0.4, MatchReason.NAME, f"name '{row['name']}'") for row in rows
        }

    def _load_person(
        self, conn: sqlite3.Connection, person_id: int, now: datetime
    ) -> Person | None:
        row = conn.execute(
            "SELECT p.*, c.name AS company_name FROM people AS p "
            "LEFT JOIN companies AS c ON c.id = p.company_id WHERE p.id = ?",
            (person_id,),
        ).fetchone()
        if row is None:
            return None
        points = []
        for cp in conn.execute(
            "SELECT * FROM contact_points WHERE person_id = ? ORDER BY position, id", (person_id,)
        ):
            raw = str(cp["raw"])
            kind = ContactKind(cp["kind"])
            value = _str(cp["normalized"]) or raw.strip()
            points.append(
                ContactPoint(
                    kind=kind,
                    value=value,
                    extension=_str(cp["extension"]),
                    label=_str(cp["label"]),
                    raw=raw if raw != value else None,
                    shared=bool(cp["shared"]),
                )
            )
        vip = row["vip"]
        last = conn.execute(
            "SELECT MAX(at) FROM interactions WHERE person_id = ?", (person_id,)
        ).fetchone()[0]
        return Person(
            ref=self._ref(str(person_id), now),
            name=_str(row["name"]),
            contact_points=tuple(points),
            company=_str(row["company_name"]),
            title=_str(row["title"]),
            plan=_str(row["plan"]),
            timezone=_str(row["timezone"]),
            language=_str(row["language"]),
            vip=None if vip is None else bool(vip),
            tags=_tags(row["tags"]),
            last_contact=from_iso_or_none(last),
        )

    # --- Details -------------------------------------------------------------------------

    async def get_details(self, match: Match) -> Details:
        """The person's company, tickets (with comments and notes) and timeline.

        Args:
            match: A match this connector returned.

        Returns:
            The company; every open ticket plus the 50 most recently updated others, each with
            its comments and internal notes; up to 1000 interactions and notes, newest first.

        Raises:
            NotFound: the person no longer exists (or is not a record of this connector).
            Unavailable: the database file cannot be used, or stays busy (`DatabaseBusy`).
        """
        ref = match.person.ref
        if ref.connector != self.name:
            raise NotFound(f"{ref.connector} record {ref.record_id} is not in {self.name}.")
        person_id = _record_id(ref, "person")
        return await self._attempt(lambda conn: self._details(conn, person_id))

    def _details(self, conn: sqlite3.Connection, person_id: int) -> Details:
        now = datetime.now(UTC)
        person = conn.execute("SELECT company_id FROM people WHERE id = ?", (person_id,)).fetchone()
        if person is None:
            raise NotFound(f"Person {person_id} no longer exists in {self.name}.")
        companies: tuple[Company, ...] = ()
        if person["company_id"] is not None:
            row = conn.execute(
                "SELECT * FROM companies WHERE id = ?", (person["company_id"],)
            ).fetchone()
            if row is not None:
                companies = (self._company(row, now),)
        tickets = self._tickets(conn, person_id, now)
        interactions = self._timeline(conn, person_id, now)
        return Details(companies=companies, tickets=tickets, interactions=interactions)

    def _company(self, row: sqlite3.Row, now: datetime) -> Company:
        return Company(
            ref=self._ref(f"company-{row['id']}", now),
            name=str(row["name"]),
            domain=_str(row["domain"]),
            plan=_str(row["plan"]),
            vip=bool(row["vip"]),
        )

    def _tickets(
        self, conn: sqlite3.Connection, person_id: int, now: datetime
    ) -> tuple[Ticket, ...]:
        statuses = ", ".join("?" for _ in _OPEN_STATUSES)
        open_rows = conn.execute(
            f"SELECT * FROM tickets WHERE requester_id = ? AND status IN ({statuses}) "
            "ORDER BY updated DESC, id DESC",
            (person_id, *_OPEN_STATUSES),
        ).fetchall()
        other_rows = conn.execute(
            f"SELECT * FROM tickets WHERE requester_id = ? AND status NOT IN ({statuses}) "
            "ORDER BY updated DESC, id DESC LIMIT ?",
            (person_id, *_OPEN_STATUSES, MAX_OTHER_TICKETS),
        ).fetchall()
        return tuple(self._ticket(conn, row, now) for row in [*open_rows, *other_rows])

    def _ticket(self, conn: sqlite3.Connection, row: sqlite3.Row, now: datetime) -> Ticket:
        ticket_id = int(row["id"])
        comments = [
            Comment(
                ref=self._ref(f"comment-{c['id']}", now),
                body=str(c["body"]),
                public=bool(c["public"]),
                created=from_iso(c["created"]),
                author=_str(c["author"]),
            )
            for c in conn.execute("SELECT * FROM comments WHERE ticket_id = ?", (ticket_id,))
        ]
        comments += [
            Comment(
                ref=self._ref(f"note-{n['id']}", now),
                body=str(n["body"]),
                public=False,
                created=from_iso(n["created"]),
            )
            for n in conn.execute("SELECT * FROM notes WHERE ticket_id = ?", (ticket_id,))
        ]
        comments.sort(key=lambda c: c.created)
        priority = row["priority"]
        return Ticket(
            ref=self._ref(str(ticket_id), now),
            subject=str(row["subject"]),
            status=TicketStatus(row["status"]),
            created=from_iso(row["created"]),
            updated=from_iso(row["updated"]),
            priority=None if priority is None else Priority(priority),
            tags=_tags(row["tags"]),
            sla_due=from_iso_or_none(row["sla_due"]),
            comments=tuple(comments),
        )

    def _timeline(
        self, conn: sqlite3.Connection, person_id: int, now: datetime
    ) -> tuple[Interaction, ...]:
        items = [
            Interaction(
                ref=self._ref(f"interaction-{row['id']}", now),
                channel=Channel(row["channel"]),
                direction=Direction(row["direction"]),
                at=from_iso(row["at"]),
                summary=str(row["summary"]),
                ticket_id=_str(row["ticket_id"]),
            )
            for row in conn.execute(
                "SELECT * FROM interactions WHERE person_id = ? ORDER BY at DESC, id DESC LIMIT ?",
                (person_id, MAX_INTERACTIONS),
            )
        ]
        items += [
            Interaction(
                ref=self._ref(f"note-{row['id']}", now),
                channel=Channel.NOTE,
                direction=Direction.INTERNAL,
                at=from_iso(row["created"]),
                summary=str(row["body"]),
                ticket_id=_str(row["ticket_id"]),
            )
            for row in conn.execute(
                "SELECT * FROM notes WHERE person_id = ? ORDER BY created DESC, id DESC LIMIT ?",
                (person_id, MAX_INTERACTIONS),
            )
        ]
        items.sort(key=lambda item: item.at, reverse=True)
        return tuple(items[:MAX_INTERACTIONS])

    # --- Writes --------------------------------------------------------------------------

    async def add_note(self, target: NoteTarget, text: str, idempotency_key: str) -> NoteReceipt:
        """Write a note on a person, or an internal note on a ticket (also on its requester),
        or open a ticket for the person with the note as its first internal note.

        Args:
            target: The person or ticket, a record of this connector; for a
                `TargetKind.NEW_TICKET`, the person who requests the ticket.
            text: The note body: not blank, at most `note_limit` characters. A new ticket's
                subject is its first line, cut to `MAX_SUBJECT` characters.
            idempotency_key: A key already used returns the first note (or the ticket it
                opened), writing nothing.

        Returns:
            The note's receipt (for a new ticket: the ticket's); `duplicate` is True when the
            key had been used before.

        Raises:
            InvalidInput: a blank or too long text, a blank key, or a target of another source.
            NotFound: the person or ticket does not exist.
            Unavailable: the database file cannot be used, or stays busy (`DatabaseBusy`).
        """
        if target.ref.connector != self.name:
            raise InvalidInput(
                f"That {target.kind.value} belongs to {target.ref.connector}, not {self.name}."
            )
        body = text.strip()
        if not body:
            raise InvalidInput("The note is empty.")
        if len(text) > self.note_limit:
            raise InvalidInput(
                f"The note is {len(text):,} characters; {self.name} takes at most "
                f"{self.note_limit:,}."
            )
        if not idempotency_key.strip():
            raise InvalidInput("A note needs an idempotency key.")
        record_id = _record_id(
            target.ref, "ticket" if target.kind is TargetKind.TICKET else "person"
        )
        if target.kind is TargetKind.NEW_TICKET:
            subject = new_ticket_subject(body, MAX_SUBJECT)
            return await self._attempt(
                lambda conn: self._open_ticket(conn, record_id, subject, body, idempotency_key)
            )
        return await self._attempt(
            lambda conn: self._write_note(conn, target.kind, record_id, body, idempotency_key)
        )

    def _write_note(
        self,
        conn: sqlite3.Connection,
        kind: TargetKind,
        record_id: int,
        body: str,
        idempotency_key: str,
    ) -> NoteReceipt:
        now = datetime.now(UTC)
        receipt = self._existing_note(conn, idempotency_key, now)
        if receipt is not None:
            return receipt
        with _transaction(conn):
            ticket_id: int | None = None
            if kind is TargetKind.TICKET:
                row = conn.execute(
                    "SELECT requester_id FROM tickets WHERE id = ?", (record_id,)
                ).fetchone()
                if row is None:
                    raise NotFound(f"Ticket {record_id} does not exist in {self.name}.")
                person_id, ticket_id = int(row["requester_id"]), record_id
                conn.execute(
                    "UPDATE tickets SET updated = ? WHERE id = ?", (to_iso(now), ticket_id)
                )
            else:
                exists = conn.execute(
                    "SELECT EXISTS (SELECT 1 FROM people WHERE id = ?)", (record_id,)
                ).fetchone()[0]
                if not exists:
                    raise NotFound(f"Person {record_id} does not exist in {self.name}.")
                person_id = record_id
            try:
                note_id = _insert(
                    conn,
                    "notes",
                    person_id=person_id,
                    ticket_id=ticket_id,
                    body=body,
                    created=to_iso(now),
                    idempotency_key=idempotency_key,
                )
            except sqlite3.IntegrityError:
                note_id = None  # another connection wrote the same key meanwhile
        if note_id is None:
            receipt = self._existing_note(conn, idempotency_key, now)
            assert receipt is not None
            return receipt
        return NoteReceipt(ref=self._ref(f"note-{note_id}", now), created=now)

    def _open_ticket(
        self,
        conn: sqlite3.Connection,
        person_id: int,
        subject: str,
        body: str,
        idempotency_key: str,
    ) -> NoteReceipt:
        now = datetime.now(UTC)
        receipt = self._existing_ticket(conn, idempotency_key, now)
        if receipt is not None:
            return receipt
        try:
            with _transaction(conn):
                exists = conn.execute(
                    "SELECT EXISTS (SELECT 1 FROM people WHERE id = ?)", (person_id,)
                ).fetchone()[0]
                if not exists:
                    raise NotFound(f"Person {person_id} does not exist in {self.name}.")
                ticket_id = _insert(
                    conn,
                    "tickets",
                    requester_id=person_id,
                    subject=subject,
                    status=TicketStatus.NEW.value,
                    tags="[]",
                    created=to_iso(now),
                    updated=to_iso(now),
                )
                # The key lives on the note, so the ticket and its note are one write.
                _insert(
                    conn,
                    "notes",
                    person_id=person_id,
                    ticket_id=ticket_id,
                    body=body,
                    created=to_iso(now),
                    idempotency_key=idempotency_key,
                )
        except sqlite3.IntegrityError:
            # Another connection opened it with this key meanwhile; this ticket rolled back.
            receipt = self._existing_ticket(conn, idempotency_key, now)
            if receipt is None:
                raise
            return receipt
        return NoteReceipt(ref=self._ref(str(ticket_id), now), created=now)

    def _existing_ticket(
        self, conn: sqlite3.Connection, idempotency_key: str, now: datetime
    ) -> NoteReceipt | None:
        """The ticket a key already opened (or, when the key wrote a plain note, that note)."""
        row = conn.execute(
            "SELECT ticket_id, created FROM notes WHERE idempotency_key = ?", (idempotency_key,)
        ).fetchone()
        if row is None:
            return None
        if row["ticket_id"] is None:
            return self._existing_note(conn, idempotency_key, now)
        return NoteReceipt(
            ref=self._ref(str(row["ticket_id"]), now),
            created=from_iso(row["created"]),
            duplicate=True,
        )

    def _existing_note(
        self, conn: sqlite3.Connection, idempotency_key: str, now: datetime
    ) -> NoteReceipt | None:
        row = conn.execute(
            "SELECT id, created FROM notes WHERE idempotency_key = ?", (idempotency_key,)
        ).fetchone()
        if row is None:
            return None
        return NoteReceipt(
            ref=self._ref(f"note-{row['id']}", now),
            created=from_iso(row["created"]),
            duplicate=True,
        )

    async def create_person(
        self, name: str | None, contact_points: Sequence[ContactPoint]
    ) -> Person:
        """Create a person with the given phones and emails.

        Args:
            name: Full name, when the agent knows it.
            contact_points: Phones (E.164, extension apart) and emails.

        Returns:
            The created person, as `find_people` would return it.

        Raises:
            InvalidInput: no name and no contact point, or a phone or email that is not valid.
            Unavailable: the database file cannot be used, or stays busy (`DatabaseBusy`).
        """
        clean_name = " ".join(name.split()) if name else None
        if not clean_name and not contact_points:
            raise InvalidInput("A new contact needs a name, a phone number or an email.")
        return await self._attempt(lambda conn: self._create(conn, clean_name, contact_points))

    def _create(
        self, conn: sqlite3.Connection, name: str | None, contact_points: Sequence[ContactPoint]
    ) -> Person:
        now = datetime.now(UTC)
        region = self.region  # known once the database is open
        for point in contact_points:
            if point.kind is ContactKind.PHONE:
                if phone_e164(point.value, region) is None:
                    raise InvalidInput(f"'{point.value}' is not a valid phone number.")
            elif "@" not in point.value or len(point.value.strip()) > 254:
                raise InvalidInput(f"'{point.value}' is not an email address.")
        with _transaction(conn):
            person_id = _insert(conn, "people", name=name, tags="[]", created=to_iso(now))
            for position, point in enumerate(contact_points):
                _insert_contact(
                    conn,
                    person_id,
                    position,
                    point.kind,
                    point.raw or point.value,
                    label=point.label,
                    shared=point.shared,
                    extension=point.extension,
                    region=region,
                    value=point.value,
                )
        person = self._load_person(conn, person_id, now)
        assert person is not None
        return person

    # --- Admin ---------------------------------------------------------------------------

    async def check(self) -> CheckResult:
        """Open the database and count what it holds.

        Returns:
            ok with "local database PATH (N people, M tickets)", or not ok with the problem.
        """

        def counts(conn: sqlite3.Connection) -> tuple[int, int, str | None, str | None]:
            return (
                int(conn.execute("SELECT COUNT(*) FROM people").fetchone()[0]),
                int(conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]),
                _meta(conn, "dataset"),
                _meta(conn, "seeded_at"),
            )

        try:
            people, tickets, dataset, seeded_at = await self._attempt(counts)
        except ConnectorError as exc:
            return CheckResult(ok=False, summary=exc.message)
        details = [f"schema version {SCHEMA_VERSION}"]
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


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _phone_detail(raw: str, query_ext: str | None, stored_ext: str | None, shared: bool) -> str:
    detail = f"stored as '{raw}'"
    notes = []
    if shared:
        notes.append("a shared line")
    if stored_ext and not query_ext:
        notes.append(f"extension {stored_ext}; the call gave none")
    elif query_ext and not stored_ext:
        notes.append(f"stored without extension {query_ext}")
    return f"{detail} ({'; '.join(notes)})" if notes else detail
