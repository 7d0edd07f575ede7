"""`kit.background.BackgroundRead`: one reading at a time, joined with a bounded wait, read
once, and after a failure started again only once the backoff has passed."""

from __future__ import annotations

import asyncio

import pytest

from cx_tui.connectors.kit.background import BackgroundRead

pytestmark = pytest.mark.asyncio


class Reads:
    """A reading that answers what `outcomes` says in turn, each when `gate` is open."""

    def __init__(self, *outcomes: bool | Exception) -> None:
        self.outcomes = list(outcomes)
        self.count = 0
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self) -> bool:
        self.count += 1
        await self.gate.wait()
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


async def test_one_reading_at_a_time_and_none_once_it_settled() -> None:
    reads = Reads(True)
    reads.gate.clear()
    listing = BackgroundRead(reads, backoff=60)
    listing.start()
    listing.start()
    joined = asyncio.ensure_future(listing.join(wait=10))
    await asyncio.sleep(0)
    assert not joined.done() and reads.count == 1
    reads.gate.set()
    await joined
    assert listing.settled
    listing.start()
    await listing.join(wait=10)
    assert reads.count == 1


async def test_a_join_waits_only_until_wait_after_the_start_and_the_reading_goes_on() -> None:
    now = [0.0]
    reads = Reads(True)
    reads.gate.clear()
    listing = BackgroundRead(reads, backoff=60, clock=lambda: now[0])
    listing.start()
    now[0] += 5  # the search took five seconds: nothing is left of a wait of 1
    await listing.join(wait=1)
    assert not listing.settled and listing.running
    reads.gate.set()
    await listing.join(wait=10)  # joined the same reading, not a new one
    assert listing.settled and reads.count == 1


async def test_a_failure_is_asked_again_only_after_the_backoff() -> None:
    now = [0.0]
    reads = Reads(False, RuntimeError("junk"), True)
    listing = BackgroundRead(reads, backoff=60, clock=lambda: now[0])
    await listing.join(wait=1)
    assert reads.count == 1 and not listing.settled
    now[0] += 59
    await listing.join(wait=1)
    assert reads.count == 1
    now[0] += 1
    with pytest.raises(RuntimeError):  # an unexpected failure reaches the joiner
        await listing.join(wait=1)
    assert reads.count == 2 and not listing.settled
    now[0] += 60
    await listing.join(wait=1)
    assert reads.count == 3 and listing.settled


async def test_close_cancels_a_running_reading() -> None:
    reads = Reads(True)
    reads.gate.clear()
    listing = BackgroundRead(reads, backoff=60)
    listing.start()
    await asyncio.sleep(0)
    listing.close()
    await asyncio.sleep(0)
    assert not listing.running and not listing.settled


async def test_a_settled_reading_is_read_again_once_refresh_has_passed() -> None:
    now = [0.0]
    reads = Reads(True, True)
    listing = BackgroundRead(reads, backoff=0, refresh=900, clock=lambda: now[0])
    await listing.join(wait=1)
    now[0] += 899
    await listing.join(wait=1)
    assert reads.count == 1 and listing.settled
    now[0] += 1
    assert not listing.settled
    await listing.join(wait=1)
    assert reads.count == 2 and listing.settled


async def test_without_a_backoff_a_failure_is_asked_again_by_the_next_need() -> None:
    reads = Reads(False, True)
    listing = BackgroundRead(reads, backoff=0, refresh=900)
    await listing.join(wait=1)
    assert reads.count == 1 and not listing.settled
    await listing.join(wait=1)
    assert reads.count == 2 and listing.settled


async def test_a_join_relative_wait_counts_from_the_join_not_the_start() -> None:
    now = [0.0]
    reads = Reads(True)
    reads.gate.clear()
    listing = BackgroundRead(reads, backoff=60, wait_from_join=True, clock=lambda: now[0])
    listing.start()
    now[0] += 5  # from the start, a wait of 1 would be spent; from the join it is whole
    joined = asyncio.ensure_future(listing.join(wait=1))
    await asyncio.sleep(0)
    assert not joined.done()  # still waiting: the fake clock does not move
    reads.gate.set()
    await joined
    assert listing.settled and reads.count == 1
