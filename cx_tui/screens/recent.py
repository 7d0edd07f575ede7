"""Earlier lookups, one row per caller, newest first (kept locally across runs): the person (or
the number) once, with every spelling looked up, how many times and when last. Enter looks the
latest spelling up again."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from cx_tui.keys import CLOSE_KEYS, bindings
from cx_tui.phrases import ago

if TYPE_CHECKING:
    from cx_tui.lookup_history import RecentCaller


class RecentLookups(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings(CLOSE_KEYS)

    def __init__(
        self, lookups: Sequence[RecentCaller], *, shown: Callable[[str], str] | None = None
    ) -> None:
        super().__init__()
        self.lookups = list(lookups)
        self._shown = shown
        """The mask's view of a query or a name (None: the mask is off)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="recent", classes="dialog"):
            yield Label("Recent lookups", classes="dialog-title")
            if self.lookups:
                options = [
                    Option(self._prompt(item), id=f"recent-{index}")
                    for index, item in enumerate(self.lookups)
                ]
                yield OptionList(*options, id="recent-list")
            else:
                yield Label("No lookups yet.")
            yield Label("Enter looks it up again · Escape closes", classes="dialog-hint")

    def _prompt(self, item: RecentCaller) -> Text:
        """`Maria Gonzalez  +14155550132 · maria@example.com  3 lookups  2 min ago`; a caller nobody
        knows is named by the number, then what the lookup found."""
        show = self._shown
        points = [show(p) if show else p for p in item.points]
        name = item.name or ""
        if show is not None and item.resolved:
            name = show(name)
        head, rest = (name, points) if item.resolved else (points[0], [name, *points[1:]])
        prompt = Text(head, style="bold")
        if any(rest):
            prompt.append("  " + " · ".join(part for part in rest if part))
        if item.count > 1:
            prompt.append(f"  {item.count} lookups", style="dim")
        prompt.append(f"  {ago(item.latest)}", style="dim")
        return prompt

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.lookups[event.option_index].query)

    def action_dismiss_modal(self) -> None:
        self.dismiss(None)
