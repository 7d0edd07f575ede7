"""An account-wide list read in the background: started on the first need, joined only where
its answer is used, read once, and after a failure asked again only when `backoff` has passed,
never on every lookup (HubSpot's owners, `hubspot/owners.py`).

`read` fills the vendor's own cache and says whether it is settled: True when read (or refused
for good, e.g. a 403: asking again would not help), False when it failed now (asked again once
`backoff` has passed). It catches the failures it expects; one it raises counts as False and
reaches whoever joins that reading.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable, Coroutine
from typing import Any

from cx_tui.connectors.kit.ahead import settle


class BackgroundRead:
    """One reading at a time of something every lookup of an account shares."""

    def __init__(
        self,
        read: Callable[[], Coroutine[Any, Any, bool]],
        *,
        backoff: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self.backoff = backoff
        """Seconds after a failed reading before another is started."""
        self.clock = clock
        self._task: asyncio.Task[bool] | None = None
        self._started_at = -math.inf
        self.settled = False
        """A reading has settled: none is started again."""
        self._failed_at: float | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start a reading unless one has settled, one is running, or the last failed less
        than `backoff` seconds ago; never waits."""
        if self.settled or self.running:
            return
        failed = self._failed_at
        if failed is not None and self.clock() - failed < self.backoff:
            return
        self._started_at = self.clock()
        self._task = asyncio.ensure_future(self._run())
        self._task.add_done_callback(settle)

    async def join(self, wait: float) -> None:
        """Start a reading when one is due, then await the one running until `wait` seconds
        after it started (it goes on running beyond: a later lookup finds it done)."""
        self.start()
        task = self._task
        if task is not None and not task.done():
            left = max(0.0, self._started_at + wait - self.clock())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), left)

    async def _run(self) -> bool:
        settled = False
        try:
            settled = await self._read()
        finally:
            self.settled = settled
            self._failed_at = None if settled else self.clock()
        return settled

    def close(self) -> None:
        """Cancel a reading still running."""
        if self._task is not None:
            self._task.cancel()
