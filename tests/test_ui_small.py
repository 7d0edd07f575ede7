"""The small things an agent trips on (issue 18 item 4)."""

from __future__ import annotations

import dataclasses

from textual.widgets import Input, Static

from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.screens.help import HelpScreen
from cx_tui.screens.note import NoteEditor

SIZE = (120, 40)
HERO = "+14155550132"


def welcome_text(app: CxApp) -> str:
    return str(app.main.query_one("#status", Static).content)


async def test_f1_is_help_everywhere_and_the_welcome_line_says_so() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        assert "F1 help" in welcome_text(app) and "? help" not in welcome_text(app)
        assert isinstance(app.focused, Input)  # the lookup bar: F1 is not text
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "ctrl+l", *HERO, "enter")
        await app.main.workers.wait_for_complete()
        await pilot.press("n")
        assert isinstance(app.screen, NoteEditor)
        await pilot.press("f1")  # in a dialog too
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, NoteEditor)


async def test_question_mark_in_the_lookup_bar_is_text() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert not isinstance(app.screen, HelpScreen)
        assert app.main.query_one("#lookup-bar", Input).value == "?"


async def test_the_welcome_line_names_the_remapped_help_key() -> None:
    config = dataclasses.replace(load_config(), keymap={"help": "f2"})
    app = CxApp(config)
    async with app.run_test(size=SIZE) as pilot:
        assert "F2 help" in welcome_text(app)
        await pilot.press("f2")
        assert isinstance(app.screen, HelpScreen)


async def test_missed_call_toasts_coalesce_into_one_with_a_count() -> None:
    from tests.test_ui_calls import event, started

    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        for n in range(5):
            await event(pilot, event="ring", number=f"+1415555019{n}", call_id=f"m-{n}")
            await event(pilot, event="hangup", call_id=f"m-{n}")
        missed = [n.message for n in app._notifications if "missed" in n.message.lower()]
        assert missed == ["5 missed calls (m lists them)."]


async def test_the_lookup_message_takes_a_row_only_while_it_says_something() -> None:
    """At 80x24 every row counts: the line under the lookup bar is hidden while empty, shows
    an invalid query's message, and goes again with the next valid lookup."""
    app = CxApp(load_config())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.main
        bar = screen.query_one("#lookup-bar", Input)
        message = screen.query_one("#lookup-message", Static)
        sources = screen.query_one("#sources")
        await pilot.pause()
        assert message.region.height == 0
        assert sources.region.y == bar.region.bottom  # the next row, nothing between
        await pilot.press(*"+1 12", "enter")
        await pilot.pause()
        assert "phone number" in str(message.content)
        assert message.region.height >= 1 and message.region.y == bar.region.bottom
        assert sources.region.y == message.region.bottom
        await pilot.press("ctrl+l", *HERO, "enter")
        await screen.workers.wait_for_complete()
        await pilot.pause()
        assert message.region.height == 0
        assert sources.region.y == bar.region.bottom
