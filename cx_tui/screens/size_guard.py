"""The main screen's "enlarge the terminal" guard.

Below `MIN_WIDTH` x `MIN_HEIGHT` the screen carries `-too-small` (`app.tcss` lays the message
over everything) and no key may act unseen: its `check_action` refuses while the class is on,
nothing has focus, so typing reaches no widget either, and focus comes back once it fits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.widget import Widget

MIN_WIDTH, MIN_HEIGHT = 60, 18
TOO_SMALL = "-too-small"
"""The class the screen carries while it is too small to use."""


class SizeGuard:
    """Puts `screen` behind the message while the terminal is too small; `home` gets focus
    back when nothing did before."""

    def __init__(self, screen: Screen[Any], home: Widget) -> None:
        self.screen = screen
        self.home = home
        self._focus_before: Widget | None = None

    def check(self) -> None:
        """Call on a resize and whenever the screen comes back (it may have changed then)."""
        screen = self.screen
        width, height = screen.app.size
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        if small == screen.has_class(TOO_SMALL):
            return
        screen.set_class(small, TOO_SMALL)
        if small:
            self._focus_before = screen.focused
            screen.set_focus(None)
        else:
            before = self._focus_before
            screen.set_focus(before if before is not None and before.is_attached else None)
            if screen.focused is None:
                screen.set_focus(self.home)
        screen.refresh_bindings()
