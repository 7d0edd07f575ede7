"""`w` on the main screen: why nobody (or whom) the lookup matched, per source."""

from __future__ import annotations

from textual.widgets import Static

from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.screens.why import WhyMatched


def why_text(app: CxApp) -> str:
    return str(app.screen.query_one("#why-text", Static).content)


async def test_w_says_why_nobody_matched_on_the_demo() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l", *"+44 20 7555 0142", "enter")
        await app.main.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("escape", "w")  # from the profile, not the lookup bar
        await pilot.pause()
        assert isinstance(app.screen, WhyMatched)
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        text = " ".join(why_text(app).split())
        assert "Demo CRM: searched contact_points.normalized equals '+442075550142'" in text
        assert "rejected Grace Liu (record 10): stored as '555-0142'" in text
        assert "another country's number" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, WhyMatched)


async def test_w_before_any_lookup_says_what_to_do() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("escape", "w")
        await pilot.pause()
        assert not isinstance(app.screen, WhyMatched)
