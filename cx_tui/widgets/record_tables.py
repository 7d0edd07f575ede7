"""Tickets (open first) and the cross-channel timeline, as keyboard-navigable tables.

DataTable draws only the visible rows, so a person with thousands of timeline items scrolls
without freezing; rows are keyed by record so Enter can open the record's detail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.widgets import DataTable

from cx_tui import phrases
from cx_tui.models import Interaction, Ticket
from cx_tui.phrases import ago, span

_ARROWS = {"inbound": "←", "outbound": "→"}
TICKET_COLUMNS = ("#", "Subject", "Status", "Priority", "Age", "SLA due", "Source")
"""What the ticket is about comes right after its number, cut to the room the other columns
leave; Enter shows the whole ticket."""
MIN_SUBJECT = 20
"""The subject never shrinks below this: in a narrow panel the source runs off to the right
(the table scrolls sideways) before the agent loses what the ticket is about."""
SUBJECT = TICKET_COLUMNS.index("Subject")
SUMMARY_WIDTH = 120
TIMELINE_COLUMNS = ("When", "Channel", "", "Source", "Summary")
"""The summary last: a long one runs off to the right, never pushing the source out of view."""


def _cut(text: str, width: int) -> Text:
    cut = Text(text, no_wrap=True)
    cut.truncate(width, overflow="ellipsis")
    return cut


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
        self._filled_size = Size(-1, -1)

    def show_tickets(self, tickets: Sequence[Ticket]) -> None:
        keys = [f"{t.ref.connector}/{t.ref.record_id}" for t in tickets]
        if keys == list(self.tickets) and all(
            self.tickets[k] == t for k, t in zip(keys, tickets, strict=True)
        ):
            return
        self.tickets = dict(zip(keys, tickets, strict=True))
        self._fill()

    def on_resize(self, event: events.Resize) -> None:
        if event.size != self._filled_size:
            row = self.cursor_row
            self._fill()
            if self.row_count:
                self.move_cursor(row=min(row, self.row_count - 1), animate=False)

    def _fill(self) -> None:
        """Rows for the tickets, the subject cut to the width left by the other columns."""
        self._filled_size = self.size
        now = phrases.now_utc()
        rows = [self._short_cells(ticket, now) for ticket in self.tickets.values()]
        pad = 2 * self.cell_padding
        short = sum(
            max([len(title), *(row[index].cell_len for row in rows)]) + pad
            for index, title in enumerate(t for t in TICKET_COLUMNS if t != "Subject")
        )
        room = self.size.width - short - pad
        if len(rows) + 1 > self.size.height:  # more rows than fit: a vertical scrollbar shows
            room -= self.styles.scrollbar_size_vertical
        room = max(room, MIN_SUBJECT)
        self.clear(columns=True)
        for title in TICKET_COLUMNS:
            self.add_column(_cut(title, room) if title == "Subject" else title)
        for (key, ticket), cells in zip(self.tickets.items(), rows, strict=True):
            cells.insert(SUBJECT, _cut(ticket.subject, room))
            self.add_row(*cells, key=key)

    @staticmethod
    def _short_cells(ticket: Ticket, now: datetime) -> list[Text]:
        """Every cell but the subject, in column order."""
        sla = ""
        style = ""
        if ticket.sla_due and ticket.is_open:
            sla = ago(ticket.sla_due, now)
            style = "bold red" if not sla.startswith("in ") else "bold yellow"
        return [
            Text(ticket.ref.record_id),
            Text(ticket.status.value, style="bold" if ticket.is_open else "dim"),
            Text(ticket.priority.value if ticket.priority else ""),
            Text(span(now - ticket.created)),
            Text(sla, style=style),
            Text(ticket.ref.connector),
        ]

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
        self.add_columns(*TIMELINE_COLUMNS)

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
                Text(ago(item.at)),
                Text(item.channel.value),
                Text(_ARROWS.get(item.direction.value, "·")),
                Text(item.ref.connector),
                Text(
                    item.summary
                    if len(item.summary) <= SUMMARY_WIDTH
                    else item.summary[: SUMMARY_WIDTH - 1] + "…"
                ),
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
