"""Recent calls and the missed-call callback worklist; Enter opens the caller's profile.

A missed call leaves the worklist once it is returned: by a later answered or outbound call
with its number (the store marks it), or by the agent's key here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
from cx_tui.store import CallRecord, StoreError

Loader = Callable[[bool], Sequence[CallRecord]]
"""Returns recent calls, newest first; True: missed calls not yet returned only."""
MarkReturned = Callable[[str, bool], object]
"""Marks a call returned (True) or back on the callback list (False), by call id.

Raises:
    StoreError: it could not be saved.
"""


@dataclass(frozen=True, slots=True)
class HistoryPick:
    """The call the agent chose: open its caller, or (`wrap_up`) reopen its wrap-up."""

    call: CallRecord
    wrap_up: bool = False


class CallHistory(ModalScreen[HistoryPick | None]):
    """Dismisses with the chosen call, or None."""

    BINDINGS: ClassVar[list[BindingType]] = bindings(CALL_HISTORY_KEYS, CLOSE_KEYS)

    def __init__(
        self, load: Loader, mark_returned: MarkReturned, *, missed_only: bool = False
    ) -> None:
        super().__init__()
        self.load = load
        self.mark_returned = mark_returned
        self.missed_only = missed_only
        self.calls: list[CallRecord] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="call-history", classes="dialog"):
            yield Label("", id="calls-title", classes="dialog-title")
            yield DataTable(id="calls-table", cursor_type="row", zebra_stripes=True)
            yield Label(
                "Enter opens the profile · m missed calls to return · r marks returned · "
                "w reopens a wrap-up · Escape closes",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("When", "Number", "Person", "Duration", "Disposition", "")
        self.reload()
        table.focus()

    def reload(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        self.calls = list(self.load(self.missed_only))
        title = "Missed calls to return" if self.missed_only else "Recent calls"
        self.query_one("#calls-title", Label).update(f"{title} ({len(self.calls)})")
        table.clear()
        for call in self.calls:
            duration = "" if call.duration_s is None else clock_text_s(call.duration_s)
            table.add_row(
                ago(call.started),
                call.number or "withheld",
                call.person_name or "",
                duration,
                call.disposition or "",
                _status(call),
            )
        if self.calls:
            table.move_cursor(row=min(row, len(self.calls) - 1))

    def _selected(self) -> CallRecord | None:
        table = self.query_one(DataTable)
        if not self.calls or not 0 <= table.cursor_row < len(self.calls):
            return None
        return self.calls[table.cursor_row]

    def action_toggle_missed(self) -> None:
        self.missed_only = not self.missed_only
        self.reload()

    def action_toggle_returned(self) -> None:
        call = self._selected()
        if call is None or not call.missed:
            self.notify("Only a missed call can be marked returned.")
            return
        try:
            self.mark_returned(call.call_id, call.returned is None)
        except StoreError as error:
            self.notify(str(error), title="Local store", severity="error", timeout=10)
            return
        self.reload()

    def action_wrap_up(self) -> None:
        call = self._selected()
        if call is not None:
            self.dismiss(HistoryPick(call, wrap_up=True))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        call = self.calls[event.cursor_row]
        if call.number is None:
            self.notify("The caller withheld the number: nothing to look up.")
            return
        self.dismiss(HistoryPick(call))

    def action_dismiss_modal(self) -> None:
        self.dismiss(None)


def _status(call: CallRecord) -> Text:
    if call.missed and call.returned is not None:
        return Text("missed, returned", style="dim")
    if call.missed:
        return Text("missed", style="bold red")
    return Text(call.direction)


def clock_text_s(seconds: float) -> str:
    from datetime import timedelta

    return clock_text(timedelta(seconds=seconds))
