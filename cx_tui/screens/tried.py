"""Every step already tried (`d`): the main screen's panel shows the newest few only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from cx_tui.keys import CLOSE_KEYS, bindings
from cx_tui.widgets.tried_list import tried_text

if TYPE_CHECKING:
    from cx_tui.models import TriedItem


class AllTried(ModalScreen[None]):
    """The whole list, newest first; painted again when the mask is toggled."""

    BINDINGS: ClassVar[list[BindingType]] = bindings(CLOSE_KEYS)

    def __init__(self, items: Callable[[], Sequence[TriedItem]]) -> None:
        super().__init__()
        self._items = items

    def compose(self) -> ComposeResult:
        items = self._items()
        with Vertical(id="all-tried", classes="dialog"):
            yield Label(f"Already tried ({len(items)}, newest first)", classes="dialog-title")
            with VerticalScroll(id="all-tried-scroll"):
                yield Static(tried_text(items), id="all-tried-text")
            yield Label("Escape closes", classes="dialog-hint")

    def mask_changed(self) -> None:
        self.query_one("#all-tried-text", Static).update(tried_text(self._items()))

    def action_dismiss_modal(self) -> None:
        self.dismiss(None)
