"""The shipped demo data, seeded into a local database, and `reset_database` to start over.

Relative times in the demo data become absolute when a database is seeded, so what is "about to
breach" stays about to breach whenever it is seeded.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from cx_tui import sqlite_files
from cx_tui.connectors.base import Unavailable
from cx_tui.connectors.local import database
from cx_tui.connectors.local.options import DATASETS
from cx_tui.connectors.local.schema import (
    ensure_schema,
    insert,
    insert_contact,
    set_meta,
    text_or_none,
)
from cx_tui.models import Channel, ContactKind, Direction, OwnerRole, Priority, TicketStatus
from cx_tui.sqlite_files import SIDECARS, transaction
from cx_tui.utc import to_iso


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
    data_region = text_or_none(demo.get("region"))
    with transaction(conn):
        ensure_schema(conn)
        if conn.execute("SELECT EXISTS (SELECT 1 FROM people)").fetchone()[0]:
            raise ValueError("the database already holds people; seed only an empty one")
        count = _Seeder(conn, now, data_region).load(system)
        set_meta(conn, dataset=dataset, seeded_at=to_iso(now), region=region or data_region)
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
            companies[company["key"]] = insert(
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
            insert(
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
            insert(
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
        person_id = insert(
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
            insert_contact(
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
        for owner in person.get("owners", ()):
            insert(self.conn, "owners", person_id=person_id, role=owner["role"], name=owner["name"])
        return person_id

    def ticket(self, ticket: Mapping[str, Any], people: Mapping[str, int]) -> int:
        due = ticket.get("sla_due_in_min")
        ticket_id = insert(
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
            insert(
                self.conn,
                "comments",
                ticket_id=ticket_id,
                author=comment.get("author"),
                body=comment["body"],
                public=int(bool(comment["public"])),
                created=self.ago(comment["ago_min"]),
            )
        for role, key in ((OwnerRole.ASSIGNEE, "assignee"), (OwnerRole.GROUP, "group")):
            if ticket.get(key):
                insert(self.conn, "owners", ticket_id=ticket_id, role=role.value, name=ticket[key])
        return ticket_id


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
    database.prepare_directory(path)
    moved: Path | None = None
    if path.exists() or path.is_symlink():
        kind = "bak" if database.probe(path) is None else "corrupt"
        stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        moved = path.with_name(f"{path.name}.{kind}-{stamp}")
        counter = 1
        while any(_exists(moved.with_name(moved.name + s)) for s in ("", *SIDECARS)):
            moved = path.with_name(f"{path.name}.{kind}-{stamp}-{counter}")
            counter += 1
        try:
            sqlite_files.move_aside(path, moved)
        except OSError as exc:
            raise Unavailable(
                f"Could not move {path} aside to {moved}: {exc.strerror or exc}. "
                "Nothing was deleted; move it yourself and retry."
            ) from exc
    database.create_file(path)
    conn = database.connect(path, "rw", timeout=database.RESET_BUSY_TIMEOUT)
    try:
        if dataset is None:
            with transaction(conn):
                ensure_schema(conn)
        else:
            seed_database(conn, dataset, now, region=region)
    except sqlite3.Error as exc:
        raise Unavailable(f"Could not create the local database {path}: {exc}.") from exc
    finally:
        conn.close()
    return moved


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()
