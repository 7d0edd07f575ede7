"""Zendesk SLA due times (issue 14, item 6): `include=tickets(slas)` on the open-tickets search,
the earliest active policy metric's `breach_at`; achieved and paused targets are not due."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cx_tui.actions import suggest
from cx_tui.connectors.zendesk import ZendeskConnector
from cx_tui.connectors.zendesk.records import sla_due
from cx_tui.identity import parse_query
from cx_tui.lookup import LookupEngine
from tests.connectors.test_zendesk import NAME, SETTINGS
from tests.connectors.vendor_fakes import NOW, ZENDESK_TOKEN, ZendeskFake, iso


def metric(stage: str, minutes: float | None) -> dict[str, object]:
    breach = iso(NOW + timedelta(minutes=minutes)) if minutes is not None else None
    return {"breach_at": breach, "stage": stage, "metric": "next_reply_time"}


@pytest.mark.parametrize(
    ("metrics", "due_in"),
    [
        ([metric("active", 9)], 9),  # running: due in 9 min
        ([metric("achieved", None), metric("active", 50)], 50),  # the met one is not due
        ([metric("achieved", -30)], None),
        ([metric("active", -5), metric("active", 40)], -5),  # breached: the past time stays
        ([metric("paused", 3)], None),  # on hold: not counting down
        ([], None),
    ],
)
def test_sla_due_is_the_earliest_running_target(
    metrics: list[dict[str, object]], due_in: float | None
) -> None:
    expected = NOW + timedelta(minutes=due_in) if due_in is not None else None
    assert sla_due({"policy_metrics": metrics}) == expected


@pytest.mark.parametrize("junk", [None, "x", {"policy_metrics": "no"}, {"policy_metrics": [1]}])
def test_an_absent_or_odd_sideload_means_no_sla(junk: object) -> None:
    assert sla_due(junk) is None


async def test_the_open_tickets_carry_their_sla_in_the_same_request() -> None:
    fake = ZendeskFake()
    fake.add_user(501, "Maria Gonzalez", "maria@example.com", "+1 415 555 0132")
    fake.add_ticket(3001, 501, "Outage at HQ", "open", priority="urgent")
    fake.add_ticket(3002, 501, "Billing question", "pending")
    fake.add_ticket(3003, 501, "Old thing", "solved")
    fake.add_sla(3001, "first_reply_time", None, "achieved")
    fake.add_sla(3001, "next_reply_time", iso(NOW + timedelta(minutes=9)), "active")
    fake.add_sla(3002, "next_reply_time", iso(NOW - timedelta(minutes=5)), "active")
    connector = ZendeskConnector(NAME, SETTINGS, ZENDESK_TOKEN, transport=fake.transport())
    engine = LookupEngine([connector])
    profile = await engine.lookup(parse_query("+1 415 555 0132"))
    await engine.aclose()
    due = {t.ref.record_id: t.sla_due for t in profile.tickets}
    assert due == {
        "3001": NOW + timedelta(minutes=9),
        "3002": NOW - timedelta(minutes=5),
        "3003": None,
    }
    searches = [c.params for c in fake.calls_to("GET", r"/api/v2/search")]
    assert sum("slas" in p.get("include", "") for p in searches) == 1  # no extra request
    actions = suggest(profile, now=NOW)
    first = actions[0]
    assert first.rule == "sla_due" and first.urgent and first.target is not None
    assert first.target.record_id == "3002"  # the breached one comes first
    assert first.title.startswith("Reply now (SLA breached at ")
    assert "5 min ago" in first.title


def test_reply_before_names_the_clock_time_and_what_is_left() -> None:
    from cx_tui.actions import reply_before

    due = NOW + timedelta(minutes=9)
    assert reply_before(due, NOW) == f"Reply before {due.astimezone():%H:%M} (SLA, 9 min left)"
