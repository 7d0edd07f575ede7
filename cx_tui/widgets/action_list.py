"""The ranked next actions, each with its why; Enter takes the highlighted one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.style import StyleType
from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from cx_tui.actions import NextAction


def _drawn(actions: Sequence[NextAction]) -> list[tuple[str, str, bool]]:
    """What an option shows of each action: its title, its why and whether it is urgent."""
    return [(a.title, a.why, a.urgent) for a in actions]


class ActionList(OptionList):
    DEFAULT_CSS = """
    ActionList { height: auto; max-height: 16; border: none; }
    """

    @dataclass
    class ActionChosen(Message):
        action: NextAction

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.actions: list[NextAction] = []

    def show_actions(self, actions: Sequence[NextAction]) -> None:
        """List `actions`; the options are made again only when what they draw changed (a
        title, a why, the urgent colour), but the list always holds the new actions, so the
        one chosen carries its current target and prefill."""
        drawn = _drawn(actions) == _drawn(self.actions)
        self.actions = list(actions)
        if drawn:
            return
        sla: StyleType = "bold red"
        if any(a.urgent for a in self.actions):
            from cx_tui.themes import theme_palette

            sla = theme_palette(self.app).sla_breach
        highlighted = self.highlighted
        self.clear_options()
        options = []
        for index, action in enumerate(self.actions, 1):
            prompt = Text(f"{index}. ", style="bold")
            prompt.append(action.title, style=sla if action.urgent else "bold")
            prompt.append(f"\n   {action.why}", style="dim")
            options.append(Option(prompt, id=f"action-{index}"))
        self.add_options(options)  # one layout, not one per option
        if self.actions:
            self.highlighted = min(highlighted or 0, len(self.actions) - 1)

    def watch_show_vertical_scrollbar(self) -> None:
        """The scrollbar came or went, and with it two columns of room: wrap the actions again.

        Textual's OptionList measures each option's lines once per width it was resized to,
        but its own scrollbar narrows the options without a resize, so a why that now wraps to
        one line more lost its last line (seen at 80x24: a trouble spot's action, the list
        taller than its 16 rows). Clearing its caches, as its own resize does, measures again.
        """
        self._clear_caches()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.ActionChosen(self.actions[event.option_index]))
