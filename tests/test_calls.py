"""Call tracking: ring, answer, hang-up, queued rings, missed calls, history in the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cx_tui.calls import CallState, CallTracker, clock_text
from cx_tui.softphone.events import CallEvent, CallKind
from cx_tui.store import Store

T0 = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def ev(
    kind: CallKind, call_id: str | None = None, number: str | None = None, at: int = 0
) -> CallEvent:
    return CallEvent(kind, number=number, call_id=call_id, received_at=T0 + timedelta(seconds=at))


def test_ring_answer_hangup_gives_duration_and_history() -> None:
    store = Store()
    tracker = CallTracker(store, clock=lambda: T0 + timedelta(seconds=200))
    tracker.handle(ev(CallKind.RING, "c1", "+14155550132"))
    call = tracker.handle(ev(CallKind.ANSWER, "c1", at=5))
    assert call is not None and call.state is CallState.ACTIVE
    tracker.handle(ev(CallKind.HANGUP, "c1", at=130))
    assert call.state is CallState.ENDED and not call.missed
    assert clock_text(call.duration(T0)) == "2:05"
    record = store.call("c1")
    assert record is not None and record.duration_s == 125 and not record.missed


def test_unanswered_hangup_is_a_missed_call_in_the_worklist() -> None:
    store = Store()
    tracker = CallTracker(store)
    tracker.handle(ev(CallKind.RING, "c2", "+14155550111"))
    call = tracker.handle(ev(CallKind.HANGUP, "c2", at=20))
    assert call is not None and call.missed
    assert [c.call_id for c in store.calls(missed_only=True)] == ["c2"]


def test_a_ring_during_a_call_queues_and_a_key_switches() -> None:
    tracker = CallTracker()
    tracker.handle(ev(CallKind.RING, "a", "+14155550101"))
    tracker.handle(ev(CallKind.ANSWER, "a", at=1))
    tracker.handle(ev(CallKind.RING, "b", "+14155550102", at=30))
    assert tracker.focus == "a"  # the call on the line keeps the screen
    assert [c.call_id for c in tracker.live()] == ["a", "b"]
    assert tracker.switch() is not None and tracker.focus == "b"
    assert tracker.switch() is not None and tracker.focus == "a"


def test_events_without_a_call_id_apply_to_the_call_in_focus() -> None:
    tracker = CallTracker()
    tracker.handle(ev(CallKind.RING, None, "+14155550101"))
    answered = tracker.handle(ev(CallKind.ANSWER, at=3))
    ended = tracker.handle(ev(CallKind.HANGUP, at=9))
    assert answered is ended and ended is not None and ended.state is CallState.ENDED


def test_a_burst_of_rings_ends_on_the_latest() -> None:
    tracker = CallTracker()
    for i in range(50):
        tracker.handle(ev(CallKind.RING, f"r{i}", f"+1415555{i:04d}"[:12], at=i))
    assert tracker.focus == "r49"


def test_answer_for_an_unknown_call_changes_nothing() -> None:
    tracker = CallTracker()
    assert tracker.handle(ev(CallKind.ANSWER, "nope")) is None
    assert tracker.handle(ev(CallKind.HANGUP)) is None


def test_manual_call_and_wrap_up_keep_disposition_across_saves() -> None:
    store = Store()
    tracker = CallTracker(store)
    call = tracker.start_manual("+14155550132", "+14155550132")
    tracker.end(call)
    tracker.wrap_up(call, "Resolved", "all good")
    tracker.identify(call, "Maria Gonzalez", ("Demo CRM", "1"))
    record = store.call(call.call_id)
    assert record is not None
    assert (record.disposition, record.note, record.person_name) == (
        "Resolved",
        "all good",
        "Maria Gonzalez",
    )
