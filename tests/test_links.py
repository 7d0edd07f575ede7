"""Remembered identity (issue 14, item 3): the agent's pick is kept per number or email, with
who and when; a confirmed weak match resolves next time, a shared line only preselects, a
deleted record falls back to search, and the links show in `lookup --json`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cx_tui import cli
from cx_tui.identity import link_point, parse_query
from cx_tui.lookup import LookupEngine
from cx_tui.models import ConfirmedLink, LinkUse, Match, MatchReason, ProfileState
from cx_tui.phrases import current_user
from cx_tui.store import Store
from tests.fakes import FakeConnector, person, phone

NUMBER = "+14155550142"
WHEN = datetime(2025, 12, 3, 15, 0, tzinfo=UTC)


class Suffix(FakeConnector):
    """Finds its people by their last seven digits only: every match is weak."""

    async def find_people(self, query):  # type: ignore[no-untyped-def,override]
        self.calls.append(f"find:{query.text}")
        return [
            Match(p, MatchReason.SUFFIX, 0.5, "stored as '555-0142'")
            for p in self.people
            if query.phone and any(v[-7:] == query.phone.e164[-7:] for v in p.phones())
        ]


def link(*records: tuple[str, str], point: str = NUMBER) -> ConfirmedLink:
    return ConfirmedLink(point, records, current_user(), WHEN)


def weak_source() -> Suffix:
    return Suffix(
        fake_name="CRM",
        people=[
            person("CRM", "7", "Grace Liu", phone("+16465550142")),
            person("CRM", "8", "Gus Lee", phone("+13125550142")),
        ],
    )


def switchboard() -> FakeConnector:
    line = "+12125550100"
    return FakeConnector(
        fake_name="CRM",
        people=[
            person("CRM", "1", "Tom Becker", phone(line, shared=True)),
            person("CRM", "2", "Priya Raman", phone(line, shared=True)),
        ],
    )


async def test_a_confirmed_weak_match_resolves_and_says_who_confirmed_it() -> None:
    remembered = {NUMBER: link(("CRM", "8"))}
    engine = LookupEngine([weak_source()], remembered=remembered.get)
    profile = await engine.lookup(parse_query(NUMBER))
    assert profile.state is ProfileState.RESOLVED
    assert profile.value("name") == "Gus Lee"
    assert profile.link_use is LinkUse.RESOLVED
    assert "confirmed by you on 3 Dec" in profile.notes[-1]
    unlinked = await LookupEngine([weak_source()]).lookup(parse_query(NUMBER))
    assert unlinked.state is ProfileState.AMBIGUOUS


async def test_a_shared_line_preselects_the_last_pick_but_never_resolves() -> None:
    remembered = {"+12125550100": link(("CRM", "2"), point="+12125550100")}
    engine = LookupEngine([switchboard()], remembered=remembered.get)
    profile = await engine.lookup(parse_query("+1 212 555 0100"))
    assert profile.state is ProfileState.AMBIGUOUS
    assert profile.link_use is LinkUse.PRESELECTED
    assert profile.candidates[0].name == "Priya Raman"
    assert profile.preselected == profile.candidates[0].key
    assert any("last picked by you" in note for note in profile.notes)


async def test_a_link_to_a_deleted_record_falls_back_to_search_and_says_so() -> None:
    remembered = {NUMBER: link(("CRM", "99"))}
    engine = LookupEngine([weak_source()], remembered=remembered.get)
    profile = await engine.lookup(parse_query(NUMBER))
    assert profile.state is ProfileState.AMBIGUOUS and len(profile.candidates) == 2
    assert profile.link_use is LinkUse.STALE
    assert "CRM #99" in profile.notes[-1] and "searched as usual" in profile.notes[-1]


async def test_an_unreadable_store_does_not_stop_the_lookup() -> None:
    def broken(_point: str) -> ConfirmedLink | None:
        raise OSError("disk gone")

    engine = LookupEngine([weak_source()], remembered=broken)
    profile = await engine.lookup(parse_query(NUMBER))
    assert profile.state is ProfileState.AMBIGUOUS and profile.link is None


def test_the_store_keeps_one_pick_per_point_with_who_and_when(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db", clock=lambda: WHEN)
    assert store.remembered(NUMBER) is None
    store.remember(NUMBER, [("CRM", "7"), ("Desk", "70")], "ana")
    store.remember(NUMBER, [("CRM", "8")], "ben")  # a new pick replaces the old one
    kept = store.remembered(NUMBER)
    assert kept == ConfirmedLink(NUMBER, (("CRM", "8"),), "ben", WHEN)
    assert store.forget(NUMBER) is True and store.remembered(NUMBER) is None
    assert store.forget(NUMBER) is False
    with pytest.raises(ValueError):
        store.remember(NUMBER, [], "ana")
    store.close()


def test_link_points_are_the_line_or_the_mailbox() -> None:
    assert link_point(parse_query("+1 212 555 0100 x210")) == "+12125550100;ext=210"
    assert link_point(parse_query("Maria@Example.com")) == "maria@example.com"
    assert link_point(parse_query("Maria Gonzalez")) is None


def test_lookup_json_shows_the_link(capsys: pytest.CaptureFixture[str]) -> None:
    store = Store()
    before = json.loads(_lookup(capsys, "+1 646 555 0142"))
    assert before["state"] == "ambiguous" and before["link"] is None
    [weak] = before["candidates"][0]["matches"]  # Grace, by the last digits in the helpdesk
    store.remember("+16465550142", [(weak["source"], weak["id"])], "ana")
    store.close()
    data = json.loads(_lookup(capsys, "+1 646 555 0142"))
    assert data["state"] == "resolved" and data["person"]["name"] == "Grace Liu"
    assert data["link"]["point"] == "+16465550142"
    assert data["link"]["confirmed_by"] == "ana"
    assert data["link"]["use"] == "resolved"
    assert data["link"]["records"] == [{"source": weak["source"], "id": weak["id"]}]
    assert any(note.startswith("confirmed by ana on") for note in data["notes"])


def _lookup(capsys: pytest.CaptureFixture[str], query: str) -> str:
    assert cli.main(["lookup", query, "--json"]) == 0
    return capsys.readouterr().out
