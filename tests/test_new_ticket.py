"""A note that opens a ticket: the subject rule, the local connector, the outbox's store, the
target's names, and the whole flow on the demo data from the note editor."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import SelectionList

from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.connectors.base import (
    Capability,
    InvalidInput,
    NotFound,
    new_ticket_subject,
)
from cx_tui.connectors.local import MAX_SUBJECT, LocalConnector
from cx_tui.identity import parse_query
from cx_tui.models import (
    Channel,
    ContactKind,
    ContactPoint,
    Match,
    NoteTarget,
    SourceRef,
    TargetKind,
    TicketStatus,
)
from cx_tui.outbox import OutboxError, note_target
from cx_tui.screens.note import NoteEditor, target_label
from cx_tui.screens.outbox import OutboxScreen
from cx_tui.store import ItemKind, Store, migrate
from cx_tui.widgets.record_tables import TicketTable

HERO = "+14155550132"
NOW = datetime(2026, 11, 30, 14, 32, tzinfo=UTC)

# --- The subject ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "subject"),
    [
        ("Printer on fire\nTried: unplugging it", 20, "Printer on fire"),
        ("\n  \n  Printer \t on   fire  \nmore", 20, "Printer on fire"),
        ("x" * 10, 10, "x" * 10),
        ("x" * 11, 10, "x" * 9 + "…"),
        ("word " * 5, 10, "word word…"),
    ],
)
def test_the_subject_is_the_first_line_collapsed_and_cut(
    text: str, limit: int, subject: str
) -> None:
    assert new_ticket_subject(text, limit) == subject
    assert len(subject) <= limit


def test_a_blank_note_has_no_subject() -> None:
    with pytest.raises(ValueError, match="empty"):
        new_ticket_subject(" \n\t", 10)


# --- The local connector -------------------------------------------------------------------------


@pytest.fixture
async def local(isolated_env: Path) -> AsyncIterator[LocalConnector]:
    connector = LocalConnector("Test Local", {"default_region": "US"})
    try:
        yield connector
    finally:
        await connector.aclose()


async def maria(local: LocalConnector) -> Match:
    await local.create_person(
        "Maria Gonzalez", [ContactPoint(ContactKind.EMAIL, "maria@example.com")]
    )
    [match] = await local.find_people(parse_query("maria@example.com", "US"))
    return match


def ticket_count(local: LocalConnector) -> int:
    with sqlite3.connect(local.path) as conn:
        count = int(conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0])
    conn.close()
    return count


async def test_local_opens_one_ticket_per_key_and_shows_it_in_the_details(
    local: LocalConnector,
) -> None:
    match = await maria(local)
    target = NoteTarget(TargetKind.NEW_TICKET, match.person.ref)

    first = await local.add_note(target, "  Porting   the number\nBy Friday, please.  ", "k1")
    again = await local.add_note(target, "Porting the number\nBy Friday, please.", "k1")

    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.ref.key == first.ref.key and again.created == first.created
    assert ticket_count(local) == 1
    details = await local.get_details(match)
    [ticket] = details.tickets
    assert ticket.ref.key == first.ref.key
    assert (ticket.subject, ticket.status) == ("Porting the number", TicketStatus.NEW)
    assert [(c.body, c.public) for c in ticket.comments] == [
        ("Porting   the number\nBy Friday, please.", False)
    ]
    [item] = details.interactions
    assert (item.channel, item.ticket_id) == (Channel.NOTE, ticket.ref.record_id)

    other = await local.add_note(target, "Another issue", "k2")
    assert other.ref.key != first.ref.key and ticket_count(local) == 2


async def test_local_cuts_a_long_first_line(local: LocalConnector) -> None:
    match = await maria(local)
    line = "y" * (MAX_SUBJECT + 40)
    await local.add_note(NoteTarget(TargetKind.NEW_TICKET, match.person.ref), line, "k1")

    [ticket] = (await local.get_details(match)).tickets
    assert ticket.subject == "y" * (MAX_SUBJECT - 1) + "…"
    assert ticket.comments[0].body == line


@pytest.mark.parametrize(
    ("person", "error"),
    [(SourceRef("Test Local", "999"), NotFound), (SourceRef("Elsewhere", "1"), InvalidInput)],
)
async def test_local_opens_no_ticket_for_someone_it_does_not_have(
    local: LocalConnector, person: SourceRef, error: type[Exception]
) -> None:
    await maria(local)
    with pytest.raises(error):
        await local.add_note(NoteTarget(TargetKind.NEW_TICKET, person), "Hello", "k1")
    assert ticket_count(local) == 0


def test_the_demo_helpdesk_offers_new_tickets_and_the_demo_crm_does_not() -> None:
    assert Capability.CREATE_TICKET in LocalConnector.capabilities
    helpdesk = LocalConnector("Demo Helpdesk", {"dataset": "helpdesk"})
    crm = LocalConnector("Demo CRM", {"dataset": "crm"})
    assert helpdesk.supports(Capability.CREATE_TICKET)
    assert not crm.supports(Capability.CREATE_TICKET)
    assert crm.supports(Capability.PERSON_NOTES)


# --- The outbox ----------------------------------------------------------------------------------


def outbox_row(target_kind: str, key: str) -> tuple[str, ...]:
    stamp = NOW.isoformat()
    return ("b1", "note", "Porting", "Demo Helpdesk", target_kind, "4", key, stamp, stamp, stamp)


INSERT = (
    "INSERT INTO outbox (batch, kind, text, connector, target_kind, record_id, "
    "idempotency_key, state, created, updated, due) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)"
)


def test_a_store_from_before_new_tickets_is_migrated_and_keeps_its_outbox(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=3)
    conn.execute(INSERT, outbox_row("person", "key-1"))
    with pytest.raises(sqlite3.IntegrityError):  # why version 4 exists
        conn.execute(INSERT, outbox_row("new-ticket", "key-2"))
    conn.close()

    with Store(path, clock=lambda: NOW) as store:
        [old] = store.outbox_items()
        assert (old.target.kind, old.idempotency_key, old.text) == (
            TargetKind.PERSON,
            "key-1",
            "Porting",
        )
        target = NoteTarget(TargetKind.NEW_TICKET, SourceRef("Demo Helpdesk", "4"))
        [new] = store.outbox_insert(
            batch="b2",
            kind=ItemKind.NOTE,
            text="Porting the number",
            targets=[(target, "key-2")],
            payload=None,
            now=NOW,
        )
        assert new.target == target and new.target_label == "Demo Helpdesk/new-ticket/4"
        assert [i.id for i in store.outbox_items()] == [old.id, new.id]


def test_note_target_reads_a_new_ticket_and_names_every_kind() -> None:
    assert note_target("Demo Helpdesk", " New-Ticket ", " 4 ") == NoteTarget(
        TargetKind.NEW_TICKET, SourceRef("Demo Helpdesk", "4")
    )
    with pytest.raises(OutboxError, match="Expected person, ticket or new-ticket, got 'company'"):
        note_target("Demo Helpdesk", "company", "4")


def test_the_editor_names_a_new_ticket() -> None:
    ref = SourceRef("Zendesk", "501")
    assert target_label(NoteTarget(TargetKind.NEW_TICKET, ref)) == "Zendesk new ticket"
    assert target_label(NoteTarget(TargetKind.TICKET, ref)) == "Zendesk ticket #501"


# --- From the note editor, on the demo data ------------------------------------------------------


async def test_a_note_opens_a_ticket_in_the_demo_helpdesk_from_the_editor() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l", *HERO, "enter")
        screen = app.main
        await screen.workers.wait_for_complete()
        await pilot.pause()
        before = set(screen.query_one("#tickets", TicketTable).tickets)
        await pilot.press("n")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        labels = [(c.label, c.target.kind, c.default) for c in editor.choices]
        new = [c for c in labels if c[1] is TargetKind.NEW_TICKET]
        # Only the helpdesk opens tickets, and never unless the agent checks it.
        assert new == [
            ("New ticket in Demo Helpdesk: Maria Gonzalez", TargetKind.NEW_TICKET, False)
        ]
        index = [c[1] for c in labels].index(TargetKind.NEW_TICKET)

        await pilot.press(*"Wants to port a toll-free number", "enter", *"Due Friday.")
        await pilot.press("tab")
        targets = editor.query_one("#note-targets", SelectionList)
        assert app.focused is targets
        for row, (_, _, default) in enumerate(labels):
            targets.highlighted = row
            if default or row == index:  # untick the defaults, tick the new ticket
                await pilot.press("space")
        assert [c.target.kind for c in editor.selected()] == [TargetKind.NEW_TICKET]
        await pilot.press("ctrl+s")
        await editor.workers.wait_for_complete()
        await pilot.pause()
        assert [s for s, _ in editor.states.values()] == ["delivered"], editor.states

        await pilot.press("escape")
        await screen.workers.wait_for_complete()
        await pilot.pause()
        table = screen.query_one("#tickets", TicketTable)
        [key] = set(table.tickets) - before
        ticket = table.tickets[key]
        assert ticket.ref.connector == "Demo Helpdesk"
        assert (ticket.subject, ticket.status) == (
            "Wants to port a toll-free number",
            TicketStatus.NEW,
        )
        assert [(c.body, c.public) for c in ticket.comments] == [
            ("Wants to port a toll-free number\nDue Friday.", False)
        ]
        shown = table.get_row(key)[1].plain  # the subject, cut to the column
        assert len(shown) > 10 and ticket.subject.startswith(shown.removesuffix("…"))

        await pilot.press("b")
        await pilot.pause()
        outbox = app.screen
        assert isinstance(outbox, OutboxScreen)
        [item] = outbox.items
        requester = editor.choices[index].target.ref.record_id
        assert item.target_label == f"Demo Helpdesk/new-ticket/{requester}"
        assert item.receipt is not None and item.receipt.record_id == ticket.ref.record_id
