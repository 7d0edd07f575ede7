"""Notes go through the outbox from the screen: states, the status line, retry, edit, discard."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.widgets import Static, TextArea

from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.connectors.base import Capability, NotFound
from cx_tui.lookup import LookupEngine
from cx_tui.models import NoteReceipt, NoteTarget, SourceRef
from cx_tui.screens.note import NoteEditor
from cx_tui.screens.outbox import Confirm, EditNote, OutboxScreen
from cx_tui.store import ItemState
from tests.fakes import FakeConnector, email, person, phone

SIZE = (120, 40)


class PickyCRM(FakeConnector):
    """Takes person notes, but refuses any note containing 'bad' (a permanent 4xx)."""

    capabilities = Capability.LOOKUP_PHONE | Capability.PERSON_NOTES
    received: list[str]

    async def add_note(self, target: NoteTarget, text: str, idempotency_key: str) -> NoteReceipt:
        if "bad" in text:
            raise NotFound("the vendor says: contact 1 does not exist (404)")
        self.received.append(text)
        return NoteReceipt(SourceRef(self.name, f"n{len(self.received)}"), datetime.now(UTC))


def crm() -> PickyCRM:
    source = PickyCRM(
        fake_name="Picky CRM",
        people=[
            person("Picky CRM", "1", "Ana Silva", phone("+14155550111"), email("ana@example.com"))
        ],
    )
    source.received = []
    return source


async def open_editor(app: CxApp, pilot: object) -> NoteEditor:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await pilot.press(*"+14155550111", "enter")
    await app.main.workers.wait_for_complete()
    await pilot.press("n")
    await pilot.pause()
    assert isinstance(app.screen, NoteEditor)
    return app.screen


def status(app: CxApp) -> str:
    return str(app.main.query_one("#outbox-status", Static).content)


async def save(app: CxApp, pilot: object, editor: NoteEditor, text: str) -> None:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    editor.query_one(TextArea).text = text
    await pilot.press("ctrl+s")
    await editor.workers.wait_for_complete()
    await pilot.pause()


async def refused_into_the_outbox(app: CxApp, pilot: object, text: str) -> OutboxScreen:
    """A note the CRM refuses (`text` has "bad"), then the outbox dialog (`b`) showing it."""
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    editor = await open_editor(app, pilot)
    await save(app, pilot, editor, text)
    await pilot.press("escape", "b")
    await pilot.pause()
    assert isinstance(app.screen, OutboxScreen)
    return app.screen


async def test_note_is_delivered_through_the_outbox() -> None:
    source = crm()
    app = CxApp(load_config(), engine=LookupEngine([source]))
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(app, pilot)
        await save(app, pilot, editor, "call back at 3")
        assert list(editor.states.values()) == [("delivered", "")]
        assert source.received == ["call back at 3"]
        assert "0 pending · 0 failed" in status(app)
        assert app.services.delivery is not None
        [item] = app.services.delivery.outbox.items([ItemState.DELIVERED])
        assert item.text == "call back at 3"


async def test_a_refused_note_fails_keeps_its_text_and_can_be_edited_and_resent() -> None:
    source = crm()
    app = CxApp(load_config(), engine=LookupEngine([source]))
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(app, pilot)
        await save(app, pilot, editor, "a bad note")
        [(state, message)] = editor.states.values()
        assert state == "failed" and "404" in message
        assert editor.query_one(TextArea).text == "a bad note"  # nothing typed is lost
        assert "1 failed" in status(app)
        await pilot.press("escape", "b")
        await pilot.pause()
        assert isinstance(app.screen, OutboxScreen)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EditNote)
        app.screen.query_one(TextArea).text = "a good note"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.services.delivery is not None
        for _ in range(50):
            if source.received:
                break
            await pilot.pause(0.05)
        assert source.received == ["a good note"]
        assert "0 failed" in status(app)


async def test_discard_asks_first() -> None:
    source = crm()
    app = CxApp(load_config(), engine=LookupEngine([source]))
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(app, pilot)
        await save(app, pilot, editor, "another bad one")
        await pilot.press("escape", "b", "d")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        await pilot.pause()
        assert app.services.delivery is not None
        assert app.services.delivery.counts() == (0, 1)
        await pilot.press("d", "y")
        await pilot.pause()
        assert app.services.delivery.counts() == (0, 0)
        assert source.received == []


async def test_pending_notes_from_an_earlier_run_are_delivered_on_start() -> None:
    source = crm()
    first = CxApp(load_config(), engine=LookupEngine([source]))
    assert first.services.delivery is not None
    from cx_tui.models import TargetKind

    target = NoteTarget(TargetKind.PERSON, SourceRef("Picky CRM", "1"))
    first.services.delivery.outbox.enqueue("left behind", [target])
    first.services.store and first.services.store.close()
    second = CxApp(load_config(), engine=LookupEngine([source]))
    async with second.run_test(size=SIZE) as pilot:
        for _ in range(100):
            if source.received:
                break
            await pilot.pause(0.05)
        assert source.received == ["left behind"]


async def test_a_read_only_store_keeps_the_note_on_screen_with_a_clear_error() -> None:
    """A read-only data dir (or a full disk): nothing is queued, nothing typed is lost."""
    source = crm()
    app = CxApp(load_config(), engine=LookupEngine([source]))
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(app, pilot)
        store = app.services.store
        assert store is not None
        store._connection().execute("PRAGMA query_only = ON")  # SQLite's read-only refusal
        await save(app, pilot, editor, "customer will send the pcap tonight")
        assert app.screen is editor  # the editor stays open
        assert editor.query_one(TextArea).text == "customer will send the pcap tonight"
        message = str(editor.query_one("#note-message", Static).content)
        assert "the store is read-only" in message and "Nothing was saved." in message, message
        assert message.endswith("The text is still here.") and ".." not in message
        assert source.received == []
        store._connection().execute("PRAGMA query_only = OFF")  # the disk is back
        await save(app, pilot, editor, editor.query_one(TextArea).text)
        assert list(editor.states.values()) == [("delivered", "")]
        assert source.received == ["customer will send the pcap tonight"]


async def test_the_outbox_names_the_person_i_shows_the_raw_target_and_x_masks_it() -> None:
    from textual.widgets import DataTable

    from cx_tui.widgets.mask_badge import MaskBadge

    source = crm()
    app = CxApp(load_config(), engine=LookupEngine([source]))
    async with app.run_test(size=SIZE) as pilot:
        screen = await refused_into_the_outbox(
            app, pilot, "a bad note: Ana Silva asked, call 415 555 0111"
        )
        table = screen.query_one(DataTable)

        def row() -> list[str]:
            return [str(cell) for cell in table.get_row_at(0)]

        assert row()[1] == "Ana Silva (+1 415-555-0111) · Picky CRM note"
        # At 120 columns the error and the note share what the name leaves: both cut, in view.
        assert row()[6].startswith("a bad note") and row()[6].endswith("…")
        await pilot.press("i")
        await pilot.pause()
        assert row()[1] == "Picky CRM/person/1"
        await pilot.press("i", "x")
        await pilot.pause()
        assert app.services.masked and screen.query_one(MaskBadge).has_class("-on")
        assert row()[1] == "A. S. (•••11) · Picky CRM note"
        assert "Ana" not in row()[6] and "Silva" not in row()[6]
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        assert "A. S. (•••11)" in app.screen.question and "Ana" not in app.screen.question
        await pilot.press("n", "x")
        await pilot.pause()
        assert row()[1] == "Ana Silva (+1 415-555-0111) · Picky CRM note"
        assert not screen.query_one(MaskBadge).has_class("-on")


async def test_at_80_columns_the_target_takes_the_room_of_the_tries_and_the_note() -> None:
    """A narrow terminal leaves out the Tries and the Note preview (`e` shows the note), so the
    Target is not cut to 24 characters; every column stays in view. Wider again, they are
    back, drawn from the items read before: a resize reads no store."""
    from textual.widgets import DataTable

    from cx_tui.screens.outbox import MIN_TARGET

    source = crm()
    app = CxApp(load_config(), engine=LookupEngine([source]))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await refused_into_the_outbox(app, pilot, "a bad note for the narrow outbox")
        table = screen.query_one(DataTable)

        def columns() -> list[str]:
            return [str(c.label) for c in table.columns.values()]

        assert columns() == ["#", "Target", "State", "Age", "Last error"]
        target = str(table.get_row_at(0)[1])
        assert target == "Ana Silva (+1 415-555-0111) · Picky CRM note"
        assert len(target) > MIN_TARGET  # whole: it was cut to 24 characters before
        assert table.virtual_size.width <= table.size.width  # nothing runs off to the right

        reads: list[object] = []
        outbox = screen.delivery.outbox
        items = outbox.items
        outbox.items = lambda *a: reads.append(a) or items(*a)  # type: ignore[method-assign]
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert columns() == ["#", "Target", "State", "Age", "Tries", "Last error", "Note"]
        assert str(table.get_row_at(0)[6]).startswith("a bad note")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert columns() == ["#", "Target", "State", "Age", "Last error"]
        assert reads == []
        await pilot.press("r")  # the spy sees a read: retry reloads
        await pilot.pause()
        assert reads


async def test_at_80_columns_delivered_notes_leave_the_last_error_column_in_view() -> None:
    """No item has an error, yet the Last error column keeps its title's width: the Target
    does not push it off the dialog (seen in tmux at 80x24 after a note was delivered)."""
    from textual.widgets import DataTable

    source = crm()
    app = CxApp(load_config(), engine=LookupEngine([source]))
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(app, pilot)
        await save(app, pilot, editor, "Told Ana about the outage; she will call back " * 2)
        assert source.received
        await pilot.press("escape", "b")
        await pilot.pause()
        assert isinstance(app.screen, OutboxScreen)
        table = app.screen.query_one(DataTable)
        assert [str(c.label) for c in table.columns.values()][-1] == "Last error"
        assert table.virtual_size.width <= table.size.width  # nothing runs off to the right
