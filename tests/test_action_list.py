"""The next actions list wraps each why at the width it has, scrollbar or not."""

from __future__ import annotations

from textual.app import App, ComposeResult

from cx_tui.actions import ActionKind, NextAction
from cx_tui.widgets.action_list import ActionList


def action(n: int, why: str, title: str = "Step") -> NextAction:
    return NextAction(f"rule{n}", ActionKind.LOG_NOTE, f"{title} {n}", why, 50)


class OneList(App[None]):
    CSS = "ActionList { width: 50; }"

    def compose(self) -> ComposeResult:
        yield ActionList(id="actions")


async def test_a_why_that_wraps_once_the_scrollbar_shows_keeps_its_last_line() -> None:
    app = OneList()
    async with app.run_test(size=(60, 30)) as pilot:
        actions = app.query_one(ActionList)
        actions.show_actions([action(n, "short") for n in range(1, 8)])  # 7 x 2 = 14 rows
        await pilot.pause()
        height = actions.size.height  # its most (16 with the border): full, no scrollbar yet
        assert actions.scrollable_content_region.height == 14
        assert not actions.show_vertical_scrollbar
        padding = actions.get_component_styles("option-list--option").padding.width
        room = actions.scrollable_content_region.width - padding
        # One line at the width without a scrollbar, two once the scrollbar takes its columns;
        # one row more than fits (the list keeps its height: no resize happens).
        words = ("word " * 30)[: room - len("   ") - len(" LAST")].rstrip()
        whys = ["short"] * 7
        whys[0] = f"{words} LAST"
        actions.show_actions([action(n, why, "Next") for n, why in enumerate(whys, 1)])
        actions.show_actions([*actions.actions, action(8, "one more")])
        await pilot.pause()
        assert actions.show_vertical_scrollbar and actions.size.height == height
        shown = [strip.text for strip in app.screen._compositor.render_strips()]
        assert any("LAST" in line for line in shown), "\n".join(shown)
        assert any("2. Next 2" in line for line in shown)


def _lines(app: App[None]) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_a_why_that_changed_under_the_same_title_is_drawn_again() -> None:
    """An SLA action keeps its title while its why counts the minutes down: the new why shows,
    and Enter takes the new action (its target and prefill), not the one drawn first."""
    app = OneList()
    async with app.run_test(size=(60, 30)) as pilot:
        actions = app.query_one(ActionList)
        first = NextAction("sla", ActionKind.LOG_NOTE, "Reply before 14:10", "SLA, 9 min left", 90)
        actions.show_actions([first])
        await pilot.pause()
        assert any("9 min left" in line for line in _lines(app))
        later = NextAction(
            "sla", ActionKind.LOG_NOTE, "Reply before 14:10", "SLA, 8 min left", 90, urgent=True
        )
        actions.show_actions([later])
        await pilot.pause()
        shown = _lines(app)
        assert any("8 min left" in line for line in shown), "\n".join(shown)
        assert not any("9 min left" in line for line in shown)
        assert actions.actions == [later]
        assert actions.get_option_at_index(0).prompt.spans[-2].style != "bold"  # urgent colour
