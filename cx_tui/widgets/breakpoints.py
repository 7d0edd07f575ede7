"""The one width at which the layout turns narrow.

Below `NARROW_BELOW` columns the app's screens carry the `-narrow` class (`CxApp`'s
`HORIZONTAL_BREAKPOINTS`, which `app.tcss` styles: one column that scrolls), and every widget
that shortens itself for a narrow terminal (the footer's keys, the outbox counts, the call
history's and the outbox's columns) asks `is_narrow`, so they all turn at the same width.
"""

from __future__ import annotations

from typing import Final

NARROW_BELOW: Final = 100
"""Columns below which the terminal is narrow (an 80-column terminal is)."""


def is_narrow(width: int) -> bool:
    """Whether a terminal (or screen) `width` columns wide gets the narrow layout."""
    return width < NARROW_BELOW
