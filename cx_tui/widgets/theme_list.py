"""The caller's themes above the tickets table: what they keep getting in touch about."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from cx_tui.models import Profile

MAX_SHOWN = 3
"""Themes listed (newest first); the JSON has them all."""


class ThemeList(Static):
    """One line per theme of two or more contacts: label, contacts, tickets, last contact."""

    DEFAULT_CSS = """
    ThemeList { height: auto; max-height: 4; padding: 0 1; }
    """

    def show_themes(self, profile: Profile) -> bool:
        """Paint the themes; False when there is none worth a line (the caller hides it)."""
        from cx_tui.insight.themes import themes
        from cx_tui.phrases import ago

        found = [t for t in themes(profile.tickets, profile.timeline) if t.contacts >= 2]
        text = Text()
        for theme in found[:MAX_SHOWN]:
            text.append(theme.label, style="bold")
            text.append(f" · {theme.contacts} contacts · {theme.refs()}")
            text.append(f" · last {ago(theme.last)}\n", style="dim")
        if len(found) > MAX_SHOWN:
            text.append(f"+{len(found) - MAX_SHOWN} more (lookup --json lists all)", style="dim")
        text.rstrip()
        self.update(text)
        return bool(found)
