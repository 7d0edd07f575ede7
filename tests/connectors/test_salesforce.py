"""The Salesforce connector against its double (`salesforce_fake.py`): sign-in, search with
phone semantics, confirmation, details in one composite, limits and errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from cx_tui.connectors.base import AuthError, BadResponse, InvalidInput, RateLimited
from cx_tui.connectors.kit import limiter
from cx_tui.connectors.salesforce import SalesforceConnector
from cx_tui.identity import parse_query
from cx_tui.models import MatchReason, TicketStatus
from tests.connectors.salesforce_fake import (
    CLIENT_ID,
    CLIENT_SECRET,
    SalesforceFake,
    acme_org,
    sf_ago,
)
from tests.connectors.vendor_fakes import Resp

BASE = "https://acme.my.salesforce.com"


def connector(api: SalesforceFake, **settings: Any) -> SalesforceConnector:
    conf = {"base_url": BASE, "client_id": CLIENT_ID, "default_region": "US", **settings}
    return SalesforceConnector("Acme SF", conf, CLIENT_SECRET, transport=api.transport())


@pytest.fixture(autouse=True)
def fresh_kit_limiters() -> None:
    """Account limiters are shared per process; a test's pause must not leak into the next."""
    limiter._LIMITERS.clear()


@pytest.fixture
async def fake() -> AsyncIterator[SalesforceFake]:
    yield acme_org()


def q(text: str) -> Any:
    return parse_query(text, "US")


def searches(api: SalesforceFake) -> list[str]:
    return [c.params["q"] for c in api.calls_to("GET", r"/search")]


@pytest.mark.parametrize(
    "stored",
    [
        "(415) 555-0132",
        "415-555-0132",
        "+1 415 555 0132",
        "4155550132",
        "+14155550132",
        "415.555.0132",
        "1 (415) 555-0132",
    ],
)
async def test_phone_found_in_every_stored_format(stored: str) -> None:
    api = SalesforceFake()
    person = api.add("Contact", FirstName="Maria", LastName="Gonzalez", Phone=stored)
    api.add("Contact", FirstName="Other", LastName="Person", Phone="(415) 555-0199")
    sf = connector(api)
    matches = await sf.find_people(q("+1 415 555 0132"))
    assert [m.person.ref.record_id for m in matches] == [person]
    assert matches[0].reason in (MatchReason.EXACT_E164, MatchReason.NATIONAL_DIGITS)
    assert matches[0].person.ref.url == f"{BASE}/lightning/r/Contact/{person}/view"
    await sf.aclose()


async def test_sign_in_once_then_search_then_one_composite(fake: SalesforceFake) -> None:
    sf = connector(fake)
    matches = await sf.find_people(q("(415) 555-0132"))
    details = await sf.get_details(matches[0])
    paths = [(c.method, c.path) for c in fake.calls]
    assert paths == [
        ("POST", "/services/oauth2/token"),
        ("GET", "/services/data"),
        ("GET", "/services/data/v62.0/search"),
        ("POST", "/services/data/v62.0/composite"),
    ] or sorted(paths[:2]) == sorted(
        [("POST", "/services/oauth2/token"), ("GET", "/services/data")]
    )
    assert len(paths) == 4
    token_call = fake.calls_to("POST", "/services/oauth2/token")[0]
    assert b"grant_type=client_credentials" in token_call.body
    (sosl,) = searches(fake)
    assert sosl.startswith('FIND {"4155550132" OR "14155550132" OR "415 555 0132"} IN PHONE FIELDS')
    assert "Lead(" in sosl and "WHERE IsConverted = false" in sosl and "Account(" in sosl
    assert [c.name for c in details.companies] == ["Acme Corp"]
    assert details.companies[0].plan == "Customer"
    open_case, closed_case = details.tickets
    assert open_case.status is TicketStatus.OPEN and closed_case.status is TicketStatus.CLOSED
    internal = [c for c in open_case.comments if not c.public]
    assert [c.body for c in internal] == ["Tried: resent the invoice"]
    assert internal[0].author == "Ana Agent"
    assert "owner: Ana Agent" in open_case.tags
    assert [(o.role.value, o.name) for o in open_case.owners] == [("ticket assignee", "Ana Agent")]
    (call,) = details.interactions
    assert call.channel.value == "call" and call.direction.value == "inbound"
    assert "4 min 05 s" in call.summary and "Resolved" in call.summary
    await sf.aclose()


async def test_plan_field_from_config(fake: SalesforceFake) -> None:
    sf = connector(fake, plan_field="Tier__c")
    (match, *_) = await sf.find_people(q("maria@acme.example"))
    details = await sf.get_details(match)
    assert details.companies[0].plan == "Enterprise"
    await sf.aclose()


async def test_contact_and_lead_on_one_number_are_two_candidates() -> None:
    api = SalesforceFake()
    contact = api.add("Contact", FirstName="Maria", LastName="Gonzalez", Phone="(415) 555-0132")
    lead = api.add(
        "Lead",
        FirstName="Mario",
        LastName="Gonzalez",
        Company="Gonzalez LLC",
        Phone="+1 415-555-0132",
        Status="Open - Not Contacted",
    )
    api.add(
        "Lead",
        FirstName="Old",
        LastName="Lead",
        Company="X",
        Phone="(415) 555-0132",
        IsConverted=True,
    )
    sf = connector(api)
    matches = await sf.find_people(q("+14155550132"))
    assert {m.person.ref.record_id for m in matches} == {contact, lead}
    lead_match = next(m for m in matches if m.person.ref.record_id == lead)
    assert "hand to sales: lead, status Open - Not Contacted" in lead_match.person.tags
    assert lead_match.person.company == "Gonzalez LLC"
    await sf.aclose()


async def test_a_lead_gets_a_sales_next_action_and_a_contact_does_not() -> None:
    from cx_tui.actions import ActionKind, suggest
    from cx_tui.profile import ProfileBuilder

    api = SalesforceFake()
    api.add("Contact", FirstName="Maria", LastName="Gonzalez", Phone="(415) 555-0132")
    lead = api.add("Lead", FirstName="Mario", LastName="Ruiz", Company="R", Phone="4155550177")
    sf = connector(api)
    for number, wanted in (("+14155550177", [lead]), ("+14155550132", [])):
        builder = ProfileBuilder(number, [sf.name])
        builder.add_matches(sf.name, await sf.find_people(q(number)))
        sales = [a for a in suggest(builder.build()) if a.kind is ActionKind.HAND_TO_SALES]
        assert [a.target.record_id for a in sales if a.target] == wanted
        assert all(a.title == "Hand to sales: lead, status Open" for a in sales)
    await sf.aclose()


async def test_account_main_line_is_the_company_switchboard(fake: SalesforceFake) -> None:
    sf = connector(fake)
    (match,) = await sf.find_people(q("415 555 0100"))
    assert match.person.ref.url and "/lightning/r/Account/" in match.person.ref.url
    assert match.person.contact_points[0].shared
    assert match.confidence < 1.0 and "main line" in match.detail
    details = await sf.get_details(match)
    assert details.tickets[0].subject == "Invoice shows the wrong plan"
    await sf.aclose()


async def test_secondary_email_configured_and_not(fake: SalesforceFake) -> None:
    sf = connector(fake, email_fields=["Secondary_Email__c"])
    (match,) = await sf.find_people(q("maria.g@gmail.example"))
    assert match.reason is MatchReason.SECONDARY_EMAIL and match.confidence == 0.9
    assert "Secondary_Email__c" in searches(fake)[0]
    await sf.aclose()
    plain = connector(fake)
    (weak,) = await plain.find_people(q("maria.g@gmail.example"))
    assert weak.confidence < 0.9 and "email_fields" in weak.detail
    (primary,) = await plain.find_people(q("maria@acme.example"))
    assert primary.reason is MatchReason.PRIMARY_EMAIL and primary.confidence == 1.0
    await plain.aclose()


async def test_search_hits_that_do_not_match_are_dropped() -> None:
    api = SalesforceFake()
    api.add(
        "Contact", FirstName="Near", LastName="Miss", Phone="(415) 555-0132 ext 9", MobilePhone=""
    )
    api.add("Contact", FirstName="Wrong", LastName="Area", Phone="(212) 555-0132")
    sf = connector(api)
    matches = await sf.find_people(q("+1 212 555 0199"))
    assert matches == []
    await sf.aclose()


async def test_token_expiry_mid_lookup_refreshes_once(fake: SalesforceFake) -> None:
    sf = connector(fake)
    (match, *_) = await sf.find_people(q("(415) 555-0132"))
    fake.expire_tokens()
    details = await sf.get_details(match)
    assert details.tickets
    assert fake.tokens_issued == 2
    composites = fake.calls_to("POST", r"/composite")
    assert len(composites) == 2
    assert composites[0].headers["authorization"] != composites[1].headers["authorization"]
    await sf.aclose()


async def test_refused_twice_is_an_auth_failure_with_the_fix(fake: SalesforceFake) -> None:
    sf = connector(fake)
    await sf.find_people(q("(415) 555-0132"))
    fake.override(
        "GET",
        r"/search",
        Resp(401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]),
    )
    with pytest.raises(AuthError) as caught:
        await sf.find_people(q("(415) 555-0132"))
    assert "client_id" in caught.value.message
    assert len(fake.calls_to("GET", r"/search")) == 3  # first lookup, then one retry only
    await sf.aclose()


async def test_wrong_consumer_secret_names_the_fix() -> None:
    api = acme_org()
    sf = SalesforceConnector(
        "Acme SF",
        {"base_url": BASE, "client_id": CLIENT_ID},
        "wrong-secret",
        transport=api.transport(),
    )
    with pytest.raises(AuthError) as caught:
        await sf.find_people(q("(415) 555-0132"))
    assert "invalid_client" in caught.value.message and "wrong-secret" not in caught.value.message
    assert not api.calls_to("GET", r"/search")
    await sf.aclose()


async def test_without_client_id_the_secret_is_the_bearer_token(fake: SalesforceFake) -> None:
    fake.static_token = "00Dpremintedtoken"
    sf = SalesforceConnector(
        "Acme SF",
        {"base_url": BASE, "api_version": "61.0"},
        "00Dpremintedtoken",
        transport=fake.transport(),
    )
    assert await sf.find_people(q("(415) 555-0132"))
    assert not fake.calls_to("POST", r"/oauth2/token")
    assert fake.calls_to("GET", r"/search")[0].path == "/services/data/v61.0/search"
    fake.static_token = None
    with pytest.raises(AuthError):
        await sf.find_people(q("(415) 555-0132"))
    await sf.aclose()


async def test_request_limit_exceeded_is_a_rate_limit(fake: SalesforceFake) -> None:
    sf = connector(fake)
    fake.api_used = fake.api_max
    with pytest.raises(RateLimited) as caught:
        await sf.find_people(q("(415) 555-0132"))
    assert caught.value.status == 403 and caught.value.retry_after
    await sf.aclose()


async def test_limit_header_feeds_the_budget(fake: SalesforceFake) -> None:
    fake.api_usage_suffix = "; api-bursts=1/750"
    sf = connector(fake)
    await sf.find_people(q("(415) 555-0132"))
    assert sf.api.budget.limit == 15000 and sf.api.budget.remaining == 15000 - fake.api_used
    assert not sf.api.budget.low
    fake.api_used = 14_000
    await sf.find_people(q("(415) 555-0132"))
    assert sf.api.budget.low
    await sf.aclose()


async def test_hidden_fields_and_objects_hide_that_part_only(fake: SalesforceFake) -> None:
    sf = connector(fake)
    (match, *_) = await sf.find_people(q("(415) 555-0132"))
    fake.no_read.add("Case")
    details = await sf.get_details(match)
    assert details.tickets == () and details.companies and details.interactions
    fake.no_read.clear()
    fake.hidden.add(("Task", "CallDisposition"))
    details = await sf.get_details(match)
    assert details.tickets and details.interactions == ()
    await sf.aclose()


async def test_pages_follow_next_records_url(fake: SalesforceFake) -> None:
    for n in range(5):
        fake.add(
            "Task",
            Subject=f"Follow-up {n}",
            Status="Completed",
            TaskSubtype="Task",
            WhoId="003000000000101AAA",
            CreatedDate=sf_ago(days=3 + n),
        )
    fake.batch_size = 4
    sf = connector(fake)
    (match, *_) = await sf.find_people(q("(415) 555-0132"))
    details = await sf.get_details(match)
    assert len(details.interactions) == 6
    assert fake.calls_to("GET", r"/query/01g")
    await sf.aclose()


@pytest.mark.parametrize(
    "hostile",
    [
        "x' OR Name LIKE '%",
        'a@b.com" OR type:user',
        "} RETURNING User(Id)",
        "*",
        "{",
        "OR",
        "x" * 10_000,
    ],
)
async def test_hostile_names_never_change_the_query(fake: SalesforceFake, hostile: str) -> None:
    sf = connector(fake)
    try:
        query = parse_query(hostile, "US")
    except ValueError:
        return  # refused before it could reach a connector
    try:
        await sf.find_people(query)
    except InvalidInput:
        assert not fake.calls_to("GET", r"/search")
        return
    for sosl in searches(fake):
        assert sosl.count("{") == 1 and sosl.count(" RETURNING ") == 1
        body = sosl[sosl.index("{") + 1 : sosl.index("} IN ")]
        assert body.startswith('"') and body.endswith('"')
        inner = body[1:-1]
        assert all(inner[i - 1] == "\\" for i, c in enumerate(inner) if c in "\"{}*'")
    await sf.aclose()


async def test_names_and_quotes_are_escaped_for_sosl() -> None:
    api = SalesforceFake()
    obrien = api.add("Contact", FirstName="Sean", LastName="O'Brien-Smith", Phone="1")
    sf = connector(api)
    (match,) = await sf.find_people(q("Sean O'Brien-Smith"))
    assert match.person.ref.record_id == obrien
    assert searches(api)[0].startswith('FIND {"Sean O\\\'Brien\\-Smith"} IN NAME FIELDS')
    await sf.aclose()


async def test_malformed_query_answer_is_a_bug_report_not_a_crash(fake: SalesforceFake) -> None:
    sf = connector(fake)
    fake.override(
        "GET",
        r"/search",
        Resp(400, [{"message": "unexpected token: OR", "errorCode": "MALFORMED_SEARCH"}]),
    )
    with pytest.raises(BadResponse) as caught:
        await sf.find_people(q("(415) 555-0132"))
    assert "MALFORMED_SEARCH" in caught.value.message
    await sf.aclose()


@pytest.mark.parametrize(
    ("status", "body", "raw"),
    [
        (500, [{"message": "boom", "errorCode": "UNKNOWN_EXCEPTION"}], None),
        (503, None, b"<html>down</html>"),
        (200, None, b"not json"),
    ],
)
async def test_server_errors_and_junk(
    fake: SalesforceFake, status: int, body: Any, raw: bytes | None
) -> None:
    sf = connector(fake)
    fake.override("GET", r"/search", Resp(status, body, raw=raw))
    with pytest.raises((BadResponse, Exception)) as caught:
        await sf.find_people(q("(415) 555-0132"))
    assert type(caught.value).__name__ in ("Unavailable", "BadResponse")
    await sf.aclose()


async def test_check_names_user_permissions_and_budget(fake: SalesforceFake) -> None:
    fake.no_create.add("CaseComment")
    sf = connector(fake)
    result = await sf.check()
    assert result.ok
    assert "Integration User <integration@acme.example>" in result.summary
    assert "cannot create CaseComment" in result.summary
    assert "CaseComment: read" in result.permissions
    assert result.details[0].startswith("API budget: ")
    assert result.capabilities is not None
    assert not (result.capabilities & sf.capabilities.TICKET_NOTES)
    await sf.aclose()
