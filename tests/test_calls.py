"""Call tracking: ring, answer, hang-up, queued rings, missed calls, history in the store."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from cx_tui.calls import Call, CallState, CallTracker, clock_text
from cx_tui.insight.tried import already_tried
from cx_tui.models import CallLog
from cx_tui.outbox import call_note_text
from cx_tui.softphone.events import CallEvent, CallKind, Direction
from cx_tui.store import Store, StoreError
from tests.fakes import ticket

T0 = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def ev(
    kind: CallKind,
    call_id: str | None = None,
    number: str | None = None,
    at: int = 0,
    direction: Direction = Direction.INBOUND,
) -> CallEvent:
    return CallEvent(
        kind,
        number=number,
        call_id=call_id,
        direction=direction,
        received_at=T0 + timedelta(seconds=at),
    )


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


def test_an_outbound_call_nobody_answered_is_not_a_missed_call() -> None:
    store = Store()
    tracker = CallTracker(store)
    tracker.handle(ev(CallKind.RING, "o1", "+14155550111", direction=Direction.OUTBOUND))
    call = tracker.handle(ev(CallKind.HANGUP, "o1", at=30))
    assert call is not None and call.state is CallState.ENDED and not call.missed
    assert store.calls(missed_only=True) == []
    record = store.call("o1")
    assert record is not None and record.direction == "outbound" and not record.missed


def test_events_without_an_id_go_to_the_call_with_their_number() -> None:
    """MicroSIP sends only the number: its hang-up of a second (ringing) call must not end the
    call on the line."""
    tracker = CallTracker()
    tracker.handle(ev(CallKind.RING, None, "+14155550101"))
    tracker.handle(ev(CallKind.ANSWER, None, "+14155550101", at=2))
    tracker.handle(ev(CallKind.RING, None, "+14155550102", at=30))
    ended = tracker.handle(ev(CallKind.HANGUP, None, "+14155550102", at=40))
    assert ended is not None and ended.number == "+14155550102" and ended.missed
    [on_the_line] = tracker.live()
    assert on_the_line.number == "+14155550101" and on_the_line.state is CallState.ACTIVE


def test_a_later_answered_or_outbound_call_returns_the_missed_ones() -> None:
    store = Store()
    tracker = CallTracker(store)
    for index, at in enumerate((0, 60)):  # she called twice, nobody answered
        tracker.handle(ev(CallKind.RING, f"m{index}", "+14155550132", at=at))
        tracker.handle(ev(CallKind.HANGUP, f"m{index}", at=at + 20))
    tracker.handle(ev(CallKind.RING, "x", "+14155550199", at=100))
    tracker.handle(ev(CallKind.HANGUP, "x", at=120))
    assert [c.call_id for c in store.calls(missed_only=True)] == ["x", "m1", "m0"]
    # The agent calls her back: ringing out is enough, she need not pick up.
    tracker.handle(ev(CallKind.RING, "back", "+14155550132", at=300, direction=Direction.OUTBOUND))
    assert [c.call_id for c in store.calls(missed_only=True)] == ["x"]
    returned = store.call("m0")
    assert (
        returned is not None
        and returned.missed
        and returned.returned == T0 + timedelta(seconds=300)
    )
    # Saving the missed call again (a late lookup names the caller) keeps the mark.
    tracker.identify(tracker.calls["m0"], "Maria Gonzalez", ("Demo CRM", "1"))
    assert store.calls(missed_only=True)[0].call_id == "x"


def test_an_inbound_call_returns_missed_calls_only_once_answered() -> None:
    store = Store()
    tracker = CallTracker(store)
    tracker.handle(ev(CallKind.RING, "m", "+14155550132"))
    tracker.handle(ev(CallKind.HANGUP, "m", at=20))
    tracker.handle(ev(CallKind.RING, "again", "+14155550132", at=100))
    assert [c.call_id for c in store.calls(missed_only=True)] == ["m"]  # ringing is not talking
    tracker.handle(ev(CallKind.ANSWER, "again", at=105))
    assert store.calls(missed_only=True) == []


def test_marking_returned_by_hand_and_undoing_it() -> None:
    store = Store(clock=lambda: T0 + timedelta(hours=1))
    tracker = CallTracker(store)
    tracker.handle(ev(CallKind.RING, "m", "+14155550111"))
    tracker.handle(ev(CallKind.HANGUP, "m", at=20))
    marked = store.mark_returned("m")
    assert marked is not None and marked.returned == T0 + timedelta(hours=1)
    assert store.calls(missed_only=True) == []
    store.mark_returned("m", returned=False)
    assert [c.call_id for c in store.calls(missed_only=True)] == ["m"]
    assert store.mark_returned("nope") is None


def test_a_wrap_up_that_cannot_be_saved_leaves_the_call_as_it_was() -> None:
    store = Store()
    tracker = CallTracker(store)
    call = tracker.start_manual("+14155550132", "+14155550132")
    tracker.end(call)
    store._connection().execute("PRAGMA query_only = ON")  # SQLite refuses every write
    with pytest.raises(StoreError, match="read-only"):
        tracker.wrap_up(call, "Resolved", "all good", strict=True)
    assert not call.wrapped_up and call.disposition is None


def test_call_logs_on_a_ticket_are_not_steps_already_tried() -> None:
    log = call_note_text(
        CallLog(
            "Walked her through QoS settings",
            direction="inbound",
            duration_s=21,
            outcome="Resolved",
            started=T0,
        )
    )
    older_log = "Inbound call · 21 s · Resolved · 2026-11-30T14:32:09.041646+00:00\nFixed"
    open_ticket = ticket(
        "Demo Helpdesk",
        "9",
        "Dropped calls",
        internal=["Rebooted the router", log, older_log, "Call\nLeft a voicemail"],
    )
    assert [item.text for item in already_tried([open_ticket], [])] == ["Rebooted the router"]


def test_a_call_read_back_from_the_history_is_the_call_that_was_saved() -> None:
    store = Store()
    tracker = CallTracker(store, clock=lambda: T0 + timedelta(seconds=90))
    tracker.handle(ev(CallKind.RING, "c9", "+14155550132"))
    tracker.handle(ev(CallKind.ANSWER, "c9", at=3))
    call = tracker.handle(ev(CallKind.HANGUP, "c9", at=60))
    assert call is not None
    call.line = "support-queue"
    tracker.identify(call, "Maria Gonzalez", ("Demo CRM", "1"))
    tracker.wrap_up(call, "Resolved", "all good")
    record = store.call("c9")
    assert record is not None
    back = Call.from_record(record)
    assert (back.rang_at, back.answered_at, back.ended_at) == (
        T0,
        T0 + timedelta(seconds=3),
        T0 + timedelta(seconds=60),
    )
    assert (back.number, back.lookup_text, back.line) == (
        "+14155550132",
        "+14155550132",
        "support-queue",
    )
    assert (back.person_name, back.person_key) == ("Maria Gonzalez", ("Demo CRM", "1"))
    assert (back.disposition, back.note, back.wrapped_up, back.manual) == (
        "Resolved",
        "all good",
        True,
        False,
    )
    assert (back.call_id, back.direction, back.state) == ("c9", "inbound", CallState.ENDED)


def test_every_field_the_history_keeps_goes_there_and_comes_back() -> None:
    call = Call(
        call_id="c7",
        direction="inbound",
        rang_at=T0,
        number="+14155550132",
        lookup_text="+14155550132",
        line="support-queue",
        answered_at=T0 + timedelta(seconds=4),
        ended_at=T0 + timedelta(seconds=94),
        person_name="Maria Gonzalez",
        person_key=("Demo CRM", "1"),
        wrapped_up=True,
        disposition="Resolved",
        note="all good",
    )
    record = call.to_record(T0 + timedelta(minutes=5))
    assert Call.from_record(record) == call
    assert record.duration_s == 90.0 and record.missed is False
    unset = {
        f.name
        for f in dataclasses.fields(record)
        if getattr(record, f.name) == f.default and f.name != "missed"
    }
    assert unset == {"returned"}  # the store's own: set when a missed call is returned
