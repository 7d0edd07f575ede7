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


async def test_the_dialogs_mask_key_is_the_apps_action_and_follows_the_keymap() -> None:
    """One mask action, the app's: the outbox and the call history bind the key to it (no
    forwarder of their own), so a remapped key masks there too, every screen open at once."""
    import dataclasses

    from cx_tui.screens.call_history import CallHistory
    from cx_tui.screens.outbox import OutboxScreen

    assert not hasattr(OutboxScreen, "action_toggle_mask")
    assert not hasattr(CallHistory, "action_toggle_mask")
    app = CxApp(dataclasses.replace(load_config(), keymap={"mask": "f3"}))
    async with app.run_test(size=SIZE) as pilot:
        screen = await look_up(app, pilot, HERO)
        for key, dialog in (("h", CallHistory), ("b", OutboxScreen)):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, dialog)
            await pilot.press("x")  # no longer the mask key
            await pilot.pause()
            assert not app.services.masked
            await pilot.press("f3")
            await pilot.pause()
            assert app.services.masked and app.screen.query_one(MaskBadge).has_class("-on")
            assert screen.query_one(MaskBadge).has_class("-on")  # the main screen's too
            assert screen.profile is not None and screen.profile.value("name") == "M. G."
            await pilot.press("f3", "escape")
            await pilot.pause()
            assert not app.services.masked and app.screen is screen
