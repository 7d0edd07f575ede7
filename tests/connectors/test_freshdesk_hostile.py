"""Hostile input never changes the meaning of what cx-tui asks Freshdesk.

Each vector goes the way an agent's input goes (`parse_query`, then `find_people`) and, where
it could, straight into a `Query` that skipped validation. Either it is refused before any
request, or every request the double received carries only values derived from the checked
number or address: the exact filters hold written forms of the number, the filter-language
query parses to `phone:'form' OR mobile:'form'` terms and nothing else, and an email travels
only as a URL parameter equal to the normalised address.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from cx_tui.connectors.base import InvalidInput, NotFound, Unsupported
from cx_tui.connectors.freshdesk import CONNECTOR, FreshdeskConnector
from cx_tui.connectors.freshdesk.search import written_forms
from cx_tui.identity import PhoneQuery, Query, QueryError, QueryKind, normalize_email, parse_query
from cx_tui.models import NoteTarget, SourceRef, TargetKind
from tests.connectors.freshdesk_fake import FRESHDESK_KEY, FreshdeskFake
from tests.connectors.hostile import PHONE_AND_EMAIL as VECTORS

pytestmark = pytest.mark.asyncio

NUMBER = "+1 415 555 0132"

FILTER_TERM = re.compile(r"(phone|mobile):'([^']*)'")


def make(api: FreshdeskFake) -> FreshdeskConnector:
    return CONNECTOR(
        "Support desk",
        {"domain": "acme", "default_region": "US"},
        FRESHDESK_KEY,
        transport=api.transport(),
    )


@pytest.fixture
def api() -> FreshdeskFake:
    fake = FreshdeskFake()
    fake.add_contact(1, "Maria Gonzalez", "maria@example.com", phone="(415) 555-0132")
    fake.add_contact(2, "Bob Stone", "bob@example.com", mobile="+1 415-555-0132")
    fake.add_contact(3, "Eve", "eve@example.com", phone="+1 212 555 0100", company_id=5)
    return fake


def assert_meaning_kept(api: FreshdeskFake, query: Query) -> None:
    """Every request asked only for the checked value, as the query meant it."""
    if query.phone is not None:
        forms = set(written_forms(query.phone))
        for call in api.calls:
            if call.path == "/api/v2/contacts":
                ((key, value),) = call.params.items()
                assert key in ("phone", "mobile") and value in forms, call.params
            elif call.path == "/api/v2/search/contacts":
                inner = call.params["query"]
                assert inner.startswith('"') and inner.endswith('"')
                terms = inner[1:-1].split(" OR ")
                for term in terms:
                    found = FILTER_TERM.fullmatch(term)
                    assert found and found.group(2) in forms, term
            else:
                assert re.fullmatch(
                    r"/api/v2/(contacts|companies|tickets)/\d+(/conversations)?"
                    r"|/api/v2/tickets",
                    call.path,
                ), call.path
                assert set(call.params) <= {
                    "requester_id",
                    "order_by",
                    "order_type",
                    "page",
                    "per_page",
                }
    elif query.email is not None:
        for call in api.calls:
            if "email" in call.params:
                assert call.params["email"] == query.email
                assert call.path in ("/api/v2/contacts", "/api/v2/tickets")
            assert "query" not in call.params  # an email never enters the filter language


@pytest.mark.parametrize("text", VECTORS, ids=range(len(VECTORS)))
async def test_typed_input_is_refused_or_asked_as_meant(api: FreshdeskFake, text: str) -> None:
    try:
        query = parse_query(text, "US")
    except QueryError:
        assert api.calls == []
        return
    try:
        matches = await make(api).find_people(query)
    except (InvalidInput, Unsupported):
        assert api.calls == []
        return
    assert_meaning_kept(api, query)
    # Nobody is found through a trick: only the real holders of the number or address.
    for match in matches:
        assert match.person.ref.record_id in {"1", "2"}
        assert "Eve" != match.person.name


@pytest.mark.parametrize("text", VECTORS, ids=range(len(VECTORS)))
async def test_unvalidated_email_query_is_refused_before_any_request(
    api: FreshdeskFake, text: str
) -> None:
    query = Query(QueryKind.EMAIL, text[:200], email=text)
    try:
        legitimate = normalize_email(text) == text
    except QueryError:
        legitimate = False
    if legitimate:  # an apostrophe or a + is a real address: asked as a URL parameter only
        await make(api).find_people(query)
        assert api.calls and all("query" not in c.params for c in api.calls)
        assert_meaning_kept(api, query)
        return
    with pytest.raises(InvalidInput):
        await make(api).find_people(query)
    assert api.calls == []


def forged_phone(value: str, **parts: Any) -> PhoneQuery:
    base = parse_query(NUMBER, "US").phone
    assert base is not None
    fields = {
        "e164": base.e164,
        "extension": base.extension,
        "country_code": base.country_code,
        "region": base.region,
        "national_digits": base.national_digits,
        "national_formatted": base.national_formatted,
        "international_formatted": base.international_formatted,
    }
    fields.update({k: value for k in parts})
    return PhoneQuery(**fields)


@pytest.mark.parametrize("text", VECTORS[:30], ids=range(30))
@pytest.mark.parametrize(
    "part", ["e164", "national_digits", "national_formatted", "international_formatted"]
)
async def test_forged_phone_parts_are_refused_before_any_request(
    api: FreshdeskFake, text: str, part: str
) -> None:
    query = Query(QueryKind.PHONE, NUMBER, phone=forged_phone(text, **{part: True}))
    with pytest.raises(InvalidInput):
        await make(api).find_people(query)
    assert api.calls == []


@pytest.mark.parametrize(
    "record", ["10/../../contacts", "10?x=1", "-1", "\uff11\uff10", "10 ", "", "0x0a", "10\x00"]
)
async def test_hostile_record_ids_send_nothing(api: FreshdeskFake, record: str) -> None:
    fd = make(api)
    with pytest.raises(NotFound):
        await fd.add_note(
            NoteTarget(TargetKind.TICKET, SourceRef("Support desk", record)), "note", "key-1"
        )
    assert api.calls == []


@pytest.mark.parametrize(
    "key", ["k' OR '", "k\nx", "k<br>", "k" * 101, "", "k\x00", "\u043a\u043b\u044e\u0447"]
)
async def test_hostile_idempotency_keys_send_nothing(api: FreshdeskFake, key: str) -> None:
    api.add_ticket(10, 1, "Router drops")
    with pytest.raises(InvalidInput):
        await make(api).add_note(
            NoteTarget(TargetKind.TICKET, SourceRef("Support desk", "10")), "note", key
        )
    assert api.calls == []
