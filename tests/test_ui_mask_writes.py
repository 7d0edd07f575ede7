"""The mask hides what the screen shows, never what is written: a note, a hand-off or a pick
made while the mask is on names the real caller in the outbox and in the sources, and the
dialogs that write still show the masked labels."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Label

from cx_tui.actions import ActionKind
from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.models import TargetKind
from cx_tui.screens.note import NoteEditor
from cx_tui.widgets.target_list import TargetList
from tests.test_ui_flows import HERO, SIZE, look_up, note_on


def masked_dialog(dialog: Screen[object]) -> tuple[str, list[str]]:
    """The dialog's title and its targets as listed, checked to name nobody in full."""
    title = str(dialog.query_one(".dialog-title", Label).content)
    targets = dialog.query_one(TargetList)
    shown = [str(targets.get_option_at_index(i).prompt) for i in range(targets.option_count)]
    assert shown and not any("Maria" in s or "Gonzalez" in s for s in shown), shown
    return title, shown


async def test_a_note_written_under_the_mask_is_labelled_with_the_real_caller() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        screen = await look_up(app, pilot, HERO)
        await pilot.press("x")
        await pilot.pause()
        assert app.services.masked and screen.profile is not None
        assert screen.profile.value("name") == "M. G."
        await pilot.press("n")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        title, shown = masked_dialog(editor)
        assert title == "Note about M. G."
        assert any("M. G." in s for s in shown), shown
        await pilot.press(*"Masked while typing", "ctrl+s")
        await editor.workers.wait_for_complete()
        await pilot.pause()
        assert {state for state, _ in editor.states.values()} == {"delivered"}, editor.states
        store = app.services.store
        assert store is not None
        items = store.outbox_items()
    person = [i for i in items if i.target.kind is TargetKind.PERSON]
    assert person and person[0].target.label is not None
    assert "Maria Gonzalez" in person[0].target.label
    assert all("•" not in (i.target.label or "") for i in items)


async def test_a_hand_off_taken_under_the_mask_writes_the_real_names() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        screen = await look_up(app, pilot, HERO)
        unmasked = [a for a in screen.actions if a.kind is ActionKind.HAND_OFF]
        assert unmasked, [a.kind for a in screen.actions]
        note = unmasked[0].prefill["note"]
        await pilot.press("x")
        await pilot.pause()
        [masked] = [a for a in screen.actions if a.kind is ActionKind.HAND_OFF]
        assert masked.prefill["note"] != note  # the list shows the owners' initials
        screen.take(masked)
        await pilot.pause()
        store = app.services.store
        assert store is not None
        items = store.outbox_items()
    assert [i.text for i in items] == [note]
    assert unmasked[0].target is not None
    assert [i.target.ref.key for i in items] == [unmasked[0].target.key]


async def test_a_call_timed_under_the_mask_keeps_the_real_caller() -> None:
    from cx_tui.screens.wrap_up import WrapUp

    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, HERO)
        await pilot.press("x", "t")  # the mask, then a call timer by hand for the caller
        await pilot.pause()
        [call] = app.services.calls.calls.values()
        assert call.person_name == "Maria Gonzalez"  # the history names them
        await pilot.press("t")
        await pilot.pause()
        wrap_up = app.screen
        assert isinstance(wrap_up, WrapUp)
        title, _ = masked_dialog(wrap_up)
        assert title == "Wrap up the call with M. G."
        assert any("Maria Gonzalez" in (c.target.label or "") for c in wrap_up.choices)


async def test_the_note_editor_follows_a_mask_toggled_while_it_is_open() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        editor = await note_on(app, pilot)
        title = editor.query_one(".dialog-title", Label)
        assert str(title.content) == "Note about Maria Gonzalez"
        app.action_toggle_mask()  # the palette's "mask": the text area takes the mask key
        await pilot.pause()
        assert masked_dialog(editor)[0] == "Note about M. G."
        app.action_toggle_mask()
        await pilot.pause()
        assert str(title.content) == "Note about Maria Gonzalez"
        targets = editor.query_one(TargetList)
        assert "Maria Gonzalez" in str(targets.get_option_at_index(0).prompt)


async def test_why_matched_and_the_forget_toast_mask_the_number() -> None:
    from cx_tui.screens.why import WhyMatched

    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        screen = await look_up(app, pilot, HERO)
        await pilot.press("x", "w")
        await pilot.pause()
        why = app.screen
        assert isinstance(why, WhyMatched)
        await why.workers.wait_for_complete()
        await pilot.pause()
        title = str(why.query_one(".dialog-title", Label).content)
        body = str(why.query_one("#why-text").render())
        assert "•••32" in title and "555" not in title, title
        assert "Maria" not in body and "4155550132" not in body, body
        await pilot.press("escape")
        await pilot.pause()
        assert screen.said(f"Forgot who {HERO} belongs to.") == "Forgot who •••32 belongs to."
