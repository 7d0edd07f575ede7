"""Retry as explicit policy: how hard to try (`RetryPolicy`) and whether to try again (decisions).

A *decision* is a function `(Attempt) -> seconds to wait | None`. It looks at one failed try
(the HTTP status, headers and body, or the network exception, and the `ConnectorError` it
maps to) and either says "try again after this many seconds" or has no opinion (None). A
`RetryChain` asks its decisions in order; the first that answers wins, and when none does the
error is raised. This is githubkit's `retry.py` model: a vendor whose limit arrives as a 403
with a body code (Salesforce's `REQUEST_LIMIT_EXCEEDED`) puts its own decision in front of the
default chain instead of editing this module (`DEFAULT_RETRY.before(my_decision)`).

The policy caps every chain: once `policy.attempts` tries failed, nothing is asked. Only what is
safe is retried: a request that writes (`safe=False`) is sent again only when the vendor
certainly did not act on it (a 429, or a connection that was never made).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

import httpx

from cx_tui.connectors.base import RateLimited
from cx_tui.connectors.kit.errors import is_dns_failure, parse_retry_after

if TYPE_CHECKING:
    from cx_tui.connectors.base import ConnectorError

sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
"""How the kit waits (backoff, `Retry-After`, the limiter); tests replace it."""
jitter: Callable[[], float] = random.random
"""Uniform in [0, 1); tests replace it to make backoff deterministic."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try one request.

    Attributes:
        attempts: Tries in all, the first included.
        base_delay: Backoff before the second try, in seconds; doubles each time.
        max_delay: Longest backoff between two tries.
        max_retry_after: Longest wait the vendor may impose (`Retry-After`, an exhausted
            rate-limit window) that is worth waiting out in place; beyond it the request fails
            at once with `RateLimited(retry_after)` so the caller can say when to come back.
        max_queue: Longest wait in our own limiter's queue before giving up.
        retry_timeouts: Whether a request that timed out is tried again (not worth it while an
            agent waits: the source's deadline is shorter than a second timeout).
        interactive: Whether an agent is waiting on the answer. Limiters serve interactive
            requests first and hold the others while the vendor's budget is low (issue 17).
    """

    attempts: int
    base_delay: float
    max_delay: float
    max_retry_after: float
    max_queue: float
    retry_timeouts: bool
    interactive: bool = True


LOOKUP: Final = RetryPolicy(
    attempts=2,
    base_delay=0.2,
    max_delay=1.0,
    max_retry_after=2.0,
    max_queue=10.0,
    retry_timeouts=False,
)
"""An agent is waiting: one quick retry at most."""

BACKGROUND: Final = RetryPolicy(
    attempts=4,
    base_delay=0.5,
    max_delay=8.0,
    max_retry_after=30.0,
    max_queue=60.0,
    retry_timeouts=True,
    interactive=False,
)
"""Nobody is waiting on this very request (note delivery, `cx-tui connectors`)."""

GLANCE: Final = RetryPolicy(
    attempts=1,
    base_delay=0.5,
    max_delay=1.0,
    max_retry_after=0.0,
    max_queue=5.0,
    retry_timeouts=False,
    interactive=False,
)
"""Nice to know, nobody waits (trouble-spot counts): behind lookups in the limiter, one try,
and a rate-limited vendor is left alone at once rather than waited out."""


_BACKGROUND_WORK: ContextVar[bool] = ContextVar("cx_tui_background_work", default=False)


@contextmanager
def background_work() -> Iterator[None]:
    """Within this block (and the tasks it starts) nobody waits on any request: every
    request goes as `BACKGROUND`, whatever policy the connector chose (the outbox worker)."""
    token = _BACKGROUND_WORK.set(True)
    try:
        yield
    finally:
        _BACKGROUND_WORK.reset(token)


WAIT_UP_TO: Final = 20.0
"""Longest wait on an account's rate limit an agent is shown instead of a failure (inside
`patient`): a `Retry-After`, a vendor pause or our own queue. Beyond it the request fails with
`RateLimited(retry_after)`, as before, so the agent is told when to come back (HubSpot's
waits are 1 s or 10 s; a per-minute vendor's can reach 60 s: those are not waited out)."""

PATIENT_TRIES: Final = 3
"""Tries of an interactive request inside `patient`: a second 429 on a busy account is
waited out once more (each wait within `WAIT_UP_TO`); a third fails, saying when to retry."""

WaitReport = Callable[[str, float], None]
"""Told `(limiter label, seconds)` before a request waits that long on its rate limit; may
raise `RateLimited` to refuse the wait (the request then fails, and takes no place)."""

_WAIT_REPORT: ContextVar[WaitReport | None] = ContextVar("cx_tui_wait_report", default=None)


@contextmanager
def patient(report: WaitReport) -> Iterator[None]:
    """Within this block (and the tasks it starts) an agent sees each wait on a rate limit:
    every limiter tells `report` before it makes an interactive request wait, and such a
    request waits up to `WAIT_UP_TO` (a vendor's pause, a full window, our queue) instead of
    failing after `LOOKUP`'s few seconds. The lookup engine shows the wait as a pending state
    and keeps its deadline from cutting it (`cx_tui.waiting`)."""
    token = _WAIT_REPORT.set(report)
    try:
        yield
    finally:
        _WAIT_REPORT.reset(token)


def wait_report() -> WaitReport | None:
    """Who is told of waits here (None: outside `patient`)."""
    return _WAIT_REPORT.get()


def report_wait(label: str, seconds: float) -> None:
    """A limiter is about to hold an interactive request `seconds` (no-op outside `patient`)."""
    report = _WAIT_REPORT.get()
    if report is not None and seconds > 0:
        report(label, seconds)


def in_context(policy: RetryPolicy) -> RetryPolicy:
    """`policy`, or `BACKGROUND` when it is interactive but runs inside `background_work`; an
    interactive one inside `patient` waits a rate limit out for up to `WAIT_UP_TO` (as many
    tries as the policy gives: a source that keeps answering 429 still fails, saying when)."""
    if not policy.interactive:
        return policy
    if _BACKGROUND_WORK.get():
        return BACKGROUND
    if _WAIT_REPORT.get() is not None:
        return replace(
            policy,
            attempts=max(policy.attempts, PATIENT_TRIES),
            max_retry_after=max(policy.max_retry_after, WAIT_UP_TO),
            max_queue=max(policy.max_queue, WAIT_UP_TO),
        )
    return policy


def backoff_delay(policy: RetryPolicy, failures: int) -> float:
    """Seconds to wait after `failures` failed tries: "full jitter" exponential backoff.

    Uniform between 0 and `base_delay * 2**(failures - 1)` (capped at `max_delay`), so clients
    that failed together do not retry in lockstep.
    """
    ceiling = min(policy.max_delay, policy.base_delay * 2.0 ** max(0, failures - 1))
    return ceiling * jitter()


# --- Decisions -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attempt:
    """One failed try, as a decision sees it.

    Attributes:
        policy: The request's policy.
        failures: Failed tries so far, this one included (1 after the first).
        safe: Whether sending the request twice is harmless (a read, a search).
        error: The `ConnectorError` this failure maps to (raised if nobody retries).
        status: The HTTP status, or None when no answer came (see `exception`).
        headers: The answer's headers (empty when none came).
        body: The answer's parsed JSON, or its text, or None.
        exception: The network exception when no answer came.
    """

    policy: RetryPolicy
    failures: int
    safe: bool
    error: ConnectorError
    status: int | None = None
    headers: httpx.Headers = field(default_factory=httpx.Headers)
    body: Any = None
    exception: httpx.HTTPError | None = None


Decision = Callable[[Attempt], float | None]
"""Seconds to wait before trying again, or None: no opinion (the next decision is asked)."""


def retry_rate_limited(attempt: Attempt) -> float | None:
    """A 429 (or any `RateLimited`): the vendor did nothing, so even a write may go again.

    A known wait within `max_retry_after` is waited out by the limiter (the client paused it),
    so this answers 0; a longer one is not retried. Without a known wait: backoff.
    """
    if not isinstance(attempt.error, RateLimited):
        return None
    retry_after = attempt.error.retry_after
    if retry_after is None:
        return backoff_delay(attempt.policy, attempt.failures)
    return 0.0 if retry_after <= attempt.policy.max_retry_after else None


def retry_server_error(attempt: Attempt) -> float | None:
    """A 500/502/503/504 to a safe request: honour `Retry-After`, else back off."""
    if not attempt.safe or attempt.status not in (500, 502, 503, 504):
        return None
    retry_after = parse_retry_after(attempt.headers.get("retry-after"))
    if retry_after is not None:
        return retry_after if retry_after <= attempt.policy.max_retry_after else None
    return backoff_delay(attempt.policy, attempt.failures)


def retry_transport(attempt: Attempt) -> float | None:
    """No answer came: retry what cannot have reached the vendor, and safe requests."""
    exc = attempt.exception
    if exc is None:
        return None
    if isinstance(exc, httpx.ConnectError) and is_dns_failure(exc):
        return None  # a typo in the address does not fix itself
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        # Nothing reached the vendor, so even a write is safe to send again.
        return backoff_delay(attempt.policy, attempt.failures)
    if not attempt.safe:
        return None
    if isinstance(exc, httpx.TimeoutException) and not attempt.policy.retry_timeouts:
        return None
    if isinstance(exc, httpx.TransportError):
        return backoff_delay(attempt.policy, attempt.failures)
    return None


class RetryChain:
    """Decisions asked in order; the first that answers wins (githubkit's chain).

    Args:
        decisions: Each `(Attempt) -> seconds | None`.
    """

    def __init__(self, *decisions: Decision) -> None:
        self.decisions: tuple[Decision, ...] = decisions

    def __repr__(self) -> str:
        names = ", ".join(getattr(d, "__name__", type(d).__name__) for d in self.decisions)
        return f"<RetryChain {names}>"

    def __call__(self, attempt: Attempt) -> float | None:
        """Seconds to wait before the next try, or None to give up with `attempt.error`."""
        if attempt.failures >= attempt.policy.attempts:
            return None
        for decide in self.decisions:
            wait = decide(attempt)
            if wait is not None:
                return max(0.0, wait)
        return None

    def before(self, *decisions: Decision) -> RetryChain:
        """This chain with `decisions` asked first (a vendor's own rules)."""
        return RetryChain(*decisions, *self.decisions)


DEFAULT_RETRY: Final = RetryChain(retry_rate_limited, retry_server_error, retry_transport)
"""What every vendor gets unless it adds decisions of its own."""
