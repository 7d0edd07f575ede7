"""How each screen looks, at 80x24, 120x40 and 200x60 in the default theme, and once per theme.

Time is frozen (the demo is seeded at a fixed moment and every "now" reads it), so ages such as
"3 days ago" and the caller's local time are the same on every run. Review changes with
`pytest --snapshot-update` only after looking at the report.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from cx_tui import actions, phrases, render
from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.connectors.local import database_path, reset_database

FROZEN = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)
SIZES = [(80, 24), (120, 40), (200, 60)]

SnapCompare = Callable[..., bool]


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (phrases, render, actions):
        monkeypatch.setattr(module, "now_utc", lambda: FROZEN)
    config = load_config()
    for entry in config.connectors:
        reset_database(
            database_path(entry.name, entry.settings),
            entry.settings["dataset"],
            now=FROZEN,
            region="US",
        )


def make_app(theme: str | None = None) -> CxApp:
    import dataclasses

    config = load_config()
    if theme:
        config = dataclasses.replace(config, theme=theme)
    return CxApp(config)


async def _steady(pilot: Pilot[Any]) -> None:
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    for area in pilot.app.screen.query(TextArea):
        area.cursor_blink = False
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    # The tables refit once the columns have their final widths (a resize after the first
    # paint); let that settle, so the picture does not depend on how loaded the machine is.
    await pilot.wait_for_scheduled_animations()
    await pilot.pause(0.1)


def lookup(query: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await pilot.press("ctrl+l", *query, "enter")
        await pilot.app.main.workers.wait_for_complete()
        await pilot.pause()
        await _steady(pilot)

    return run


def then(
    first: Callable[[Pilot[Any]], Awaitable[None]], *keys: str
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await first(pilot)
        await pilot.press(*keys)
        await pilot.pause()
        await _steady(pilot)

    return run


def store_at_frozen_time(
    first: Callable[[Pilot[Any]], Awaitable[None]],
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """The local store stamps what it records (lookups, calls) with the frozen time too."""

    async def run(pilot: Pilot[Any]) -> None:
        store = pilot.app.services.store
        assert store is not None
        store.clock = lambda: FROZEN
        await first(pilot)

    return run


SCREENS: dict[str, Callable[[Pilot[Any]], Awaitable[None]]] = {
    "empty": _steady,
    "profile": lookup("+14155550132"),
    "picker": lookup("+12125550100"),
    "unknown": lookup("+14155550199"),
    "bad-input": lookup("415-555-O132"),
    "note": then(lookup("+14155550132"), "n", *"Customer asked for a callback"),
    "ticket": then(lookup("+14155550132"), "2", "enter"),
    "help": then(_steady, "f1"),
    "recent": then(store_at_frozen_time(lookup("+14155550132")), "r"),
    "create-contact": then(lookup("+14155550199"), "a"),
    "outbox": then(lookup("+14155550132"), "b"),
    "calls": then(lookup("+14155550132"), "h"),
    "all-tried": then(lookup("+14155550132"), "d"),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(
    snap_compare: SnapCompare, frozen: None, screen: str, size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=SCREENS[screen])


@pytest.mark.parametrize("theme", ["cx-dark", "cx-light", "cx-high-contrast", "cx-ansi"])
def test_theme(snap_compare: SnapCompare, frozen: None, theme: str) -> None:
    assert snap_compare(make_app(theme), terminal_size=(120, 40), run_before=SCREENS["profile"])


async def _long_profile(pilot: Pilot[Any]) -> None:
    """The layout caller: 11-digit ids, long subjects, a name conflict, a failed note."""
    from tests.layout_profile import NUMBER, fail_a_note

    app = pilot.app
    assert isinstance(app, CxApp)
    await pilot.pause()
    await fail_a_note(app.services)
    await lookup(NUMBER)(pilot)
    await pilot.press("2")  # the tickets, scrolled into view on a small terminal
    await _steady(pilot)


def record_calls(pilot: Pilot[Any]) -> None:
    """A day of calls: one answered and identified, one placed, a missed call called back, and
    a missed call nobody could name then (the lookup that follows names it)."""
    from datetime import timedelta

    from cx_tui.store import CallRecord

    store = pilot.app.services.store
    assert store is not None
    store.clock = lambda: FROZEN
    at = FROZEN - timedelta(hours=3)
    for call in (
        CallRecord("m0", "inbound", at, number="+13125550147", missed=True),
        CallRecord(
            "c1",
            "inbound",
            at + timedelta(minutes=20),
            number="+14155550132",
            answered=at + timedelta(minutes=20),
            ended=at + timedelta(minutes=24),
            duration_s=245,
            person_key=("Demo CRM", "1"),
            person_name="Maria Gonzalez",
            disposition="Resolved",
        ),
        CallRecord(
            "c2",
            "outbound",
            at + timedelta(minutes=90),
            number="+13125550147",
            answered=at + timedelta(minutes=90),
            ended=at + timedelta(minutes=91),
            duration_s=65,
            disposition="Callback requested",
        ),
        CallRecord(
            "m1", "inbound", at + timedelta(minutes=150), number="+14155550132", missed=True
        ),
        CallRecord(
            "m2", "inbound", at + timedelta(minutes=170), number="+14155550199", missed=True
        ),
    ):
        store.record_call(call)


async def _calls_of_the_day(pilot: Pilot[Any]) -> None:
    record_calls(pilot)
    await lookup("+14155550132")(pilot)  # names the missed call from Maria's number
    await pilot.press("h")
    await _steady(pilot)


async def _wrap_up(pilot: Pilot[Any]) -> None:
    """A call timed by hand (t, t) for the caller on screen ends in its wrap-up form."""
    pilot.app.services.calls.clock = lambda: FROZEN  # starts and ends at once: 0:00
    await lookup("+14155550132")(pilot)
    await pilot.press("t")
    await pilot.pause()
    await pilot.press("t")
    for _ in range(100):  # the form opens once the call has ended, the note focused
        area = (
            pilot.app.screen.query(TextArea).first() if pilot.app.screen.query(TextArea) else None
        )
        if area is not None and area.has_focus:
            break
        await pilot.pause(0.02)
    assert area is not None and area.has_focus
    area.cursor_blink = False  # the cursor drawn, steadily
    await pilot.pause()
    await _steady(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", ["calls-of-the-day", "wrap-up"])
def test_calls_and_wrap_up(
    snap_compare: SnapCompare, frozen: None, screen: str, size: tuple[int, int]
) -> None:
    """Every column of the call history and the wrap-up's ctrl+s hint fit, down to 80x24."""
    run = {"calls-of-the-day": _calls_of_the_day, "wrap-up": _wrap_up}[screen]
    assert snap_compare(make_app(), terminal_size=size, run_before=run)


def test_masked_calls_of_the_day(snap_compare: SnapCompare, frozen: None) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=masked(_calls_of_the_day))


async def _outbox_with_notes(pilot: Pilot[Any]) -> None:
    """Notes a source refused: one for a person, one for a ticket, one queued before version 9
    (no label: its raw target)."""
    from cx_tui.models import NoteTarget, SourceRef, TargetKind
    from cx_tui.outbox.common import notify
    from cx_tui.store import ItemState

    delivery = pilot.app.services.delivery
    assert delivery is not None
    delivery.outbox.clock = lambda: FROZEN
    person = SourceRef("HubSpot", "51000000123")
    for target in (
        NoteTarget(TargetKind.PERSON, person),
        NoteTarget(TargetKind.TICKET, SourceRef("Zendesk", "1008"), "Ticket #1008 Login fails"),
        NoteTarget(TargetKind.PERSON, person, "Maria Gonzalez (+1 415-555-0100)"),
    ):
        [item] = delivery.outbox.enqueue("Maria Gonzalez called back about the login.", [target])
        # Failed at once (no await in between, so the worker never sees it pending): the same
        # row on every run, whenever the worker wakes.
        failed = delivery.outbox.store.outbox_update(
            item.id,
            states=(ItemState.PENDING,),
            now=FROZEN,
            state=ItemState.FAILED,
            last_error=f"{target.ref.connector} answered 404",
        )
        notify(delivery.outbox.on_change, [failed])  # the status line counts it at once
    await pilot.pause()
    pilot.app.main.action_outbox()  # as `b` does (the lookup bar has the keys at start)
    await _steady(pilot)


@pytest.mark.parametrize("mask", [False, True], ids=["plain", "masked"])
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_outbox_names_its_items(
    snap_compare: SnapCompare,
    frozen: None,
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int],
    mask: bool,
) -> None:
    from cx_tui.screens import outbox

    monkeypatch.setattr(outbox, "now_utc", lambda: FROZEN)
    run = masked(_outbox_with_notes) if mask else _outbox_with_notes
    assert snap_compare(make_app(), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_long_ids_a_conflict_and_a_failed_note(
    snap_compare: SnapCompare, frozen: None, size: tuple[int, int]
) -> None:
    """No clipped SLA or age, no wrapped status line, subjects that take the room left."""
    from tests.layout_profile import engine

    app = CxApp(load_config(), engine=engine())
    assert snap_compare(app, terminal_size=size, run_before=_long_profile)


def test_too_small(snap_compare: SnapCompare, frozen: None) -> None:
    assert snap_compare(make_app(), terminal_size=(50, 15), run_before=_steady)


def masked(run: Callable[[Pilot[Any]], Awaitable[None]]) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """The same screen with the mask on (F2 first, so it survives every screen change)."""

    async def go(pilot: Pilot[Any]) -> None:
        await pilot.press("f2")
        await pilot.pause()
        await run(pilot)

    return go


@pytest.mark.parametrize("screen", list(SCREENS))
def test_masked(snap_compare: SnapCompare, frozen: None, screen: str) -> None:
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=masked(SCREENS[screen]))


async def _ringing(pilot: Pilot[Any]) -> None:
    """The hero rings (as the softphone's socket would say it) and is looked up."""
    from cx_tui.softphone.events import CallEvent, CallKind, Direction

    app = pilot.app
    assert isinstance(app, CxApp)
    await pilot.pause()
    event = CallEvent(
        CallKind.RING,
        number="+14155550132",
        call_id="snap-1",
        line="Support",
        direction=Direction.INBOUND,
        received_at=FROZEN,
    )
    app.on_call_event(event)
    await app.main.workers.wait_for_complete()
    await pilot.pause()
    await _steady(pilot)


def test_masked_ring(
    snap_compare: SnapCompare, frozen: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The call banner masked too: initials and the number's last two digits."""
    from cx_tui.widgets import call_banner

    monkeypatch.setattr(call_banner, "now_utc", lambda: FROZEN)
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=masked(_ringing))


TROUBLE = "+16175550148"
"""The demo caller in a trouble spot: five other customers about porting in the last hour."""


@pytest.mark.parametrize("keys", [(), ("s",)], ids=["banner", "tickets"])
def test_trouble_spot(snap_compare: SnapCompare, frozen: None, keys: tuple[str, ...]) -> None:
    run = then(lookup(TROUBLE), *keys) if keys else lookup(TROUBLE)
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=run)


def test_trouble_spot_at_80x24(snap_compare: SnapCompare, frozen: None) -> None:
    """The banner in view on the first screen of a small terminal, under the sources."""
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=lookup(TROUBLE))
