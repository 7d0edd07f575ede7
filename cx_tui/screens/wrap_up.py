"""After a call: the note, a disposition and the duration, logged as a call activity.

Nothing typed is lost, as in the note editor: every change is handed to `on_draft` (the app
keeps a draft per call), Escape closes and keeps the draft, and the form closes only once the
call log is committed to the local outbox; when that fails it stays open, text and all, and
says why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static, TextArea

from cx_tui.call_flow import WrapUpResult
from cx_tui.calls import Call, clock_text
from cx_tui.keys import WRAP_UP_KEYS, bindings
from cx_tui.note_targets import TargetChoice
from cx_tui.outbox import OutboxError
from cx_tui.phrases import now_utc
from cx_tui.store import StoreError
from cx_tui.widgets.call_banner import shown_call
from cx_tui.widgets.target_list import TargetList

LogCall = Callable[["WrapUpResult"], None]
"""Commits the call log (queues it in the outbox, records the disposition).

Raises:
    StoreError, OutboxError: nothing was saved; the form stays open with the text.
"""


def parse_duration(text: str) -> int | None:
    """`2:05` or `125` or `1:02:05` -> seconds; None when unreadable."""
    parts = text.strip().split(":")
    if not parts or len(parts) > 3 or not all(p.isdigit() for p in parts):
        return None
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + int(part)
    return seconds


class WrapUp(ModalScreen[WrapUpResult | None]):
    """ctrl+s logs the call; Escape closes and keeps the note as a draft."""

    BINDINGS: ClassVar[list[BindingType]] = bindings(WRAP_UP_KEYS)

    def __init__(
        self,
        call: Call,
        dispositions: Sequence[str],
        choices: Sequence[TargetChoice],
        *,
        log: LogCall,
        draft: str = "",
        on_draft: Callable[[str], None] | None = None,
        masked: Callable[[], bool] = lambda: False,
    ) -> None:
        super().__init__()
        self.call = call
        self.masked = masked
        """Whether the mask is on (read at every paint: it may be toggled from the palette):
        the caller and the targets show masked; the call log and its labels never are."""
        self.dispositions = list(dispositions)
        self.choices = list(choices)
        self.log_call = log
        self.draft = draft
        self.on_draft = on_draft or (lambda _text: None)
        self.logged = False

    def _title(self) -> str:
        return f"Wrap up the call with {shown_call(self.call, self.masked()).who()}"

    def mask_changed(self) -> None:
        """The mask was toggled (from the palette: the note area takes the mask key)."""
        self.query_one(".dialog-title", Label).update(self._title())
        self.query_one(TargetList).show_masked(self.masked())

    def compose(self) -> ComposeResult:
        with Vertical(id="wrap-up", classes="dialog"):
            yield Label(self._title(), classes="dialog-title")
            yield TextArea(self.draft, id="wrap-note", soft_wrap=True)
            with Horizontal(id="wrap-row"):  # side by side: ctrl+s stays on screen at 80x24
                yield Select(
                    [(d, d) for d in self.dispositions],
                    prompt="Disposition",
                    id="wrap-disposition",
                )
                yield Input(
                    clock_text(self.call.duration(now_utc())),
                    id="wrap-duration",
                    placeholder="Duration m:ss",
                )
            yield TargetList(self.choices, id="wrap-targets", masked=self.masked())
            yield Static("", id="wrap-message")
            yield Label(
                "ctrl+s logs the call · Escape closes (the note stays as a draft)",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        area = self.query_one("#wrap-note", TextArea)
        area.focus()
        area.move_cursor(area.document.end)
        if not self.choices:
            self.query_one("#wrap-targets", TargetList).display = False
            self._say(
                "The caller was not identified, so no CRM or ticket takes this call: ctrl+s "
                "keeps it in the local call history only.",
                style="italic",
            )

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if not self.logged:  # a change still queued when the form closed must not revive it
            self.on_draft(event.text_area.text)

    def _say(self, message: str, style: str = "bold red") -> None:
        self.query_one("#wrap-message", Static).update(Text(message, style=style))

    def action_save(self) -> None:
        note = self.query_one("#wrap-note", TextArea).text.strip()
        disposition = self.query_one("#wrap-disposition", Select).value
        duration = parse_duration(self.query_one("#wrap-duration", Input).value)
        picked = self.query_one("#wrap-targets", TargetList).picked(self.choices)
        if not note:
            self._say("Write what happened on the call first.")
        elif disposition is Select.NULL:
            self._say("Choose a disposition.")
        elif duration is None:
            self._say("The duration reads as m:ss (for example 4:30).")
        elif self.choices and not picked:
            self._say("Choose where to log the call (Tab to the list, space to check).")
        elif any(len(note) > c.limit for c in picked):
            self._say("The note is longer than a chosen target accepts; shorten it.")
        else:
            result = WrapUpResult(note, str(disposition), duration, tuple(c.target for c in picked))
            try:
                self.log_call(result)
            except (StoreError, OutboxError) as error:
                self._say(
                    f"The call was not logged: {error} Your note is still here; ctrl+s tries again."
                )
                return
            self.logged = True
            self.dismiss(result)

    def action_close(self) -> None:
        self.on_draft(self.query_one("#wrap-note", TextArea).text)
        self.dismiss(None)
