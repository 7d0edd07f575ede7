"""Issue 14 on screen, by keyboard: remembered picks (a weak match confirmed once resolves
next time, a switchboard pick is preselected but never resolved, `f` forgets)."""

from __future__ import annotations

from textual.widgets import OptionList

from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.models import LinkUse, ProfileState
from cx_tui.screens.picker import CandidatePicker
from tests.test_ui_flows import SIZE, look_up

WEAK = "+16465550142"
SWITCHBOARD = "+12125550100"
OTHER = "+14155550132"


async def test_a_weak_match_confirmed_once_resolves_the_next_time_until_forgotten() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, WEAK)
        assert isinstance(app.screen, CandidatePicker)
        await pilot.press("enter")  # the agent asked: it is Grace
        await app.main.workers.wait_for_complete()
        await pilot.pause()
        await look_up(app, pilot, OTHER)  # another caller in between
        screen = await look_up(app, pilot, WEAK)
        profile = screen.profile
        assert not isinstance(app.screen, CandidatePicker)
        assert profile is not None and profile.state is ProfileState.RESOLVED
        assert profile.value("name") == "Grace Liu" and profile.link_use is LinkUse.RESOLVED
        assert any(note.startswith("confirmed by you on") for note in profile.notes)
        await pilot.press("f")  # forget the link: asked again
        await screen.workers.wait_for_complete()
        await pilot.pause()
        assert screen.profile is not None and screen.profile.state is ProfileState.AMBIGUOUS
        assert isinstance(app.screen, CandidatePicker)


async def test_a_switchboard_preselects_the_last_pick_but_the_agent_still_picks() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, SWITCHBOARD)
        picker = app.screen
        assert isinstance(picker, CandidatePicker)
        names = [c.name for c in picker.candidates]
        second = names[1]
        await pilot.press("down", "enter")
        await app.main.workers.wait_for_complete()
        await pilot.pause()
        assert app.main.profile is not None and app.main.profile.value("name") == second
        await look_up(app, pilot, OTHER)
        await look_up(app, pilot, SWITCHBOARD)
        picker = app.screen
        assert isinstance(picker, CandidatePicker)  # never resolved silently
        profile = app.main.profile
        assert profile is not None and profile.state is ProfileState.AMBIGUOUS
        assert picker.candidates[0].name == second
        assert picker.query_one(OptionList).highlighted == 0
        assert profile.preselected == picker.candidates[0].key
        await pilot.press("enter")  # the agent confirms it is them again
        await app.main.workers.wait_for_complete()
        await pilot.pause()
        assert app.main.profile is not None and app.main.profile.value("name") == second
