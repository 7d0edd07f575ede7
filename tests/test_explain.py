"""Why nobody matched: `lookup --explain`, the kit's recorder and its reasons, per vendor."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from cx_tui.connectors.hubspot import HubSpotConnector
from cx_tui.connectors.kit.explain import Explanation, current_explanation, explaining, searched
from cx_tui.connectors.kit.matching import why_not
from cx_tui.connectors.zendesk import ZendeskConnector
from cx_tui.explaining import explain, explain_source, explanation_lines
from cx_tui.identity import Query, parse_query
from cx_tui.lookup import LookupEngine
from tests.connectors.test_zendesk import SETTINGS
from tests.connectors.vendor_fakes import HUBSPOT_TOKEN, ZENDESK_TOKEN, HubSpotFake, ZendeskFake
from tests.fakes import FakeConnector, email, person, phone
from tests.test_cli import run


def q(text: str) -> Query:
    return parse_query(text, "US")


# --- the kit's reasons -------------------------------------------------------------------------


def test_why_not_names_each_stored_number_and_what_is_wrong_with_it() -> None:
    someone = person(
        "crm",
        "1",
        "Ana",
        phone("+442075550142"),
        phone("+14155550132", "12"),
        phone("12"),
    )
    text = why_not(someone, q("+1 415 555 0132 ext. 34"), "US")
    assert "stored as '+14155550132': extension 12, the call was 34" in text
    assert "stored as '+442075550142': a different number" in text
    assert "too few digits" in text
    reasons = why_not(someone, q("+1 646 555 0142"), "US")
    assert "the last 7 digits agree but it is another country's number" in reasons


def test_why_not_for_emails_names_and_empty_records() -> None:
    bare = person("crm", "2", "")
    assert why_not(bare, q("+1 415 555 0132"), "US") == "no phone number stored"
    assert why_not(bare, q("x@example.com"), "US") == "no email address stored"
    assert why_not(bare, q("Ana Diaz"), "US") == "no name stored"
    ana = person("crm", "3", "Ana Lopez", email("ana@example.com"))
    assert "stored 'ana@example.com'; none is 'x@example.com'" in why_not(
        ana, q("x@example.com"), "US"
    )
    assert why_not(ana, q("Ana Diaz"), "US") == "name 'Ana Lopez' lacks 'diaz'"


async def test_nothing_is_recorded_unless_someone_is_explaining() -> None:
    searched("phone", ["+1"])  # no explanation open: a no-op
    assert current_explanation() is None
    with explaining(Explanation("crm")) as explanation:
        searched("phone", ["+14155550132", "(415) 555-0132"], "any of")
    assert current_explanation() is None
    assert explanation.searched[0].line() == "phone any of '+14155550132', '(415) 555-0132'"


# --- the engine: every source, even one that records nothing ------------------------------------


async def test_a_source_off_the_template_still_shows_whom_it_found_and_failures() -> None:
    found = FakeConnector("crm", [person("crm", "7", "Ana", phone("+14155550132"))])
    broken = FakeConnector("desk", error=RuntimeError("secret text"))
    engine = LookupEngine([found, broken])
    crm, desk = await explain(engine, q("+1 415 555 0132"))
    assert crm.candidates == 1 and crm.verdicts[0].accepted
    assert crm.verdicts[0].record == "Ana (record 7)"
    assert desk.error is not None and "secret text" not in desk.error
    lines = explanation_lines([crm, desk])
    assert "crm:" in lines and "  searched: (this source does not say)" in lines


# --- vendors -------------------------------------------------------------------------------------


@pytest.fixture
async def hubspot() -> AsyncIterator[HubSpotConnector]:
    api = HubSpotFake()
    maria = {"firstname": "Maria", "lastname": "Gonzalez", "phone": "(415) 555-0132"}
    maria["email"] = "maria@example.com"  # the name search also reads emails
    api.add("contacts", "101", **maria)
    api.add("contacts", "102", firstname="Dev", lastname="Mobile", mobilephone="+1 415-555-0132")
    connector = HubSpotConnector(
        "HubSpot", {"default_region": "US"}, HUBSPOT_TOKEN, transport=api.transport()
    )
    try:
        yield connector
    finally:
        await connector.aclose()


async def test_hubspot_says_which_properties_it_asked_for_which_forms(
    hubspot: HubSpotConnector,
) -> None:
    explanation = await explain_source(hubspot, q("+1 415 555 0132"), 3.0)
    fields = {s.field: s for s in explanation.searched}
    assert "(415) 555-0132" in fields["phone"].forms and fields["phone"].how == "any of"
    assert "mobilephone" in fields and fields["hs_calculated_phone_number"].how == "equals"
    assert explanation.candidates == 2
    assert sorted(v.record for v in explanation.verdicts if v.accepted) == [
        "Dev Mobile (record 102)",
        "Maria Gonzalez (record 101)",
    ]


async def test_hubspot_says_why_a_candidate_was_dropped(hubspot: HubSpotConnector) -> None:
    explanation = await explain_source(hubspot, q("Maria example"), 3.0)
    assert explanation.candidates == 1
    (verdict,) = explanation.verdicts
    assert not verdict.accepted
    assert verdict.reason == "name 'Maria Gonzalez' lacks 'example'"


async def test_zendesk_says_its_query_and_rejects_another_countrys_number() -> None:
    api = ZendeskFake()
    api.add_user(501, "Maria Gonzalez", "maria@example.com", "+1 (415) 555-0132")
    api.add_user(502, "Lon Don", "lon@example.com", "+44 415 555 0132")
    connector = ZendeskConnector(
        "Zendesk",
        SETTINGS,
        ZENDESK_TOKEN,
        transport=api.transport(),
    )
    try:
        explanation = await explain_source(connector, q("+1 415 555 0132"), 3.0)
    finally:
        await connector.aclose()
    assert explanation.searched[0].forms == ("type:user phone:*4155550132",)
    assert explanation.candidates == 2
    by_record = {v.record: v for v in explanation.verdicts}
    assert by_record["Maria Gonzalez (record 501)"].accepted
    dropped = by_record["Lon Don (record 502)"]
    assert not dropped.accepted and "another country's number" in dropped.reason


# --- the command -------------------------------------------------------------------------------


def test_lookup_explain_on_the_demo_says_what_a_weak_match_rests_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "lookup", "+1 646 555 0142", "--explain")
    assert code == 0
    flat = " ".join(out.split())
    assert "Why (per source):" in flat
    assert "searched contact_points.normalized equals '+16465550142'" in flat
    assert "accepted Grace Liu (record 10): stored as '555-0142': only the last 7 digits " in flat
    assert "match, country unknown (weak, 50%)" in flat


def test_lookup_explain_json_says_why_nobody_matched(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lookup", "+44 20 7555 0142", "--explain", "--json")
    assert code == 1
    data = json.loads(out)
    assert [e["source"] for e in data["explain"]] == ["Demo CRM", "Demo Helpdesk"]
    desk = data["explain"][1]
    assert desk["candidates"] == 1
    (verdict,) = desk["verdicts"]
    assert verdict["accepted"] is False and "another country's number" in verdict["reason"]
    code, out, _ = run(capsys, "lookup", "+44 20 7555 0142", "--json")
    assert "explain" not in json.loads(out)
