"""Earlier lookups, newest first (kept locally across runs); Enter looks one up again."""

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
    from cx_tui.store import LookupRecord


class RecentLookups(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings(CLOSE_KEYS)

    def __init__(
        self, lookups: Sequence[LookupRecord], *, shown: Callable[[str], str] | None = None
    ) -> None:
        super().__init__()
        self.lookups = list(lookups)
        self._shown = shown
        """The mask's view of a query or a name (None: the mask is off)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="recent", classes="dialog"):
            yield Label("Recent lookups", classes="dialog-title")
            if self.lookups:
                options = []
                for index, item in enumerate(self.lookups):
                    name = item.person_name or ""
                    if self._shown is not None:
                        resolved = item.state == "resolved" and name
                        name = self._shown(name) if resolved else name
                    query = self._shown(item.query) if self._shown else item.query
                    prompt = Text(query, style="bold")
                    prompt.append(f"  {name}")
                    prompt.append(f"  {ago(item.at)}", style="dim")
                    options.append(Option(prompt, id=f"recent-{index}"))
                yield OptionList(*options, id="recent-list")
            else:
                yield Label("No lookups yet.")
            yield Label("Enter looks it up again · Escape closes", classes="dialog-hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.lookups[event.option_index].query)

    def action_dismiss_modal(self) -> None:
        self.dismiss(None)
