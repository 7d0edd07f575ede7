"""Dependent round trips of a full lookup on HubSpot, Zendesk and Salesforce (issue 16: at most
3 for a phone and 2 for an email, the identity after 1), counted on the doubles with every
request delayed (`tests/connectors/round_trips.py`). Freshdesk and Intercom have their own
(`test_freshdesk_round_trips.py`, `test_intercom_round_trips.py`)."""

from __future__ import annotations

from typing import Any

import pytest

from cx_tui.connectors.hubspot import CONNECTOR as HUBSPOT
from cx_tui.connectors.salesforce import SalesforceConnector
from cx_tui.connectors.zendesk import CONNECTOR as ZENDESK
from cx_tui.identity import parse_query
from cx_tui.models import Details
from tests.connectors.round_trips import Lookup, SlowTransport, chains, full_lookup
from tests.connectors.salesforce_fake import CLIENT_ID, CLIENT_SECRET, acme_org
from tests.connectors.vendor_fakes import (
    HUBSPOT_TOKEN,
    ZENDESK_TOKEN,
    HubSpotFake,
    Resp,
    ZendeskFake,
    ago,
)

pytestmark = pytest.mark.asyncio

PHONE = "+1 415 555 0132"


def hubspot() -> HubSpotFake:
    """Maria (and a colleague on her number): a company, an open ticket whose note is also on
    her (as HubSpot's UI files it), a closed ticket, a call; her owner."""
    api = HubSpotFake()
    api.add("contacts", "101", firstname="Maria", lastname="Gonzalez", phone="(415) 555-0132",
            email="maria@example.com", hubspot_owner_id="77")  # fmt: skip
    api.add("contacts", "102", firstname="Front", lastname="Desk", mobilephone="+1 415-555-0132")
    api.owners["77"] = {"id": "77", "firstName": "Sam", "lastName": "Owner"}
    api.add("companies", "501", name="Acme Corp", domain="acme.example")
    api.associate("contacts", "101", "companies", "501")
    for ticket, stage in (("801", "3"), ("802", "4")):
        api.add("tickets", ticket, subject=f"Ticket {ticket}", hs_pipeline="0",
                hs_pipeline_stage=stage, hs_lastmodifieddate=ago(hours=1))  # fmt: skip
        api.associate("contacts", "101", "tickets", ticket)
    api.add("notes", "901", hs_timestamp=ago(hours=2), hs_note_body="<p>Tried: restart</p>")
    api.associate("tickets", "801", "notes", "901")
    api.associate("contacts", "101", "notes", "901")
    api.add("calls", "911", hs_timestamp=ago(hours=3), hs_call_title="Support call")
    api.associate("contacts", "101", "calls", "911")
    return api


async def hubspot_lookup(api: HubSpotFake, text: str) -> Lookup:
    transport = SlowTransport(api.transport())
    connector = HUBSPOT("Acme HubSpot", {"default_region": "US"}, HUBSPOT_TOKEN,
                        transport=transport)  # fmt: skip
    try:
        return await full_lookup(connector, transport, text)
    finally:
        await connector.aclose()


def private_notes(details: Details) -> set[str]:
    return {c.body for t in details.tickets for c in t.comments if not c.public}


async def test_hubspot_phone_in_three_the_identity_in_one() -> None:
    found = await hubspot_lookup(hubspot(), PHONE)
    at = [m.person.ref.record_id for m in found.matches].index("101")
    maria = found.details[at]
    assert "owner: Sam Owner" in found.matches[at].person.tags  # the owner list came along
    assert [c.name for c in maria.companies] == ["Acme Corp"]
    assert private_notes(maria) == {"Tried: restart"}
    assert len(maria.interactions) == 2
    assert (found.trips, found.identity_trips) == (3, 1), chains(found.log)


async def test_hubspot_email_in_two() -> None:
    # The contact read by its primary email beside the search brings its associated ids, so
    # the details read the records at once: search + read, then the records.
    api = hubspot()
    found = await hubspot_lookup(api, "maria@example.com")
    maria = found.details[0]
    assert private_notes(maria) == {"Tried: restart"}
    assert [c.name for c in maria.companies] == ["Acme Corp"]
    assert {t.ref.record_id for t in maria.tickets} == {"801", "802"}
    assert len(maria.interactions) == 2
    assert (found.trips, found.identity_trips) == (2, 1), chains(found.log)
    [read] = api.calls_to("GET", r"/crm/v3/objects/contacts/maria@example\.com$")
    assert read.params["idProperty"] == "email"
    assert set(read.params["associations"].split(",")) == {
        "companies", "tickets", "notes", "calls", "emails"
    }  # fmt: skip
    assert not api.calls_to("POST", r"/crm/v4/associations/contacts/")


async def test_hubspot_additional_email_falls_back_to_the_associations() -> None:
    # No contact has it as primary email: the read is a 404 and the search still finds her
    # (hs_additional_emails); the details ask the associations themselves, one trip more.
    api = hubspot()
    api.objects["contacts"]["101"]["properties"]["hs_additional_emails"] = "mg@home.example"
    found = await hubspot_lookup(api, "mg@home.example")
    assert [m.person.ref.record_id for m in found.matches] == ["101"]
    assert private_notes(found.details[0]) == {"Tried: restart"}
    assert [c.name for c in found.details[0].companies] == ["Acme Corp"]
    assert api.calls_to("GET", r"/crm/v3/objects/contacts/mg@home\.example$")
    assert api.calls_to("POST", r"/crm/v4/associations/contacts/companies/batch/read")
    assert found.trips == 3, chains(found.log)


async def test_hubspot_paged_associations_are_read_whole() -> None:
    # More tickets and calls than the single read lists (1 of each type): those (only) come
    # from the v4 associations.
    api = hubspot()
    api.links_page = 1
    api.add("calls", "912", hs_timestamp=ago(hours=4), hs_call_title="Follow-up")
    api.associate("contacts", "101", "calls", "912")
    found = await hubspot_lookup(api, "maria@example.com")
    assert len(found.details[0].interactions) == 3
    assert {t.ref.record_id for t in found.details[0].tickets} == {"801", "802"}
    assert {c.path for c in api.calls_to("POST", r"/crm/v4/associations/contacts/")} == {
        "/crm/v4/associations/contacts/tickets/batch/read",
        "/crm/v4/associations/contacts/calls/batch/read",
    }
    assert found.trips == 3, chains(found.log)


async def test_hubspot_a_failed_read_ahead_leaves_the_details_whole() -> None:
    api = hubspot()
    api.override("GET", r"/crm/v3/objects/contacts/maria", Resp(500, {"message": "boom"}))
    found = await hubspot_lookup(api, "maria@example.com")
    assert private_notes(found.details[0]) == {"Tried: restart"}
    assert [c.name for c in found.details[0].companies] == ["Acme Corp"]
    assert not found.details[0].failed_parts
    assert api.calls_to("POST", r"/crm/v4/associations/contacts/companies/batch/read")
    # The lookup never waits for the read ahead (retried here): the identity is still after 1.
    assert found.identity_trips == 1, chains(found.log)


async def test_hubspot_a_ticket_note_only_on_the_ticket_costs_a_third() -> None:
    api = hubspot()
    api.add("notes", "902", hs_timestamp=ago(hours=1), hs_note_body="<p>Escalated</p>")
    api.associate("tickets", "801", "notes", "902")  # as the API files a ticket note
    found = await hubspot_lookup(api, "maria@example.com")
    assert private_notes(found.details[0]) == {"Tried: restart", "Escalated"}
    assert found.trips == 3, chains(found.log)


def zendesk() -> ZendeskFake:
    api = ZendeskFake()
    api.add_organization(61, "Acme Corp", plan="Pro")
    api.add_user(501, "Maria Gonzalez", "maria@example.com", "+1 (415) 555-0132",
                 organization_id=61, extra_identities=(("email", "mg@home.example"),))  # fmt: skip
    api.add_user(502, "Front Desk", "desk@example.com", "415.555.0132")
    api.add_ticket(3001, 501, "Router drops", "open", updated=ago(hours=1))
    api.add_comment(3001, 9001, "Tried: power cycle", public=False, created=ago(hours=2))
    api.add_ticket(3002, 501, "Old question", "closed", updated=ago(days=40))
    return api


async def zendesk_lookup(text: str) -> Lookup:
    transport = SlowTransport(zendesk().transport())
    connector = ZENDESK("Acme Zendesk", {"subdomain": "acme", "email": "ana.agent@acme.example",
                        "default_region": "US"}, ZENDESK_TOKEN, transport=transport)  # fmt: skip
    try:
        return await full_lookup(connector, transport, text)
    finally:
        await connector.aclose()


@pytest.mark.parametrize("text", [PHONE, "mg@home.example"])
async def test_zendesk_in_three_the_identity_in_one(text: str) -> None:
    # The user search side-loads identities and organizations; tickets by search; comments.
    # (A secondary email: the tickets searched by it beside the user search found none, which
    # is not taken as "no tickets": they are searched by the user's id.)
    found = await zendesk_lookup(text)
    maria = found.details[[m.person.name for m in found.matches].index("Maria Gonzalez")]
    assert [c.name for c in maria.companies] == ["Acme Corp"]
    assert private_notes(maria) == {"Tried: power cycle"}
    assert (found.trips, found.identity_trips) == (3, 1), chains(found.log)


async def test_zendesk_email_in_two() -> None:
    # The requester's tickets searched by the email beside the user search; then comments.
    found = await zendesk_lookup("maria@example.com")
    [maria] = found.details
    assert [c.name for c in maria.companies] == ["Acme Corp"]
    assert {t.ref.record_id for t in maria.tickets} == {"3001", "3002"}
    assert private_notes(maria) == {"Tried: power cycle"}
    assert (found.trips, found.identity_trips) == (2, 1), chains(found.log)


@pytest.mark.parametrize("text", [PHONE, "maria@acme.example"])
async def test_salesforce_in_two_once_signed_in(text: str) -> None:
    api = acme_org()
    transport = SlowTransport(api.transport())
    settings: dict[str, Any] = {"base_url": "https://acme.my.salesforce.com",
                                "client_id": CLIENT_ID, "default_region": "US"}  # fmt: skip
    connector = SalesforceConnector("Acme SF", settings, CLIENT_SECRET, transport=transport)
    try:
        await connector.find_people(parse_query("x@y.example"))  # signs in
        found = await full_lookup(connector, transport, text)
    finally:
        await connector.aclose()
    assert any(t.comments for d in found.details for t in d.tickets)
    # Search, then one composite request for everything around the contact.
    assert (found.trips, found.identity_trips) == (2, 1), chains(found.log)
