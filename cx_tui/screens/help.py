"""Every binding, by group, with the keys as configured (`?` or F1)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from cx_tui.keys import CLOSE_KEYS, bindings, groups


def keys_table(keymap: dict[str, str] | None = None) -> Table:
    # Text cells, not strings: a string cell is markup, and `[` in a key or a description
    # would be eaten.
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    table.add_column(style="dim")
    for group, rows in groups(keymap).items():
        table.add_row(Text(group, style="underline"), "", "")
        for keys, description, binding_id in rows:
            table.add_row(Text(keys), Text(description), Text(binding_id))
        table.add_row("", "", "")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings(CLOSE_KEYS)

    def __init__(self, keymap: dict[str, str] | None = None) -> None:
        super().__init__()
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with Vertical(id="help", classes="dialog"):
            yield Label(
                "Keys (remap any of them by id in the config's [keymap])",
                classes="dialog-title",
                markup=False,
            )
            with VerticalScroll():
                yield Static(keys_table(self.keymap), id="help-keys")
            yield Label("ctrl+p: command palette · Escape closes", classes="dialog-hint")

    def action_dismiss_modal(self) -> None:
        self.dismiss(None)
