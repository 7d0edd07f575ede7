"""The Zendesk connector against a double that follows Zendesk's documented search semantics."""

from __future__ import annotations

import base64
import socket
from collections.abc import AsyncIterator

import httpx
import pytest

from cx_tui.connectors.base import (
    AuthError,
    BadResponse,
    Capability,
    ConnectorError,
    InvalidInput,
    RateLimited,
    Unavailable,
    Unsupported,
)
from cx_tui.connectors.registry import connector_class
from cx_tui.connectors.zendesk import ZendeskConnector, user_search_query
from cx_tui.identity import PhoneQuery, Query, QueryKind, parse_query
from cx_tui.models import (
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
    ZENDESK_AGENT,
    ZENDESK_TOKEN,
    Call,
    Resp,
    ZendeskFake,
    ago,
    zd_error,
)

NAME = "Acme Zendesk"
KEY = "3c1f7d2e-9b41-4f57-9a0c-0b7e4c2a5d2f"
SETTINGS = {
    "subdomain": "acme",
    "email": ZENDESK_AGENT,
    "default_region": "US",
    "plan_field": "plan",
}


@pytest.fixture
def fake() -> ZendeskFake:
    api = ZendeskFake()
    api.add_organization(61, "Acme Corp", plan="Pro", tags=("vip",))
    api.add_user(
        501,
        "Maria Gonzalez",
        "maria.gonzalez@example.com",
        "+1 (415) 555-0132",
        organization_id=61,
        extra_identities=(("email", "Maria@Home.example"), ("phone_number", "650.555.0188")),
        user_fields={"plan": "Professional"},
    )
    api.add_user(502, "Dot Format", "dot@example.com", "415.555.0132")
    api.add_user(503, "Someone Else", "else@example.com", "+1 415 555 0199")
    return api


@pytest.fixture
async def connector(fake: ZendeskFake) -> AsyncIterator[ZendeskConnector]:
    found = ZendeskConnector(NAME, SETTINGS, ZENDESK_TOKEN, transport=fake.transport())
    try:
        yield found
    finally:
        await found.aclose()


def q(text: str) -> Query:
    return parse_query(text, "US")


def search_queries(fake: ZendeskFake) -> list[str]:
    # Users are searched at /api/v2/users/search (identities side-loaded), tickets at /search.
    return [c.params["query"] for c in fake.calls_to("GET", r"/api/v2/(users/)?search$")]


# --- registration -----------------------------------------------------------------------------


def test_registered_as_a_plugin_without_person_notes() -> None:
    cls = connector_class("zendesk")
    assert cls is ZendeskConnector
    assert Capability.TICKET_NOTES in cls.capabilities
    assert Capability.PERSON_NOTES not in cls.capabilities
    assert {o.name for o in cls.all_options()} == {
        "base_url",
        "deadline",
        "subdomain",
        "email",
        "plan_field",
        "settle_seconds",
        "fields",
    }


def test_subdomain_or_base_url_is_required() -> None:
    with pytest.raises(ConnectorError) as caught:
        ZendeskConnector(NAME, {}, ZENDESK_TOKEN)
    assert "needs `subdomain`" in caught.value.message


async def test_api_token_auth_is_basic_email_slash_token(
    connector: ZendeskConnector, fake: ZendeskFake
) -> None:
    await connector.find_people(q("dot@example.com"))
    expected = base64.b64encode(f"{ZENDESK_AGENT}/token:{ZENDESK_TOKEN}".encode()).decode()
    assert fake.calls[0].headers["authorization"] == f"Basic {expected}"
    assert all(
        ZENDESK_TOKEN not in c.path and ZENDESK_TOKEN not in str(c.params) for c in fake.calls
    )


async def test_without_email_the_secret_is_an_oauth_bearer_token(fake: ZendeskFake) -> None:
    fake.email = None
    connector = ZendeskConnector(
        NAME, {"subdomain": "acme"}, ZENDESK_TOKEN, transport=fake.transport()
    )
    assert await connector.find_people(q("dot@example.com"))
    assert fake.calls[0].headers["authorization"] == f"Bearer {ZENDESK_TOKEN}"
    await connector.aclose()


# --- query safety -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("+1 415 555 0132", "type:user phone:*4155550132"),
        ("(020) 7946 0321", "type:user phone:*2079460321"),
        ("MARIA@Home.example", "type:user email:maria@home.example"),
        ("o'brien+vip@example.com", "type:user email:o'brien+vip@example.com"),
        ("María O'Brien-Díaz", 'type:user name:"María O\'Brien-Díaz"'),
    ],
)
def test_queries_are_built_from_validated_parts_only(text: str, query: str) -> None:
    region = "GB" if text.startswith("(020)") else "US"
    assert user_search_query(parse_query(text, region)) == query


def _phone(digits: str) -> PhoneQuery:
    good = q("+1 415 555 0132").phone
    assert good is not None
    fields = {f: getattr(good, f) for f in good.__slots__}
    return PhoneQuery(**{**fields, "national_digits": digits})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "query",
    [
        Query(QueryKind.EMAIL, "x", email='a@b.com" OR type:ticket'),
        Query(QueryKind.EMAIL, "x", email="a@b.com type:ticket"),
        Query(QueryKind.EMAIL, "x", email="a@b.com OR role:admin"),
        Query(QueryKind.EMAIL, "x", email="*@example.com"),
        Query(QueryKind.EMAIL, "x", email="a:b@example.com"),
        Query(QueryKind.EMAIL, "x", email="-a@example.com"),
        Query(QueryKind.EMAIL, "x", email="a" * 10_000 + "@example.com"),
        Query(QueryKind.NAME, "x", name='Maria" OR type:ticket "'),
        Query(QueryKind.NAME, "x", name="Maria OR type:ticket"),
        Query(QueryKind.NAME, "x", name="Maria*"),
        Query(QueryKind.NAME, "x", name="x" * 10_000),
        Query(QueryKind.PHONE, "x", phone=_phone("*")),
        Query(QueryKind.PHONE, "x", phone=_phone("4155550132 OR type:ticket")),
        Query(QueryKind.PHONE, "x", phone=_phone('4155550132"')),
        Query(QueryKind.PHONE, "x", phone=_phone("1" * 10_000)),
    ],
)
async def test_hostile_values_never_reach_the_search(
    connector: ZendeskConnector, fake: ZendeskFake, query: Query
) -> None:
    with pytest.raises(InvalidInput):
        await connector.find_people(query)
    assert fake.calls == []


def test_an_or_in_a_valid_name_stays_inside_the_phrase() -> None:
    # "Or" is a legitimate surname; inside the quoted phrase it is a word, not an operator.
    assert user_search_query(q("Maria Or")) == 'type:user name:"Maria Or"'


# --- matching -----------------------------------------------------------------------------------


async def test_numbers_in_any_stored_format_are_found_and_confirmed(
    connector: ZendeskConnector, fake: ZendeskFake
) -> None:
    matches = await connector.find_people(q("415-555-0132"))
    assert search_queries(fake) == ["type:user phone:*4155550132"]
    assert {m.person.ref.record_id: (m.reason, m.confidence, m.detail) for m in matches} == {
        "501": (MatchReason.EXACT_E164, 1.0, "stored as '+1 (415) 555-0132'"),
        "502": (MatchReason.EXACT_E164, 1.0, "stored as '415.555.0132'"),
    }
    maria = next(m.person for m in matches if m.person.ref.record_id == "501")
    assert maria.ref.url == "https://acme.zendesk.com/agent/users/501"


async def test_a_number_on_a_secondary_identity_is_found(connector: ZendeskConnector) -> None:
    [match] = await connector.find_people(q("(650) 555-0188"))
    assert match.person.name == "Maria Gonzalez" and match.reason is MatchReason.EXACT_E164


async def test_users_the_search_returns_wrongly_are_dropped(
    connector: ZendeskConnector, fake: ZendeskFake
) -> None:
    other = {**fake.users[503], "result_type": "user"}
    fake.override(
        "GET",
        r"/api/v2/users/search$",
        Resp(200, {"users": [other], "count": 1, "next_page": None}),
    )
    assert await connector.find_people(q("+1 415 555 0132")) == []


async def test_a_shared_number_is_marked_and_weaker(
    connector: ZendeskConnector, fake: ZendeskFake
) -> None:
    fake.add_user(601, "Priya Raman", "priya@harbor.example", "+1 212 555 0100", shared=True)
    fake.add_user(602, "Tom Becker", "tom@harbor.example", "(212) 555-0100", shared=True)
    matches = await connector.find_people(q("+1 212 555 0100"))
    assert {m.person.name: m.confidence for m in matches} == {"Priya Raman": 0.7, "Tom Becker": 0.7}
    for match in matches:
        [phone] = [p for p in match.person.contact_points if p.kind is ContactKind.PHONE]
        assert phone.shared and phone.value == "+12125550100"
        assert "a shared line" in match.detail


async def test_secondary_email_identity(connector: ZendeskConnector) -> None:
    [match] = await connector.find_people(q("maria@home.example"))
    assert (match.reason, match.confidence) == (MatchReason.SECONDARY_EMAIL, 0.9)
    assert match.detail == "stored as 'Maria@Home.example' (a secondary identity)"
    emails = {
        (p.value, p.label) for p in match.person.contact_points if p.kind is ContactKind.EMAIL
    }
    assert emails == {
        ("maria.gonzalez@example.com", "primary"),
        ("maria@home.example", "secondary"),
    }


async def test_person_fields(connector: ZendeskConnector) -> None:
    [match] = await connector.find_people(q("maria.gonzalez@example.com"))
    person = match.person
    assert (person.timezone, person.language, person.plan) == (
        "America/Los_Angeles",
        "en-US",
        "Professional",
    )
    assert match.reason is MatchReason.PRIMARY_EMAIL and match.confidence == 1.0


async def test_search_pages_stay_on_the_configured_host(
    connector: ZendeskConnector, fake: ZendeskFake
) -> None:
    user = {**fake.users[502], "result_type": "user"}
    first = Resp(
        200,
        {
            "users": [user],
            "count": 2,
            "next_page": "https://evil.example/api/v2/users/search.json?page=2&query=type%3Auser",
            "previous_page": None,
            "facets": None,
        },
    )
    second = Resp(
        200,
        {"users": [{**fake.users[501], "result_type": "user"}], "count": 2, "next_page": None},
    )
    fake.override("GET", r"/api/v2/users/search$", first, second)
    matches = await connector.find_people(q("+1 415 555 0132"))
    assert {m.person.ref.record_id for m in matches} == {"501", "502"}
    pages = fake.calls_to("GET", r"/api/v2/users/search$")
    assert [c.params.get("page") for c in pages] == [None, "2"]
    assert all(c.params["query"] == "type:user phone:*4155550132" for c in pages)


# --- details ------------------------------------------------------------------------------------


@pytest.fixture
def with_tickets(fake: ZendeskFake) -> ZendeskFake:
    fake.add_ticket(
        3001,
        501,
        "Router keeps dropping",
        "open",
        priority="high",
        tags=("router", "vip"),
        channel="voice",
        updated=ago(hours=1),
    )
    fake.add_comment(3001, 501, "My router drops every hour", created=ago(days=3))
    fake.add_comment(
        3001, 9001, "Tried: power cycle; firmware update", public=False, created=ago(days=2)
    )
    fake.add_comment(
        3001, 9001, f"Escalated to tier 2\n\ncx-tui:{KEY}", public=False, created=ago(hours=20)
    )
    fake.add_comment(3001, 9001, "We are looking into it", created=ago(hours=10))
    fake.add_ticket(
        3002, 501, "Invoice copy", "pending", priority=None, channel="web", updated=ago(hours=5)
    )
    fake.add_ticket(3003, 501, "Password reset", "solved", priority="low", updated=ago(days=20))
    fake.add_ticket(3004, 501, "Old question", "closed", priority="normal", updated=ago(days=200))
    fake.add_ticket(3005, 502, "Someone else's ticket", "open")
    return fake


async def test_details_hold_the_organization_tickets_and_comments(
    connector: ZendeskConnector, with_tickets: ZendeskFake
) -> None:
    [match] = await connector.find_people(q("maria.gonzalez@example.com"))
    details = await connector.get_details(match)
    [company] = details.companies
    assert (company.name, company.plan, company.vip, company.domain) == (
        "Acme Corp",
        "Pro",
        True,
        "acmecorp.example",
    )
    assert company.ref.url == "https://acme.zendesk.com/agent/organizations/61"
    assert [(t.ref.record_id, t.status, t.priority) for t in details.tickets] == [
        ("3001", TicketStatus.OPEN, Priority.HIGH),
        ("3002", TicketStatus.PENDING, None),
        ("3003", TicketStatus.SOLVED, Priority.LOW),
        ("3004", TicketStatus.CLOSED, Priority.NORMAL),
    ]
    router = details.tickets[0]
    assert (
        router.tags == ("router", "vip")
        and router.ref.url == "https://acme.zendesk.com/agent/tickets/3001"
    )
    assert [(c.public, c.body, c.author) for c in router.comments] == [
        (True, "My router drops every hour", "Maria Gonzalez"),
        (False, "Tried: power cycle; firmware update", "Ana Agent"),
        (False, "Escalated to tier 2", "Ana Agent"),
        (True, "We are looking into it", "Ana Agent"),
    ]
    # An email lookup searches the requester's tickets by that email beside the user search
    # (Zendesk's `requester:<email>`, issue 16), so the details search no more.
    assert sorted(search_queries(with_tickets)) == [
        "type:ticket requester:maria.gonzalez@example.com status<solved",
        "type:ticket requester:maria.gonzalez@example.com status>hold",
        "type:user email:maria.gonzalez@example.com",
    ]


async def test_a_phone_lookup_searches_the_tickets_by_requester_id(
    connector: ZendeskConnector, with_tickets: ZendeskFake
) -> None:
    [match] = await connector.find_people(q("+1 650 555 0188"))
    details = await connector.get_details(match)
    assert [t.ref.record_id for t in details.tickets] == ["3001", "3002", "3003", "3004"]
    assert search_queries(with_tickets)[-2:] == [
        "type:ticket requester:501 status<solved",
        "type:ticket requester:501 status>hold",
    ]


async def test_a_secondary_email_whose_tickets_search_found_none_asks_by_id(
    connector: ZendeskConnector, with_tickets: ZendeskFake
) -> None:
    # The double resolves `requester:<email>` by primary email only (whether Zendesk resolves
    # a secondary identity's is not documented): the empty answer is not taken as "no
    # tickets", the details search by the user's id.
    [match] = await connector.find_people(q("maria@home.example"))
    details = await connector.get_details(match)
    assert [t.ref.record_id for t in details.tickets] == ["3001", "3002", "3003", "3004"]
    assert "type:ticket requester:maria@home.example status<solved" in search_queries(with_tickets)
    assert search_queries(with_tickets)[-2:] == [
        "type:ticket requester:501 status<solved",
        "type:ticket requester:501 status>hold",
    ]


async def test_a_failed_tickets_search_by_email_is_asked_again_by_id(
    connector: ZendeskConnector, with_tickets: ZendeskFake
) -> None:
    handle = with_tickets.handle

    def by_email_fails(call: Call) -> Resp:
        if call.path == "/api/v2/search" and "@" in call.params.get("query", ""):
            return Resp(500, zd_error("boom"))
        return handle(call)

    with_tickets.handle = by_email_fails  # type: ignore[method-assign]
    [match] = await connector.find_people(q("maria.gonzalez@example.com"))
    details = await connector.get_details(match)
    assert [t.ref.record_id for t in details.tickets] == ["3001", "3002", "3003", "3004"]
    assert not details.failed_parts
    assert search_queries(with_tickets)[-2:] == [
        "type:ticket requester:501 status<solved",
        "type:ticket requester:501 status>hold",
    ]


async def test_the_timeline_holds_ticket_creation_and_public_replies(
    connector: ZendeskConnector, with_tickets: ZendeskFake
) -> None:
    [match] = await connector.find_people(q("maria.gonzalez@example.com"))
    details = await connector.get_details(match)
    router = [i for i in details.interactions if i.ticket_id == "3001"]
    assert [(i.ref.record_id.split("-")[0], i.channel, i.direction, i.summary) for i in router] == [
        ("comment", Channel.CALL, Direction.OUTBOUND, "We are looking into it"),
        ("ticket", Channel.CALL, Direction.INBOUND, "Opened: Router keeps dropping"),
    ]
    invoice = [i for i in details.interactions if i.ticket_id == "3002"]
    assert [i.channel for i in invoice] == [Channel.WEB]


async def test_a_status_zendesk_does_not_document_is_a_bad_response(
    connector: ZendeskConnector, with_tickets: ZendeskFake
) -> None:
    with_tickets.tickets[3002]["status"] = "archived"
    [match] = await connector.find_people(q("maria.gonzalez@example.com"))
    with pytest.raises(BadResponse):
        await connector.get_details(match)


# --- writes -------------------------------------------------------------------------------------


def ticket_target(ticket: str = "3001") -> NoteTarget:
    return NoteTarget(TargetKind.TICKET, SourceRef(NAME, ticket))


async def test_an_internal_note_is_a_private_comment_with_its_marker(
    connector: ZendeskConnector, with_tickets: ZendeskFake
) -> None:
    key = "9a0c3c1f-7d2e-4b41-8f57-0b7e4c2a5d2f"
    receipt = await connector.add_note(ticket_target(), "Called back; router replaced", key)
    [put] = with_tickets.calls_to("PUT", r"/api/v2/tickets/3001$")
    assert put.json == {
        "ticket": {
            "comment": {"body": f"Called back; router replaced\n\ncx-tui:{key}", "public": False}
        }
    }
    assert receipt.ref.record_id.startswith("comment-") and not receipt.duplicate
    assert receipt.ref.url == "https://acme.zendesk.com/agent/tickets/3001"


async def test_a_note_already_on_the_ticket_is_not_written_again(
    connector: ZendeskConnector, with_tickets: ZendeskFake
) -> None:
    receipt = await connector.add_note(ticket_target(), "Escalated to tier 2", KEY)
    assert receipt.duplicate
    assert with_tickets.calls_to("PUT", r"/api/v2/tickets/") == []


async def test_a_note_on_a_person_is_refused_with_what_to_do(
    connector: ZendeskConnector, fake: ZendeskFake
) -> None:
    with pytest.raises(Unsupported) as caught:
        await connector.add_note(
            NoteTarget(TargetKind.PERSON, SourceRef(NAME, "501")), "hello", KEY
        )
    assert "Zendesk keeps no notes on people" in caught.value.message
    assert fake.calls == []


async def test_a_note_is_not_sent_twice_after_a_server_error(
    connector: ZendeskConnector, with_tickets: ZendeskFake, waits: list[float]
) -> None:
    with_tickets.override(
        "PUT", r"/api/v2/tickets/3001$", Resp(503, zd_error("unavailable", "Try again"))
    )
    with pytest.raises(Unavailable):
        await connector.add_note(ticket_target(), "Called back", "key-1")
    assert len(with_tickets.calls_to("PUT", r"/api/v2/tickets/3001$")) == 1


async def test_create_ticket_posts_the_documented_body(
    connector: ZendeskConnector, fake: ZendeskFake
) -> None:
    ticket = await connector.create_ticket(
        SourceRef(NAME, "501"),
        "  Printer   on fire ",
        "Smoke from the tray",
        priority=Priority.URGENT,
        idempotency_key=KEY,
    )
    [post] = fake.calls_to("POST", r"/api/v2/tickets$")
    assert post.json == {
        "ticket": {
            "subject": "Printer on fire",
            "comment": {"body": "Smoke from the tray", "public": False},
            "requester_id": 501,
            "priority": "urgent",
            "external_id": f"cx-tui:{KEY}",
        }
    }
    assert post.headers["idempotency-key"] == KEY
    assert (ticket.subject, ticket.status, ticket.priority) == (
        "Printer on fire",
        TicketStatus.NEW,
        Priority.URGENT,
    )
    again = await connector.create_ticket(
        SourceRef(NAME, "501"), "Printer on fire", "Smoke", idempotency_key=KEY
    )
    assert again.ref.record_id == ticket.ref.record_id
    assert len(fake.calls_to("POST", r"/api/v2/tickets$")) == 1


async def test_create_ticket_refuses_another_sources_person(
    connector: ZendeskConnector, fake: ZendeskFake
) -> None:
    with pytest.raises(InvalidInput):
        await connector.create_ticket(SourceRef("Acme HubSpot", "101"), "Subject", "Body")
    assert fake.calls == []


async def test_create_person_reports_a_duplicate_email_as_refused(
    connector: ZendeskConnector, fake: ZendeskFake
) -> None:
    with pytest.raises(BadResponse) as caught:
        await connector.create_person(
            "Maria", [ContactPoint(ContactKind.EMAIL, "maria.gonzalez@example.com")]
        )
    assert caught.value.status == 422
    person = await connector.create_person(
        "New Caller", [ContactPoint(ContactKind.PHONE, "+14155550177")]
    )
    assert person.name == "New Caller" and person.ref.record_id.isdigit()


# --- failures -----------------------------------------------------------------------------------


async def test_a_wrong_token_says_what_to_check_and_run(fake: ZendeskFake) -> None:
    connector = ZendeskConnector(NAME, SETTINGS, "wrong-token-1234", transport=fake.transport())
    with pytest.raises(AuthError) as caught:
        await connector.find_people(q("dot@example.com"))
    assert caught.value.message == (
        "Zendesk rejected the token (401): check that `email` (ana.agent@acme.example) is the "
        'agent the API token belongs to, and run `cx-tui secret set "Acme Zendesk"` with a valid '
        "API token (Zendesk said: Couldn't authenticate you)"
    )


async def test_the_basic_credential_zendesk_echoes_is_redacted(fake: ZendeskFake) -> None:
    # What goes in the header is base64("email/token:TOKEN"), not base64(TOKEN): a vendor or a
    # proxy quoting the header back must not put it on the agent's screen.
    sent = base64.b64encode(f"{ZENDESK_AGENT}/token:{ZENDESK_TOKEN}".encode()).decode()
    fake.override(
        "GET",
        r"/api/v2/users/search$",
        Resp(401, zd_error("Couldn't authenticate you", f"Basic {sent} is not valid")),
    )
    connector = ZendeskConnector(NAME, SETTINGS, ZENDESK_TOKEN, transport=fake.transport())
    with pytest.raises(AuthError) as caught:
        await connector.find_people(q("dot@example.com"))
    await connector.aclose()
    assert sent not in caught.value.message and sent[:24] not in caught.value.message
    assert "Basic *** is not valid" in caught.value.message


@pytest.mark.parametrize(
    ("base_url", "host"),
    [("http://bob:hunter22@127.0.0.1:9", "127.0.0.1:9"), ("https://x@[::1]:8443/z", "[::1]:8443")],
)
async def test_credentials_in_base_url_never_reach_a_message(base_url: str, host: str) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    connector = ZendeskConnector(
        NAME,
        {"base_url": base_url, "email": ZENDESK_AGENT},
        ZENDESK_TOKEN,
        transport=httpx.MockTransport(refuse),
    )
    assert connector.vendor.host == host
    with pytest.raises(Unavailable) as caught:
        await connector.find_people(q("dot@example.com"))
    await connector.aclose()
    assert host in caught.value.message
    assert "hunter22" not in caught.value.message and "@" not in caught.value.message


async def test_a_subdomain_typo_says_cannot_reach() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        error = httpx.ConnectError("[Errno -2] Name or service not known", request=request)
        error.__cause__ = socket.gaierror(-2, "Name or service not known")
        raise error

    connector = ZendeskConnector(
        NAME, {"subdomain": "acme"}, ZENDESK_TOKEN, transport=httpx.MockTransport(refuse)
    )
    with pytest.raises(Unavailable) as caught:
        await connector.find_people(q("dot@example.com"))
    assert caught.value.message == "cannot reach acme.zendesk.com: check `subdomain`"


async def test_a_host_without_a_zendesk_account(
    connector: ZendeskConnector, fake: ZendeskFake
) -> None:
    fake.override(
        "GET",
        r"/api/v2/users/search$",
        Resp(404, raw=b"<html>Oops! This help center no longer exists</html>"),
    )
    with pytest.raises(Unavailable) as caught:
        await connector.find_people(q("dot@example.com"))
    assert (
        caught.value.message == "no Zendesk account answers at acme.zendesk.com: check `subdomain`"
    )


async def test_429_waits_out_a_short_retry_after_then_succeeds(
    connector: ZendeskConnector, fake: ZendeskFake, waits: list[float]
) -> None:
    ok = Resp(
        200,
        {"users": [{**fake.users[502], "result_type": "user"}], "count": 1, "next_page": None},
    )
    fake.override(
        "GET",
        r"/api/v2/users/search$",
        Resp(429, raw=b"Too Many Requests", headers={"Retry-After": "2"}),
        ok,
    )
    [match] = await connector.find_people(q("dot@example.com"))
    assert match.person.name == "Dot Format"
    assert len(fake.calls_to("GET", r"/api/v2/users/search$")) == 2 and any(
        1.9 <= w <= 2.0 for w in waits
    )


async def test_a_long_retry_after_is_reported_not_waited(
    connector: ZendeskConnector, fake: ZendeskFake
) -> None:
    fake.override(
        "GET",
        r"/api/v2/users/search$",
        Resp(429, raw=b"Too Many Requests", headers={"Retry-After": "45"}),
    )
    with pytest.raises(RateLimited) as caught:
        await connector.find_people(q("dot@example.com"))
    assert caught.value.retry_after == 45.0


async def test_rate_limit_headers_adjust_the_account_limiter(
    connector: ZendeskConnector, fake: ZendeskFake
) -> None:
    ok = Resp(
        200,
        {"users": [], "count": 0, "next_page": None},
        {"X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "650"},
    )
    fake.override("GET", r"/api/v2/users/search$", ok)
    await connector.find_people(q("dot@example.com"))
    assert connector._limiter.limit == 700


# --- check --------------------------------------------------------------------------------------


async def test_check_names_the_agent_and_role(connector: ZendeskConnector) -> None:
    result = await connector.check()
    assert result.ok
    assert (
        result.summary
        == "authenticated as Ana Agent <ana.agent@acme.example> (agent) on acme.zendesk.com"
    )
    assert result.permissions == ("agent",)


async def test_check_refuses_an_end_user_token(
    connector: ZendeskConnector, fake: ZendeskFake
) -> None:
    fake.me = {"id": 77, "name": "Maria Gonzalez", "email": "maria@example.com", "role": "end-user"}
    result = await connector.check()
    assert not result.ok and "cx-tui needs an agent or admin token" in result.summary
