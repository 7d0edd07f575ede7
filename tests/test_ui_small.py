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
