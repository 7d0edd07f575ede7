"""What one paint of the main screen shows, and the mask's marks on it.

`PaintPacer` (`pacing.py`) decides when the lookup paints; the painter decides what: the profile
as the agent may see it (masked while the mask is on, the masked records of the last paint kept
in a `RedactMemo` so the tables skip a repaint of the same rows), then the source bar, the
trouble strip and the profile's panels, in one screen update.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.widgets import Input

from cx_tui.models import ProfileState
from cx_tui.session import RETRY_RATE_LIMITED_UP_TO
from cx_tui.widgets.call_banner import CallBanner
from cx_tui.widgets.mask_badge import MaskBadge
from cx_tui.widgets.profile_view import ProfileView
from cx_tui.widgets.source_bar import SourceBar
from cx_tui.widgets.trouble_banner import TroubleBanner

if TYPE_CHECKING:
    from textual.screen import Screen

    from cx_tui.insight.redact import RedactMemo
    from cx_tui.models import Profile


class Painter:
    """Paints profiles on `screen` (the main screen: its source bar, trouble strip, profile
    view, mask badge, call banner and lookup bar); `masked` says whether the mask is on."""

    def __init__(self, screen: Screen[Any], masked: Callable[[], bool]) -> None:
        self.screen = screen
        self.masked = masked
        self._memo: RedactMemo | None = None
        """The masked records of the last paint (made on the first masked paint)."""
        self.profile: Profile | None = None
        """The profile painted last, as the sources gave it (never masked): what a write about
        the caller (a note, a call log, a hand-off, a pick kept) is made from."""

    def shown(self, profile: Profile) -> Profile:
        """What the screen shows of `profile`: masked while the mask is on."""
        if not self.masked():
            return profile
        from cx_tui.insight.redact import RedactMemo, redact

        if self._memo is None:
            self._memo = RedactMemo()
        return redact(profile, self._memo)

    def paint(self, profile: Profile) -> None:
        self.profile = profile
        shown = self.shown(profile)
        screen = self.screen
        resolved = shown.state is ProfileState.RESOLVED
        with screen.app.batch_update():  # one screen update for every widget changed below
            screen.query_one(SourceBar).show_statuses(
                shown.sources.values(), retrying_up_to=RETRY_RATE_LIMITED_UP_TO
            )
            screen.query_one(TroubleBanner).show_spots(shown.trouble if resolved else ())
            screen.query_one(ProfileView).show(shown)

    def show_mask(self) -> None:
        """The mask's marks: the badge, the call banner and the typed number or email."""
        masked = self.masked()
        self.screen.query_one(MaskBadge).show_mask(masked)
        self.screen.query_one(CallBanner).show_mask(masked)
        self.screen.query_one("#lookup-bar", Input).password = masked
