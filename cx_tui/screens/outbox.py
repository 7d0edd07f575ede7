"""What waits to be delivered, what was delivered, what failed: retry, edit, discard.

Each item is named by who or what it is for (`Maria Gonzalez (+1 415-555-0132) · Demo CRM
note`, `cx_tui.outbox.labels`); `i` shows the raw targets instead. With the mask on, the names,
numbers and note previews are masked as on the main screen (`cx_tui.insight.redact`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Label, Static, TextArea

from cx_tui.insight.redact import DOT, Mask, initials, mask_number
from cx_tui.keys import (
    CLOSE_KEYS,
    CONFIRM_KEYS,
    EDIT_NOTE_KEYS,
    MASK_KEY,
    OUTBOX_KEYS,
    bindings,
)
from cx_tui.models import TargetKind
from cx_tui.outbox.labels import TICKET_PREFIX, describe, person_name
from cx_tui.phrases import now_utc, span
from cx_tui.store import ItemState, OutboxItem, StoreError
from cx_tui.widgets.breakpoints import is_narrow
from cx_tui.widgets.mask_badge import MaskBadge
from cx_tui.widgets.record_tables import row_under_cursor

if TYPE_CHECKING:
    from cx_tui.delivery import Delivery

_STATE_STYLE = {
    ItemState.PENDING: "yellow",
    ItemState.SENDING: "cyan",
    ItemState.DELIVERED: "green",
    ItemState.FAILED: "bold red",
}
SHOWN = (ItemState.PENDING, ItemState.SENDING, ItemState.FAILED, ItemState.DELIVERED)


class Confirm(ModalScreen[bool]):
    """Yes or no, keyboard first (y / n, Escape is no)."""

    BINDINGS: ClassVar[list[BindingType]] = bindings(CONFIRM_KEYS)

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm"):
            yield Label(self.question, classes="dialog-title")
            with Horizontal():
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class EditNote(ModalScreen[str | None]):
    """Edit a failed note's text before sending it again (ctrl+s), Escape keeps the old one."""

    BINDINGS: ClassVar[list[BindingType]] = bindings(EDIT_NOTE_KEYS, CLOSE_KEYS)

    def __init__(self, item: OutboxItem, target: str) -> None:
        super().__init__()
        self.item = item
        self.target = target

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="edit-note"):
            yield Label(f"Edit and resend to {self.target}", classes="dialog-title")
            yield TextArea(self.item.text, id="edit-text", soft_wrap=True)
            yield Static("", id="edit-message")
            yield Label("ctrl+s resends · Escape cancels", classes="dialog-hint")

    def action_save(self) -> None:
        text = self.query_one(TextArea).text.strip()
        if not text:
            self.query_one("#edit-message", Static).update("The note is empty.")
            return
        self.dismiss(text)

    def action_dismiss_modal(self) -> None:
        self.dismiss(None)


MIN_TARGET = 24
"""The narrowest a shortened Target gets (the raw target, `i`, is never shortened)."""
MAX_NOTE, MAX_ERROR = 41, 60
"""The widest the Note preview and the Last error get."""
OTHER_COLUMNS = ("State", "Age", "Tries", "Last error", "Note")
"""The columns after the # and the Target."""
NARROW_DROPS = ("Tries", "Note")
"""What a narrow terminal (`is_narrow`) leaves out, for the Target's sake."""


def fitted(shown: str, room: int) -> str:
    """`shown` (`who · destination`) in `room` columns: the who part is cut with "…", the
    destination stays whole while it fits."""
    if len(shown) <= room or room < 2:
        return shown
    who, dot, where = shown.rpartition(" · ")
    if not dot or len(where) + 4 > room:
        return shown[: room - 1] + "…"
    return who[: room - len(where) - 4].rstrip() + "… · " + where


class OutboxScreen(ModalScreen[None]):
    """Every note item with its target, age, attempts and last error."""

    BINDINGS: ClassVar[list[BindingType]] = bindings(OUTBOX_KEYS, CLOSE_KEYS, (MASK_KEY,))

    def __init__(self, delivery: Delivery, *, masked: Callable[[], bool] = lambda: False) -> None:
        super().__init__()
        self.delivery = delivery
        self.masked = masked
        """Whether the mask is on (read at every repaint: `x` toggles it here too)."""
        self.raw = False
        """Show the raw targets (`Demo CRM/person/51000000123`) instead of their names."""
        self.items: list[OutboxItem] = []
        """The items read last (`reload`), drawn again without reading (`draw`)."""
        self._counts = (0, 0)
        self._drawn_width = -1
        self._mask = Mask()
        self._unsubscribe: Callable[[], None] = lambda: None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="outbox"):
            with Horizontal(id="outbox-head"):
                yield Label(
                    "Outbox: notes wait here until their source has them", classes="dialog-title"
                )
                yield MaskBadge(id="outbox-mask")
            yield DataTable(id="outbox-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="outbox-message")
            yield Label(
                "r retry now · e edit & resend · d discard · i raw target · Escape closes",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        self._unsubscribe = self.delivery.subscribe(lambda _item: self.reload())
        self.reload()
        table.focus()

    def on_unmount(self) -> None:
        self._unsubscribe()

    def reload(self) -> None:
        """Read the items and the counts again (the store), then draw them."""
        try:
            items = self.delivery.outbox.items(SHOWN)
            self._counts = self.delivery.counts()
        except StoreError as error:
            self.query_one("#outbox-message", Static).update(str(error))
            return
        items.sort(key=lambda i: (i.state is ItemState.DELIVERED, -i.id))
        self.items = items
        self._mask = Mask(person_name(item) for item in items)
        self.draw()

    def on_resize(self) -> None:
        """Columns that fit the new width, from the items read last (the store is not read)."""
        if self.app.size.width != self._drawn_width:
            self.draw()

    def draw(self) -> None:
        """The items read last: named or raw (`i`), masked or not, in columns that fit the
        width. A narrow terminal drops the Tries and the Note preview (`e` shows the note
        whole), so the Target, what the agent reads first, takes their room."""
        table = self.query_one(DataTable)
        row = table.cursor_row
        self._drawn_width = width = self.app.size.width
        narrow = is_narrow(width)
        masked = self.masked()
        self.query_one(MaskBadge).show_mask(masked)
        now = now_utc()
        table.clear(columns=True)  # columns as wide as what is shown now (raw, masked or not)
        heading = "Target (raw)" if self.raw else "Target"
        dropped = NARROW_DROPS if narrow else ()
        columns = [c for c in ("#", heading, *OTHER_COLUMNS) if c not in dropped]
        table.add_columns(*columns)
        previews = {
            item.id: self._mask.body(item.text) if masked else " ".join(item.text.split())
            for item in self.items
        }
        shown = {i.id: i.target_label if self.raw else self.shown_target(i) for i in self.items}
        target_room, note_room, error_room = self._rooms(
            width,
            max((len(t) for t in shown.values()), default=0),
            0 if narrow else max((len(p) for p in previews.values()), default=0),
            max((len(i.last_error or "") for i in self.items), default=0),
        )
        for item in self.items:
            cells = {
                "State": Text(item.state.value, style=_STATE_STYLE.get(item.state, "")),
                "Age": span(item.age(now)),
                "Tries": str(item.attempts),
                "Last error": fitted(item.last_error or "", error_room),
                "Note": fitted(previews[item.id], note_room),
            }
            table.add_row(
                str(item.id),
                shown[item.id] if self.raw else fitted(shown[item.id], target_room),
                *(cells[c] for c in OTHER_COLUMNS if c not in dropped),
                key=str(item.id),
            )
        if self.items:
            table.move_cursor(row=min(max(row, 0), len(self.items) - 1))
        pending, failed = self._counts
        self.query_one("#outbox-message", Static).update(
            f"{pending} pending · {failed} failed" if self.items else "Nothing in the outbox."
        )

    def _rooms(self, width: int, target: int, note: int, error: int) -> tuple[int, int, int]:
        """Columns for the Target, the Note preview and the Last error, so that State, Age and
        Tries stay in view: the dialog's width (`.dialog`: 90 % of a `width`-column screen, at
        most 110; the whole width when narrow, `app.tcss`), less border and padding, less the
        fixed columns and 2 cells of padding per column. The Target comes first (down to
        `MIN_TARGET`); the error and the note share the rest (at least 12 each); `e` shows a
        note whole. A narrow terminal shows no Tries and no note (`note` 0), so the Target has
        their room too."""
        narrow = is_narrow(width)
        inner = (width if narrow else min(width * 9 // 10, 110)) - 4
        now = now_utc()
        fixed = (  # the #, State, Age and Tries columns as wide as their widest cell
            max((len(str(i.id)) for i in self.items), default=1)
            + max((len(i.state.value) for i in self.items), default=5)
            + max([3, *(len(span(i.age(now))) for i in self.items)])
            + (0 if narrow else 5)
        )
        left = inner - fixed - 2 * (7 - len(NARROW_DROPS) if narrow else 7)
        error, note = min(error, MAX_ERROR), min(note, MAX_NOTE)
        # The error's and the note's columns are at least as wide as their titles, errors or not.
        kept = max(min(error, 12), len("Last error")) + (max(min(note, 12), 4) if note else 0)
        target = max(MIN_TARGET, min(target, left - kept))
        share = left - target  # the rest, split between the error and the note
        error = min(error, max(12, share - min(note, share // 2)))
        note = min(note, max(12, share - error)) if note else 0
        return target, note, error

    def shown_target(self, item: OutboxItem) -> str:
        """Who or what the item is for, masked while the mask is on."""
        label = item.target.label
        if label is None or not self.masked():
            return describe(item)
        if item.target.kind is TargetKind.TICKET and label.startswith(TICKET_PREFIX):
            number, _, subject = label.partition(" ")  # the ticket number is not personal
            return describe(item, f"{number} {self._mask.text(subject)}".rstrip())
        name = person_name(item) or ""
        number = label.removeprefix(name).strip(" ()")
        shown = initials(name) or DOT
        return describe(item, f"{shown} ({mask_number(number)})" if number else shown)

    def mask_changed(self) -> None:
        """The mask was toggled (`x`): paint the names and previews again."""
        self.draw()

    def action_toggle_raw(self) -> None:
        self.raw = not self.raw
        self.draw()

    def current(self) -> OutboxItem | None:
        return row_under_cursor(self.query_one(DataTable), self.items)

    def _act(self, verb: str, fn: Callable[[OutboxItem], object]) -> None:
        item = self.current()
        if item is None:
            return
        if item.state is ItemState.DELIVERED:
            self.notify("That note was delivered already.")
            return
        try:
            fn(item)
        except Exception as error:
            self.query_one("#outbox-message", Static).update(f"Could not {verb}: {error}")
            return
        self.delivery.worker.kick()
        self.reload()

    def action_retry(self) -> None:
        self._act("retry", lambda item: self.delivery.outbox.retry_now(item.id))

    def action_edit(self) -> None:
        item = self.current()
        if item is None or item.state is ItemState.DELIVERED:
            return

        def edited(text: str | None) -> None:
            if text is not None:
                self._act("resend", lambda it: self.delivery.outbox.edit_and_resend(it.id, text))

        self.app.push_screen(EditNote(item, self.shown_target(item)), edited)

    def action_discard(self) -> None:
        item = self.current()
        if item is None or item.state is ItemState.DELIVERED:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._act("discard", lambda it: self.delivery.outbox.discard(it.id))

        self.app.push_screen(
            Confirm(f"Discard the note to {self.shown_target(item)}? It will never be sent."),
            answered,
        )

    def action_dismiss_modal(self) -> None:
        self.dismiss(None)
