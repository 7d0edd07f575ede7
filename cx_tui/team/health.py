"""Whether the team's Redis is usable now, and saying so once when it is not.

Redis down, slow or wrong never blocks a lookup: every Redis call is bounded by the socket
timeout (~100 ms, `TeamSettings.socket_timeout`), and the first one that fails marks the team
offline. From then on the limiter and the cache go straight to their local stand-ins (no Redis
call, so no wait), and one message says so ("team cache offline"). Every `retry_every`
seconds one call may try Redis again; when it answers, the team is back and that is said once
too. The outbox never goes through here: notes do not depend on Redis.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Final

OFFLINE: Final = "team cache offline"
"""The status line's words while Redis cannot be used."""
BACK: Final = "team cache back"
RETRY_EVERY: Final = 2.0
"""Seconds between two tries at a Redis that failed."""

log = logging.getLogger(__name__)


class TeamHealth:
    """Online/offline state of the team's Redis, shared by its limiter and cache.

    Args:
        notify: Called with a one-line status text when the state changes (the status line:
            "team cache offline (...)" once when Redis fails, "team cache back" once when it
            answers again).
        retry_every: Seconds before an offline Redis is tried again.
        clock: Monotonic seconds (tests pass a fake).
    """

    def __init__(
        self,
        notify: Callable[[str], None] | None = None,
        *,
        retry_every: float = RETRY_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.notify = notify
        self.retry_every = retry_every
        self._clock = clock
        self.online = True
        self.reason = ""
        """Why Redis is offline (no address or password in it)."""
        self.failures = 0
        self._next_try = 0.0

    @property
    def status(self) -> str | None:
        """The status line's text while offline, else None."""
        return None if self.online else f"{OFFLINE} ({self.reason})"

    def due(self) -> bool:
        """Whether the next Redis call would be tried (online, or time to try again)."""
        return self.online or self._clock() >= self._next_try

    def usable(self) -> bool:
        """Whether to try Redis now: online, or offline long enough to try again."""
        if self.online:
            return True
        if self._clock() >= self._next_try:
            # One caller probes; the rest keep going local until it reports.
            self._next_try = self._clock() + self.retry_every
            return True
        return False

    def failed(self, reason: str) -> None:
        """A Redis call failed or took too long: go local, and say so if this is news."""
        self.failures += 1
        self._next_try = self._clock() + self.retry_every
        if self.online:
            self.online = False
            self.reason = reason
            self._say(self.status or OFFLINE)

    def answered(self) -> None:
        """A Redis call succeeded: if the team was offline, it is back."""
        if not self.online:
            self.online = True
            self.reason = ""
            self._say(BACK)

    def _say(self, text: str) -> None:
        log.warning("%s", text)
        if self.notify is not None:
            try:
                self.notify(text)
            except Exception:  # a status line that fails must not fail a lookup
                log.exception("team status callback failed")
