"""The HubSpot connector against a double that follows HubSpot's documented search semantics."""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from cx_tui.connectors import hubspot as hubspot_module
from cx_tui.connectors.base import (
    AuthError,
    BadResponse,
    Capability,
    InvalidInput,
    RateLimited,
    Unavailable,
)
from cx_tui.connectors.hubspot import HubSpotConnector, check_search_limits, search_request
from cx_tui.connectors.hubspot import account as hubspot_account
from cx_tui.connectors.hubspot import search as hubspot_search
from cx_tui.connectors.registry import connector_class
from cx_tui.identity import PhoneQuery, Query, QueryKind, parse_query
from cx_tui.models import (
    CallLog,
    Channel,
    ContactKind,
    ContactPoint,
    Direction,
    MatchReason,
    NoteTarget,
    Priority,
    SourceRef,
    TargetKind,
    TicketStatus,
)
from tests.connectors.vendor_fakes import (
    HUBSPOT_TOKEN,
    HubSpotFake,
    LocalServer,
    Resp,
    ago,
    hs_error,
)

NAME = "Acme HubSpot"
KEY = "0b7e4c2a-5d2f-4f57-9a0c-3c1f7d2e9b41"
ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture
def fake() -> HubSpotFake:
    api = HubSpotFake()
    api.add(
        "contacts",
        "101",
        firstname="Maria",
        lastname="Gonzalez",
        email="maria.gonzalez@example.com",
        hs_additional_emails="maria@home.example;MG@Work.example",
        phone="(415) 555-0132",
        lifecyclestage="customer",
        hubspot_owner_id="77",
        jobtitle="Office manager",
        hs_timezone="america_slash_los_angeles",
        notes_last_contacted=ago(days=2),
        plan_tier="Pro",
    )
    api.owners["77"] = {
        "id": "77",
        "email": "sam@acme.example",
        "firstName": "Sam",
        "lastName": "Owner",
    }
    api.add("contacts", "102", firstname="Dev", lastname="Mobile", mobilephone="+1 415-555-0132")
    api.add("contacts", "103", firstname="Dot", lastname="Format", phone="415.555.0132")
    api.add("contacts", "104", firstname="Someone", lastname="Else", phone="+1 415 555 0199")
    return api


@pytest.fixture
async def connector(fake: HubSpotFake) -> AsyncIterator[HubSpotConnector]:
    found = HubSpotConnector(
        NAME,
        {"default_region": "US", "plan_property": "plan_tier"},
        HUBSPOT_TOKEN,
        transport=fake.transport(),
    )
    try:
        yield found
    finally:
        await found.aclose()


def q(text: str) -> Query:
    return parse_query(text, "US")


def searches(fake: HubSpotFake) -> list[dict[str, Any]]:
    return [c.json for c in fake.calls_to("POST", r"/contacts/search$")]


# --- registration and declarations ---------------------------------------------------------------


def test_registered_as_a_plugin_with_calls_and_no_secret_looking_options() -> None:
    cls = connector_class("hubspot")
    assert cls is HubSpotConnector
    assert Capability.CALLS in cls.capabilities and Capability.PERSON_NOTES in cls.capabilities
    names = {o.name for o in cls.all_options()}
    assert names == {
        "base_url",
        "deadline",
        "portal_id",
        "app_domain",
        "plan_property",
        "settle_seconds",
        "fields",
    }


# --- the search request ------------------------------------------------------------------------


async def test_phone_search_asks_the_stored_forms_and_the_calculated_properties(
    connector: HubSpotConnector, fake: HubSpotFake
) -> None:
    await connector.find_people(q("+1 415 555 0132"))
    forms = [
        "+14155550132",
        "4155550132",
        "(415) 555-0132",
        "+1 415-555-0132",
        "14155550132",
        "415-555-0132",
        "415.555.0132",
        "415 555 0132",
        "+1 415 555 0132",
        "+1 (415) 555-0132",
        "1-415-555-0132",
    ]
    [body] = searches(fake)
    assert body == {
        "filterGroups": [
            {"filters": [{"propertyName": "phone", "operator": "IN", "values": forms}]},
            {"filters": [{"propertyName": "mobilephone", "operator": "IN", "values": forms}]},
            {
                "filters": [
                    {
                        "propertyName": "hs_searchable_calculated_phone_number",
                        "operator": "EQ",
                        "value": "4155550132",
                    }
                ]
            },
            {
                "filters": [
                    {
                        "propertyName": "hs_searchable_calculated_mobile_number",
                        "operator": "EQ",
                        "value": "4155550132",
                    }
                ]
            },
            {
                "filters": [
                    {
                        "propertyName": "hs_calculated_phone_number",
                        "operator": "EQ",
                        "value": "+14155550132",
                    }
                ]
            },
        ],
        "properties": [*hubspot_module.CONTACT_PROPERTIES, "plan_tier"],
        "limit": 100,
    }


async def test_email_search_asks_primary_and_additional_emails(
    connector: HubSpotConnector, fake: HubSpotFake
) -> None:
    await connector.find_people(q("Maria@Home.example"))
    [body] = searches(fake)
    assert body["filterGroups"] == [
        {"filters": [{"propertyName": "email", "operator": "EQ", "value": "maria@home.example"}]},
        {
            "filters": [
                {
                    "propertyName": "hs_additional_emails",
                    "operator": "CONTAINS_TOKEN",
                    "value": "maria@home.example",
                }
            ]
        },
    ]


def test_every_search_stays_within_hubspots_limits() -> None:
    for text in (
        "+1 415 555 0132",
        "+44 20 7946 0321 ext. 12",
        "a.b+c@example.co.uk",
        "Maria Gonzalez",
    ):
        body = search_request(q(text), hubspot_module.CONTACT_PROPERTIES)
        check_search_limits(body)  # does not raise
        groups = body.get("filterGroups", [])
        assert len(groups) <= 5 and sum(len(g["filters"]) for g in groups) <= 18
        assert all(len(g["filters"]) <= 6 for g in groups) and body["limit"] <= 200


@pytest.mark.parametrize(
    "body",
    [
        {"filterGroups": [{"filters": [{}]}] * 6, "limit": 10},
        {"filterGroups": [{"filters": [{}] * 7}], "limit": 10},
        {"filterGroups": [{"filters": [{}] * 6}] * 3 + [{"filters": [{}]}], "limit": 10},
        {"filterGroups": [], "limit": 201},
    ],
)
def test_bodies_beyond_the_limits_are_refused_before_sending(body: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        check_search_limits(body)


def _phone(**changes: str) -> PhoneQuery:
    good = q("+1 415 555 0132").phone
    assert good is not None
    return PhoneQuery(**{**{f: getattr(good, f) for f in good.__slots__}, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "query",
    [
        Query(QueryKind.EMAIL, "x", email='a@b.com" OR email:*'),
        Query(QueryKind.EMAIL, "x", email="*@example.com"),
        Query(QueryKind.EMAIL, "x", email="maria@example.com type:ticket"),
        Query(QueryKind.EMAIL, "x", email="Maria@Example.com"),
        Query(QueryKind.EMAIL, "x", email="a" * 10_000 + "@example.com"),
        Query(QueryKind.NAME, "x", name='Maria" OR "'),
        Query(QueryKind.NAME, "x", name="x" * 10_000),
        Query(QueryKind.PHONE, "x", phone=_phone(national_digits="4155550132 OR 1")),
        Query(QueryKind.PHONE, "x", phone=_phone(e164="+1415*")),
        Query(QueryKind.PHONE, "x", phone=_phone(national_formatted='(415)" OR 1')),
    ],
)
async def test_hostile_values_are_refused_before_any_request(
    connector: HubSpotConnector, fake: HubSpotFake, query: Query
) -> None:
    with pytest.raises(InvalidInput):
        await connector.find_people(query)
    assert fake.calls == []


async def test_a_tricky_but_valid_email_is_sent_exactly_as_given(
    connector: HubSpotConnector, fake: HubSpotFake
) -> None:
    await connector.find_people(q("o'brien+vip@example.com"))
    assert searches(fake)[0]["filterGroups"][0]["filters"][0]["value"] == "o'brien+vip@example.com"


# --- matching ---------------------------------------------------------------------------------


async def test_numbers_stored_in_different_formats_are_found_and_confirmed(
    connector: HubSpotConnector,
) -> None:
    matches = await connector.find_people(q("(415) 555-0132"))
    assert {m.person.ref.record_id: (m.reason, m.confidence) for m in matches} == {
        "101": (MatchReason.EXACT_E164, 1.0),
        "102": (MatchReason.EXACT_E164, 1.0),
        "103": (MatchReason.EXACT_E164, 1.0),
    }
    maria = next(m for m in matches if m.person.ref.record_id == "101")
    assert maria.detail == "stored as '(415) 555-0132'"
    phone = next(p for p in maria.person.contact_points if p.kind.value == "phone")
    assert (phone.value, phone.raw, phone.label) == ("+14155550132", "(415) 555-0132", "phone")


async def test_results_that_do_not_really_match_are_dropped(
    connector: HubSpotConnector, fake: HubSpotFake
) -> None:
    # HubSpot answers with a contact whose number is another one (index lag, a loose filter).
    wrong = fake.objects["contacts"]["104"]
    fake.override("POST", r"/contacts/search$", Resp(200, {"total": 1, "results": [wrong]}))
    assert await connector.find_people(q("+1 415 555 0132")) == []


async def test_a_number_only_hubspot_normalised_is_a_weaker_match(
    connector: HubSpotConnector, fake: HubSpotFake
) -> None:
    fake.add(
        "contacts",
        "105",
        firstname="Local",
        lastname="Only",
        phone="555-0132",
        hs_searchable_calculated_phone_number="4155550132",
    )
    matches = {m.person.ref.record_id: m for m in await connector.find_people(q("+1 415 555 0132"))}
    assert matches["105"].reason is MatchReason.SUFFIX and matches["105"].confidence == 0.5


async def test_extensions_single_out_a_person_on_a_shared_line(
    connector: HubSpotConnector, fake: HubSpotFake
) -> None:
    fake.add(
        "contacts", "201", firstname="Tom", lastname="Becker", phone="+1 212-555-0100 ext. 210"
    )
    fake.add(
        "contacts", "202", firstname="Priya", lastname="Raman", phone="+1 212-555-0100 ext. 204"
    )
    # HubSpot stores the extension inside the string, so only the calculated property finds them.
    for record in ("201", "202"):
        fake.objects["contacts"][record]["properties"]["hs_searchable_calculated_phone_number"] = (
            "2125550100"
        )
    matches = await connector.find_people(q("+1 212 555 0100 x210"))
    assert [(m.person.name, m.confidence) for m in matches] == [("Tom Becker", 1.0)]
    matches = await connector.find_people(q("+1 212 555 0100"))
    assert {m.person.name: m.confidence for m in matches} == {"Priya Raman": 0.9, "Tom Becker": 0.9}


async def test_primary_and_additional_emails(connector: HubSpotConnector) -> None:
    [primary] = await connector.find_people(q("MARIA.GONZALEZ@example.com"))
    assert (primary.reason, primary.confidence) == (MatchReason.PRIMARY_EMAIL, 1.0)
    [secondary] = await connector.find_people(q("mg@work.example"))
    assert (secondary.reason, secondary.confidence) == (MatchReason.SECONDARY_EMAIL, 0.9)
    assert secondary.detail == "stored as 'MG@Work.example' (an additional email)"


async def test_the_person_carries_profile_fields_owner_and_a_deep_link(
    connector: HubSpotConnector,
) -> None:
    [match] = await connector.find_people(q("maria.gonzalez@example.com"))
    person = match.person
    assert person.name == "Maria Gonzalez" and person.title == "Office manager"
    assert person.plan == "Pro" and person.timezone == "America/Los_Angeles"
    assert person.tags == ("lifecycle: customer", "owner: Sam Owner")
    assert person.last_contact is not None
    assert person.ref.url == "https://app.hubspot.com/contacts/4512345/record/0-1/101"
    assert {p.value for p in person.contact_points} == {
        "maria.gonzalez@example.com",
        "maria@home.example",
        "mg@work.example",
        "+14155550132",
    }


async def test_a_configured_portal_id_makes_links_without_asking(fake: HubSpotFake) -> None:
    connector = HubSpotConnector(
        NAME,
        {"default_region": "US", "portal_id": 777, "app_domain": "app-eu1.hubspot.com"},
        HUBSPOT_TOKEN,
        transport=fake.transport(),
    )
    [match] = await connector.find_people(q("maria.gonzalez@example.com"))
    assert match.person.ref.url == "https://app-eu1.hubspot.com/contacts/777/record/0-1/101"
    assert fake.calls_to("GET", "account-info") == []
    await connector.aclose()


async def test_search_pages_are_followed_up_to_the_cap(
    connector: HubSpotConnector, fake: HubSpotFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hubspot_search, "SEARCH_PAGE", 2)
    for n in range(5):
        fake.add("contacts", f"30{n}", firstname=f"Desk {n}", phone="+1 650 555 0100")
    body = search_request(q("+1 650 555 0100"), connector.contact_properties, limit=2)
    monkeypatch.setattr(hubspot_search, "search_request", lambda *a, **k: body)
    matches = await connector.find_people(q("+1 650 555 0100"))
    assert len(matches) == 5
    assert [s.get("after") for s in searches(fake)] == [None, "2", "4"]


# --- details --------------------------------------------------------------------------------


@pytest.fixture
def with_history(fake: HubSpotFake) -> HubSpotFake:
    fake.add("companies", "501", name="Acme Corp", domain="acme.example", plan_tier="Enterprise")
    fake.associate("contacts", "101", "companies", "501")
    tickets = {
        "801": ("Router down", "3", "HIGH", ago(hours=3)),
        "802": ("Invoice question", "2", "MEDIUM", ago(hours=20)),
        "803": ("Old issue", "4", "LOW", ago(days=40)),
        "804": ("Brand new", "1", "URGENT", ago(minutes=30)),
    }
    for ticket_id, (subject, stage, priority, modified) in tickets.items():
        fake.add(
            "tickets",
            ticket_id,
            subject=subject,
            hs_pipeline="0",
            hs_pipeline_stage=stage,
            hs_ticket_priority=priority,
            createdate=ago(days=50),
            hs_lastmodifieddate=modified,
        )
        fake.associate("contacts", "101", "tickets", ticket_id)
    fake.add(
        "notes",
        "901",
        hs_timestamp=ago(hours=5),
        hs_note_body=(
            "<p>Tried:</p><ul><li>restarted router</li><li>reset password</li></ul>"
            f"<p>cx-tui:{KEY}</p>"
        ),
    )
    fake.associate("tickets", "801", "notes", "901")
    fake.associate("contacts", "101", "notes", "901")
    fake.add(
        "calls",
        "911",
        hs_timestamp=ago(hours=6),
        hs_call_title="Support call",
        hs_call_direction="INBOUND",
        hs_call_duration="125000",
        hs_call_body="<p>Outage since Monday</p>",
    )
    fake.associate("contacts", "101", "calls", "911")
    fake.add(
        "emails",
        "921",
        hs_timestamp=ago(days=1),
        hs_email_subject="Re: router",
        hs_email_text="It is still dropping",
        hs_email_direction="INCOMING_EMAIL",
    )
    fake.associate("contacts", "101", "emails", "921")
    return fake


async def test_details_hold_companies_tickets_notes_calls_and_emails(
    connector: HubSpotConnector, with_history: HubSpotFake
) -> None:
    [match] = await connector.find_people(q("maria.gonzalez@example.com"))
    details = await connector.get_details(match)
    [company] = details.companies
    assert (company.name, company.domain, company.plan) == (
        "Acme Corp",
        "acme.example",
        "Enterprise",
    )
    assert company.ref.url == "https://app.hubspot.com/contacts/4512345/record/0-2/501"
    tickets = {t.ref.record_id: t for t in details.tickets}
    assert {k: (t.status, t.priority) for k, t in tickets.items()} == {
        "801": (TicketStatus.OPEN, Priority.HIGH),
        "802": (TicketStatus.PENDING, Priority.NORMAL),
        "803": (TicketStatus.CLOSED, Priority.LOW),
        "804": (TicketStatus.NEW, Priority.URGENT),
    }
    [note] = tickets["801"].comments
    assert note.public is False and note.body == "Tried:\n- restarted router\n- reset password"
    by_channel = {i.channel: i for i in details.interactions}
    assert by_channel[Channel.NOTE].ticket_id == "801"
    assert "cx-tui:" not in by_channel[Channel.NOTE].summary
    call = by_channel[Channel.CALL]
    assert (call.direction, call.summary) == (
        Direction.INBOUND,
        "Support call · 2 min 05 s · Outage since Monday",
    )
    email = by_channel[Channel.EMAIL]
    assert (email.direction, email.summary) == (
        Direction.INBOUND,
        "Re: router — It is still dropping",
    )
    assert [i.at for i in details.interactions] == sorted(
        (i.at for i in details.interactions), reverse=True
    )
    reads = [c.json for c in with_history.calls_to("POST", "batch/read")]
    assert all(len(r["inputs"]) <= 100 for r in reads)


async def test_a_part_the_token_may_not_read_is_left_out(
    connector: HubSpotConnector, with_history: HubSpotFake
) -> None:
    missing = hs_error(
        "This app hasn't been granted all required scopes to make this call.",
        "MISSING_SCOPES",
        errors=[
            {
                "message": "One or more of the following scopes are required.",
                "context": {"requiredGranularScopes": ["tickets"]},
            }
        ],
    )
    # The contact's tickets are listed by the v4 batch associations read (issue 16).
    with_history.override("POST", r"/associations/contacts/tickets/batch/read$", Resp(403, missing))
    [match] = await connector.find_people(q("maria.gonzalez@example.com"))
    details = await connector.get_details(match)
    assert details.tickets == () and len(details.companies) == 1 and details.interactions


async def test_without_pipeline_access_the_default_stages_are_used(
    connector: HubSpotConnector, with_history: HubSpotFake
) -> None:
    with_history.override(
        "GET", r"/pipelines/tickets$", Resp(403, hs_error("no", "MISSING_SCOPES"))
    )
    [match] = await connector.find_people(q("maria.gonzalez@example.com"))
    statuses = {t.ref.record_id: t.status for t in (await connector.get_details(match)).tickets}
    assert statuses == {
        "801": TicketStatus.OPEN,
        "802": TicketStatus.PENDING,
        "803": TicketStatus.CLOSED,
        "804": TicketStatus.NEW,
    }


def test_custom_pipeline_stages_map_by_state_label_and_order() -> None:
    data = {
        "results": [
            {
                "id": "55",
                "stages": [
                    {
                        "id": "a",
                        "label": "Triage",
                        "displayOrder": 0,
                        "metadata": {"ticketState": "OPEN"},
                    },
                    {
                        "id": "b",
                        "label": "On hold (vendor)",
                        "displayOrder": 1,
                        "metadata": {"ticketState": "OPEN"},
                    },
                    {
                        "id": "c",
                        "label": "Waiting on customer",
                        "displayOrder": 2,
                        "metadata": {"ticketState": "OPEN"},
                    },
                    {
                        "id": "d",
                        "label": "Engineering",
                        "displayOrder": 3,
                        "metadata": {"ticketState": "OPEN"},
                    },
                    {
                        "id": "e",
                        "label": "Done",
                        "displayOrder": 4,
                        "metadata": {"ticketState": "CLOSED"},
                    },
                ],
            }
        ]
    }
    assert hubspot_module.pipeline_statuses(data) == {
        ("55", "a"): TicketStatus.NEW,
        ("55", "b"): TicketStatus.HOLD,
        ("55", "c"): TicketStatus.PENDING,
        ("55", "d"): TicketStatus.OPEN,
        ("55", "e"): TicketStatus.CLOSED,
    }


# --- writes ---------------------------------------------------------------------------------


def person_target(record: str = "101") -> NoteTarget:
    return NoteTarget(TargetKind.PERSON, SourceRef(NAME, record))


async def test_a_note_is_posted_with_its_marker_and_association_202(
    connector: HubSpotConnector, fake: HubSpotFake
) -> None:
    receipt = await connector.add_note(person_target(), "Called back.\nRouter <ok> now", KEY)
    [post] = fake.calls_to("POST", r"/crm/v3/objects/notes$")
    body = post.json
    assert ISO_MS.fullmatch(body["properties"].pop("hs_timestamp"))
    assert body == {
        "properties": {
            "hs_note_body": f"<p>Called back.<br>Router &lt;ok&gt; now</p><p>cx-tui:{KEY}</p>"
        },
        "associations": [
            {
                "to": {"id": "101"},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}],
            }
        ],
    }
    assert receipt.ref.record_id.startswith("note-") and not receipt.duplicate
    assert receipt.ref.url == "https://app.hubspot.com/contacts/4512345/record/0-1/101"


async def test_the_same_key_twice_writes_one_note(
    connector: HubSpotConnector, fake: HubSpotFake
) -> None:
    first = await connector.add_note(person_target(), "Called back", KEY)
    again = await connector.add_note(person_target(), "Called back", KEY)
    assert again.duplicate and again.ref.record_id == first.ref.record_id
    assert len(fake.calls_to("POST", r"/crm/v3/objects/notes$")) == 1


async def test_a_ticket_note_uses_association_228(
    connector: HubSpotConnector, fake: HubSpotFake
) -> None:
    fake.add("tickets", "801", subject="Router down", hs_pipeline="0", hs_pipeline_stage="3")
    await connector.add_note(
        NoteTarget(TargetKind.TICKET, SourceRef(NAME, "801")), "Escalated", KEY
    )
    [post] = fake.calls_to("POST", r"/crm/v3/objects/notes$")
    assert post.json["associations"][0] == {
        "to": {"id": "801"},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 228}],
    }


async def test_a_note_is_not_sent_twice_after_a_server_error(
    connector: HubSpotConnector, fake: HubSpotFake, waits: list[float]
) -> None:
    fake.override(
        "POST", r"/crm/v3/objects/notes$", Resp(502, hs_error("Bad gateway", "INTERNAL_ERROR"))
    )
    with pytest.raises(Unavailable):
        await connector.add_note(person_target(), "Called back", KEY)
    assert len(fake.calls_to("POST", r"/crm/v3/objects/notes$")) == 1


async def test_a_rate_limited_note_is_sent_again_after_retry_after(
    connector: HubSpotConnector, fake: HubSpotFake, waits: list[float]
) -> None:
    limited = Resp(
        429,
        hs_error("You have reached your ten_secondly_rolling limit.", "RATE_LIMITS"),
        {"Retry-After": "3"},
    )
    created = Resp(
        201,
        {"id": "95001", "properties": {}, "createdAt": ago(seconds=0), "updatedAt": ago(seconds=0)},
    )
    fake.override("POST", r"/crm/v3/objects/notes$", limited, created)
    receipt = await connector.add_note(person_target(), "Called back", KEY)
    assert receipt.ref.record_id == "note-95001"
    assert len(fake.calls_to("POST", r"/crm/v3/objects/notes$")) == 2
    assert any(2.9 <= w <= 3.0 for w in waits)


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("   ", KEY, "empty"),
        ("x" * 70_000, KEY, "characters"),
        ("ok", "</p><script>", "idempotency key"),
    ],
)
async def test_bad_notes_are_refused_before_sending(
    connector: HubSpotConnector, fake: HubSpotFake, text: str, key: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await connector.add_note(person_target(), text, key)
    assert words in caught.value.message and fake.calls == []


# Call logs: a call engagement with the account's call outcome (`hs_call_disposition`, from
# `GET /calling/v1/dispositions`, read once).

KEYS = (KEY, "5e0f4a8b-3c1d-4e2f-9a7b-6c5d4e3f2a1b", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
CONNECTED = "f240bbac-87c9-4f6e-bf70-924b57d47db7"
LEFT_VOICEMAIL = "b2cf5968-551e-4856-9783-52b3da59a7d0"
OUTCOMES = r"/calling/v1/dispositions$"
CALLS = r"/crm/v3/objects/calls$"


def posted(fake: HubSpotFake) -> list[dict[str, Any]]:
    """The properties of every call engagement created."""
    return [c.json["properties"] for c in fake.calls_to("POST", CALLS)]


async def test_a_call_log_is_a_call_engagement_with_the_accounts_outcome(
    connector: HubSpotConnector, fake: HubSpotFake
) -> None:
    at = datetime(2026, 11, 22, 14, 30, 5, tzinfo=UTC)
    call = CallLog(
        "Router fixed after reset",
        direction="inbound",
        duration_s=125.4,
        outcome="Connected",
        started=at,
    )
    receipt = await connector.add_call(person_target(), call, key=KEY)
    [post] = fake.calls_to("POST", CALLS)
    assert post.json == {
        "properties": {
            "hs_call_status": "COMPLETED",
            "hs_call_direction": "INBOUND",
            "hs_call_title": "Inbound call",
            "hs_call_duration": "125400",
            "hs_timestamp": "2026-11-22T14:30:05.000Z",
            "hs_call_body": (
                f"<p>Router fixed after reset<br>Outcome: Connected</p><p>cx-tui:{KEY}</p>"
            ),
            "hs_call_disposition": CONNECTED,
        },
        "associations": [
            {
                "to": {"id": "101"},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 194}],
            }
        ],
    }
    assert receipt.ref.record_id.startswith("call-")
    again = await connector.add_call(person_target(), CallLog("Router fixed after reset"), key=KEY)
    assert again.duplicate and len(fake.calls_to("POST", CALLS)) == 1


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("left VOICEMAIL", LEFT_VOICEMAIL),
        ("  Left   voicemail ", LEFT_VOICEMAIL),
        ("left_voicemail", LEFT_VOICEMAIL),
        (LEFT_VOICEMAIL, LEFT_VOICEMAIL),
        ("Callback requested", "c0ffee00-1111-4222-8333-444455556666"),
    ],
)
async def test_the_outcome_takes_the_id_whose_label_it_spells(
    connector: HubSpotConnector, fake: HubSpotFake, outcome: str, expected: str
) -> None:
    # A custom outcome of this account: its id comes from the account, not from cx-tui.
    fake.call_outcomes.append(
        {"id": "c0ffee00-1111-4222-8333-444455556666", "label": "Callback requested"}
    )
    await connector.add_call(person_target(), CallLog("Rang", outcome=outcome), key=KEY)
    [props] = posted(fake)
    assert props["hs_call_disposition"] == expected


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [("Voicemail left", LEFT_VOICEMAIL), ("Resolved", CONNECTED), ("Escalated", CONNECTED)],
)
async def test_cx_tuis_default_outcomes_take_hubspots_default_labels(
    connector: HubSpotConnector, fake: HubSpotFake, outcome: str, expected: str
) -> None:
    await connector.add_call(person_target(), CallLog("Rang", outcome=outcome), key=KEY)
    [props] = posted(fake)
    assert props["hs_call_disposition"] == expected
    assert f"Outcome: {outcome}" in props["hs_call_body"]


async def test_an_unknown_outcome_is_only_text_in_the_body(
    connector: HubSpotConnector, fake: HubSpotFake
) -> None:
    await connector.add_call(
        person_target(), CallLog("Rang", outcome="gatekeeper  blocked"), key=KEY
    )
    [props] = posted(fake)
    assert "hs_call_disposition" not in props
    assert props["hs_call_body"] == f"<p>Rang<br>Outcome: gatekeeper blocked</p><p>cx-tui:{KEY}</p>"
    assert len(fake.calls_to("GET", OUTCOMES)) == 1


async def test_a_call_without_an_outcome_reads_no_outcomes(
    connector: HubSpotConnector, fake: HubSpotFake
) -> None:
    await connector.add_call(person_target(), CallLog("Rang", direction="outbound"), key=KEY)
    [props] = posted(fake)
    assert "hs_call_disposition" not in props and fake.calls_to("GET", OUTCOMES) == []


async def test_the_outcomes_are_read_once_across_three_calls(
    connector: HubSpotConnector, fake: HubSpotFake
) -> None:
    for key, outcome in zip(KEYS, ("Connected", "busy", "went to IVR"), strict=True):
        await connector.add_call(person_target(), CallLog("Rang", outcome=outcome), key=key)
    assert len(fake.calls_to("GET", OUTCOMES)) == 1
    assert [p.get("hs_call_disposition") for p in posted(fake)] == [
        CONNECTED,
        "9d9162e7-6cf3-4944-bf63-4dff82258764",
        None,
    ]


async def test_calls_sent_side_by_side_read_the_outcomes_once(fake: HubSpotFake) -> None:
    # Over real HTTP, with the outcomes answer held back, so the three calls overlap.
    slow = Resp(200, [{"id": CONNECTED, "label": "Connected"}], delay=0.3)
    fake.override("GET", OUTCOMES, slow)
    with LocalServer(fake) as server:
        connector = HubSpotConnector(
            NAME, {"default_region": "US", "base_url": server.base_url}, HUBSPOT_TOKEN
        )
        try:
            await asyncio.gather(
                *(
                    connector.add_call(person_target(), CallLog("Rang", outcome="Connected"), key=k)
                    for k in KEYS
                )
            )
        finally:
            await connector.aclose()
    assert len(fake.calls_to("GET", OUTCOMES)) == 1
    assert [p["hs_call_disposition"] for p in posted(fake)] == [CONNECTED] * 3


async def test_a_token_without_the_scope_still_logs_the_call_and_stops_asking(
    connector: HubSpotConnector, fake: HubSpotFake
) -> None:
    fake.scopes.remove("crm.objects.contacts.read")
    for key in KEYS[:2]:
        receipt = await connector.add_call(
            person_target(), CallLog("Rang", outcome="Connected"), key=key
        )
        assert receipt.ref.record_id.startswith("call-")
    first, second = posted(fake)
    assert "hs_call_disposition" not in first and "hs_call_disposition" not in second
    assert first["hs_call_body"] == f"<p>Rang<br>Outcome: Connected</p><p>cx-tui:{KEY}</p>"
    # A 403 will not change with the same token: asked once, not on every call.
    [refused] = fake.calls_to("GET", OUTCOMES)
    assert refused.headers["authorization"] == f"Bearer {HUBSPOT_TOKEN}"


@pytest.mark.parametrize(
    "failure",
    [
        Resp(500, hs_error("internal error", "INTERNAL_ERROR")),
        Resp(200, {"results": []}),  # not the documented bare array
    ],
    ids=["500", "wrong-shape"],
)
async def test_a_failing_outcomes_read_still_logs_the_call_and_is_asked_again(
    connector: HubSpotConnector, fake: HubSpotFake, waits: list[float], failure: Resp
) -> None:
    fake.override("GET", OUTCOMES, failure)
    await connector.add_call(person_target(), CallLog("Rang", outcome="Connected"), key=KEYS[0])
    fake.clear_overrides()
    await connector.add_call(person_target(), CallLog("Rang", outcome="Connected"), key=KEYS[1])
    first, second = posted(fake)
    assert "hs_call_disposition" not in first
    assert first["hs_call_body"] == f"<p>Rang<br>Outcome: Connected</p><p>cx-tui:{KEYS[0]}</p>"
    # An outage passes: the next call log asks again, and gets it.
    assert second["hs_call_disposition"] == CONNECTED


async def test_create_person_posts_a_contact(
    connector: HubSpotConnector, fake: HubSpotFake
) -> None:
    person = await connector.create_person(
        "Ana María López",
        [
            ContactPoint(ContactKind.PHONE, "+14155550177"),
            ContactPoint(ContactKind.EMAIL, "ana@example.com"),
        ],
    )
    [post] = fake.calls_to("POST", r"/crm/v3/objects/contacts$")
    assert post.json == {
        "properties": {
            "firstname": "Ana María",
            "lastname": "López",
            "email": "ana@example.com",
            "phone": "+14155550177",
        }
    }
    assert person.name == "Ana María López" and person.ref.record_id.isdigit()


# --- failures ---------------------------------------------------------------------------------


async def test_a_wrong_token_says_what_to_run(fake: HubSpotFake) -> None:
    connector = HubSpotConnector(NAME, {}, "pat-na1-wrong-token-0000", transport=fake.transport())
    with pytest.raises(AuthError) as caught:
        await connector.find_people(q("maria.gonzalez@example.com"))
    assert caught.value.message.startswith(
        'HubSpot rejected the token (401): run `cx-tui secret set "Acme HubSpot"`'
    )
    assert "pat-na1-wrong-token-0000" not in caught.value.message


async def test_credentials_in_base_url_never_reach_a_message() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    connector = HubSpotConnector(
        NAME,
        {"base_url": "http://bob:hunter22@127.0.0.1:9"},
        HUBSPOT_TOKEN,
        transport=httpx.MockTransport(refuse),
    )
    assert connector.vendor.host == "127.0.0.1:9"
    result = await connector.check()
    await connector.aclose()
    assert result.ok is False and "127.0.0.1:9" in result.summary
    assert "hunter22" not in result.summary and "bob" not in result.summary


async def test_missing_scopes_are_named(connector: HubSpotConnector, fake: HubSpotFake) -> None:
    body = hs_error(
        "This app hasn't been granted all required scopes to make this call.",
        "MISSING_SCOPES",
        errors=[
            {
                "message": "One or more of the following scopes are required.",
                "context": {"requiredGranularScopes": ["crm.objects.contacts.read"]},
            }
        ],
    )
    fake.override("POST", r"/contacts/search$", Resp(403, body))
    with pytest.raises(AuthError) as caught:
        await connector.find_people(q("maria.gonzalez@example.com"))
    assert "the token lacks crm.objects.contacts.read" in caught.value.message


async def test_rate_limited_search_reports_when_to_come_back(
    connector: HubSpotConnector, fake: HubSpotFake
) -> None:
    body = {
        "status": "error",
        "message": "You have reached your secondly limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": "c7f0a5b3-0d27-4a8c-9c5c-1b2e3f4a5b6c",
        "policyName": "SECONDLY",
    }
    fake.override("POST", r"/contacts/search$", Resp(429, body, {"Retry-After": "30"}))
    with pytest.raises(RateLimited) as caught:
        await connector.find_people(q("maria.gonzalez@example.com"))
    assert caught.value.retry_after == 30.0


async def test_check_names_the_scope_call_outcomes_need(
    connector: HubSpotConnector, fake: HubSpotFake
) -> None:
    # `GET /calling/v1/dispositions` needs crm.objects.contacts.read, as the lookups do.
    fake.scopes = ["crm.objects.contacts.write", "tickets"]
    result = await connector.check()
    assert (
        "cannot find people or set call outcomes: the token lacks the "
        "crm.objects.contacts.read scope"
    ) in result.details


async def test_a_malformed_search_answer_is_a_bad_response(
    connector: HubSpotConnector, fake: HubSpotFake
) -> None:
    fake.override("POST", r"/contacts/search$", Resp(200, {"total": 1, "results": [{"id": "101"}]}))
    with pytest.raises(BadResponse):
        await connector.find_people(q("maria.gonzalez@example.com"))


# --- check ------------------------------------------------------------------------------------


async def test_check_reports_the_portal_and_missing_scopes(
    connector: HubSpotConnector, fake: HubSpotFake
) -> None:
    fake.scopes = ["crm.objects.contacts.read", "crm.objects.companies.read"]
    result = await connector.check()
    assert result.ok
    assert result.summary == (
        "authenticated to portal 4512345 (app.hubspot.com); contacts can be searched; "
        "missing scopes: crm.objects.contacts.write, tickets"
    )
    assert (
        "cannot write notes and call logs: the token lacks the crm.objects.contacts.write scope"
        in result.details
    )
    assert result.permissions == ("crm.objects.companies.read", "crm.objects.contacts.read")
    # Without contacts.write and tickets, only the lookups are left.
    assert result.capabilities == (
        Capability.LOOKUP_PHONE | Capability.LOOKUP_EMAIL | Capability.LOOKUP_NAME
    )
    [info] = fake.calls_to("POST", "access-token-info")
    assert HUBSPOT_TOKEN not in info.path  # in the body, never in a URL


async def test_check_with_every_scope_allows_every_capability(
    connector: HubSpotConnector,
) -> None:
    result = await connector.check()
    assert result.ok and result.capabilities == HubSpotConnector.capabilities


async def test_check_of_a_token_without_scope_info_does_not_guess(fake: HubSpotFake) -> None:
    fake.token = "oauth-access-token-1234"  # not a private-app token: HubSpot lists no scopes
    connector = HubSpotConnector(NAME, {}, fake.token, transport=fake.transport())
    result = await connector.check()
    await connector.aclose()
    assert result.ok and result.capabilities is None and result.permissions == ()


async def test_check_with_a_wrong_token_says_what_to_run(fake: HubSpotFake) -> None:
    connector = HubSpotConnector(NAME, {}, "pat-na1-wrong", transport=fake.transport())
    result = await connector.check()
    assert not result.ok and 'cx-tui secret set "Acme HubSpot"' in result.summary


# --- more request shapes and the limiter in action ------------------------------------------------


async def test_a_name_search_sends_the_validated_name_as_free_text(
    connector: HubSpotConnector, fake: HubSpotFake
) -> None:
    # "Or" is a surname here; HubSpot's `query` is plain text, not a query language.
    await connector.find_people(q("Maria   Or"))
    [body] = searches(fake)
    assert body == {
        "query": "Maria Or",
        "properties": list(connector.contact_properties),
        "limit": 100,
    }


async def test_association_pages_are_followed(
    connector: HubSpotConnector, fake: HubSpotFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hubspot_account, "ASSOCIATION_PAGE", 2)
    fake.batch_links_page = 2  # the batch read's first page, then the pages of the rest
    for n in range(5):
        fake.add("companies", f"50{n}", name=f"Company {n}")
        fake.associate("contacts", "101", "companies", f"50{n}")
    [match] = await connector.find_people(q("maria.gonzalez@example.com"))
    details = await connector.get_details(match)
    assert len(details.companies) == 5
    pages = fake.calls_to("GET", r"/contacts/101/associations/companies$")
    assert [c.params.get("after") for c in pages] == [None, "2", "4"]


async def test_a_burst_of_lookups_queues_instead_of_earning_429s(fake: HubSpotFake) -> None:
    """Real time: 12 lookups at once against a double that refuses a 6th search in any second."""
    window: deque[float] = deque()
    refused: list[float] = []
    handle = fake.handle

    def strict(call: Any) -> Resp:
        now = time.monotonic()
        if call.path.endswith("/contacts/search"):
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= 5:
                refused.append(now)
                return Resp(429, hs_error("You have reached your secondly limit.", "RATE_LIMITS"))
            window.append(now)
        return handle(call)

    fake.handle = strict  # type: ignore[method-assign]
    connector = HubSpotConnector(NAME, {"portal_id": 1}, HUBSPOT_TOKEN, transport=fake.transport())
    started = time.monotonic()
    results = await asyncio.gather(
        *(connector.find_people(q("+1 415 555 0132")) for _ in range(12))
    )
    elapsed = time.monotonic() - started
    assert refused == []
    assert all(len(r) == 3 for r in results)
    assert 2.0 <= elapsed < 3.0  # three windows: 5, 5, then 2
    await connector.aclose()
