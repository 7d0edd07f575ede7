"""The in-process limiter under a rate limit: a whole-window pause its own full window already
covers is not added, and inside `patient` a wait is reported and waited out (up to
`WAIT_UP_TO`) instead of failing. A fake clock; `waits` records every sleep."""

from __future__ import annotations

import pytest

from cx_tui.connectors.base import RateLimited
from cx_tui.connectors.kit import retry
from cx_tui.connectors.kit.limiter import RateLimiter
from cx_tui.connectors.kit.retry import LOOKUP, WAIT_UP_TO, in_context, patient


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def limiter(clock: Clock, limit: int = 3, window: float = 10.0) -> RateLimiter:
    return RateLimiter(limit, window, label="HubSpot", clock=clock, slack=0.1)


async def test_a_whole_window_pause_is_not_added_when_our_own_window_is_full(
    waits: list[float],
) -> None:
    clock = Clock()
    limit = limiter(clock)
    for _ in range(3):
        await limit.acquire(LOOKUP)
    clock.now += 2.0
    limit.spent(10.0)  # "none remain": the window already holds the next request
    assert limit.paused_for() == 0.0
    await limit.acquire(LOOKUP)  # waits for the oldest to turn one window old, no longer
    assert waits == [pytest.approx(8.1)]


async def test_a_refusal_or_a_longer_reset_is_kept_however_full_our_window_is(
    waits: list[float],
) -> None:
    clock = Clock()
    limit = limiter(clock)
    for _ in range(3):
        await limit.acquire(LOOKUP)
    limit.pause(10.0)  # a 429's Retry-After: other clients of the account spent it
    assert limit.paused_for() == 10.0
    limit.spent(300.0)  # a daily budget gone: far more than one window
    assert limit.paused_for() == 300.0
    assert waits == []


async def test_a_pause_is_kept_when_our_window_has_room(waits: list[float]) -> None:
    clock = Clock()
    limit = limiter(clock)
    await limit.acquire(LOOKUP)
    limit.spent(10.0)  # someone else spent the account: the vendor knows better
    assert limit.paused_for() == 10.0
    limit.pause(2.0)  # shorter than a window: a Retry-After, always kept (longer wins)
    assert limit.paused_for() == 10.0
    assert waits == []


async def test_a_patient_lookup_waits_out_a_vendor_pause_and_says_so(waits: list[float]) -> None:
    clock = Clock()
    limit = limiter(clock)
    limit.pause(8.0)
    with pytest.raises(RateLimited) as caught:
        await limit.acquire(LOOKUP)  # nobody would see the wait: fail, saying when
    assert caught.value.retry_after == 8.0
    reported: list[tuple[str, float]] = []
    with patient(lambda label, seconds: reported.append((label, seconds))):
        await limit.acquire(in_context(LOOKUP))
    assert reported == [("HubSpot", 8.0)]
    assert waits == [8.0]


async def test_a_patient_lookup_still_fails_past_the_bound(waits: list[float]) -> None:
    clock = Clock()
    limit = limiter(clock)
    limit.pause(WAIT_UP_TO + 15)
    reported: list[tuple[str, float]] = []
    with patient(lambda label, seconds: reported.append((label, seconds))):
        with pytest.raises(RateLimited) as caught:
            await limit.acquire(in_context(LOOKUP))
    assert caught.value.retry_after == WAIT_UP_TO + 15
    assert f"try again in {WAIT_UP_TO + 15:g} s" in caught.value.message
    assert reported == [] and waits == []


def test_patience_stretches_interactive_policies_only() -> None:
    with patient(lambda _label, _seconds: None):
        stretched = in_context(LOOKUP)
        assert stretched.interactive
        assert stretched.max_retry_after == WAIT_UP_TO and stretched.max_queue == WAIT_UP_TO
        assert stretched.attempts == retry.PATIENT_TRIES > LOOKUP.attempts
        assert in_context(retry.GLANCE) is retry.GLANCE  # nobody waits on a glance
        with retry.background_work():
            assert in_context(LOOKUP) is retry.BACKGROUND
    assert in_context(LOOKUP) is LOOKUP
