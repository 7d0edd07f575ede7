"""What the queue and the worker share: the outbox's error, its callables, change reports."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime

from cx_tui.store import OutboxItem

log = logging.getLogger("cx_tui.outbox")

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
Backoff = Callable[[int], float]
OnChange = Callable[[OutboxItem], None]


class OutboxError(Exception):
    """An outbox request that cannot be done (an empty note, an unknown or busy item)."""


def notify(on_change: OnChange | None, items: Iterable[OutboxItem | None]) -> None:
    """Tell `on_change` about each changed item; a failing callback never stops the outbox."""
    if on_change is None:
        return
    for item in items:
        if item is None:
            continue
        try:
            on_change(item)
        except Exception:
            # A display bug must not stop deliveries; say so where a developer will look.
            log.exception("outbox on_change callback failed")
