"""Recent calls and the missed-call callback worklist; Enter opens the caller's profile."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from cx_tui.calls import clock_text
from cx_tui.keys import CALL_HISTORY_KEYS, CLOSE_KEYS, bindings
from cx_tui.phrases import ago
from cx_tui.store import CallRecord

Loader = Callable[[bool], Sequence[CallRecord]]
"""Returns recent calls, newest first; True: missed calls only."""


class CallHistory(ModalScreen[str | None]):
    """Dismisses with the number to look up, or None."""

    BINDINGS: ClassVar[list[BindingType]] = bindings(CALL_HISTORY_KEYS, CLOSE_KEYS)

    def __init__(self, load: Loader, *, missed_only: bool = False) -> None:
        super().__init__()
        self.load = load
        self.missed_only = missed_only
        self.calls: list[CallRecord] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="call-history", classes="dialog"):
            yield Label("", id="calls-title", classes="dialog-title")
            yield DataTable(id="calls-table", cursor_type="row", zebra_stripes=True)
            yield Label(
                "Enter opens the profile · m missed calls only (callback list) · Escape closes",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("When", "Number", "Person", "Duration", "Disposition", "")
        self.reload()
        table.focus()

    def reload(self) -> None:
        self.calls = list(self.load(self.missed_only))
        title = "Missed calls to return" if self.missed_only else "Recent calls"
        self.query_one("#calls-title", Label).update(f"{title} ({len(self.calls)})")
        table = self.query_one(DataTable)
        table.clear()
        for call in self.calls:
            duration = "" if call.duration_s is None else clock_text_s(call.duration_s)
            table.add_row(
                ago(call.started),
                call.number or "withheld",
                call.person_name or "",
                duration,
                call.disposition or "",
                Text("missed", style="bold red") if call.missed else Text(call.direction),
            )

    def action_toggle_missed(self) -> None:
        self.missed_only = not self.missed_only
        self.reload()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        call = self.calls[event.cursor_row]
        if call.number is None:
            self.notify("The caller withheld the number: nothing to look up.")
            return
        self.dismiss(call.number)

    def action_dismiss_modal(self) -> None:
        self.dismiss(None)


def clock_text_s(seconds: float) -> str:
    from datetime import timedelta

    return clock_text(timedelta(seconds=seconds))
