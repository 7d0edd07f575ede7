"""`count_recent` (trouble spots) in Freshdesk, against a double that follows its ticket
search (tests/connectors/freshdesk_fake.py): day-granular `created_at:>`, made exact here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from cx_tui import phrases
from cx_tui.connectors.base import InvalidInput, RateLimited, Unavailable
from cx_tui.connectors.freshdesk import FreshdeskConnector
from cx_tui.connectors.freshdesk.recent import problem_query, recent_query
from cx_tui.identity import parse_query
from cx_tui.insight.trouble_watch import TroubleWatch
from cx_tui.lookup import LookupEngine
from cx_tui.models import Profile
from tests.connectors.freshdesk_fake import FRESHDESK_KEY, FreshdeskFake, seeded
from tests.connectors.vendor_fakes import NOW, Resp, ago

SINCE = NOW - timedelta(hours=1)
TAG = "login-failure"
SEARCH = r"/api/v2/search/tickets$"


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(phrases, "now_utc", lambda: NOW)


@pytest.fixture
def fake() -> FreshdeskFake:
    """Maria (the caller, contact 1) has a login-failure ticket; three others wrote in within
    the hour; older tickets share the tag: the same day, the day before, days before."""
    api = seeded()
    for contact in (601, 602, 603):
        api.add_contact(contact, f"Customer {contact}", f"c{contact}@example.com")
    api.add_ticket(1, 1, "I cannot sign in", tags=(TAG,), created=ago(days=2))
    api.add_ticket(11, 601, "Locked out", tags=(TAG,), created=ago(minutes=10))
    api.add_ticket(12, 602, "Login loops", tags=(TAG, "vip"), created=ago(minutes=25))
    api.add_ticket(13, 602, "Still locked out", tags=(TAG,), created=ago(minutes=40))
    api.add_ticket(14, 603, "Password reset fails", tags=(TAG,), created=ago(minutes=50))
    api.add_ticket(15, 1, "Sign in broken again", tags=(TAG,), created=ago(minutes=5))
    api.add_ticket(16, 603, "This morning", tags=(TAG,), created=ago(hours=5))  # same day
    api.add_ticket(17, 601, "Yesterday evening", tags=(TAG,), created=ago(hours=19))
    api.add_ticket(18, 603, "Invoice", tags=("billing",), created=ago(minutes=5))
    api.add_ticket(
        90, 603, "Old outage", 5, tags=(TAG,), created=ago(days=9), ticket_type="Problem"
    )
    api.add_ticket(
        91, 603, "Sign-in outage", 2, tags=(TAG,), created=ago(days=8), ticket_type="Problem"
    )
    api.add_ticket(
        92, 603, "Fixed outage", 4, tags=(TAG,), created=ago(days=2), ticket_type="Problem"
    )
    return api


@pytest.fixture
async def freshdesk(fake: FreshdeskFake) -> AsyncIterator[FreshdeskConnector]:
    settings = {"domain": "acme", "default_region": "US"}
    found = FreshdeskConnector("Support desk", settings, FRESHDESK_KEY, transport=fake.transport())
    try:
        yield found
    finally:
        await found.aclose()


async def test_counts_the_tag_since_the_moment_and_finds_the_unresolved_problem(
    freshdesk: FreshdeskConnector, fake: FreshdeskFake
) -> None:
    found = await freshdesk.count_recent(TAG, SINCE)
    # 16 (five hours ago, same day) and 17 (the day before) come back from the day-granular
    # search and are dropped here; newest first whatever order Freshdesk answers in.
    assert [t.ref.record_id for t in found.tickets] == ["15", "11", "12", "13", "14"]
    assert found.total == 5
    assert {t.requester for t in found.tickets} == {"1", "601", "602", "603"}
    assert found.tickets[0].ref.url == "https://acme.freshdesk.com/a/tickets/15"
    assert found.tickets[0].created == NOW - timedelta(minutes=5)
    assert found.problem is not None and found.problem.ref.record_id == "91"  # 90, 92 resolved
    assert found.problem.subject == "Sign-in outage"
    calls = fake.calls_to("GET", SEARCH)
    assert [c.params for c in calls] == [
        {"query": "\"tag:'login-failure' AND created_at:>'2026-11-21'\"", "page": "1"},
        {"query": "\"type:'Problem' AND tag:'login-failure'\"", "page": "1"},
    ]


async def test_a_resolved_problem_is_taken_when_none_is_open(
    freshdesk: FreshdeskConnector, fake: FreshdeskFake
) -> None:
    del fake.tickets[91]
    found = await freshdesk.count_recent(TAG, SINCE)
    assert found.problem is not None and found.problem.ref.record_id == "92"  # the newest
    del fake.tickets[90], fake.tickets[92]
    assert (await freshdesk.count_recent(TAG, SINCE)).problem is None


async def test_a_second_page_is_read_and_no_third(
    freshdesk: FreshdeskConnector, fake: FreshdeskFake
) -> None:
    for n in range(100, 170):  # 70 more within the hour: three pages of 30
        fake.add_ticket(n, 601, f"Locked out {n}", tags=(TAG,), created=ago(minutes=30))
    found = await freshdesk.count_recent(TAG, SINCE)
    pages = [c.params["page"] for c in fake.calls_to("GET", SEARCH)]
    assert pages == ["1", "2", "1"]  # two pages of the count, one of the problem search
    # 77 match the search; of the 60 read, the two older ones certainly do not count.
    assert len(found.tickets) == 58
    assert found.total == 75


def test_the_day_before_since_covers_any_time_zone() -> None:
    late = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)
    assert recent_query("x", late).endswith("created_at:>'2026-12-06'\"")
    assert recent_query("x", late + timedelta(hours=23)).endswith("created_at:>'2026-12-06'\"")
    assert problem_query("x") == "\"type:'Problem' AND tag:'x'\""


@pytest.mark.parametrize(
    "hostile",
    ["login' OR tag:'x", 'login" OR status:2', "a b", "tag:x", "-login", "x*", "Login", "", "(x)"],
)
async def test_a_tag_that_could_change_the_query_is_refused_before_any_request(
    freshdesk: FreshdeskConnector, fake: FreshdeskFake, hostile: str
) -> None:
    with pytest.raises(InvalidInput):
        await freshdesk.count_recent(hostile, SINCE)
    assert fake.calls == []


async def _caller(freshdesk: FreshdeskConnector) -> Profile:
    return await LookupEngine([freshdesk]).lookup(parse_query("maria@example.com", "US"))


async def test_three_other_customers_make_a_trouble_spot_without_the_caller(
    freshdesk: FreshdeskConnector,
) -> None:
    report = await TroubleWatch([freshdesk]).look(await _caller(freshdesk))
    (spot,) = report.spots
    assert (spot.tag, spot.customers) == (TAG, 3)  # 601, 602, 603: not Maria (contact 1)
    assert "15" not in [t.ref.record_id for t in spot.tickets]
    assert spot.problem is not None and spot.problem.ref.record_id == "91"


async def test_two_other_customers_stay_below_the_threshold(
    freshdesk: FreshdeskConnector, fake: FreshdeskFake
) -> None:
    del fake.tickets[14]  # 603 wrote in only this morning and yesterday: outside the hour
    report = await TroubleWatch([freshdesk]).look(await _caller(freshdesk))
    assert report.spots == ()
    assert any(f"{TAG}: 2 other customer(s)" in note for note in report.notes)


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (
            Resp(429, {"message": "You have exceeded the limit"}, headers={"Retry-After": "30"}),
            RateLimited,
        ),
        (Resp(500, raw=b"Internal Server Error"), Unavailable),
    ],
)
async def test_a_refused_count_is_no_banner_and_is_not_retried(
    freshdesk: FreshdeskConnector,
    fake: FreshdeskFake,
    answer: Resp,
    error: type[Exception],
) -> None:
    profile = await _caller(freshdesk)
    fake.override("GET", SEARCH, answer)
    report = await TroubleWatch([freshdesk]).look(profile)
    assert report.spots == ()
    assert any(f"could not count {TAG}" in note for note in report.notes)
    assert len(fake.calls_to("GET", SEARCH)) == 1  # GLANCE: one attempt, no waiting
    with pytest.raises(error):
        await freshdesk.count_recent(TAG, SINCE)
