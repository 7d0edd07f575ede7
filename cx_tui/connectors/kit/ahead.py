"""Requests a lookup starts ahead for the details (issue 16: fewer dependent round trips).

A connector that can ask, beside its search, for something its `get_details` would otherwise
ask only later starts it here under a key. The lookup never waits for it, so the identity
paints after the search alone; the details await it, and fall back to their own requests when
it found nothing (None). Two ways to ask:

- `get(key)`: shared. Every match of the lookup may ask (HubSpot's associations of the contact
  read by email, Zendesk's tickets of the requester by email: one answer, several details).
- `take(key)`: once. The answer is one details' own and is forgotten when taken (Freshdesk's
  whole details of a contact, started by the search; Intercom's open conversations an email
  started); a caller cancelled while awaiting it cancels it too, since nobody else can.

Kept answers are bounded in number and age (both per connector), so lookups whose details are
never asked for (a match the agent did not open, a lookup replaced by the next caller) leave
nothing behind for long; closing the connector cancels what is still running. A request should
catch the failures it expects: one it raises is raised to whoever gets or takes its answer.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any, Final, Generic, TypeVar

T = TypeVar("T")

AHEAD_SECONDS: Final = 30.0
"""How long a read-ahead answer stays good: the details follow the lookup at once."""
MAX_AHEAD: Final = 32
"""Answers kept at most (the oldest are dropped)."""


def settle(task: asyncio.Task[Any]) -> None:
    """Retrieve a finished task's outcome so an unused failure is not reported as lost (a
    done callback of tasks nobody may await)."""
    if not task.cancelled():
        task.exception()


def _cancelling() -> bool:
    """Whether the running task is itself being cancelled."""
    current = asyncio.current_task()
    return current is not None and current.cancelling() > 0


class ReadAhead(Generic[T]):
    """Started requests by key; each answer is good for `seconds`, `limit` kept at most."""

    def __init__(
        self,
        seconds: float = AHEAD_SECONDS,
        limit: int = MAX_AHEAD,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self.limit = limit
        self._clock = clock
        self._kept: OrderedDict[str, tuple[float, asyncio.Task[T]]] = OrderedDict()

    def start(self, key: str, request: Coroutine[Any, Any, T]) -> None:
        """Run `request` now; one started earlier under `key` is cancelled and replaced."""
        task = asyncio.ensure_future(request)
        task.add_done_callback(settle)
        old = self._kept.pop(key, None)
        if old is not None:
            old[1].cancel()
        self._kept[key] = (self._clock(), task)
        while len(self._kept) > self.limit:
            self._kept.popitem(last=False)[1][1].cancel()

    def _fresh(self, key: str, *, forget: bool) -> asyncio.Task[T] | None:
        """The task started under `key` while it is good (forgotten here when `forget`); an
        expired one is cancelled and forgotten."""
        kept = self._kept.pop(key, None) if forget else self._kept.get(key)
        if kept is None:
            return None
        started, task = kept
        if self._clock() - started > self.seconds:
            self._kept.pop(key, None)
            task.cancel()
            return None
        return task

    async def get(self, key: str) -> T | None:
        """The answer of the request started under `key`, awaited (without cancelling it when
        the caller is cancelled) and kept for others; None when none was started, it is older
        than `seconds`, or it was cancelled."""
        task = self._fresh(key, forget=False)
        if task is None:
            return None
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.cancelled():
                return None
            raise

    async def take(self, key: str) -> T | None:
        """The answer of the request started under `key`, once: forgotten here, and cancelled
        when the caller is; None as for `get`."""
        task = self._fresh(key, forget=True)
        if task is None:
            return None
        try:
            return await task
        except asyncio.CancelledError:
            if task.cancelled() and not _cancelling():
                return None
            raise

    def close(self) -> None:
        """Cancel what is still running and forget everything."""
        for _, task in self._kept.values():
            task.cancel()
        self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)
