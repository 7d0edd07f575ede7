""" "MASKED" in the top row while the mask is on (`x`): the screen can be shared; and what a
screen showing personal data offers the app's mask toggle (`MaskFollower`)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from textual.widgets import Static


@runtime_checkable
class MaskFollower(Protocol):
    """A screen that paints itself again when the mask is toggled. The mask key runs the app's
    action wherever it is bound (`app.toggle_mask`), which tells every such screen open."""

    def mask_changed(self) -> None: ...


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
