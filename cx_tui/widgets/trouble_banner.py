"""One line across the top of the main screen, under the sources, while the caller sits in a
trouble spot: "Trouble spot: 6 customers about login-failure in the last hour". Hidden when
there is none. At the top, not beside the tickets: an agent at 80x24 sees it without scrolling.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from cx_tui.models import TroubleSpot


class TroubleBanner(Static):
    DEFAULT_CSS = """
    TroubleBanner {
        height: 1;
        padding: 0 1;
        background: $warning 20%;
        display: none;
    }
    TroubleBanner.-on { display: block; }
    """

    def __init__(
        self,
        *,
        key: str = "s",
        id: str | None = None,  # noqa: A002 - Textual's name
    ) -> None:
        super().__init__("", id=id)
        self.key = key
        """The key that lists the tickets (`keytable.key_of`), named on the line."""

    def show_spots(self, spots: Sequence[TroubleSpot]) -> None:
        # Imported at the first banner: the strip is composed with the first frame, empty.
        from cx_tui.insight.trouble import banner_text

        if not spots:
            self.set_class(False, "-on")
            return
        line = Text(banner_text(spots[0]), style="bold")
        if len(spots) > 1:
            line.append(f" (+{len(spots) - 1} more)")
        line.append(f"  {self.key}: tickets", style="dim")
        self.update(line)
        self.set_class(True, "-on")
