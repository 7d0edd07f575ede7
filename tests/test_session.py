"""The headless halves of the main screen: the lookup session, the paint pacer, the call flow."""

from __future__ import annotations

from collections.abc import Callable

from cx_tui.call_flow import CallFlow
from cx_tui.calls import CallTracker
from cx_tui.identity import parse_query
from cx_tui.lookup import LookupEngine, SourceAnswered
from cx_tui.models import Details, Profile, ProfileState
from cx_tui.note_targets import TargetChoice
from cx_tui.pacing import PAINT_INTERVAL, PaintPacer
from cx_tui.session import LookupSession
from cx_tui.softphone.events import CallEvent, CallKind
from tests.fakes import FakeConnector, person, phone, ticket

SHARED = "+12125550100"
NUMBER = "+14155550132"


def switchboard() -> LookupEngine:
    """Two people on one number: the agent has to pick."""
    crm = FakeConnector(
        fake_name="CRM",
        people=[person("CRM", "1", "Ann", phone(SHARED)), person("CRM", "2", "Ben", phone(SHARED))],
        details={"2": Details(tickets=(ticket("CRM", "T2", "Ben's ticket"),))},
    )
    return LookupEngine([crm])


def session_over(engine: LookupEngine) -> LookupSession:
    return LookupSession(lambda: engine, lambda: "US")


async def test_the_session_builder_is_the_one_the_engine_folds_into() -> None:
    session = session_over(switchboard())
    builder = session.begin(session.parse(SHARED))
    updates = [u async for u in session.lookup(builder)]
    assert any(isinstance(u, SourceAnswered) for u in updates)
    profile = builder.build()  # nobody else folded these updates
    assert profile.state is ProfileState.AMBIGUOUS and len(profile.candidates) == 2
    assert session.offer_picker(profile) and not session.offer_picker(profile)  # once


async def test_the_pick_survives_a_refresh_and_is_forgotten_for_another_query() -> None:
    session = session_over(switchboard())
    builder = session.begin(session.parse(SHARED))
    _ = [u async for u in session.lookup(builder)]
    ben = next(c for c in builder.build().candidates if c.name == "Ben")
    _ = [u async for u in session.pick(builder, ben)]
    assert builder.build().value("name") == "Ben" and builder.build().tickets
    refreshed = session.refresh()
    assert refreshed is not None and refreshed is not builder
    _ = [u async for u in session.lookup(refreshed)]
    assert session.selected == ben.key and refreshed.build().value("name") == "Ben"
    assert not session.offer_picker(refreshed.build())  # a refresh never offers the picker
    other = session.begin(session.parse(NUMBER))
    assert other.selected is None and session.selected is None


class FakeTimers:
    """`schedule` for the pacer: timers run only when the test says so."""

    def __init__(self) -> None:
        self.pending: list[tuple[float, Callable[[], None], FakeTimer]] = []

    def __call__(self, delay: float, callback: Callable[[], None]) -> FakeTimer:
        timer = FakeTimer()
        self.pending.append((delay, callback, timer))
        return timer

    def run(self) -> None:
        due, self.pending = self.pending, []
        for _delay, callback, timer in due:
            if not timer.stopped:
                callback()


class FakeTimer:
    stopped = False

    def stop(self) -> None:
        self.stopped = True


def test_the_first_answer_paints_at_once_and_a_burst_paints_once() -> None:
    engine = switchboard()
    builder = engine.new_builder(parse_query(SHARED))
    painted: list[Profile] = []
    timers, now = FakeTimers(), [64.0]
    pacer = PaintPacer(painted.append, timers, lambda: builder, clock=lambda: now[0])
    answer = SourceAnswered("CRM", (), 1.0)
    pacer.soon(builder, answer)
    assert len(painted) == 1  # the first answer: at once
    pacer.soon(builder, object())
    pacer.soon(builder, object())
    assert len(painted) == 1 and [round(d, 6) for d, _c, _t in timers.pending] == [PAINT_INTERVAL]
    now[0] += PAINT_INTERVAL
    timers.run()
    assert len(painted) == 2  # the burst: one paint


def test_a_late_paint_of_an_older_lookup_is_dropped() -> None:
    engine = switchboard()
    old = engine.new_builder(parse_query(SHARED))
    current = engine.new_builder(parse_query(SHARED))
    painted: list[Profile] = []
    timers = FakeTimers()
    pacer = PaintPacer(painted.append, timers, lambda: current)
    pacer.soon(old, delay=0.02)
    timers.run()
    assert painted == []
    pacer.soon(current, delay=0.02)
    timers.run()
    assert len(painted) == 1


class FlowServices:
    def __init__(self) -> None:
        self.calls = CallTracker()
        self.delivery = None
        self.store = None
        self.drafts: dict[str, str] = {}

    def keep_draft(self, key: str, text: str) -> None:
        self.drafts[key] = text


async def test_a_call_keeps_the_targets_of_its_own_caller() -> None:
    services = FlowServices()
    choices = {"Ann": [TargetChoice("CRM person: Ann", None, 100)]}  # type: ignore[arg-type]
    flow = CallFlow(services, lambda profile: choices[profile.value("name") or ""])
    call = services.calls.handle(CallEvent(CallKind.RING, number=NUMBER, call_id="c1"))
    assert call is not None
    assert flow.next_step(call, CallKind.RING, None) == "look up"
    ann = FakeConnector(fake_name="CRM", people=[person("CRM", "1", "Ann", phone(NUMBER))])
    profile = await LookupEngine([ann]).lookup(parse_query(NUMBER))
    flow.identify(call.lookup_text or "", profile)
    assert call.person_name == "Ann"
    services.calls.handle(CallEvent(CallKind.ANSWER, call_id="c1"))
    ringing = services.calls.handle(CallEvent(CallKind.RING, number=SHARED, call_id="c2"))
    assert ringing is not None and flow.next_step(ringing, CallKind.RING, None) == "another call"
    assert services.calls.handle(CallEvent(CallKind.HANGUP, call_id="c2")) is ringing
    assert flow.next_step(ringing, CallKind.HANGUP, None) == "missed"
    assert services.calls.handle(CallEvent(CallKind.HANGUP, call_id="c1")) is call
    assert flow.next_step(call, CallKind.HANGUP, SHARED) == "wrap up"
    # Whoever is on screen now, the wrap-up goes to Ann.
    assert flow.wrap_up_targets(call, SHARED, None) == choices["Ann"]
