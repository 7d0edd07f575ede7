"""Tickets (open first) and the cross-channel timeline, as keyboard-navigable tables.

DataTable draws only the visible rows, so a person with thousands of timeline items scrolls
without freezing; rows are keyed by record so Enter can open the record's detail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import DataTable

from cx_tui import phrases
from cx_tui.models import Interaction, Ticket
from cx_tui.phrases import ago, span

_ARROWS = {"inbound": "←", "outbound": "→"}
TICKET_COLUMNS = ("#", "Subject", "Status", "Priority", "Age", "SLA due", "Source")
"""What the ticket is about comes right after its number, cut to the room the other columns
leave; Enter shows the whole ticket."""
MIN_SUBJECT = 8
"""The subject gives way first, down to this: the number, status, priority, age and SLA stay
in view (only the source, last, may run off to the right of a very narrow panel)."""
SUBJECT = TICKET_COLUMNS.index("Subject")
ID_WIDTH = 9
"""Longer record ids are shortened in the middle (`1234…8901`); Enter shows them whole."""
TIMELINE_COLUMNS = ("When", "Channel", "", "Source", "Summary")
"""The summary last, cut to the room the other columns leave."""
SUMMARY = TIMELINE_COLUMNS.index("Summary")
MIN_SUMMARY = 12
R = TypeVar("R")


def row_under_cursor(table: DataTable[object], rows: Sequence[R]) -> R | None:
    """The item of `rows` (painted in order, one row each) the table's cursor is on, or None
    when the table is empty or the cursor is off it."""
    if not rows or not 0 <= table.cursor_row < len(rows):
        return None
    return rows[table.cursor_row]


def _cut(text: str, width: int) -> Text:
    cut = Text(text, no_wrap=True)
    cut.truncate(width, overflow="ellipsis")
    return cut


def short_id(record_id: str, width: int = ID_WIDTH) -> str:
    """`12345678901` -> `1234…8901`: both ends stay, the agent reads them back to the caller."""
    if len(record_id) <= width:
        return record_id
    head = (width - 1) // 2
    tail = width - 1 - head
    return f"{record_id[:head]}…{record_id[-tail:]}"


def short_span(delta: timedelta) -> str:
    """`40m`, `3h`, `9d`, `2y`: an age in a narrow column."""
    return (
        span(delta)
        .replace(" min", "m")
        .replace(" h", "h")
        .replace(" days", "d")
        .replace(" years", "y")
        .replace(" s", "s")
    )


def fixed_width(titles: Sequence[str], rows: Sequence[Sequence[Text]], pad: int) -> int:
    """The width the fixed columns `titles` take: each as wide as its title or its widest cell
    in `rows`, plus `pad`. Measured when the rows change, never on a resize."""
    return sum(
        max([len(title), *(row[index].cell_len for row in rows)]) + pad
        for index, title in enumerate(titles)
    )


def room_left(
    table: DataTable[Text | str],
    fixed: int,
    rows: int,
    least: int,
    *,
    scrollbar: bool | None = None,
) -> int:
    """The width left for the one flexible column inside `table` once the fixed columns
    (`fixed_width`) have theirs, less its vertical scrollbar when `rows` rows will not fit.
    Arithmetic only: a resize asks it for the new cut."""
    room = table.size.width - fixed - 2 * table.cell_padding
    # More rows than fit: a vertical scrollbar shows. A table of `height: auto` grows up to
    # its max-height first (before it has rows, its height says nothing).
    most = table.styles.max_height
    fits = int(most.value) if most is not None and most.is_cells else table.size.height
    if scrollbar if scrollbar is not None else rows + 1 > fits:
        room -= table.styles.scrollbar_size_vertical
    return max(room, least)


class RecordTable(DataTable[Text | str], Generic[R]):
    """Rows keyed by record: the record under the cursor, and `chosen(record)` posted when a
    row is picked (Enter or a click)."""

    @property
    def records(self) -> Mapping[str, R]:
        raise NotImplementedError

    def chosen(self, record: R) -> Message:
        raise NotImplementedError

    def current(self) -> R | None:
        if not self.records or self.cursor_row < 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.records.get(key or "")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        record = self.records.get(event.row_key.value or "")
        if record is not None:
            self.post_message(self.chosen(record))


class TicketTable(RecordTable[Ticket]):
    """The tickets, open first, PAGE rows at a time as the timeline (reaching the last row adds
    the next page): a caller with 500 tickets paints 50 rows, not 500 (issue 16). The columns
    are measured over every ticket when the tickets change, so they keep their width page to
    page; a resize only works out the subject's new cut, and refills the rows when it moved."""

    DEFAULT_CSS = """
    TicketTable { height: auto; max-height: 14; }
    """

    PAGE = 50

    @dataclass
    class TicketChosen(Message):
        ticket: Ticket

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.tickets: dict[str, Ticket] = {}
        """Every ticket by row key (rows are added a page at a time)."""
        self._given: Sequence[Ticket] | None = None
        self._cells: list[list[Text]] = []
        self._fixed = 0
        """The width of every column but the subject (`fixed_width`), measured per tickets."""
        self._room = MIN_SUBJECT
        self._next = 0
        self.refills = 0
        """How many times the rows were made afresh (tests count them)."""
        self._measure()  # the titles alone, until there are tickets

    def shows(self, tickets: Sequence[Ticket]) -> bool:
        """Whether the rows are `tickets` already (the same merge, or equal tickets)."""
        if tickets is self._given:
            return True  # the same merge (`merge.RecordMerger`): nothing new
        keys = [f"{t.ref.connector}/{t.ref.record_id}" for t in tickets]
        return keys == list(self.tickets) and all(
            self.tickets[k] == t for k, t in zip(keys, tickets, strict=True)
        )

    def show_tickets(self, tickets: Sequence[Ticket]) -> None:
        if self.shows(tickets):
            self._given = tickets
            return
        self._given = tickets
        keys = [f"{t.ref.connector}/{t.ref.record_id}" for t in tickets]
        self.tickets = dict(zip(keys, tickets, strict=True))
        self._measure()
        self._fill()

    @property
    def total(self) -> int:
        return len(self.tickets)

    def on_resize(self) -> None:
        if self._subject_room() != self._room:  # a new cut: the rows again, cursor kept
            row = self.cursor_row
            self._fill(self._next)
            if self.row_count:
                self.move_cursor(row=min(row, self.row_count - 1), animate=False)

    def _measure(self) -> None:
        """Every cell but the subject, and the width those columns take."""
        now = phrases.now_utc()
        self._cells = [self._short_cells(ticket, now) for ticket in self.tickets.values()]
        fixed = [title for title in TICKET_COLUMNS if title != "Subject"]
        self._fixed = fixed_width(fixed, self._cells, 2 * self.cell_padding)

    def _subject_room(self) -> int:
        return room_left(self, self._fixed, len(self._cells), MIN_SUBJECT)

    def _fill(self, upto: int = 0) -> None:
        """Rows for the tickets (a page, or `upto` rows), the subject cut to the width left by
        the other columns."""
        self.refills += 1
        self._room = room = self._subject_room()
        self.clear(columns=True)
        for title in TICKET_COLUMNS:
            self.add_column(_cut(title, room) if title == "Subject" else title)
        self._next = 0
        self._add_page()
        while self._next < min(upto, self.total):
            self._add_page()

    def _add_page(self) -> None:
        start, tickets = self._next, list(self.tickets.items())
        page = tickets[start : start + self.PAGE]
        for (key, ticket), cells in zip(page, self._cells[start:], strict=False):
            self.add_row(
                *cells[:SUBJECT], _cut(ticket.subject, self._room), *cells[SUBJECT:], key=key
            )
        self._next = start + len(page)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= self.row_count - 1 and self._next < self.total:
            self._add_page()

    @staticmethod
    def _short_cells(ticket: Ticket, now: datetime) -> list[Text]:
        """Every cell but the subject, in column order."""
        sla = ""
        style = ""
        if ticket.sla_due and ticket.is_open:
            late = ticket.sla_due <= now
            sla = short_span(ticket.sla_due - now)
            sla = f"{sla} ago" if late else f"in {sla}"
            style = "bold red" if late else "bold yellow"
        return [
            Text(short_id(ticket.ref.record_id)),
            Text(ticket.status.value, style="bold" if ticket.is_open else "dim"),
            Text(ticket.priority.value if ticket.priority else ""),
            Text(short_span(now - ticket.created)),
            Text(sla, style=style),
            Text(ticket.ref.connector),
        ]

    @property
    def records(self) -> Mapping[str, Ticket]:
        return self.tickets

    def chosen(self, record: Ticket) -> Message:
        return self.TicketChosen(record)


class TimelineTable(RecordTable[Interaction]):
    """The timeline, newest first, PAGE rows at a time: reaching the last row adds the next
    page, so a customer with thousands of interactions paints at once."""

    DEFAULT_CSS = """
    TimelineTable { height: 1fr; min-height: 6; overflow-x: hidden; overflow-y: scroll; }
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
        self.refills = 0
        """How many times the rows were made afresh from new items (tests count them)."""
        self._room = MIN_SUMMARY
        self._fixed = 0
        """The width of every column but the summary (`fixed_width`), measured per items."""
        self._filled_width = -1

    def on_mount(self) -> None:
        self.add_columns(*TIMELINE_COLUMNS)

    @property
    def total(self) -> int:
        return len(self._all)

    def shows(self, items: Sequence[Interaction]) -> bool:
        """Whether the rows are `items` already (the same merge, or equal items)."""
        return items is self._all or tuple(items) == tuple(self._all)

    def show_items(self, items: Sequence[Interaction]) -> None:
        """Show `items`, unless they are the ones shown (the same merge, or equal items: an
        update that changed only tickets repaints no row)."""
        if self.shows(items):
            self._all = items
            return
        self._all = items
        self.refills += 1
        self._measure()
        self._refill(0)

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._filled_width and self._all:
            self._filled_width = event.size.width
            if self._summary_room() == self._room:
                return  # the same cut: nothing to redraw
            row = self.cursor_row
            self._refill(self._next)
            if self.row_count:
                self.move_cursor(row=min(row, self.row_count - 1), animate=False)

    def _refill(self, upto: int) -> None:
        """Rows again from the first (at least one page, or `upto` rows), the summary cut to
        the room the other columns leave at this width."""
        self._filled_width = self.size.width
        self._room = self._summary_room()
        self.items = {}
        self._next = 0
        self.clear()
        self._add_page()
        while self._next < upto:
            self._add_page()

    def _measure(self) -> None:
        """The width of the columns before the summary, over every item, not the page: the
        room stays the same page to page, and a resize does not measure again."""
        now = phrases.now_utc()
        when = max((len(ago(item.at, now)) for item in self._all), default=0)
        channel = max((len(item.channel.value) for item in self._all), default=0)
        source = max((len(item.ref.connector) for item in self._all), default=0)
        widest = [Text("x" * when), Text("x" * channel), Text("←"), Text("x" * source)]
        self._fixed = fixed_width(TIMELINE_COLUMNS[:SUMMARY], [widest], 2 * self.cell_padding)

    def _summary_room(self) -> int:
        # Room for a scrollbar always: whether one shows depends on the height, which is not
        # settled when the rows first arrive, and a row one cell too wide scrolls sideways.
        return room_left(self, self._fixed, 1, MIN_SUMMARY, scrollbar=True)

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
                _cut(item.summary, self._room),
                key=key,
            )
        self.post_message(self.PageShown(self._next, len(self._all)))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= self.row_count - 1 and self._next < len(self._all):
            self._add_page()

    @property
    def records(self) -> Mapping[str, Interaction]:
        return self.items

    def chosen(self, record: Interaction) -> Message:
        return self.ItemChosen(record)
