"""Salesforce writes: the exact bodies sent, and the marker looked up before writing again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cx_tui.connectors.base import InvalidInput, RateLimited, Unsupported
from cx_tui.connectors.kit import limiter
from cx_tui.connectors.salesforce import SalesforceConnector
from cx_tui.identity import parse_query
from cx_tui.models import CallLog, ContactKind, ContactPoint, NoteTarget, SourceRef, TargetKind
from tests.connectors.salesforce_fake import CLIENT_ID, CLIENT_SECRET, SalesforceFake

BASE = "https://acme.my.salesforce.com"
KEY = "5b0c8f0e-3c2a-4e8e-9d7e-2f9a1c6b7d11"
MARK = f"cx-tui:{KEY}"


@pytest.fixture(autouse=True)
def fresh_kit_limiters() -> None:
    limiter._LIMITERS.clear()


def setup(**settings: object) -> tuple[SalesforceFake, SalesforceConnector, str, str, str]:
    api = SalesforceFake()
    contact = api.add("Contact", FirstName="Maria", LastName="Gonzalez", Phone="(415) 555-0132")
    lead = api.add("Lead", LastName="Lee", Company="Lee LLC", Phone="(415) 555-0177")
    case = api.add("Case", Subject="Invoice", Status="New", ContactId=contact)
    conf = {"base_url": BASE, "client_id": CLIENT_ID, **settings}
    sf = SalesforceConnector("Acme SF", conf, CLIENT_SECRET, transport=api.transport())
    return api, sf, contact, lead, case


def target(kind: TargetKind, record_id: str) -> NoteTarget:
    return NoteTarget(kind, SourceRef("Acme SF", record_id))


def creates(api: SalesforceFake, sobject: str) -> list[dict[str, object]]:
    return [c.json for c in api.calls_to("POST", rf"/sobjects/{sobject}$")]


async def test_note_on_a_person_is_a_completed_task_written_once() -> None:
    api, sf, contact, _, _ = setup()
    receipt = await sf.add_note(target(TargetKind.PERSON, contact), "Asked for a refund", KEY)
    today = datetime.now(UTC).date().isoformat()
    assert creates(api, "Task") == [
        {
            "WhoId": contact,
            "Subject": "Asked for a refund",
            "Description": f"Asked for a refund\n\n{MARK}",
            "Status": "Completed",
            "TaskSubtype": "Task",
            "ActivityDate": today,
        }
    ]
    assert not receipt.duplicate
    assert receipt.ref.url == f"{BASE}/lightning/r/Task/{receipt.ref.record_id}/view"
    again = await sf.add_note(target(TargetKind.PERSON, contact), "Asked for a refund", KEY)
    assert again.duplicate and again.ref.record_id == receipt.ref.record_id
    assert len(creates(api, "Task")) == 1
    lookups = [c.params["q"] for c in api.calls_to("GET", r"/query")]
    # Every Task of the person, newest first, batch after batch (issue 17: never only the
    # newest 200); the limit only bounds what the look-up will read before refusing.
    assert lookups[0] == (
        f"SELECT Id, Description, CreatedDate FROM Task WHERE WhoId = '{contact}' "
        "AND TaskSubtype = 'Task' ORDER BY CreatedDate DESC LIMIT 50001"
    )
    await sf.aclose()


async def test_note_on_a_case_is_an_internal_case_comment() -> None:
    api, sf, _, _, case = setup()
    receipt = await sf.add_note(target(TargetKind.TICKET, case), "Tried: reset the modem", KEY)
    assert creates(api, "CaseComment") == [
        {"ParentId": case, "CommentBody": f"Tried: reset the modem\n\n{MARK}", "IsPublished": False}
    ]
    again = await sf.add_note(target(TargetKind.TICKET, case), "Tried: reset the modem", KEY)
    assert again.duplicate and again.ref.record_id == receipt.ref.record_id
    assert len(creates(api, "CaseComment")) == 1
    await sf.aclose()


async def test_call_log_is_a_call_task_found_by_call_object() -> None:
    api, sf, contact, _, _ = setup()
    at = datetime(2026, 11, 22, 14, 30, tzinfo=UTC)
    call = CallLog(
        "Billing question", direction="inbound", duration_s=245.4, outcome="Resolved", started=at
    )
    receipt = await sf.add_call(target(TargetKind.PERSON, contact), call, key=KEY)
    assert creates(api, "Task") == [
        {
            "WhoId": contact,
            "Subject": "Call: Billing question",
            "Description": f"Billing question\n\n{MARK}",
            "TaskSubtype": "Call",
            "Type": "Call",
            "Status": "Completed",
            "ActivityDate": "2026-11-22",
            "CallObject": MARK,
            "CallType": "Inbound",
            "CallDurationInSeconds": 245,
            "CallDisposition": "Resolved",
        }
    ]
    again = await sf.add_call(target(TargetKind.PERSON, contact), call, key=KEY)
    assert again.duplicate and again.ref.record_id == receipt.ref.record_id
    assert api.calls_to("GET", r"/query")[0].params["q"] == (
        f"SELECT Id, CallObject, CreatedDate FROM Task WHERE CallObject = '{MARK}' LIMIT 1"
    )
    await sf.aclose()


async def test_new_case_with_contact_id_once() -> None:
    api, sf, contact, lead, _ = setup()
    text = "Router drops every hour\nTried a power cycle."
    receipt = await sf.add_note(target(TargetKind.NEW_TICKET, contact), text, KEY)
    assert creates(api, "Case") == [
        {
            "ContactId": contact,
            "Subject": "Router drops every hour",
            "Description": f"{text}\n\n{MARK}",
            "Origin": "Phone",
        }
    ]
    again = await sf.add_note(target(TargetKind.NEW_TICKET, contact), text, KEY)
    assert again.duplicate and again.ref.record_id == receipt.ref.record_id
    with pytest.raises(Unsupported):
        await sf.add_note(target(TargetKind.NEW_TICKET, lead), text, "other-key")
    await sf.aclose()


@pytest.mark.parametrize(("create_as", "sobject"), [(None, "Contact"), ("lead", "Lead")])
async def test_unknown_caller_becomes_a_contact_or_a_lead(
    create_as: str | None, sobject: str
) -> None:
    settings = {"create_as": "Lead"} if create_as else {}
    api, sf, *_ = setup(**settings)
    points = [
        ContactPoint(ContactKind.PHONE, "+14155550188"),
        ContactPoint(ContactKind.EMAIL, "new@caller.example"),
    ]
    person = await sf.create_person("Jo Ann Smith", points)
    expected = {
        "LastName": "Smith",
        "FirstName": "Jo Ann",
        "Phone": "+14155550188",
        "Email": "new@caller.example",
    }
    if sobject == "Lead":
        expected["Company"] = "Unknown"
    assert creates(api, sobject) == [expected]
    assert person.name == "Jo Ann Smith"
    assert person.ref.url and f"/lightning/r/{sobject}/" in person.ref.url
    await sf.aclose()


async def test_hostile_ids_and_keys_are_refused_before_any_request() -> None:
    api, sf, contact, _, _ = setup()
    with pytest.raises(InvalidInput):
        await sf.add_note(target(TargetKind.TICKET, "500' OR Id != '"), "x", KEY)
    with pytest.raises(InvalidInput):
        await sf.add_note(target(TargetKind.PERSON, contact), "x", "key' OR Id != '")
    assert not [c for c in api.calls if "/services/data/v" in c.path]
    await sf.aclose()


async def test_low_budget_slows_background_writes() -> None:
    api, sf, contact, _, _ = setup()
    await sf.find_people(parse_query("(415) 555-0132", "US"))
    api.api_used = api.api_max - 100
    await sf.find_people(parse_query("(415) 555-0132", "US"))
    with pytest.raises(RateLimited) as caught:
        await sf.add_note(target(TargetKind.PERSON, contact), "later", KEY)
    assert caught.value.retry_after and not creates(api, "Task")
    await sf.aclose()
