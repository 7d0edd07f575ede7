"""Trouble spots: the tags counted, other customers above or below the threshold, sources that
fail or are slow, the five-minute cache, the next action, the JSON and the mask."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cx_tui.actions import ActionKind, suggest
from cx_tui.connectors.base import Capability, RateLimited, Unavailable
from cx_tui.export import profile_json
from cx_tui.insight.redact import redact
from cx_tui.insight.themes import themes
from cx_tui.insight.trouble import (
    MAX_TAGS,
    DeskLookup,
    above,
    banner_text,
    caller_records,
    spot_for,
    tags_to_count,
    window_words,
)
from cx_tui.insight.trouble_watch import CACHE_SECONDS, TroubleWatch
from cx_tui.models import (
    Match,
    MatchReason,
    Profile,
    ProfileState,
    RecentTicket,
    RecentTickets,
    SourceRef,
    TroubleSpot,
)
from tests.fakes import NOW, FakeConnector, person, phone, ticket

DESK, OTHER = "Desk", "Other desk"
CALLER = "501"


def recent(source: str, ticket_id: str, requester: str | None, minutes: int = 10) -> RecentTicket:
    return RecentTicket(
        SourceRef(source, ticket_id, f"https://desk.example/{ticket_id}"),
        f"Cannot sign in ({ticket_id})",
        NOW - timedelta(minutes=minutes),
        requester,
    )


def answer(
    source: str, *requesters: str | None, problem: RecentTicket | None = None
) -> RecentTickets:
    tickets = tuple(recent(source, f"{source[:1]}{i}", r, 5 + i) for i, r in enumerate(requesters))
    return RecentTickets("login-failure", NOW - timedelta(hours=1), tickets, len(tickets), problem)


def caller_profile(*tags: str) -> Profile:
    caller = person(DESK, CALLER, "Maria Gonzalez", phone("+14155550132"))
    subjects = ("Locked out", "Invoice wrong", "Slow portal", "Lost fax", "Bad echo", "Odd bill")
    tickets = tuple(
        ticket(DESK, f"90{i}", subjects[i], age=timedelta(days=i + 1), tags=(tag,))
        for i, tag in enumerate(tags)
    )
    return Profile(
        "+14155550132",
        ProfileState.RESOLVED,
        tickets=tickets,
        themes=themes(tickets),  # as the profile builder groups them
        matches=(Match(caller, MatchReason.EXACT_E164, 1.0),),
    )


@dataclass
class CountingDesk(FakeConnector):
    """A helpdesk that counts recent tickets: fixed answers, a fault, or no answer at all."""

    answers: dict[str, RecentTickets] = field(default_factory=dict)
    count_error: BaseException | None = None
    hang: bool = False
    counted: list[tuple[str, datetime]] = field(default_factory=list)

    capabilities = FakeConnector.capabilities | Capability.RECENT_TICKETS

    async def count_recent(self, tag: str, since: datetime) -> RecentTickets:
        self.counted.append((tag, since))
        if self.hang:
            await asyncio.Event().wait()  # never answers: the deadline leaves it out
        if self.count_error is not None:
            raise self.count_error
        return self.answers.get(tag) or RecentTickets(tag, since, (), 0)


# --- the pure part ---------------------------------------------------------------------------


def test_other_customers_are_counted_once_each_and_the_caller_is_left_out() -> None:
    profile = caller_profile("login-failure")
    answers = [answer(DESK, "7", "7", "8", CALLER, None), answer(OTHER, "7")]
    spot = spot_for("login-failure", answers, caller_records(profile))
    # 7 and 8 in Desk, an unnamed requester, and 7 of the other desk (another record there).
    assert spot.customers == 4
    assert CALLER not in {t.requester for t in spot.tickets}
    assert [t.created for t in spot.tickets] == sorted(
        (t.created for t in spot.tickets), reverse=True
    )
    assert spot.window_minutes == 60


def test_the_threshold_keeps_only_spots_with_enough_other_customers() -> None:
    caller = caller_records(caller_profile("login-failure"))
    three = spot_for("login-failure", [answer(DESK, "1", "2", "3")], caller)
    two = spot_for("billing", [answer(DESK, "1", "2", CALLER)], caller)
    assert above([three, two], 3) == (three,)
    assert above([three, two], 2) == (three, two)
    assert above([three, two], 4) == ()


def test_the_banner_and_the_window_in_words() -> None:
    spot = TroubleSpot("login-failure", 6, 60, ())
    assert banner_text(spot) == "Trouble spot: 6 customers about login-failure in the last hour"
    assert window_words(120) == "the last 2 hours" and window_words(90) == "the last 90 minutes"


def test_at_most_three_tags_are_counted_and_only_plain_ones() -> None:
    profile = caller_profile("a-tag", "b-tag", "c-tag", "d-tag", "has space", "vip")
    tags = tags_to_count(profile)
    assert len(tags) == MAX_TAGS == 3
    assert tags == ("a-tag", "b-tag", "c-tag")  # the latest themes first
    assert tags_to_count(caller_profile("has space", "quote'd")) == ()


# --- the search: threshold, failing and slow sources, cache ---------------------------------


async def test_above_the_threshold_with_a_failing_source_the_others_still_count() -> None:
    desk = CountingDesk(fake_name=DESK, answers={"login-failure": answer(DESK, "1", "2", "3")})
    broken = CountingDesk(fake_name=OTHER, count_error=RateLimited("Rate limited", retry_after=30))
    report = await TroubleWatch([desk, broken]).look(caller_profile("login-failure"))
    assert [(s.tag, s.customers) for s in report.spots] == [("login-failure", 3)]
    assert any(OTHER in note and "Rate limited" in note for note in report.notes)


async def test_below_the_threshold_there_is_no_spot_and_the_notes_say_why() -> None:
    desk = CountingDesk(fake_name=DESK, answers={"login-failure": answer(DESK, "1", "2", CALLER)})
    report = await TroubleWatch([desk]).look(caller_profile("login-failure"))
    assert report.spots == ()
    assert report.counted[0].customers == 2
    assert any("below the threshold of 3" in note for note in report.notes)


async def test_a_configured_threshold_is_used() -> None:
    desk = CountingDesk(fake_name=DESK, answers={"login-failure": answer(DESK, "1", "2")})
    assert (await TroubleWatch([desk], threshold=2).look(caller_profile("login-failure"))).spots


async def test_a_slow_source_is_left_out_at_the_deadline() -> None:
    desk = CountingDesk(fake_name=DESK, answers={"login-failure": answer(DESK, "1", "2", "3")})
    slow = CountingDesk(fake_name=OTHER, hang=True)
    report = await TroubleWatch([desk, slow], deadline=0.2).look(caller_profile("login-failure"))
    assert [s.customers for s in report.spots] == [3]
    assert any(f"{OTHER} did not count login-failure within 0.2 s" in n for n in report.notes)


async def test_every_source_failing_blanks_nothing_and_says_why() -> None:
    broken = CountingDesk(fake_name=DESK, count_error=Unavailable("Desk is down"))
    report = await TroubleWatch([broken]).look(caller_profile("login-failure"))
    assert report.spots == () and any("Desk is down" in n for n in report.notes)


async def test_a_second_lookup_within_five_minutes_asks_no_vendor() -> None:
    clock = [1000.0]
    desk = CountingDesk(fake_name=DESK, answers={"login-failure": answer(DESK, "1", "2", "3")})
    watch = TroubleWatch([desk], clock=lambda: clock[0])
    first = await watch.look(caller_profile("login-failure"))
    clock[0] += CACHE_SECONDS - 1
    second = await watch.look(caller_profile("login-failure"))
    assert len(desk.counted) == 1
    assert second.spots == first.spots
    clock[0] += 2  # five minutes are up: asked again
    await watch.look(caller_profile("login-failure"))
    assert len(desk.counted) == 2


async def test_failures_are_not_cached() -> None:
    desk = CountingDesk(fake_name=DESK, count_error=Unavailable("Desk is down"))
    watch = TroubleWatch([desk])
    await watch.look(caller_profile("login-failure"))
    await watch.look(caller_profile("login-failure"))
    assert len(desk.counted) == 2


async def test_sources_that_cannot_count_and_unresolved_callers_are_not_asked() -> None:
    crm = FakeConnector(fake_name="CRM")
    report = await TroubleWatch([crm]).look(caller_profile("login-failure"))
    assert report.spots == () and report.notes == ("no source can count recent tickets",)
    desk = CountingDesk(fake_name=DESK)
    nobody = replace(caller_profile("login-failure"), state=ProfileState.UNKNOWN, matches=())
    assert (await TroubleWatch([desk]).look(nobody)).spots == ()
    assert desk.counted == []


async def test_the_window_starts_an_hour_before_now(monkeypatch: pytest.MonkeyPatch) -> None:
    from cx_tui import phrases

    monkeypatch.setattr(phrases, "now_utc", lambda: NOW)
    desk = CountingDesk(fake_name=DESK)
    await TroubleWatch([desk]).look(caller_profile("login-failure"))
    assert desk.counted == [("login-failure", NOW - timedelta(hours=1))]


# --- on the profile: next action, JSON, mask -------------------------------------------------


def _spotted(problem: RecentTicket | None) -> Profile:
    spot = spot_for(
        "login-failure",
        [answer(DESK, "1", "2", "3", problem=problem)],
        caller_records(caller_profile("login-failure")),
    )
    return replace(caller_profile("login-failure"), trouble=(spot,))


def test_a_problem_ticket_gets_a_next_action_that_links_to_it() -> None:
    problem = replace(recent(DESK, "77", None, 300), subject="Sign-in outage")
    actions = [a for a in suggest(_spotted(problem), now=NOW) if a.rule == "trouble_problem"]
    assert [a.title for a in actions] == ["Link to problem #77: Sign-in outage"]
    assert actions[0].kind is ActionKind.TROUBLE_SPOT
    assert actions[0].target == problem.ref
    assert "3 other customers wrote in about login-failure in the last hour" in actions[0].why
    assert not [a for a in suggest(_spotted(None), now=NOW) if a.rule == "trouble_problem"]


def test_the_json_lists_theme_count_window_tickets_and_problem() -> None:
    problem = replace(recent(DESK, "77", None, 300), subject="Sign-in outage")
    data = profile_json(_spotted(problem), [], "phone")["trouble_spots"]
    assert data == [
        {
            "theme": "login-failure",
            "count": 3,
            "in_helpdesks": 3,
            "desk_today": 0,
            "window_minutes": 60,
            "ticket_ids": [{"source": DESK, "id": i} for i in ("D0", "D1", "D2")],
            "tickets": data[0]["tickets"],
            "problem": {
                "source": DESK,
                "id": "77",
                "url": "https://desk.example/77",
                "subject": "Sign-in outage",
                "created": (NOW - timedelta(minutes=300)).isoformat(),
            },
        }
    ]
    assert data[0]["tickets"][0]["subject"] == "Cannot sign in (D0)"
    assert profile_json(caller_profile("x"), [], "phone")["trouble_spots"] == []


def test_the_mask_hides_numbers_emails_and_the_callers_name_in_their_subjects() -> None:
    spotted = _spotted(None)
    leaky = replace(
        spotted.trouble[0].tickets[0], subject="Maria Gonzalez at +1 415 555 0132 or x@corp.example"
    )
    spot = replace(spotted.trouble[0], tickets=(leaky,))
    masked = redact(replace(spotted, trouble=(spot,))).trouble[0]
    subject = masked.tickets[0].subject
    assert "Gonzalez" not in subject and "0132" not in subject and "x@corp" not in subject
    assert masked.tickets[0].ref == leaky.ref  # ids are not personal
    assert masked.customers == 3


@pytest.mark.parametrize("bad", ["0", "1001", '"3"', "2.5", "true"])
def test_the_threshold_setting_is_checked(tmp_path: Path, bad: str) -> None:
    from cx_tui.config import ConfigError, load_config

    path = tmp_path / "config.toml"
    assert load_config(path if path.exists() else None).insight.trouble_threshold == 3
    path.write_text("[insight]\ntrouble_threshold = 5\n")
    assert load_config(path).insight.trouble_threshold == 5
    path.write_text(f"[insight]\ntrouble_threshold = {bad}\n")
    with pytest.raises(
        ConfigError, match=r"insight\.trouble_threshold.*a whole number from 1 to 1000"
    ):
        load_config(path)


# --- this desk's lookups today ---------------------------------------------------------------


def desk(
    query: str, *records: tuple[str, str], tags: tuple[str, ...] = ("login-failure",)
) -> DeskLookup:
    return DeskLookup(query, frozenset(tags), frozenset(records))


def test_callers_looked_up_here_today_count_once_unless_already_counted() -> None:
    profile = caller_profile("login-failure")
    caller = caller_records(profile)
    looked_up = [
        desk("+14155550132", (DESK, CALLER)),  # the caller's own lookup
        desk("+14155550100", (DESK, "1")),  # already counted from the helpdesk
        desk("+14155550111", ("CRM", "c9"), (DESK, "9")),
        desk("+1 415 555 0111", (DESK, "9")),  # the same person again
        desk("jane@example.com"),  # found nobody: counted by what was looked up
        desk("jane@example.com"),
        desk("+14155550122", ("CRM", "c8"), tags=("billing",)),  # another theme
    ]
    spot = spot_for(
        "login-failure", [answer(DESK, "1", "2")], caller, desk=looked_up, query=profile.query
    )
    assert (spot.customers, spot.desk_today, spot.total) == (2, 2, 4)
    assert banner_text(spot).endswith("in the last hour, 2 more looked up here today")
    assert above([spot], 4) == (spot,) and above([spot], 5) == ()


async def test_the_desk_makes_a_spot_the_helpdesks_alone_would_not() -> None:
    helpdesk = CountingDesk(fake_name=DESK, answers={"login-failure": answer(DESK, "1", "2")})
    watch = TroubleWatch([helpdesk])
    profile = caller_profile("login-failure")
    assert (await watch.look(profile)).spots == ()
    report = await watch.look(profile, [desk("+14155550111", ("CRM", "c9"))])
    assert [(s.customers, s.desk_today) for s in report.spots] == [(2, 1)]
