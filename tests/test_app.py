"""The minimal screen: the lookup bar has focus, a lookup paints the merged profile."""

from __future__ import annotations

from textual.widgets import Input, Static

from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.models import SourceState
from cx_tui.screens.main import MainScreen


def _text(app: CxApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).content)


async def test_lookup_from_the_bar_shows_the_merged_profile() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.focused, Input)
        await pilot.press(*"+14155550132", "enter")
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MainScreen) and screen.profile is not None
        assert screen.profile.value("name") == "Maria Gonzalez"
        assert [c.field for c in screen.profile.conflicts] == ["plan"]
        assert {s.state for s in screen.profile.sources.values()} == {SourceState.FOUND}


async def test_bad_input_shows_a_message_and_keeps_focus() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"415-555-O132", "enter")
        await pilot.pause()
        assert "does not belong in a phone number" in _text(app, "#lookup-message")
        assert isinstance(app.focused, Input)
        assert app.focused.value == "415-555-O132"
