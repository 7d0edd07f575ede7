"""The "Already tried" panel shows the newest steps that fit, then "+N more (d: all)"; `d`
opens every step (issue 15)."""

from __future__ import annotations

import dataclasses

from textual.widgets import Static

from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.screens.main import MainScreen
from cx_tui.screens.tried import AllTried
from cx_tui.widgets.tried_list import MAX_SHOWN, tried_text
from tests.test_ui_flows import HERO, SIZE, look_up, text_of

HERO_STEPS = 6
"""Steps the demo's hero has on record (tests/test_demo_data.py seeds them)."""


def bullets(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("• ")]


async def test_the_panel_is_capped_and_d_shows_every_step() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        screen = await look_up(app, pilot, HERO)
        assert screen.profile is not None
        steps = screen.profile.already_tried
        assert len(steps) == HERO_STEPS > MAX_SHOWN
        panel = text_of(screen.query_one("#tried", Static))
        assert len(bullets(panel)) == MAX_SHOWN
        assert panel.rstrip().endswith(f"+{HERO_STEPS - MAX_SHOWN} more (d: all)")
        assert steps[-1].text not in panel  # the oldest is left out of the panel
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, AllTried)
        everything = text_of(app.screen.query_one("#all-tried-text", Static))
        assert len(bullets(everything)) == HERO_STEPS and "more" not in everything
        assert all(step.text in everything for step in steps)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_the_hint_names_a_remapped_key_and_the_list_follows_the_mask() -> None:
    config = dataclasses.replace(load_config(), keymap={"all-tried": "y"})
    app = CxApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await look_up(app, pilot, HERO)
        assert "more (y: all)" in text_of(screen.query_one("#tried", Static))
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, AllTried)
        shown = text_of(app.screen.query_one("#all-tried-text", Static))
        assert "Demo Helpdesk" in shown
        app.action_toggle_mask()  # the mask (from the command palette) while the list is open
        await pilot.pause()
        assert app.services.masked
        masked = text_of(app.screen.query_one("#all-tried-text", Static))
        assert screen.profile is not None
        assert masked == str(tried_text(screen.profile.already_tried)) != shown


async def test_d_before_anything_was_tried_says_so() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.main.action_all_tried()
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert any("Nothing is recorded as tried" in str(n.message) for n in app._notifications)


def test_a_list_that_fits_has_no_more_line() -> None:
    from datetime import UTC, datetime

    from cx_tui.models import SourceRef, TriedItem

    at = datetime(2026, 11, 20, tzinfo=UTC)
    items = [TriedItem(f"step {n}", at, SourceRef("Desk", str(n))) for n in range(MAX_SHOWN)]
    assert "more" not in str(tried_text(items, MAX_SHOWN))
    capped = str(tried_text([*items, items[0]], MAX_SHOWN, key="y"))
    assert capped.endswith("+1 more (y: all)") and len(bullets(capped)) == MAX_SHOWN


async def test_taking_dont_repeat_opens_every_step() -> None:
    from cx_tui.actions import ActionKind

    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        screen = await look_up(app, pilot, HERO)
        [action] = [a for a in screen.actions if a.kind is ActionKind.DONT_REPEAT]
        screen.take(action)
        await pilot.pause()
        assert isinstance(app.screen, AllTried)
