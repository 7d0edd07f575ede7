"""Who to loop in: the people and groups who own the caller in every source, on the card."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from cx_tui.models import Profile

MAX_SHOWN = 4
"""Owners listed; `lookup --json` has them all."""


class OwnerList(Static):
    """One line per owner: name, role and source (`Tier 2 · ticket group · Demo Helpdesk`)."""

    DEFAULT_CSS = """
    OwnerList { height: auto; max-height: 5; padding: 0 1; }
    """

    def show_owners(self, profile: Profile) -> bool:
        """Paint the owners; False when no source names one (the caller hides it)."""
        from cx_tui.insight.owners import owners

        found = owners(profile)
        text = Text()
        for owner in found[:MAX_SHOWN]:
            text.append(owner.name, style="bold")
            text.append(f" · {owner.role.value} · {owner.source}\n", style="dim")
        if len(found) > MAX_SHOWN:
            text.append(f"+{len(found) - MAX_SHOWN} more (lookup --json lists all)", style="dim")
        text.rstrip()
        self.update(text)
        return bool(found)
