"""Tickets (open first) and the cross-channel timeline, as keyboard-navigable tables.

DataTable draws only the visible rows, so a person with thousands of timeline items scrolls
without freezing; rows are keyed by record so Enter can open the record's detail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from cx_tui.models import Interaction, Ticket
from cx_tui.phrases import ago

_ARROWS = {"inbound": "←", "outbound": "→"}
SUBJECT_WIDTH = 36
"""Long subjects are cut so status, priority, age and SLA stay in view; Enter shows it all."""


class TicketTable(DataTable[Text | str]):
    DEFAULT_CSS = """
    TicketTable { height: auto; max-height: 14; }
    """

    @dataclass
    class TicketChosen(Message):
        ticket: Ticket

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.tickets: dict[str, Ticket] = {}

    def on_mount(self) -> None:
        self.add_columns("#", "Subject", "Status", "Priority", "Age", "SLA due", "Source")

    def show_tickets(self, tickets: Sequence[Ticket]) -> None:
        keys = [f"{t.ref.connector}/{t.ref.record_id}" for t in tickets]
        if keys == list(self.tickets) and all(
            self.tickets[k] == t for k, t in zip(keys, tickets, strict=True)
        ):
            return
        self.tickets = dict(zip(keys, tickets, strict=True))
        self.clear()
        for key, ticket in self.tickets.items():
            sla = ""
            style = ""
            if ticket.sla_due and ticket.is_open:
                sla = ago(ticket.sla_due)
                style = "bold red" if not sla.startswith("in ") else "bold yellow"
            subject = ticket.subject
            self.add_row(
                ticket.ref.record_id,
                subject if len(subject) <= SUBJECT_WIDTH else subject[: SUBJECT_WIDTH - 1] + "…",
                Text(ticket.status.value, style="bold" if ticket.is_open else "dim"),
                ticket.priority.value if ticket.priority else "",
                ago(ticket.created),
                Text(sla, style=style),
                ticket.ref.connector,
                key=key,
            )

    def current(self) -> Ticket | None:
        if not self.tickets or self.cursor_row < 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.tickets.get(key or "")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        ticket = self.tickets.get(event.row_key.value or "")
        if ticket is not None:
            self.post_message(self.TicketChosen(ticket))


class TimelineTable(DataTable[Text | str]):
    """The timeline, newest first, PAGE rows at a time: reaching the last row adds the next
    page, so a customer with thousands of interactions paints at once."""

    DEFAULT_CSS = """
    TimelineTable { height: 1fr; min-height: 6; }
    """

    PAGE = 200

    @dataclass
    class ItemChosen(Message):
        item: Interaction

    @dataclass
    class PageShown(Message):
        shown: int
        total: int

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.items: dict[str, Interaction] = {}
        self._all: Sequence[Interaction] = ()
        self._next = 0
        self._shown: list[tuple[str, str]] = []

    def on_mount(self) -> None:
        self.add_columns("When", "Channel", "", "Summary", "Source")

    @property
    def total(self) -> int:
        return len(self._all)

    def show_items(self, items: Sequence[Interaction]) -> None:
        shown = [i.ref.key for i in items]
        if shown == self._shown:
            return
        self._shown = shown
        self._all = items
        self.items = {}
        self._next = 0
        self.clear()
        self._add_page()

    def _add_page(self) -> None:
        start = self._next
        page = self._all[start : start + self.PAGE]
        self._next = start + len(page)
        for item in page:
            key = f"{item.ref.connector}/{item.ref.record_id}"
            if key in self.items:
                continue  # the same record twice: one row
            self.items[key] = item
            self.add_row(
                ago(item.at),
                item.channel.value,
                _ARROWS.get(item.direction.value, "·"),
                item.summary if len(item.summary) <= 120 else item.summary[:119] + "…",
                item.ref.connector,
                key=key,
            )
        self.post_message(self.PageShown(self._next, len(self._all)))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= self.row_count - 1 and self._next < len(self._all):
            self._add_page()

    def current(self) -> Interaction | None:
        if not self.items or self.cursor_row < 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.items.get(key or "")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        item = self.items.get(event.row_key.value or "")
        if item is not None:
            self.post_message(self.ItemChosen(item))
