"""Writing to the local database: notes (on a person or a ticket, or opening a ticket), new
people, and numbers added to a person. Each write is one transaction, keyed (or checked, for a
number) so that a repeat writes nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from cx_tui.connectors.base import InvalidInput, NotFound, new_ticket_subject
from cx_tui.connectors.kit.matching import phone_to_add
from cx_tui.connectors.local.connection import row_id
from cx_tui.connectors.local.schema import insert, insert_contact
from cx_tui.connectors.local.search import Search
from cx_tui.models import (
    ContactKind,
    ContactPoint,
    NoteReceipt,
    NoteTarget,
    Person,
    SourceRef,
    TargetKind,
    TicketStatus,
)
from cx_tui.source_values import phone_e164
from cx_tui.sqlite_files import transaction
from cx_tui.utc import from_iso, to_iso

MAX_SUBJECT = 150
"""Longest subject of a ticket opened from a note (Zendesk's limit too)."""


class Writes(Search):
    """`add_note`, `create_person` and `add_phone` of `LocalConnector` (a new person is read
    back as `find_people` returns it)."""

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
        body = self.note_text(text)
        if not idempotency_key.strip():
            raise InvalidInput("A note needs an idempotency key.")
        record_id = row_id(target.ref, "ticket" if target.kind is TargetKind.TICKET else "person")

        def write(conn: sqlite3.Connection, now: datetime) -> NoteReceipt:
            if target.kind is TargetKind.NEW_TICKET:
                return self._open_ticket(conn, record_id, body, idempotency_key, now)
            return self._write_note(conn, target.kind, record_id, body, idempotency_key, now)

        opened_ticket = target.kind is TargetKind.NEW_TICKET
        return await self._attempt(
            lambda conn: self._once(conn, idempotency_key, write, opened_ticket=opened_ticket)
        )

    def _once(
        self,
        conn: sqlite3.Connection,
        idempotency_key: str,
        write: Callable[[sqlite3.Connection, datetime], NoteReceipt],
        *,
        opened_ticket: bool,
    ) -> NoteReceipt:
        """`write`, unless the key already wrote: then the receipt of what it wrote."""
        now = datetime.now(UTC)
        receipt = self._existing(conn, idempotency_key, now, opened_ticket=opened_ticket)
        if receipt is not None:
            return receipt
        try:
            with transaction(conn):
                return write(conn, now)
        except sqlite3.IntegrityError:
            # Another connection wrote with this key meanwhile; this write rolled back whole.
            receipt = self._existing(conn, idempotency_key, now, opened_ticket=opened_ticket)
            if receipt is None:
                raise
            return receipt

    def _write_note(
        self,
        conn: sqlite3.Connection,
        kind: TargetKind,
        record_id: int,
        body: str,
        idempotency_key: str,
        now: datetime,
    ) -> NoteReceipt:
        ticket_id: int | None = None
        if kind is TargetKind.TICKET:
            row = conn.execute(
                "SELECT requester_id FROM tickets WHERE id = ?", (record_id,)
            ).fetchone()
            if row is None:
                raise NotFound(f"Ticket {record_id} does not exist in {self.name}.")
            person_id, ticket_id = int(row["requester_id"]), record_id
            conn.execute("UPDATE tickets SET updated = ? WHERE id = ?", (to_iso(now), ticket_id))
        else:
            person_id = self._person_id(conn, record_id)
        note_id = _insert_note(conn, person_id, ticket_id, body, idempotency_key, now)
        return NoteReceipt(ref=self._ref(f"note-{note_id}", now), created=now)

    def _open_ticket(
        self, conn: sqlite3.Connection, person_id: int, body: str, key: str, now: datetime
    ) -> NoteReceipt:
        self._person_id(conn, person_id)
        ticket_id = insert(
            conn,
            "tickets",
            requester_id=person_id,
            subject=new_ticket_subject(body, MAX_SUBJECT),
            status=TicketStatus.NEW.value,
            tags="[]",
            created=to_iso(now),
            updated=to_iso(now),
        )
        # The key lives on the note, so the ticket and its note are one write.
        _insert_note(conn, person_id, ticket_id, body, key, now)
        return NoteReceipt(ref=self._ref(str(ticket_id), now), created=now)

    def _person_id(self, conn: sqlite3.Connection, person_id: int) -> int:
        """The id of a person that exists; raises `NotFound` for one that does not."""
        exists = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM people WHERE id = ?)", (person_id,)
        ).fetchone()[0]
        if not exists:
            raise NotFound(f"Person {person_id} does not exist in {self.name}.")
        return person_id

    def _existing(
        self, conn: sqlite3.Connection, idempotency_key: str, now: datetime, *, opened_ticket: bool
    ) -> NoteReceipt | None:
        """What a key already wrote: its note, or with `opened_ticket` the ticket it opened
        (the note, when the key wrote a plain note); None when the key is new."""
        row = conn.execute(
            "SELECT id, ticket_id, created FROM notes WHERE idempotency_key = ?",
            (idempotency_key,),
        ).fetchone()
        if row is None:
            return None
        opened = opened_ticket and row["ticket_id"] is not None
        record = str(row["ticket_id"]) if opened else f"note-{row['id']}"
        return NoteReceipt(
            ref=self._ref(record, now), created=from_iso(row["created"]), duplicate=True
        )

    async def add_phone(
        self,
        person: SourceRef,
        e164: str,
        idempotency_key: str,  # noqa: ARG002 - idempotent by reading the person's numbers
        *,
        extension: str | None = None,
    ) -> NoteReceipt:
        """Add the number to the person (labelled "added"), unless they already have it.

        Raises:
            InvalidInput: a number that is not E.164, or another source's person.
            NotFound: the person does not exist.
            Unavailable: the database file cannot be used, or stays busy (`DatabaseBusy`).
        """
        phone_to_add(person, e164, extension, self.name)
        person_id = row_id(person, "person")

        def write(conn: sqlite3.Connection) -> NoteReceipt:
            now = datetime.now(UTC)
            receipt = NoteReceipt(ref=self._ref(str(person_id), now), created=now)
            with transaction(conn):
                self._person_id(conn, person_id)
                rows = conn.execute(
                    "SELECT normalized, extension, position FROM contact_points "
                    "WHERE person_id = ? AND kind = ?",
                    (person_id, ContactKind.PHONE.value),
                ).fetchall()
                if any((r["normalized"], r["extension"]) == (e164, extension) for r in rows):
                    return NoteReceipt(receipt.ref, now, duplicate=True)
                position = max((int(r["position"]) for r in rows), default=-1) + 1
                insert_contact(
                    conn,
                    person_id,
                    position,
                    ContactKind.PHONE,
                    e164,
                    label="added",
                    shared=False,
                    extension=extension,
                    region=self.region,
                )
            return receipt

        return await self._attempt(write)

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
        with transaction(conn):
            person_id = insert(conn, "people", name=name, tags="[]", created=to_iso(now))
            for position, point in enumerate(contact_points):
                insert_contact(
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


def _insert_note(
    conn: sqlite3.Connection,
    person_id: int,
    ticket_id: int | None,
    body: str,
    idempotency_key: str,
    now: datetime,
) -> int:
    return insert(
        conn,
        "notes",
        person_id=person_id,
        ticket_id=ticket_id,
        body=body,
        created=to_iso(now),
        idempotency_key=idempotency_key,
    )
