"""Running the main screen's lookup: the engine's stream into the pacer, and what a finished
lookup leads to.

One lookup runs at a time: a new one (or a picked candidate's details) cancels the last, as one
exclusive worker group ("lookup") on the screen, whose errors the screen reports. A finished
lookup goes into the history, names the calls from its number and starts the trouble count in
the background; what was rate limited goes back to the network once its wait is over (only
that); several people matching opens the picker when the session says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cx_tui.session import retry_wait

if TYPE_CHECKING:
    from textual.timer import Timer

    from cx_tui.models import Candidate, Profile
    from cx_tui.profile import ProfileBuilder
    from cx_tui.screens.main import MainScreen

GROUP = "lookup"
"""The worker group of the lookup on screen (`MainScreen.on_worker_state_changed`)."""


class LookupRunner:
    """Runs lookups for `screen` (its session, pacer, call desk and picker)."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self._retry_timer: Timer | None = None

    def run(self, builder: ProfileBuilder) -> None:
        """Stream `builder`'s lookup onto the screen, cancelling the one before."""
        self.screen.run_worker(
            self._lookup(builder), group=GROUP, exclusive=True, exit_on_error=False
        )

    def load(self, candidate: Candidate) -> None:
        """Stream the details of the person the agent picked, cancelling the lookup before."""
        self.screen.run_worker(
            self._load(candidate), group=GROUP, exclusive=True, exit_on_error=False
        )

    async def _lookup(self, builder: ProfileBuilder) -> None:
        from cx_tui.lookup import LookupCancelled
        from cx_tui.pacing import SEARCHING_PAINT_DELAY

        screen = self.screen
        if self._retry_timer is not None:
            self._retry_timer.stop()
            self._retry_timer = None
        # "Looking up…" paints a moment later, so a caller the cache knows paints once, as
        # the profile, instead of twice (a frame costs tens of ms on a small machine).
        screen.pacer.soon(builder, delay=SEARCHING_PAINT_DELAY)
        async for update in screen.session.lookup(builder):
            if isinstance(update, LookupCancelled):
                return
            screen.pacer.soon(builder, update)
        profile = screen.pacer.now(builder)
        self._finished(profile)
        wait = retry_wait(profile)
        if wait is not None:  # only what was rate limited goes back to the network
            self._retry_timer = screen.set_timer(wait, screen.refresh_profile)
        if screen.session.offer_picker(profile):
            screen.action_pick()

    async def _load(self, candidate: Candidate) -> None:
        from cx_tui.lookup import LookupCancelled

        screen = self.screen
        builder = screen.session.builder
        if builder is None:
            return
        stream = screen.session.pick(builder, candidate)
        screen.pacer.now(builder)
        async for update in stream:
            if isinstance(update, LookupCancelled):
                return
            screen.pacer.soon(builder, update)
        self._finished(screen.pacer.now(builder))

    def _finished(self, profile: Profile) -> None:
        """A lookup ended: into the history, and the calls from this number know their caller."""
        from cx_tui.screens.trouble import count_trouble

        screen = self.screen
        query = screen.session.query
        if query is None:
            return
        screen.services.record_lookup(query, profile)
        screen.desk.identify(query.text, profile)
        count_trouble(screen, profile)  # in the background: a banner when others write in too
