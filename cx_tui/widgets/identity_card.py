"""Who is calling: name, every phone and email with its sources, company, plan, local time."""

from __future__ import annotations

from textual.widgets import Static

from cx_tui.models import Profile
from cx_tui.render import identity_card


class IdentityCard(Static):
    DEFAULT_CSS = """
    IdentityCard { height: auto; padding: 0 1; }
    """

    def show_profile(self, profile: Profile) -> None:
        self.update(identity_card(profile))
