"""Calls as the agent lives them: ringing, on the line, ended (answered or missed).

Headless: the softphone's events (or the agent's own key) come in, the tracker says which call
changed and keeps the history in the store. Several calls can be live at once (a ring during a
call queues); one of them has the focus, and the agent switches between them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from cx_tui.softphone.events import CallEvent, CallKind
from cx_tui.store import CallRecord, StoreError

if TYPE_CHECKING:
    from cx_tui.resolution import RecordKey
    from cx_tui.store import Store

MAX_CALLS = 100
"""Ended calls beyond this are dropped from memory (the store keeps the history)."""


class CallState(StrEnum):
    RINGING = "ringing"
    ACTIVE = "active"
    ENDED = "ended"


@dataclass
class Call:
    call_id: str
    direction: str
    rang_at: datetime
    number: str | None = None
    """E.164, or None when withheld."""
    lookup_text: str | None = None
    """What to look up (the number with its extension)."""
    line: str | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    person_name: str | None = None
    person_key: RecordKey | None = None
    manual: bool = False
    """Started by the agent's key, not by the softphone."""
    cause: str | None = None
    wrapped_up: bool = False
    disposition: str | None = None
    note: str | None = None

    @classmethod
    def from_record(cls, record: CallRecord) -> Call:
        """A call of an earlier session, back from the history (to wrap it up now): what
        `to_record` kept, field by field."""
        return cls(
            call_id=record.call_id,
            direction=record.direction,
            rang_at=record.started,
            number=record.number,
            lookup_text=record.number,
            line=record.line,
            answered_at=record.answered,
            ended_at=record.ended,
            person_name=record.person_name,
            person_key=record.person_key,
            manual=record.call_id.startswith("manual-"),
            wrapped_up=record.disposition is not None,
            disposition=record.disposition,
            note=record.note,
        )

    def to_record(self, now: datetime) -> CallRecord:
        """What the history keeps of the call as it is at `now` (`from_record` reads it back;
        `returned` is the store's own)."""
        return CallRecord(
            call_id=self.call_id,
            direction=self.direction,
            started=self.rang_at,
            number=self.number,
            line=self.line,
            answered=self.answered_at,
            ended=self.ended_at,
            duration_s=self.duration(now).total_seconds() if self.ended_at else None,
            person_key=self.person_key,
            person_name=self.person_name,
            disposition=self.disposition,
            missed=self.missed,
            note=self.note,
        )

    @property
    def state(self) -> CallState:
        if self.ended_at is not None:
            return CallState.ENDED
        return CallState.ACTIVE if self.answered_at is not None else CallState.RINGING

    @property
    def missed(self) -> bool:
        """An inbound call that ended unanswered (an outbound one nobody took is not missed)."""
        return (
            self.ended_at is not None
            and self.answered_at is None
            and not self.manual
            and self.direction == "inbound"
        )

    def duration(self, now: datetime) -> timedelta:
        """Time on the line (from answer to hang-up, or to now)."""
        if self.answered_at is None:
            return timedelta(0)
        return (self.ended_at or now) - self.answered_at

    def who(self) -> str:
        """The caller as the banner says it: the name when known, else the number."""
        if self.person_name:
            return self.person_name
        return self.number or "withheld number"


def clock_text(delta: timedelta) -> str:
    """`2:05`, `1:02:05`."""
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass
class CallTracker:
    """Follows every call; `focus` is the one on screen.

    Args:
        store: Where the call history goes (None: kept in memory only).
        clock: Returns the current time (aware, UTC).
    """

    store: Store | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    calls: dict[str, Call] = field(default_factory=dict)
    focus: str | None = None
    problem: str | None = None
    """The last store error, if the history could not be written."""

    def live(self) -> list[Call]:
        return [c for c in self.calls.values() if c.state is not CallState.ENDED]

    @property
    def current(self) -> Call | None:
        return self.calls.get(self.focus) if self.focus else None

    def handle(self, event: CallEvent) -> Call | None:
        """Apply a softphone event; returns the call it changed (None: nothing to change)."""
        if event.kind is CallKind.RING:
            return self._ring(event)
        call = self._find(event)
        if call is None:
            return None
        now = event.received_at
        if event.kind is CallKind.ANSWER and call.state is CallState.RINGING:
            call.answered_at = now
            self.focus = call.call_id  # the agent is talking to this one now
        elif event.kind is CallKind.HANGUP and call.state is not CallState.ENDED:
            call.ended_at = now
            call.cause = event.cause
        else:
            return None
        self._save(call)
        return call

    def _ring(self, event: CallEvent) -> Call:
        call_id = event.call_id or f"cx-{uuid.uuid4().hex[:12]}"
        known = self.calls.get(call_id)
        if known is not None and known.state is not CallState.ENDED:
            return known  # a softphone repeating itself
        call = Call(
            call_id=call_id,
            direction=(event.direction.value if event.direction else "inbound"),
            rang_at=event.received_at,
            number=event.number,
            lookup_text=event.lookup_text(),
            line=event.line,
        )
        self.calls[call_id] = call
        current = self.current
        if current is None or current.state is not CallState.ACTIVE:
            self.focus = call_id  # nothing on the line: show the newest ring
        self._trim()
        self._save(call)
        return call

    def _find(self, event: CallEvent) -> Call | None:
        if event.call_id:
            return self.calls.get(event.call_id)
        # No id (MicroSIP sends only the number): the live call with that number, preferring
        # the focused one; without a number (or none matches), the focused live call, else the
        # newest live one.
        current = self.current
        live = self.live()
        if event.number:
            same = [c for c in live if c.number == event.number]
            if same:
                return current if any(c is current for c in same) else same[-1]
        if current is not None and current.state is not CallState.ENDED:
            return current
        return live[-1] if live else None

    def start_manual(self, number: str | None = None, lookup_text: str | None = None) -> Call:
        """The agent starts a call timer by hand (a call the softphone did not report)."""
        now = self.clock()
        call = Call(
            call_id=f"manual-{uuid.uuid4().hex[:12]}",
            direction="outbound",
            rang_at=now,
            number=number,
            lookup_text=lookup_text,
            answered_at=now,
            manual=True,
        )
        self.calls[call.call_id] = call
        self.focus = call.call_id
        self._save(call)
        return call

    def end(self, call: Call) -> Call:
        """End a call by hand (the agent's key, or a missing hang-up event)."""
        if call.ended_at is None:
            call.ended_at = self.clock()
            self._save(call)
        return call

    def switch(self) -> Call | None:
        """Focus the next live call (one key cycles through them)."""
        live = self.live()
        if not live:
            return None
        ids = [c.call_id for c in live]
        index = ids.index(self.focus) + 1 if self.focus in ids else 0
        self.focus = ids[index % len(ids)]
        return self.calls[self.focus]

    def identify(self, call: Call, name: str | None, key: RecordKey | None) -> None:
        """The lookup resolved who is calling."""
        if (call.person_name, call.person_key) != (name, key):
            call.person_name, call.person_key = name, key
            self._save(call)

    def wrap_up(
        self, call: Call, disposition: str | None, note: str | None, *, strict: bool = False
    ) -> None:
        """Record the wrap-up in the history.

        Raises:
            StoreError: only with `strict`, when it could not be saved (the call is then left
                as it was, not wrapped up).
        """
        before = (call.wrapped_up, call.disposition, call.note)
        call.wrapped_up = True
        call.disposition, call.note = disposition, note
        try:
            self._save(call, strict=strict)
        except StoreError:
            call.wrapped_up, call.disposition, call.note = before
            raise

    def _trim(self) -> None:
        ended = [k for k, c in self.calls.items() if c.state is CallState.ENDED]
        for key in ended[: max(0, len(self.calls) - MAX_CALLS)]:
            del self.calls[key]

    def _save(self, call: Call, *, strict: bool = False) -> None:
        if self.store is None:
            return
        try:
            self.store.record_call(call.to_record(self.clock()))
            self.problem = None
        except StoreError as error:
            self.problem = str(error)
            if strict:
                raise
