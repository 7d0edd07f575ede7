"""Trouble spots in the app: the banner when the demo caller sits in one, none for another,
`s` and the next action list the tickets; the mask covers them."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import OptionList

from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.screens.main import MainScreen
from cx_tui.screens.trouble import TroubleTickets
from cx_tui.widgets.action_list import ActionList
from cx_tui.widgets.trouble_banner import TroubleBanner
from tests.test_ui_flows import HERO, SIZE, look_up

DANIEL = "+16175550148"
"""The demo caller with a porting ticket while five other customers report porting trouble."""


async def _settled(app: CxApp, pilot: Pilot[None], query: str) -> MainScreen:
    screen = await look_up(app, pilot, query)
    for _ in range(3):  # the lookup's worker starts the trouble count as it ends
        await screen.workers.wait_for_complete()
        await pilot.pause()
    return screen


async def test_the_banner_shows_and_s_lists_the_tickets() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        screen = await _settled(app, pilot, DANIEL)
        banner = screen.query_one(TroubleBanner)
        assert banner.display
        assert str(banner.content).startswith(
            "Trouble spot: 5 customers about porting in the last hour"
        )
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, TroubleTickets)
        listing = app.screen.query_one("#trouble-list", OptionList)
        prompts = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert prompts[0].startswith("Trouble spot: 5 customers about porting")
        assert prompts[1].startswith("problem #") and "Carrier delay" in prompts[1]
        assert len(prompts) == 2 + 5  # heading, problem, five other customers' tickets
        assert "Our number port did not complete today" in prompts[2]  # newest first
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_the_next_action_opens_the_list() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        screen = await _settled(app, pilot, DANIEL)
        actions = screen.query_one("#actions", ActionList)
        titles = [a.title for a in screen.actions]
        assert titles[0].startswith("Link to problem #") and "Carrier delay" in titles[0]
        actions.focus()
        actions.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TroubleTickets)


async def test_no_banner_for_a_caller_in_no_trouble_spot() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        screen = await _settled(app, pilot, HERO)
        assert not screen.query_one(TroubleBanner).display
        assert screen.profile is not None and screen.profile.trouble == ()
        await pilot.press("s")
        await pilot.pause()
        assert app.screen is screen  # nothing to list: a notice, no dialog


async def test_the_list_shows_the_masked_profile() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        screen = await _settled(app, pilot, DANIEL)
        assert screen.profile is not None and screen.profile.trouble
        assert screen.query_one(TroubleBanner).display
        assert screen.profile.value("name") == "D. O."
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, TroubleTickets)
        assert app.screen.spots == list(screen.profile.trouble)  # the masked profile's


async def test_the_banner_is_in_view_without_scrolling_at_80x24_and_120x40() -> None:
    """A strip under the sources, above the profile's columns: however tall the identity card
    and the next actions are, the agent sees it on the first screen."""
    for size in [(80, 24), (120, 40)]:
        app = CxApp(load_config())
        async with app.run_test(size=size) as pilot:
            screen = await _settled(app, pilot, DANIEL)
            banner = screen.query_one(TroubleBanner)
            assert banner.display and banner.region.height == 1
            footer = screen.query_one("CxFooter").region
            assert 0 < banner.region.y < footer.y, f"at {size}: {banner.region}"
            assert banner.region.y < screen.query_one("#identity").region.y  # above the card
            text = str(banner.content)
            assert banner.region.width >= len(text), f"cut at {size}"
