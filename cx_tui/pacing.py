"""When to paint a profile that is still arriving. Headless: timers come from the caller.

The first answer that says who is calling paints at once; everything else (more sources
answering, details) paints at most once per `PAINT_INTERVAL`, so a burst becomes one paint and
keys stay responsive meanwhile (a paint of the main screen costs 40-60 ms on a small machine).
Answers from the cache skip that window: the engine hands them over all at once, so they paint
together as soon as the burst is over (a zero-delay timer), whole, in the next frame.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from cx_tui.models import ProfileState

if TYPE_CHECKING:
    from cx_tui.models import Profile
    from cx_tui.profile import ProfileBuilder

PAINT_INTERVAL = 0.15
"""Seconds between two paints of details that are still arriving."""
SEARCHING_PAINT_DELAY = 0.02
"""Seconds before "Looking up…" paints, unless a (cached) answer paints first."""


class Timer(Protocol):
    def stop(self) -> None: ...


Schedule = Callable[[float, Callable[[], None]], Timer]
"""Calls the function after that many seconds (Textual's `set_timer`)."""


class _Soon:
    """A function queued for the event loop's next turn, as a `Timer`."""

    def __init__(self, handle: asyncio.Handle) -> None:
        self._handle = handle

    def stop(self) -> None:
        self._handle.cancel()


def next_turn_for_zero(schedule: Schedule) -> Schedule:
    """`schedule`, except that a zero delay runs the function on the event loop's next turn
    (`call_soon`): a Textual timer takes several turns to start, and a stale cached answer's
    refresh requests run in each of them before the cached profile paints."""

    def soon_or_later(delay: float, callback: Callable[[], None]) -> Timer:
        if delay <= 0:
            return _Soon(asyncio.get_running_loop().call_soon(callback))
        return schedule(delay, callback)

    return soon_or_later


class PaintPacer:
    """Paints a lookup's builder now or a little later.

    Args:
        paint: Paints the profile (returns nothing).
        schedule: Runs a function after a delay; the returned timer can be stopped.
        current: The builder of the lookup on screen; a late paint of an older one is dropped.
        clock: Monotonic seconds.
    """

    def __init__(
        self,
        paint: Callable[[Profile], None],
        schedule: Schedule,
        current: Callable[[], ProfileBuilder | None],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._paint = paint
        self._schedule = schedule
        self._current = current
        self._clock = clock
        self._pending: ProfileBuilder | None = None
        self._timer: Timer | None = None
        self._showing_who: ProfileBuilder | None = None
        """The lookup whose caller (or candidates) is already painted."""
        self._last_paint = 0.0
        self._at_once = False
        """The pending timer is the zero-delay one of a burst of cached answers."""

    def soon(
        self, builder: ProfileBuilder, update: object = None, *, delay: float | None = None
    ) -> None:
        """Paint `builder` at once if `update` is the first answer naming the caller, else
        within `PAINT_INTERVAL`; a cached answer once the updates handed over with it are in.
        `delay` paints after that many seconds, or sooner when an answer arrives first."""
        from cx_tui.lookup import SourceAnswered

        self._pending = builder
        if delay is not None:
            self._stop()
            self._timer = self._schedule(delay, self._flush)
            return
        if getattr(update, "cached", False):
            if not self._at_once:  # one zero-delay timer for the whole burst
                self._stop()
                self._timer = self._schedule(0.0, self._flush)
                self._at_once = True
            return
        wait = self._last_paint + PAINT_INTERVAL - self._clock()
        who = isinstance(update, SourceAnswered) and self._showing_who is not builder
        if who or (wait <= 0 and self._timer is None):
            self.now(builder)
        elif self._timer is None:
            self._timer = self._schedule(wait, self._flush)

    def now(self, builder: ProfileBuilder) -> Profile:
        """Paint `builder` now (what was pending is painted with it); returns the profile."""
        self._stop()
        self._last_paint = self._clock()
        profile = builder.build()
        self._paint(profile)
        if profile.state in (ProfileState.RESOLVED, ProfileState.AMBIGUOUS):
            self._showing_who = builder
        return profile

    def _stop(self) -> None:
        self._at_once = False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _flush(self) -> None:
        self._timer = None
        self._at_once = False
        if self._pending is not None and self._pending is self._current():
            self.now(self._pending)
