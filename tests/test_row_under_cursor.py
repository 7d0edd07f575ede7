"""`row_under_cursor`: the item a table's cursor is on, None when there is none to give."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from cx_tui.widgets.record_tables import row_under_cursor


class _Table(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()


async def test_the_item_on_the_cursor_row_or_none() -> None:
    async with _Table().run_test() as pilot:
        table: DataTable[object] = pilot.app.query_one(DataTable)
        assert row_under_cursor(table, []) is None
        table.add_column("n")
        table.add_rows([["one"], ["two"], ["three"]])
        table.move_cursor(row=2)
        await pilot.pause()
        assert row_under_cursor(table, ["a", "b", "c"]) == "c"
        assert row_under_cursor(table, ["a", "b"]) is None  # items shrank, table not repainted
        assert row_under_cursor(table, []) is None
        table.move_cursor(row=0)
        await pilot.pause()
        assert row_under_cursor(table, ["a", "b", "c"]) == "a"
