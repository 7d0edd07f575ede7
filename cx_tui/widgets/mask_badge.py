""" "MASKED" in the top row while the mask is on (`x`): the screen can be shared."""

from __future__ import annotations

from textual.widgets import Static


class MaskBadge(Static):
    DEFAULT_CSS = """
    MaskBadge {
        width: auto;
        height: 1;
        padding: 0 1;
        text-style: bold reverse;
        color: $warning;
        display: none;
    }
    MaskBadge.-on { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__("MASKED", id=id)

    def show_mask(self, on: bool) -> None:
        self.set_class(on, "-on")
