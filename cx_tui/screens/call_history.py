"""Recent calls and the missed-call callback worklist; Enter opens the caller's profile.

A missed call leaves the worklist once it is returned: by a later answered or outbound call
with its number (the store marks it), or by the agent's key here. A caller nobody knew shows
"unknown" until a later lookup resolves the number (`lookup_history.name_calls`, the loader's
job). With the mask on, names and numbers are masked (`x` toggles it here too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from cx_tui.calls import clock_text
from cx_tui.insight.redact import initials, mask_number
from cx_tui.keys import CALL_HISTORY_KEYS, CLOSE_KEYS, MASK_KEY, bindings
from cx_tui.phrases import ago
from cx_tui.store import CallRecord, StoreError
from cx_tui.widgets.breakpoints import is_narrow
from cx_tui.widgets.mask_badge import MaskBadge
from cx_tui.widgets.record_tables import row_under_cursor

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

    BINDINGS: ClassVar[list[BindingType]] = bindings(CALL_HISTORY_KEYS, CLOSE_KEYS, (MASK_KEY,))

    def __init__(
        self,
        load: Loader,
        mark_returned: MarkReturned,
        *,
        missed_only: bool = False,
        masked: Callable[[], bool] = lambda: False,
    ) -> None:
        super().__init__()
        self.load = load
        self.mark_returned = mark_returned
        self.missed_only = missed_only
        self.masked = masked
        """Whether the mask is on (read at every repaint)."""
        self.calls: list[CallRecord] = []
        self._narrow: bool | None = None
        """Whether the last draw was cut to fit (None before the first)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="call-history", classes="dialog"):
            with Horizontal(id="calls-head"):
                yield Label("", id="calls-title", classes="dialog-title")
                yield MaskBadge(id="calls-mask")
            yield DataTable(id="calls-table", cursor_type="row", zebra_stripes=True)
            yield Label(
                "Enter opens the profile · m missed calls to return · r marks returned · "
                "w reopens a wrap-up · Escape closes",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    def reload(self) -> None:
        """Read the calls again (the store) and draw them."""
        self.calls = list(self.load(self.missed_only))
        self.draw()

    def draw(self) -> None:
        """Draw the calls read last, cut to fit when narrow, masked when the mask is on."""
        table = self.query_one(DataTable)
        row = table.cursor_row
        self._narrow = is_narrow(self.size.width)
        masked = self.masked()
        self.query_one(MaskBadge).show_mask(masked)
        cut = _cut if self._narrow else lambda text, _width: text
        title = "Missed calls to return" if self.missed_only else "Recent calls"
        self.query_one("#calls-title", Label).update(f"{title} ({len(self.calls)})")
        table.clear(columns=True)  # columns that fit what is shown now, not what was before
        table.add_columns("When", "Call", "Number", "Person", "m:ss", "Disposition")
        for call in self.calls:
            duration = "" if call.duration_s is None else clock_text_s(call.duration_s)
            number, name = call.number, call.person_name
            if masked:
                number, name = number and mask_number(number), initials(name)
            table.add_row(
                ago(call.started),
                _status(call),
                number or "withheld",
                cut(name, NARROW_PERSON) or (Text("unknown", style="dim") if call.number else ""),
                duration,
                cut(call.disposition or "", NARROW_DISPOSITION),
            )
        if self.calls:
            table.move_cursor(row=min(row, len(self.calls) - 1))

    def on_resize(self) -> None:
        """Narrow or not (`is_narrow`): names cut to fit, or not (a redraw of what was read,
        only when that changes)."""
        if is_narrow(self.size.width) != self._narrow:
            self.draw()

    def mask_changed(self) -> None:
        self.draw()

    def _selected(self) -> CallRecord | None:
        return row_under_cursor(self.query_one(DataTable), self.calls)

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


NARROW_PERSON = 14
NARROW_DISPOSITION = 12
"""Characters of a name and a disposition shown on a narrow terminal: every column fits 80."""


def _cut(text: str | None, width: int) -> str | None:
    return text if text is None or len(text) <= width else text[: width - 1] + "…"


def _status(call: CallRecord) -> Text:
    """What became of the call, in a word or two that fit 80 columns: `← in`, `→ out`,
    `missed`, `↩ returned` (a missed call called back)."""
    if call.missed and call.returned is not None:
        return Text("↩ returned", style="dim")
    if call.missed:
        return Text("missed", style="bold red")
    return Text("→ out" if call.direction == "outbound" else "← in")


def clock_text_s(seconds: float) -> str:
    from datetime import timedelta

    return clock_text(timedelta(seconds=seconds))
