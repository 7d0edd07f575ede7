"""An account-wide list read in the background: started on the first need, joined only where
its answer is used, one reading at a time, and after a failure asked again only when `backoff`
has passed, never on every lookup (HubSpot's owners, `hubspot/owners.py`; Freshdesk's agents
and groups, `freshdesk/owners.py`).

`read` fills the vendor's own cache and says whether it is settled: True when read (or refused
for good, e.g. a 403: asking again would not help), False when it failed now (asked again once
`backoff` has passed). It catches the failures it expects; one it raises counts as False and
reaches whoever joins that reading. A settled reading stays good for `refresh` seconds (by
default for the connector's life), then the next need starts another; what the last one
filled is still there meanwhile.

A join waits at most `wait` seconds: counted from the reading's start by default (a search
already spent part of it), or from the join with `wait_from_join` (each need gets the whole
wait).
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
        refresh: float = math.inf,
        wait_from_join: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self.backoff = backoff
        """Seconds after a failed reading before another is started."""
        self.refresh = refresh
        """Seconds a settled reading stays good (infinite: it is never read again)."""
        self.wait_from_join = wait_from_join
        """A join's wait counts from the join (else from the reading's start)."""
        self.clock = clock
        self._task: asyncio.Task[bool] | None = None
        self._started_at = -math.inf
        self._settled_at: float | None = None
        self._failed_at: float | None = None

    @property
    def settled(self) -> bool:
        """A reading settled less than `refresh` seconds ago: none is started meanwhile."""
        settled_at = self._settled_at
        return settled_at is not None and self.clock() - settled_at < self.refresh

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start a reading unless one is still good, one is running, or the last failed less
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
        """Start a reading when one is due, then await the one running for at most `wait`
        seconds (see the module's docstring; it goes on running beyond: a later lookup finds
        it done)."""
        self.start()
        task = self._task
        if task is not None and not task.done():
            since = self.clock() if self.wait_from_join else self._started_at
            left = max(0.0, since + wait - self.clock())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), left)

    async def _run(self) -> bool:
        settled = False
        try:
            settled = await self._read()
        finally:
            if settled:
                self._settled_at, self._failed_at = self.clock(), None
            else:
                self._failed_at = self.clock()
        return settled

    def close(self) -> None:
        """Cancel a reading still running."""
        if self._task is not None:
            self._task.cancel()
