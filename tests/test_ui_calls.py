"""Beside the softphone: ring -> answer -> hang-up drive the banner, timer and wrap-up."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label, Select, SelectionList, Static, TextArea

from cx_tui.app import CxApp
from cx_tui.calls import CallState
from cx_tui.config import load_config
from cx_tui.models import NoteTarget, SourceRef, TargetKind
from cx_tui.outbox import Outbox
from cx_tui.screens.call_history import CallHistory
from cx_tui.screens.wrap_up import WrapUp
from cx_tui.softphone.client import send as send_now
from cx_tui.store import ItemKind, ItemState, Store
from cx_tui.widgets import outbox_status
from cx_tui.widgets.action_list import ActionList
from cx_tui.widgets.call_banner import CallBanner

# The app's own event loop answers the socket; under a loaded test run (xdist on 2 cores) it
# may take longer than the 1 s `cx-tui ring` allows. What is tested here is what the app does
# with the events; bench/ring.py and tests/test_softphone_doors.py time the doors.
TEST_TIMEOUT = 10.0


def send(message: dict[str, object]) -> dict[str, object]:
    return send_now(message, timeout=TEST_TIMEOUT)


SIZE = (120, 40)
HERO = "+14155550132"


async def event(pilot: Pilot[Any], **message: Any) -> dict[str, Any]:
    """Send an event through the real control socket, as `cx-tui ring` does."""
    reply = await asyncio.to_thread(send, message)
    app = pilot.app
    assert isinstance(app, CxApp)
    await app.main.workers.wait_for_complete()
    await pilot.pause()
    return reply


async def started(pilot: Pilot[Any]) -> CxApp:
    app = pilot.app
    assert isinstance(app, CxApp)
    for _ in range(100):  # the socket opens in a worker right after mount
        if app.services.softphone.control.serving:
            break
        await pilot.pause(0.02)
    assert app.services.softphone.control.serving
    return app


def banner(app: CxApp) -> str:
    widget = app.main.query_one(CallBanner)
    return str(widget.content) if widget.has_class("-shown") else ""


async def test_ring_answer_hangup_pop_the_profile_and_open_the_wrap_up() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        reply = await event(pilot, event="ring", number=HERO, call_id="c-1")
        assert reply["ok"] is True
        # The profile is on screen with no key pressed, and the banner names the caller.
        assert app.main.profile is not None and app.main.profile.value("name") == "Maria Gonzalez"
        assert "Incoming call" in banner(app) and "Maria Gonzalez" in banner(app)
        await event(pilot, event="answer", call_id="c-1")
        call = app.services.calls.calls["c-1"]
        assert call.state is CallState.ACTIVE
        assert "On call with Maria Gonzalez" in banner(app)
        await event(pilot, event="hangup", call_id="c-1")
        assert call.state is CallState.ENDED
        wrap = app.screen
        assert isinstance(wrap, WrapUp)
        wrap.query_one(TextArea).text = "Walked her through QoS settings; fixed."
        wrap.query_one(Select).value = "Resolved"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await app.main.workers.wait_for_complete()
        assert app.services.delivery is not None
        items = app.services.delivery.outbox.items([ItemState.DELIVERED])
        calls = [i for i in items if i.kind is ItemKind.CALL]
        # Logged on the CRM person and as an internal note on the open ticket.
        assert {i.target.kind.value for i in calls} == {"person", "ticket"}
        assert all(i.payload and i.payload["outcome"] == "Resolved" for i in calls)
        assert app.services.store is not None
        record = app.services.store.call("c-1")
        assert record is not None and record.disposition == "Resolved" and not record.missed


async def test_wrap_up_refuses_missing_disposition() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await event(pilot, event="ring", number=HERO, call_id="c-2")
        await event(pilot, event="answer", call_id="c-2")
        await event(pilot, event="hangup", call_id="c-2")
        wrap = app.screen
        assert isinstance(wrap, WrapUp)
        wrap.query_one(TextArea).text = "notes"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is wrap
        assert "disposition" in str(wrap.query_one("#wrap-message").content)  # type: ignore[attr-defined]


async def test_an_unanswered_call_is_missed_and_on_the_callback_list() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await event(pilot, event="ring", number="+14155550199", call_id="m-1")
        await event(pilot, event="hangup", call_id="m-1")
        assert not isinstance(app.screen, WrapUp)
        assert any("Missed call" in n.message for n in app._notifications)
        await pilot.press("h", "m")
        await pilot.pause()
        assert isinstance(app.screen, CallHistory)
        assert [c.call_id for c in app.screen.calls] == ["m-1"]


async def test_a_ring_during_a_call_queues_and_k_switches() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await event(pilot, event="ring", number=HERO, call_id="a")
        await event(pilot, event="answer", call_id="a")
        await event(pilot, event="ring", number="+12125550100;ext=210", call_id="b")
        assert app.services.calls.focus == "a"
        assert app.main.profile is not None
        assert app.main.profile.value("name") == "Maria Gonzalez"
        assert "+1 other call (1 ringing): k switches" in banner(app)
        await pilot.press("k")
        await app.main.workers.wait_for_complete()
        await pilot.pause()
        assert app.services.calls.focus == "b"
        assert app.main.profile is not None and app.main.profile.value("name") == "Tom Becker"


async def test_a_burst_of_50_rings_ends_on_the_latest_call() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        numbers = [f"+1415555{n:04d}" for n in range(100, 150)]
        numbers[-1] = HERO
        for index, number in enumerate(numbers):
            reply = await asyncio.to_thread(
                send, {"event": "ring", "number": number, "call_id": f"burst-{index}"}
            )
            assert reply["ok"] is True
        await app.main.workers.wait_for_complete()
        await pilot.pause()
        assert app.services.calls.focus == "burst-49"
        assert app.main.profile is not None
        assert app.main.profile.value("name") == "Maria Gonzalez"


async def test_bad_socket_input_is_refused_and_the_app_keeps_running() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        from cx_tui.softphone.client import RefusedError

        try:
            await asyncio.to_thread(send, {"event": "ring", "number": "+999 123"})
        except RefusedError as error:
            assert "not a valid phone number" in str(error) or "phone" in str(error)
        else:
            raise AssertionError("an invalid number was accepted")
        reply = await event(pilot, event="ring", number=HERO)
        assert reply["ok"] is True
        assert app.main.profile is not None and app.main.profile.value("name") == "Maria Gonzalez"


async def test_manual_call_timer_with_t() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*HERO, "enter")
        await app.main.workers.wait_for_complete()
        await pilot.press("t")
        await pilot.pause()
        [call] = app.services.calls.calls.values()
        assert call.manual and call.state is CallState.ACTIVE
        assert call.person_name == "Maria Gonzalez"
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, WrapUp)


async def test_wrap_up_by_keyboard_alone() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await event(pilot, event="ring", number=HERO, call_id="kb")
        await event(pilot, event="answer", call_id="kb")
        await event(pilot, event="hangup", call_id="kb")
        assert isinstance(app.screen, WrapUp)
        await pilot.press(*"Reset the SIP password", "tab", "enter")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        await app.main.workers.wait_for_complete()
        assert app.services.store is not None
        record = app.services.store.call("kb")
        assert record is not None and record.disposition == "Resolved"
        assert record.note == "Reset the SIP password"


def wrap_up_screen(app: CxApp) -> WrapUp:
    wrap = app.screen
    assert isinstance(wrap, WrapUp)
    return wrap


def message(wrap: WrapUp) -> str:
    return str(wrap.query_one("#wrap-message", Static).content)


def target_labels(wrap: WrapUp) -> list[str]:
    targets = wrap.query_one("#wrap-targets", SelectionList)
    return [str(targets.get_option_at_index(i).prompt) for i in range(targets.option_count)]


async def test_the_wrap_up_logs_to_the_caller_not_to_whoever_is_on_screen() -> None:
    """Ring Maria, answer, look up Daniel by hand, hang up: the call is Maria's."""
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await event(pilot, event="ring", number="+1 415 555 0132", call_id="w3")
        await event(pilot, event="answer", call_id="w3")
        await pilot.press("slash", *"+1 617 555 0148", "enter")
        await app.main.workers.wait_for_complete()
        await pilot.pause()
        assert app.main.profile is not None
        assert app.main.profile.value("name") == "Daniel Okafor"
        await event(pilot, event="hangup", call_id="w3")
        wrap = wrap_up_screen(app)
        title = str(wrap.query_one(".dialog-title", Label).content)
        assert title == "Wrap up the call with Maria Gonzalez"
        labels = target_labels(wrap)
        assert labels and any("Maria Gonzalez" in label for label in labels)
        assert not any("Daniel" in label for label in labels)
        maria = {c.target.ref.key for c in wrap.choices}
        wrap.query_one(TextArea).text = "Walked her through QoS settings; fixed."
        wrap.query_one(Select).value = "Resolved"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await app.main.workers.wait_for_complete()
        assert app.services.delivery is not None
        logged = [
            i
            for i in app.services.delivery.outbox.items(list(ItemState))
            if i.kind is ItemKind.CALL
        ]
        assert logged and {i.target.ref.key for i in logged} <= maria
        assert app.main.profile.value("name") == "Daniel Okafor"  # the screen was left alone


async def test_escape_keeps_the_wrap_up_as_a_draft_and_w_reopens_it() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await event(pilot, event="ring", number=HERO, call_id="d1")
        await event(pilot, event="answer", call_id="d1")
        await event(pilot, event="hangup", call_id="d1")
        await pilot.press(*"Reset the SIP pass")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, WrapUp)
        assert any("kept as a draft" in n.message for n in app._notifications)
        assert (
            app.services.store is not None
            and app.services.store.draft("call:d1") == "Reset the SIP pass"
        )
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, CallHistory)
        assert app.screen.calls[0].call_id == "d1"
        await pilot.press("w")
        await pilot.pause()
        wrap = wrap_up_screen(app)
        assert wrap.call.call_id == "d1"
        assert wrap.query_one(TextArea).text == "Reset the SIP pass"  # nothing typed was lost


async def test_a_store_failure_keeps_the_wrap_up_open_with_its_text() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await event(pilot, event="ring", number=HERO, call_id="f1")
        await event(pilot, event="answer", call_id="f1")
        await event(pilot, event="hangup", call_id="f1")
        wrap = wrap_up_screen(app)
        wrap.query_one(Select).value = "Resolved"
        assert app.services.store is not None and app.services.delivery is not None
        connection = app.services.store._connection()
        connection.execute("PRAGMA query_only = ON")  # SQLite refuses every write now
        wrap.query_one(TextArea).text = "Replaced the headset; call quality fine now."
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is wrap  # still open, text and all
        assert wrap.query_one(TextArea).text == "Replaced the headset; call quality fine now."
        assert "not logged" in message(wrap) and "read-only" in message(wrap)
        assert app.services.delivery.outbox.items(list(ItemState)) == []
        assert not app.services.calls.calls["f1"].wrapped_up
        connection.execute("PRAGMA query_only = OFF")  # the disk is writable again
        await pilot.press("ctrl+s")
        await pilot.pause()
        await app.main.workers.wait_for_complete()
        assert not isinstance(app.screen, WrapUp)
        items = app.services.delivery.outbox.items(list(ItemState))
        assert items and all(i.text.startswith("Replaced the headset") for i in items)
        assert app.services.calls.calls["f1"].wrapped_up
        assert app.services.store.draft("call:f1") is None


async def test_an_unidentified_caller_is_wrapped_up_in_the_local_history() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await event(pilot, event="ring", number="+14155550199", call_id="u1")
        await event(pilot, event="answer", call_id="u1")
        await event(pilot, event="hangup", call_id="u1")
        wrap = wrap_up_screen(app)
        assert wrap.choices == [] and "local call history" in message(wrap)
        wrap.query_one(TextArea).text = "Wrong number, a pharmacy"
        wrap.query_one(Select).value = "Wrong number"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, WrapUp)
        assert app.services.store is not None
        record = app.services.store.call("u1")
        assert record is not None and record.disposition == "Wrong number"
        assert (
            app.services.delivery is not None
            and app.services.delivery.outbox.items(list(ItemState)) == []
        )


async def test_after_a_ring_the_call_keys_work_without_leaving_the_lookup_bar_first() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        bar = app.main.query_one("#lookup-bar", Input)
        assert app.focused is bar
        await event(pilot, event="ring", number=HERO, call_id="k1")
        assert isinstance(app.focused, ActionList)
        await pilot.press("t")  # answers nothing, but must not type into the bar
        await pilot.pause()
        assert bar.value == HERO


async def test_a_ring_while_the_agent_types_leaves_the_bar_and_the_text_alone() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press(*"+1617")
        await event(pilot, event="ring", number=HERO, call_id="k2")
        bar = app.main.query_one("#lookup-bar", Input)
        assert app.focused is bar and bar.value == "+1617"
        await pilot.press(*"5550148")
        assert bar.value == "+16175550148"
        assert app.main.profile is not None
        assert app.main.profile.value("name") == "Maria Gonzalez"  # the caller is on screen


async def test_an_outbound_call_nobody_answered_is_not_missed() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await event(pilot, event="ring", number=HERO, call_id="o1", direction="outbound")
        await event(pilot, event="hangup", call_id="o1")
        assert not any("Missed call" in n.message for n in app._notifications)
        assert app.services.store is not None and app.services.store.calls(missed_only=True) == []


async def test_r_marks_a_missed_call_returned_and_it_leaves_the_worklist() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await event(pilot, event="ring", number="+14155550199", call_id="m-2")
        await event(pilot, event="hangup", call_id="m-2")
        await pilot.press("h", "m")
        await pilot.pause()
        history = app.screen
        assert isinstance(history, CallHistory)
        assert [c.call_id for c in history.calls] == ["m-2"]
        await pilot.press("r")
        await pilot.pause()
        assert history.calls == []
        assert "(0)" in str(history.query_one("#calls-title", Label).content)
        assert app.services.store is not None
        record = app.services.store.call("m-2")
        assert record is not None and record.missed and record.returned is not None


async def test_notes_queued_by_another_process_show_in_the_status_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(outbox_status, "OUTBOX_COUNTS_POLL", 0.1)
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # the outbox opens right after the first frame
        status = app.main.query_one("#outbox-status", Static)
        assert "0 pending" in str(status.content)
        with Store() as other:  # what `cx-tui note` in another terminal does
            target = NoteTarget(TargetKind.PERSON, SourceRef("Demo CRM", "1"))
            Outbox(other).enqueue("from the other terminal", [target])
        for _ in range(50):
            if "1 pending" in str(status.content):
                break
            await pilot.pause(0.05)
        assert "1 pending" in str(status.content)


async def test_a_wrap_up_left_as_a_draft_can_be_finished_after_a_restart() -> None:
    first = CxApp(load_config())
    async with first.run_test(size=SIZE) as pilot:
        await started(pilot)
        await event(pilot, event="ring", number=HERO, call_id="r1")
        await event(pilot, event="answer", call_id="r1")
        await event(pilot, event="hangup", call_id="r1")
        await pilot.press(*"Half written", "escape")
        await pilot.pause()
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*HERO, "enter")  # the agent opens the caller first
        await app.main.workers.wait_for_complete()
        await pilot.press("h", "w")
        await pilot.pause()
        wrap = wrap_up_screen(app)
        assert wrap.call.call_id == "r1" and wrap.query_one(TextArea).text == "Half written"
        assert any("Maria Gonzalez" in label for label in target_labels(wrap))


async def test_a_ring_from_an_unallocated_range_pops_the_banner_and_looks_it_up() -> None:
    from cx_tui.identity import UNRECOGNISED_RANGE_NOTE

    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        reply = await event(pilot, event="ring", number="+1 200 555 0132", call_id="c-u")
        assert reply["ok"] is True
        assert "Incoming call" in banner(app)
        profile = app.main.profile
        assert profile is not None and profile.query == "+1 200-555-0132"
        assert UNRECOGNISED_RANGE_NOTE in profile.notes
        from rich.console import Console

        console = Console(width=120, record=True, file=io.StringIO())
        console.print(app.main.query_one("#identity", Static).content)
        assert UNRECOGNISED_RANGE_NOTE in console.export_text()
        assert "c-u" in app.services.calls.calls


def history_rows(history: CallHistory) -> list[list[str]]:
    from textual.widgets import DataTable

    table = history.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_a_missed_unknown_caller_is_named_once_a_contact_is_created_for_the_number() -> None:
    from cx_tui.screens.create_contact import CreateContact
    from cx_tui.widgets.mask_badge import MaskBadge

    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await event(pilot, event="ring", number="+14155550199", call_id="m-9")
        await event(pilot, event="hangup", call_id="m-9")
        await pilot.press("h")
        await pilot.pause()
        history = app.screen
        assert isinstance(history, CallHistory)
        [row] = history_rows(history)
        assert row[1:4] == ["missed", "+14155550199", "unknown"]
        await pilot.press("escape", "a")
        await pilot.pause()
        assert isinstance(app.screen, CreateContact)
        await pilot.press(*"Rosa Diaz", "ctrl+s")
        for _ in range(3):  # the contact is created, then the number looked up again
            await app.main.workers.wait_for_complete()
            await pilot.pause()
        assert app.main.profile is not None and app.main.profile.value("name") == "Rosa Diaz"
        await pilot.press("h")
        await pilot.pause()
        history = app.screen
        assert isinstance(history, CallHistory)
        [row] = history_rows(history)
        assert row[1:4] == ["missed", "+14155550199", "Rosa Diaz"]
        assert history.calls[0].person_key is not None  # Enter opens her profile
        await pilot.press("x")  # the mask, from inside the call history
        await pilot.pause()
        assert app.services.masked and history.query_one(MaskBadge).has_class("-on")
        [row] = history_rows(history)
        assert row[2:4] == ["•••99", "R. D."]
        await pilot.press("x")
        await pilot.pause()
        assert history_rows(history)[0][2:4] == ["+14155550199", "Rosa Diaz"]
