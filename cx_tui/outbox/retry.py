"""When a failed delivery is tried again: the verdict on each error, and the backoff.

- `RateLimited`: wait at least the source's `retry_after`; the source's other items wait too.
- `Unavailable`, `Timeout`: exponential backoff with jitter; the source's other items wait too.
- `AuthError`: keep trying, slower (at least `AUTH_RETRY_DELAY`), with the reason shown.
- `NotFound`, `InvalidInput`, `Unsupported`, a `BadResponse` to a 4xx: `failed` for good.
- Anything else (a connector bug, a garbled answer): backoff and retry.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Final

from cx_tui.connectors.base import (
    AuthError,
    BadResponse,
    ConnectorError,
    InvalidInput,
    NotFound,
    RateLimited,
    Timeout,
    Unavailable,
    Unsupported,
)
from cx_tui.outbox.common import Backoff, log
from cx_tui.store import ItemState

AUTH_RETRY_DELAY: Final = 300.0
"""Seconds at least between attempts while a source refuses the credentials (an admin may fix
them; hammering a login endpoint would not)."""


def exponential_backoff(attempt: int, *, base: float = 2.0, cap: float = 600.0) -> float:
    """Seconds to wait after `attempt` failed attempts: doubling from `base`, at most `cap`.

    The result is jittered between half and all of the delay, so deliverers that failed
    together (a source came back up) do not retry in lockstep.
    """
    delay = min(cap, base * 2.0 ** max(0, attempt - 1))
    return delay * (0.5 + 0.5 * random.random())


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do with an item after an attempt."""

    state: ItemState
    delay: float = 0.0
    message: str | None = None
    whole_source: bool = False
    """The source as a whole cannot take items now: its other items wait too."""
    unsure: bool = False
    """The source may have saved the item: the next attempt looks for it first, no sooner
    than the source's settle delay."""


def settled(verdict: Verdict, error: Exception, settle: float) -> Verdict:
    """`verdict`, for an attempt whose outcome is unknown (the connector says
    `outcome_unknown`, or it ran out of time), made to wait at least the source's `settle`
    seconds and marked unsure: the next attempt looks for the note first."""
    unknown = getattr(error, "outcome_unknown", False) or isinstance(error, TimeoutError)
    if unknown and verdict.state is ItemState.PENDING:
        return replace(verdict, delay=max(verdict.delay, settle), unsure=True)
    return verdict


def judge(
    error: Exception,
    *,
    attempt: int,
    source: str,
    send_timeout: float,
    backoff: Backoff,
    item_id: int,
) -> Verdict:
    """The verdict on an attempt that raised `error`, the item's `attempt`-th."""
    if isinstance(error, RateLimited):
        wait = max(error.retry_after or 0.0, backoff(attempt))
        return Verdict(ItemState.PENDING, wait, error.message, whole_source=True)
    if isinstance(error, AuthError):
        wait = max(AUTH_RETRY_DELAY, backoff(attempt))
        return Verdict(ItemState.PENDING, wait, error.message, whole_source=True)
    if isinstance(error, Unavailable | Timeout):
        return Verdict(ItemState.PENDING, backoff(attempt), error.message, True)
    if isinstance(error, TimeoutError):
        message = f"{source} did not answer within {send_timeout:g} s"
        return Verdict(ItemState.PENDING, backoff(attempt), message, True)
    if isinstance(error, NotFound | InvalidInput | Unsupported) or _refused_request(error):
        assert isinstance(error, ConnectorError)
        return Verdict(ItemState.FAILED, message=error.message)
    if isinstance(error, ConnectorError):
        return Verdict(ItemState.PENDING, backoff(attempt), error.message)
    # A bug in a connector: its text could hold anything, so only the type is kept.
    message = f"unexpected error in the {source} connector ({type(error).__name__})"
    log.warning("outbox item %s: %s", item_id, message)
    return Verdict(ItemState.PENDING, backoff(attempt), message)


def _refused_request(error: Exception) -> bool:
    """A `BadResponse` to a request the source rejected (4xx): sending it again cannot help.

    A connector says so by setting `status` (the HTTP status) on the error. Without it, a
    BadResponse is a garbled answer to a request that may have worked, and is retried.
    """
    status = getattr(error, "status", None)
    return (
        isinstance(error, BadResponse)
        and isinstance(status, int)
        and 400 <= status < 500
        and status not in (408, 425, 429)
    )
