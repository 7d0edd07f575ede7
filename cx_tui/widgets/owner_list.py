"""Who to loop in: the people and groups who own the caller in every source, on the card."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from cx_tui.insight.owners import owners
from cx_tui.models import Profile
from cx_tui.widgets.repaint import update_static


class OwnerList(Static):
    """One line per owner (`Tier 2 · ticket group · Demo Helpdesk`), the first 4; the JSON
    has them all."""

    DEFAULT_CSS = "OwnerList { height: auto; max-height: 5; padding: 0 1; }"
    SHOWN = 4

    def show_owners(self, profile: Profile) -> bool:
        """Paint the owners; False when no source names one (the caller hides it)."""
        found = owners(profile)
        text = Text()
        for owner in found[: self.SHOWN]:
            text.append(owner.name, style="bold")
            text.append(f" · {owner.role.value} · {owner.source}\n", style="dim")
        if len(found) > self.SHOWN:
            text.append(f"+{len(found) - self.SHOWN} more (lookup --json lists all)", style="dim")
        text.rstrip()
        update_static(self, text)
        return bool(found)
