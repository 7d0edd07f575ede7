"""Who is calling: name, every phone and email with its sources, company, plan, local time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Static

from cx_tui.themes import theme_palette
from cx_tui.widgets.repaint import update_static

if TYPE_CHECKING:
    from textual.theme import Theme

    from cx_tui.models import Profile
    from cx_tui.render import Palette


class IdentityCard(Static):
    """The caller's merged fields; conflicts and VIP in the theme's own colours."""

    DEFAULT_CSS = """
    IdentityCard { height: auto; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._profile: Profile | None = None
        self._palette: Palette | None = None

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _theme: Theme) -> None:
        self._palette = None
        if self._profile is not None:
            self.show_profile(self._profile)

    def show_profile(self, profile: Profile) -> None:
        from cx_tui.render import identity_card  # with the first profile, not the first frame

        self._profile = profile
        if self._palette is None:
            self._palette = theme_palette(self.app)
        update_static(self, identity_card(profile, palette=self._palette))
