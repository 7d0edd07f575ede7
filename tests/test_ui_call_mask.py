"""The mask covers the call banner (issue 15): the caller's name and number during a ring, on a
call and after it, and the toasts about other calls; off again, both come back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cx_tui.app import CxApp
from cx_tui.calls import Call
from cx_tui.config import load_config
from cx_tui.widgets.call_banner import banner_text
from tests.test_ui_calls import HERO, SIZE, banner, event, started

RANG = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)


def test_banner_text_masks_the_name_and_the_number() -> None:
    call = Call("c-1", "inbound", RANG, number=HERO, person_name="Maria Gonzalez", line="Sales")
    other = Call("c-2", "inbound", RANG, number="+12125550100")
    plain = banner_text(call, [other]).plain
    assert "Maria Gonzalez" in plain and HERO in plain
    masked = banner_text(call, [other], masked=True).plain
    assert "M. G." in masked and "•••32" in masked and "line Sales" in masked
    assert "Maria" not in masked and "4155550132" not in masked and "555" not in masked
    unknown = Call("c-3", "inbound", RANG, number=HERO)
    assert banner_text(unknown, [], masked=True).plain.startswith("☎ Incoming call: •••32")
    withheld = Call("c-4", "inbound", RANG)
    assert "withheld number" in banner_text(withheld, [], masked=True).plain
    answered = Call("c-1", "inbound", RANG, number=HERO, person_name="Maria Gonzalez")
    answered.answered_at = RANG
    assert "On call with M. G." in banner_text(answered, [], masked=True).plain
    answered.ended_at = RANG + timedelta(minutes=2)
    assert banner_text(answered, [], masked=True).plain.startswith("Call with M. G. ended")


async def test_a_ring_while_masked_and_the_mask_toggled_during_the_call() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.action_toggle_mask()
        await event(pilot, event="ring", number=HERO, call_id="c-1")
        shown = banner(app)
        assert "Incoming call" in shown and "M. G." in shown and "•••32" in shown
        assert "Maria" not in shown and "4155550132" not in shown
        await event(pilot, event="answer", call_id="c-1")
        assert "On call with M. G." in banner(app)
        await event(pilot, event="ring", number="+12125550100", call_id="c-2")
        toasts = " ".join(str(n.message) for n in app._notifications)
        assert "Another call: •••00" in toasts and "2125550100" not in toasts
        app.action_toggle_mask()
        await pilot.pause()
        assert "On call with Maria Gonzalez" in banner(app)
