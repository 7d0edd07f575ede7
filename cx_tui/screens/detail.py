"""A ticket or a timeline item in full: comments in order, internal notes marked as such."""

from __future__ import annotations

from typing import ClassVar

from rich.console import RenderableType
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from cx_tui.keys import MODAL_KEYS, bindings
from cx_tui.models import SourceRef
from cx_tui.widgets.record_links import copy_link, open_record


class RecordDetail(ModalScreen[None]):
    """Shows one record; `o` opens it in the vendor's UI, `c` copies its link."""

    BINDINGS: ClassVar[list[BindingType]] = bindings(MODAL_KEYS)

    def __init__(self, title: str, body: RenderableType, ref: SourceRef) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.ref = ref

    def compose(self) -> ComposeResult:
        with Vertical(id="detail", classes="dialog"):
            yield Label(f"{self.title_text} — {self.ref.connector}", classes="dialog-title")
            with VerticalScroll(id="detail-scroll"):
                yield Static(self.body, id="detail-body")
            hint = "o open in browser · c copy link · " if self.ref.url else ""
            yield Label(f"{hint}Escape closes", classes="dialog-hint")

    def action_dismiss_modal(self) -> None:
        self.dismiss(None)

    def action_open_record(self) -> None:
        open_record(self, self.ref)

    def action_copy_link(self) -> None:
        copy_link(self, self.ref)
