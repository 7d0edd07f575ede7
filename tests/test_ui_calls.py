"""Beside the softphone: ring -> answer -> hang-up drive the banner, timer and wrap-up."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Select, TextArea

from cx_tui.app import CxApp
from cx_tui.calls import CallState
from cx_tui.config import load_config
from cx_tui.screens.call_history import CallHistory
from cx_tui.screens.wrap_up import WrapUp
from cx_tui.softphone.client import send
from cx_tui.store import ItemKind, ItemState
from cx_tui.widgets.call_banner import CallBanner

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
        if app.softphone.control.serving:
            break
        await pilot.pause(0.02)
    assert app.softphone.control.serving
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
        call = app.calls.calls["c-1"]
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
        assert app.delivery is not None
        items = app.delivery.outbox.items([ItemState.DELIVERED])
        calls = [i for i in items if i.kind is ItemKind.CALL]
        # Logged on the CRM person and as an internal note on the open ticket.
        assert {i.target.kind.value for i in calls} == {"person", "ticket"}
        assert all(i.payload and i.payload["disposition"] == "Resolved" for i in calls)
        assert app.store is not None
        record = app.store.call("c-1")
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
        await pilot.press("tab", "h", "m")
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
        assert app.calls.focus == "a"
        assert app.main.profile is not None
        assert app.main.profile.value("name") == "Maria Gonzalez"
        assert "+1 other call (1 ringing): k switches" in banner(app)
        await pilot.press("tab", "k")
        await app.main.workers.wait_for_complete()
        await pilot.pause()
        assert app.calls.focus == "b"
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
        assert app.calls.focus == "burst-49"
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
        [call] = app.calls.calls.values()
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
        assert app.store is not None
        record = app.store.call("kb")
        assert record is not None and record.disposition == "Resolved"
        assert record.note == "Reset the SIP password"
