"""The caller's themes above the tickets table: what they keep getting in touch about."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from cx_tui.widgets.repaint import update_static

if TYPE_CHECKING:
    from cx_tui.models import Profile

MAX_SHOWN = 3
"""Themes listed (newest first); the JSON has them all."""


class ThemeList(Static):
    """One line per theme of two or more contacts: label, contacts, tickets, last contact."""

    DEFAULT_CSS = """
    ThemeList { height: auto; max-height: 4; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._shown: tuple[object, object, bool] | None = None
        """The tickets and timeline painted, and whether a theme showed."""

    def show_themes(self, profile: Profile) -> bool:
        """Paint the themes; False when there is none worth a line (the caller hides it).
        The same tickets and timeline objects (merged once per change) paint nothing."""
        from cx_tui.phrases import ago

        shown = self._shown
        if shown is not None and shown[0] is profile.tickets and shown[1] is profile.timeline:
            return shown[2]
        found = [t for t in profile.themes if t.contacts >= 2]
        text = Text()
        for theme in found[:MAX_SHOWN]:
            text.append(theme.label, style="bold")
            text.append(f" · {theme.contacts} contacts · {theme.refs()}")
            text.append(f" · last {ago(theme.last)}\n", style="dim")
        if len(found) > MAX_SHOWN:
            text.append(f"+{len(found) - MAX_SHOWN} more (lookup --json lists all)", style="dim")
        text.rstrip()
        update_static(self, text)
        self._shown = (profile.tickets, profile.timeline, bool(found))
        return bool(found)
