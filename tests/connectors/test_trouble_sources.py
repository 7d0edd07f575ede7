"""`count_recent` (trouble spots) in Zendesk, against a double that follows its search
semantics, and in the local demo database; the sources that cannot say why."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from cx_tui import phrases
from cx_tui.connectors.base import Capability, InvalidInput, RateLimited, Unsupported
from cx_tui.connectors.local import LocalConnector, reset_database
from cx_tui.connectors.registry import connector_class
from cx_tui.connectors.zendesk import ZendeskConnector
from cx_tui.connectors.zendesk.recent import recent_query
from cx_tui.identity import parse_query
from cx_tui.insight.trouble_watch import TroubleWatch
from tests.connectors.vendor_fakes import (
    NOW,
    ZENDESK_AGENT,
    ZENDESK_TOKEN,
    Resp,
    ZendeskFake,
    ago,
)

SETTINGS = {"subdomain": "acme", "email": ZENDESK_AGENT, "default_region": "US"}
SINCE = NOW - timedelta(hours=1)


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(phrases, "now_utc", lambda: NOW)


@pytest.fixture
def fake() -> ZendeskFake:
    api = ZendeskFake()
    api.add_user(501, "Maria Gonzalez", "maria.gonzalez@example.com", "+1 (415) 555-0132")
    for user in (601, 602, 603):
        api.add_user(user, f"Customer {user}", f"c{user}@example.com")
    api.add_ticket(1, 501, "I cannot sign in", tags=("login-failure",), created=ago(days=2))
    api.add_ticket(11, 601, "Locked out", tags=("login-failure",), created=ago(minutes=10))
    api.add_ticket(12, 602, "Login loops", tags=("login-failure", "vip"), created=ago(minutes=25))
    api.add_ticket(13, 602, "Still locked out", tags=("login-failure",), created=ago(minutes=40))
    api.add_ticket(
        14, 603, "Password reset fails", tags=("login-failure",), created=ago(minutes=50)
    )
    api.add_ticket(15, 501, "Sign in broken again", tags=("login-failure",), created=ago(minutes=5))
    api.add_ticket(16, 603, "Old login trouble", tags=("login-failure",), created=ago(hours=3))
    api.add_ticket(17, 603, "Invoice", tags=("billing",), created=ago(minutes=5))
    api.add_ticket(
        90,
        603,
        "Sign-in outage",
        tags=("login-failure",),
        created=ago(hours=2),
        ticket_type="problem",
    )
    return api


@pytest.fixture
async def zendesk(fake: ZendeskFake) -> AsyncIterator[ZendeskConnector]:
    found = ZendeskConnector("Acme Zendesk", SETTINGS, ZENDESK_TOKEN, transport=fake.transport())
    try:
        yield found
    finally:
        await found.aclose()


async def test_zendesk_counts_recent_tickets_with_the_tag_and_finds_the_problem(
    zendesk: ZendeskConnector, fake: ZendeskFake
) -> None:
    found = await zendesk.count_recent("login-failure", SINCE)
    assert [t.ref.record_id for t in found.tickets] == ["15", "11", "12", "13", "14"]
    assert {t.requester for t in found.tickets} == {"501", "601", "602", "603"}
    assert found.tickets[0].ref.url == "https://acme.zendesk.com/agent/tickets/15"
    assert found.problem is not None and found.problem.ref.record_id == "90"
    assert found.problem.subject == "Sign-in outage"
    queries = [c.params["query"] for c in fake.calls_to("GET", r"/api/v2/search$")]
    assert queries == [
        "type:ticket tags:login-failure created>1hours",
        "type:ticket ticket_type:problem tags:login-failure",
    ]


async def test_zendesk_trouble_spot_leaves_the_caller_out(zendesk: ZendeskConnector) -> None:
    profile = await _looked_up(zendesk)
    report = await TroubleWatch([zendesk]).look(profile)
    (spot,) = report.spots
    assert (spot.tag, spot.customers) == ("login-failure", 3)  # 601, 602, 603: not Maria
    assert "15" not in [t.ref.record_id for t in spot.tickets]
    assert spot.problem is not None and spot.problem.ref.record_id == "90"


async def test_zendesk_rate_limited_count_is_left_out_and_said(
    zendesk: ZendeskConnector, fake: ZendeskFake
) -> None:
    profile = await _looked_up(zendesk)
    fake.override(
        "GET", r"/api/v2/search$", Resp(429, raw=b"Too Many", headers={"Retry-After": "30"})
    )
    report = await TroubleWatch([zendesk]).look(profile)
    assert report.spots == ()
    assert any("could not count login-failure" in note for note in report.notes)
    with pytest.raises(RateLimited):
        await zendesk.count_recent("login-failure", SINCE)


async def _looked_up(zendesk: ZendeskConnector):
    from cx_tui.lookup import LookupEngine

    engine = LookupEngine([zendesk])
    return await engine.lookup(parse_query("+14155550132", "US"))


@pytest.mark.parametrize(
    "hostile",
    ['login" OR type:user', "a b", "tags:x", "-login", "x*", "x>1", "Login", "", "a" * 81, "(x)"],
)
async def test_zendesk_refuses_a_tag_that_could_change_the_query(
    zendesk: ZendeskConnector, fake: ZendeskFake, hostile: str
) -> None:
    with pytest.raises(InvalidInput):
        await zendesk.count_recent(hostile, SINCE)
    assert fake.calls == []


def test_the_relative_time_covers_the_window() -> None:
    assert recent_query("x", NOW - timedelta(minutes=90), NOW).endswith("created>2hours")
    assert recent_query("x", NOW - timedelta(minutes=10), NOW).endswith("created>1hours")


# --- the local demo database -----------------------------------------------------------------


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[LocalConnector]:
    path = tmp_path / "helpdesk.sqlite3"
    reset_database(path, "helpdesk", now=NOW, region="US")
    yield LocalConnector("Demo Helpdesk", {"path": str(path), "dataset": "helpdesk"})


async def test_the_demo_caller_sits_in_a_porting_trouble_spot(desk: LocalConnector) -> None:
    """`make run`: Daniel Okafor's porting theme has five other customers in the last hour."""
    try:
        engine_profile = await _local_lookup(desk, "+16175550148")
        report = await TroubleWatch([desk]).look(engine_profile)
    finally:
        await desk.aclose()
    (spot,) = report.spots
    assert (spot.tag, spot.customers) == ("porting", 5)
    assert all(t.created >= SINCE for t in spot.tickets)
    assert spot.problem is not None and "Carrier delay" in spot.problem.subject


async def test_the_local_count_takes_the_tag_as_a_value(desk: LocalConnector) -> None:
    try:
        assert (await desk.count_recent("porting", SINCE)).total == 5
        assert (await desk.count_recent("porting", NOW - timedelta(minutes=20))).total == 2
        with pytest.raises(InvalidInput):
            await desk.count_recent("porting' OR 1=1 --", SINCE)
    finally:
        await desk.aclose()


async def _local_lookup(desk: LocalConnector, number: str):
    from cx_tui.lookup import LookupEngine

    return await LookupEngine([desk]).lookup(parse_query(number, "US"))


@pytest.mark.parametrize("vendor", ["hubspot", "salesforce", "intercom"])
def test_sources_that_cannot_count_say_why(vendor: str) -> None:
    cls = connector_class(vendor)
    assert Capability.RECENT_TICKETS not in cls.capabilities
    assert len(cls.no_recent_count) > 20


async def test_the_default_refuses_with_the_reason() -> None:
    from tests.fakes import FakeConnector

    with pytest.raises(Unsupported, match="cannot count recent tickets"):
        await FakeConnector().count_recent("x", SINCE)
