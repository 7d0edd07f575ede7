"""An event loop on virtual time, for scenarios that would take minutes of waiting.

Whenever the loop has nothing ready and would sleep until its next timer, the clock jumps
there instead. Only for code that waits on timers alone (httpx.MockTransport, in-memory
doubles, SQLite on the loop's thread): a socket or a thread would see time jump under it.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


class _Skipping(selectors.DefaultSelector):
    """A selector that never blocks on a timeout: it counts the time it would have slept."""

    def __init__(self) -> None:
        super().__init__()
        self.skipped = 0.0

    def select(self, timeout: float | None = None) -> list[Any]:
        ready = super().select(0)
        if ready or timeout is None or timeout <= 0:
            return ready if ready or timeout is not None else super().select(None)
        self.skipped += timeout
        return []


class VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self._skipping = _Skipping()
        super().__init__(self._skipping)

    def time(self) -> float:
        return super().time() + self._skipping.skipped


def run_virtual(main: Callable[[VirtualLoop], Awaitable[T]]) -> T:
    """Run `main(loop)` to completion on a fresh `VirtualLoop`."""
    loop = VirtualLoop()
    try:
        return loop.run_until_complete(main(loop))
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
