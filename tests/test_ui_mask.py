"""The mask in the app: one key, every screen, until toggled; and each lookup is audited."""

from __future__ import annotations

from cx_tui.app import CxApp
from cx_tui.audit import AuditLog
from cx_tui.config import load_config
from cx_tui.paths import data_dir
from cx_tui.screens.recent import RecentLookups
from cx_tui.widgets.mask_badge import MaskBadge
from tests.test_ui_flows import HERO, SIZE, look_up


async def test_the_mask_stays_on_across_screens_until_toggled() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        screen = await look_up(app, pilot, HERO)
        assert screen.profile is not None and screen.profile.value("name") == "Maria Gonzalez"
        await pilot.press("x")  # focus left the lookup bar: x is the mask key
        await pilot.pause()
        badge = screen.query_one(MaskBadge)
        assert badge.has_class("-on") and badge.display
        assert screen.profile.value("name") == "M. G."
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RecentLookups)
        assert "4155550132" not in str(
            app.screen.query_one("#recent-list").get_option_at_index(0).prompt
        )
        await pilot.press("escape")
        await pilot.pause()
        # Back on the main screen, and a new lookup: still masked.
        screen = await look_up(app, pilot, HERO)
        assert badge.has_class("-on") and screen.profile.value("name") == "M. G."
        await pilot.press("f2")
        await pilot.pause()
        assert not badge.has_class("-on") and screen.profile.value("name") == "Maria Gonzalez"

    entries = list(AuditLog(data_dir() / "audit").entries())
    assert [e.masked for e in entries] == [False, True]
    assert all(e.where == "screen" and e.query == HERO for e in entries)
    assert entries[1].summary.startswith("M. G.")
