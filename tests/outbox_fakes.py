"""Doubles for outbox tests: a clock that only moves when told, and a scripted connector."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from cx_tui.connectors.base import Capability, Connector
from cx_tui.identity import Query
from cx_tui.models import (
    CallLog,
    Details,
    Match,
    NoteReceipt,
    NoteTarget,
    SourceRef,
    TargetKind,
)

START = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


class FakeClock:
    """`clock()` returns a time that moves only with `advance` (or a fake sleep)."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class SleepAdvances:
    """A `sleep` for `OutboxWorker.run` that moves the fake clock instead of waiting.

    It records every nap and stops the test (raises) after `limit` naps, so a loop that never
    settles fails fast instead of hanging.
    """

    def __init__(
        self, clock: FakeClock, *, limit: int = 1000, done: Callable[[], bool] = lambda: False
    ) -> None:
        self.clock = clock
        self.limit = limit
        self.done = done
        """Once this is true, naps last until the test cancels `run` (nothing left to see)."""
        self.naps: list[float] = []

    async def __call__(self, seconds: float) -> None:
        if self.done():
            await asyncio.Event().wait()
        self.naps.append(seconds)
        if len(self.naps) > self.limit:
            raise AssertionError(f"run() napped more than {self.limit} times")
        self.clock.advance(seconds)
        await asyncio.sleep(0)


@dataclass
class Call:
    method: str
    key: str
    text: str
    target: NoteTarget
    at: datetime
    call: CallLog | None = None
    """What `add_call` was given."""


class ScriptedConnector(Connector):
    """Takes notes idempotently by key; `script` lists what each call does first.

    Each script entry is consumed by one call: an exception to raise, or None to succeed.
    When the script is empty every call succeeds. Every call is recorded in `calls`.
    """

    type_name = "scripted"
    display_name = "Scripted"
    capabilities = Capability.PERSON_NOTES | Capability.TICKET_NOTES
    needs_secret = False

    def __init__(
        self, name: str = "Desk", script: Iterable[BaseException | None] = (), clock: Any = None
    ) -> None:
        super().__init__(name, {})
        self.script: list[BaseException | None] = list(script)
        self.clock = clock or (lambda: START)
        self.calls: list[Call] = []
        self.notes: dict[str, tuple[str, NoteReceipt]] = {}
        self.block: asyncio.Event | None = None
        """When set, each call waits for this event (to hold a send open)."""

    async def find_people(self, query: Query) -> Sequence[Match]:
        return []

    async def get_details(self, match: Match) -> Details:
        return Details()

    async def add_note(self, target: NoteTarget, text: str, idempotency_key: str) -> NoteReceipt:
        return await self._write("add_note", target, text, idempotency_key)

    async def _write(
        self, method: str, target: NoteTarget, text: str, key: str, call: CallLog | None = None
    ) -> NoteReceipt:
        self.calls.append(Call(method, key, text, target, self.clock(), call))
        if self.block is not None:
            await self.block.wait()
        if self.script:
            outcome = self.script.pop(0)
            if outcome is not None:
                raise outcome
        if key in self.notes:
            return replace(self.notes[key][1], duplicate=True)
        receipt = NoteReceipt(SourceRef(self.name, f"note-{len(self.notes) + 1}"), self.clock())
        self.notes[key] = (text, receipt)
        return receipt

    def written(self) -> list[str]:
        """The text of every note the source holds (each written once per key)."""
        return [text for text, _ in self.notes.values()]


class CallingConnector(ScriptedConnector):
    """A source with calls: `add_call` records the `CallLog` it was given."""

    capabilities = ScriptedConnector.capabilities | Capability.CALLS

    async def add_call(self, target: NoteTarget, call: CallLog, *, key: str) -> NoteReceipt:
        return await self._write("add_call", target, call.summary, key, call)


def person_target(record_id: str = "12", source: str = "Desk") -> NoteTarget:
    return NoteTarget(TargetKind.PERSON, SourceRef(source, record_id))


def ticket_target(record_id: str = "9", source: str = "Desk") -> NoteTarget:
    return NoteTarget(TargetKind.TICKET, SourceRef(source, record_id))
