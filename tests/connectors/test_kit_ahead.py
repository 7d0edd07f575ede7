"""`kit.ahead.ReadAhead`: requests a lookup starts for the details, bounded in number and age."""

from __future__ import annotations

import asyncio

import pytest

from cx_tui.connectors.kit.ahead import ReadAhead

pytestmark = pytest.mark.asyncio


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def answer(value: str, gate: asyncio.Event | None = None) -> str:
    if gate is not None:
        await gate.wait()
    return value


async def test_an_answer_is_awaited_by_whoever_asks_and_kept_while_fresh() -> None:
    clock = Clock()
    ahead: ReadAhead[str] = ReadAhead(seconds=30, clock=clock)
    gate = asyncio.Event()
    ahead.start("a@x.example", answer("A", gate))
    waiting = asyncio.ensure_future(ahead.get("a@x.example"))
    await asyncio.sleep(0)
    assert not waiting.done()
    gate.set()
    assert await waiting == "A"
    assert await ahead.get("a@x.example") == "A"  # a second match of the same lookup
    assert await ahead.get("b@x.example") is None
    clock.now += 31
    assert await ahead.get("a@x.example") is None
    assert len(ahead) == 0


async def test_the_oldest_are_dropped_and_cancelled_beyond_the_limit() -> None:
    ahead: ReadAhead[str] = ReadAhead(limit=2)
    gate = asyncio.Event()
    for key in ("1", "2", "3"):
        ahead.start(key, answer(key, gate))
    assert len(ahead) == 2
    gate.set()
    assert [await ahead.get(k) for k in ("1", "2", "3")] == [None, "2", "3"]


async def test_a_newer_start_replaces_and_close_cancels() -> None:
    ahead: ReadAhead[str] = ReadAhead()
    gate = asyncio.Event()
    ahead.start("k", answer("old", gate))
    first = asyncio.ensure_future(ahead.get("k"))
    await asyncio.sleep(0)
    ahead.start("k", answer("new"))
    assert await first is None  # its request was cancelled: the caller falls back
    assert await ahead.get("k") == "new"
    ahead.start("z", answer("never", gate))
    ahead.close()
    assert len(ahead) == 0 and await ahead.get("z") is None


async def test_a_cancelled_caller_leaves_the_request_running() -> None:
    ahead: ReadAhead[str] = ReadAhead()
    gate = asyncio.Event()
    ahead.start("k", answer("A", gate))
    caller = asyncio.ensure_future(ahead.get("k"))
    await asyncio.sleep(0)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    gate.set()
    assert await ahead.get("k") == "A"


async def test_take_hands_the_answer_out_once() -> None:
    clock = Clock()
    ahead: ReadAhead[str] = ReadAhead(seconds=120, clock=clock)
    ahead.start("101", answer("details of 101"))
    ahead.start("102", answer("details of 102"))
    assert await ahead.take("101") == "details of 101"
    assert await ahead.take("101") is None  # taken: the next details read their own
    assert len(ahead) == 1
    clock.now += 121
    assert await ahead.take("102") is None  # too old
    assert len(ahead) == 0


async def test_a_taker_cancelled_cancels_the_request_it_took() -> None:
    ahead: ReadAhead[str] = ReadAhead()
    gate = asyncio.Event()
    request = asyncio.ensure_future(answer("A", gate))
    ahead.start("k", request)
    taker = asyncio.ensure_future(ahead.take("k"))
    await asyncio.sleep(0)
    taker.cancel()
    with pytest.raises(asyncio.CancelledError):
        await taker
    assert request.cancelled()  # nobody else could have asked for it


async def test_a_take_whose_request_is_cancelled_falls_back_and_failures_reach_the_taker() -> None:
    ahead: ReadAhead[str] = ReadAhead()
    request = asyncio.ensure_future(answer("A", asyncio.Event()))
    ahead.start("k", request)
    taker = asyncio.ensure_future(ahead.take("k"))
    await asyncio.sleep(0)
    request.cancel()  # as the client's own shutdown would
    assert await taker is None
    ahead.start("k", answer("B"))
    assert await ahead.take("k") == "B"

    async def broken() -> str:
        raise LookupError("the vendor said no")

    ahead.start("bad", broken())
    with pytest.raises(LookupError):
        await ahead.take("bad")
