"""The "Already tried" panel: the steps, newest first, as many as fit (`MAX_SHOWN`), then
"+N more (d: all)"; the key opens every step (`screens/tried.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from cx_tui.widgets.repaint import update_static

if TYPE_CHECKING:
    from cx_tui.models import TriedItem

MAX_SHOWN = 4
"""Steps the panel shows (two lines each at most) before "+N more": the next actions and the
people to loop in stay on screen."""


def tried_text(items: Sequence[TriedItem], limit: int | None = None, key: str = "d") -> Text:
    """Each step and when it was tried; past `limit`, how many more and the key that shows them."""
    from cx_tui.insight.tried import describe

    text = Text()
    shown = items if limit is None else items[:limit]
    for item in shown:
        text.append(f"• {item.text}")
        text.append(f"  {describe(item)}\n", style="dim")
    if len(items) > len(shown):
        text.append(f"+{len(items) - len(shown)} more ({key}: all)", style="bold")
    return text


class TriedList(Static):
    """The capped list; `more` is how many steps it leaves out."""

    def __init__(self, *, key: str = "d", id: str | None = None) -> None:  # noqa: A002
        super().__init__("", id=id)
        self.key = key
        self.more = 0

    def show_tried(self, items: Sequence[TriedItem]) -> bool:
        """Paint `items` (capped); whether there is anything to show."""
        self.more = max(0, len(items) - MAX_SHOWN)
        update_static(self, tried_text(items, MAX_SHOWN, self.key))
        return bool(items)
