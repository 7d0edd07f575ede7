"""Keys typed in one burst belong to the screen they were typed for (issue 18).

`pilot.press` waits for the app to go idle after every key, which no fast typist, paste, text
expander or loaded machine does: these tests post every key at once, then wait.
"""

from __future__ import annotations

from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input

from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.lookup import LookupEngine
from cx_tui.screens.create_contact import CreateContact
from cx_tui.screens.help import HelpScreen
from cx_tui.screens.note import NoteEditor
from cx_tui.screens.outbox import OutboxScreen
from tests.test_ui_outbox import crm

SIZE = (120, 40)
NOTE = "Caller asked for a refund of the March invoice!"  # 47 characters


def burst(app: CxApp, *keys: str) -> None:
    """Post every key to the app at once, as a terminal delivers a paste or a fast typist."""
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(key if key.isalnum() else _character_to_key(key), key))
        else:
            app.post_message(events.Key(key, None))


async def settle(app: CxApp, pilot: object) -> None:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
        for screen in app.screen_stack:
            await screen.workers.wait_for_complete()
    await pilot.pause()


async def type_in(app: CxApp, pilot: object, *keys: str) -> None:
    """Type `keys` in one burst, then wait until the app has handled them."""
    burst(app, *keys)
    await settle(app, pilot)


async def test_a_note_typed_in_one_burst_after_n_arrives_whole_once() -> None:
    assert len(NOTE) == 47
    source = crm()
    app = CxApp(load_config(), engine=LookupEngine([source]))
    async with app.run_test(size=SIZE) as pilot:
        await type_in(app, pilot, *"+14155550111", "enter")
        for round_ in range(5):
            text = f"{NOTE[:-2]}{round_:02d}"
            await type_in(app, pilot, "n", *text, "ctrl+s")
            assert isinstance(app.screen, NoteEditor), f"round {round_}"
            await type_in(app, pilot, "escape")
            assert source.received[-1] == text, f"round {round_}: {source.received}"
        assert len(source.received) == 5


async def test_ctrl_n_then_text_in_one_burst_from_the_lookup_bar() -> None:
    source = crm()
    app = CxApp(load_config(), engine=LookupEngine([source]))
    async with app.run_test(size=SIZE) as pilot:
        await type_in(app, pilot, *"+14155550111", "enter")
        await type_in(app, pilot, "ctrl+l", "ctrl+n", *NOTE, "ctrl+s")
        assert source.received == [NOTE]


async def test_slash_then_query_and_enter_in_one_burst() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await type_in(app, pilot, *"+14155550132", "enter")
        for query in ("+12125550100", "maria@example.com", "+14155550132"):
            await type_in(app, pilot, "slash", *query, "enter")
            if not isinstance(app.screen, type(app.main)):
                await type_in(app, pilot, "escape")
            assert app.main.session.query is not None
            assert app.main.session.query.text == query
        await type_in(app, pilot, "ctrl+l", *"+14155550199", "enter")
        assert app.main.session.query is not None
        assert app.main.session.query.text == "+14155550199"


async def test_keys_after_a_for_an_unknown_caller_fill_the_form() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await type_in(app, pilot, *"+14155550199", "enter")
        await type_in(app, pilot, "a", *"Rosa Diaz")
        assert isinstance(app.screen, CreateContact)
        assert app.screen.query_one("#contact-name", Input).value == "Rosa Diaz"


async def test_a_dialog_opened_and_closed_in_one_burst_then_a_query() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await type_in(app, pilot, *"+14155550111", "enter")
        # Help (F1) and the outbox (b): opened, closed with Escape, then back to the bar.
        await type_in(app, pilot, "f1", "escape", "b", "escape", "slash", *"+14155550132", "enter")
        assert not isinstance(app.screen, (HelpScreen, OutboxScreen))
        assert app.main.session.query is not None
        assert app.main.session.query.text == "+14155550132"
