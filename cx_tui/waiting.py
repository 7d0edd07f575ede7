"""A source's work in a lookup under its deadline, where a wait on the source's rate limit is
shown to the agent and not counted against that deadline.

A lookup gives each source a few seconds (`deadline`). When the account's limiter holds a
request because the vendor's budget is spent (a full window, a `Retry-After`), it says how long
(`kit.retry.patient`); `Waits` then moves the deadline past that wait, so the work is not cut
while the limiter knows when it goes, and tells the engine to show "waiting for the HubSpot
rate limit, about 4 s" until the answer fills in. The move is bounded: a wait that would end
more than `WAIT_UP_TO` seconds after the work started is refused, and the source fails as
before, rate limited, saying when to retry (never "timed out" for a wait it was told of).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

from cx_tui.connectors.kit.errors import slow_down
from cx_tui.connectors.kit.retry import WAIT_UP_TO, patient

T = TypeVar("T")

SHOWN_FROM: Final = 1.0
"""Seconds of waiting worth a line on screen; shorter waits only move the deadline."""


class Waits:
    """One source's work under `deadline` seconds, moved by its waits on a rate limit.

    Args:
        deadline: Seconds the work gets, not counting its waits on the rate limit.
        show: Told `(limiter label, seconds)` when a wait of `SHOWN_FROM` or more starts
            (again only when it ends a second or more later than the one last shown).
    """

    def __init__(self, deadline: float, show: Callable[[str, float], None]) -> None:
        self.deadline = deadline
        self.waited = False
        """Whether the deadline was moved for a wait (a timeout after it says so)."""
        self._show = show
        self._timeout: asyncio.Timeout | None = None
        self._shown_until = 0.0
        self._waits_end_by = 0.0

    async def run(self, work: Awaitable[T]) -> T:
        """Await `work` within the deadline (moved by its waits).

        Raises:
            TimeoutError: the work took longer than the deadline plus what it waited.
        """
        loop = asyncio.get_running_loop()
        self._waits_end_by = loop.time() + WAIT_UP_TO
        try:
            with patient(self._report):
                async with asyncio.timeout(self.deadline) as timeout:
                    self._timeout = timeout
                    return await work
        finally:
            self._timeout = None

    def _report(self, label: str, seconds: float) -> None:
        # A task the work started may outlive it (a read-ahead): its waits are no one's now.
        timeout = self._timeout
        if timeout is None or timeout.expired():
            return
        now = asyncio.get_running_loop().time()
        if now + seconds > self._waits_end_by:
            raise slow_down(label, seconds)
        when = timeout.when()
        # After its wait the request (and what depends on it) gets the whole deadline again.
        wanted = now + seconds + self.deadline
        if when is not None and wanted > when:
            timeout.reschedule(wanted)
            self.waited = True
        ends = now + seconds
        if seconds >= SHOWN_FROM and ends >= self._shown_until + SHOWN_FROM:
            self._shown_until = ends
            self._show(label, seconds)
