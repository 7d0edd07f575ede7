"""The Freshdesk connector against its double (tests/connectors/freshdesk_fake.py)."""

from __future__ import annotations

from typing import Any

import pytest

from cx_tui.connectors.base import AuthError, InvalidInput, RateLimited, Unavailable, Unsupported
from cx_tui.connectors.freshdesk import CONNECTOR, FreshdeskConnector
from cx_tui.identity import parse_query
from cx_tui.models import MatchReason, NoteTarget, SourceRef, TargetKind, TicketStatus
from tests.connectors.freshdesk_fake import FRESHDESK_KEY, FreshdeskFake, seeded
from tests.connectors.vendor_fakes import Resp, ago

pytestmark = pytest.mark.asyncio


def make(api: FreshdeskFake, **settings: Any) -> FreshdeskConnector:
    conf = {"domain": "acme", "default_region": "US", **settings}
    return CONNECTOR("Support desk", conf, FRESHDESK_KEY, transport=api.transport())


@pytest.fixture
def api() -> FreshdeskFake:
    fake = seeded()
    fake.add_contact(3, "Other Person", "other@example.com", phone="+1 212 555 0100")
    fake.add_ticket(
        10, 1, "Router drops", 2, priority=3, due_by=ago(hours=-8), fr_due_by=ago(hours=-1)
    )
    fake.add_ticket(11, 1, "Old invoice", 5, updated=ago(days=40))
    fake.add_ticket(12, 1, "Waiting on carrier", 6, priority=2)
    fake.add_conversation(10, "My router drops", incoming=True, created=ago(days=2))
    fake.add_conversation(10, "Tried: power cycle", private=True, created=ago(days=1))
    return fake


async def test_phone_forms_find_phone_and_mobile_holders(api: FreshdeskFake) -> None:
    fd = make(api)
    matches = await fd.find_people(parse_query("+14155550132", "US"))
    assert {m.person.ref.record_id for m in matches} == {"1", "2"}  # a shared number
    asked = {
        (c.params.get("phone"), c.params.get("mobile"))
        for c in api.calls_to("GET", r"^/api/v2/contacts$")
    }
    assert ("+14155550132", None) in asked and (None, "+14155550132") in asked
    assert ("(415) 555-0132", None) in asked
    search = api.calls_to("GET", r"/search/contacts")[0].params["query"]
    assert search.startswith('"') and "mobile:'+1 415-555-0132'" in search
    assert len(search) <= 514
    maria = next(m for m in matches if m.person.ref.record_id == "1")
    assert maria.person.ref.url == "https://acme.freshdesk.com/a/contacts/1"
    assert "mg@home.example" in maria.person.emails()  # other_emails from the contact view


async def test_secondary_email_is_confirmed_from_the_contact_view(api: FreshdeskFake) -> None:
    matches = await make(api).find_people(parse_query("MG@home.example"))
    assert [m.person.ref.record_id for m in matches] == ["1"]
    assert matches[0].reason is MatchReason.SECONDARY_EMAIL
    assert api.calls_to("GET", r"^/api/v2/contacts$")[0].params == {"email": "mg@home.example"}


async def test_hostile_values_never_reach_the_query_language(api: FreshdeskFake) -> None:
    from cx_tui.connectors.freshdesk import search

    with pytest.raises(InvalidInput):
        search.filter_value("x' OR active:true OR email:'y")
    with pytest.raises(InvalidInput):
        search.filter_value("a\\b")
    with pytest.raises(Unsupported):
        await make(api).find_people(parse_query("Maria Gonzalez"))
    assert api.calls == []


async def test_details_open_first_sla_and_private_notes(api: FreshdeskFake) -> None:
    fd = make(api)
    match = (await fd.find_people(parse_query("maria@example.com")))[0]
    details = await fd.get_details(match)
    assert [t.ref.record_id for t in details.tickets][-1] == "11"
    statuses = {t.ref.record_id: t.status for t in details.tickets}
    assert statuses == {"10": TicketStatus.OPEN, "12": TicketStatus.HOLD, "11": TicketStatus.CLOSED}
    router = next(t for t in details.tickets if t.ref.record_id == "10")
    assert router.sla_due is not None and router.priority is not None
    assert router.ref.url == "https://acme.freshdesk.com/a/tickets/10"
    assert [c.public for c in router.comments] == [True, False]
    assert details.companies[0].plan == "Enterprise"
    # An email lookup lists the requester's tickets by email beside the contact filter (one
    # round trip fewer); no embed is paid for.
    listed = api.calls_to("GET", r"^/api/v2/tickets$")[0].params
    assert listed["email"] == "maria@example.com" and "include" not in listed
    assert all(t.ref.record_id in {"10", "11", "12"} for t in details.tickets)


async def test_conversations_follow_link_pages(api: FreshdeskFake) -> None:
    for i in range(150):
        api.add_conversation(10, f"reply {i}", created=ago(hours=1, minutes=-i))
    fd = make(api)
    convs = await fd.conversations(10)
    assert len(convs) == 152
    assert [c.params.get("page") for c in api.calls_to("GET", "/conversations")] == ["1", "2"]


async def test_note_is_private_and_written_once(api: FreshdeskFake) -> None:
    fd = make(api)
    target = NoteTarget(TargetKind.TICKET, SourceRef("Support desk", "10"))
    first = await fd.add_note(target, "Called back, reset the modem", "key-1")
    again = await fd.add_note(target, "Called back, reset the modem", "key-1")
    posts = api.calls_to("POST", "/notes")
    assert len(posts) == 1 and posts[0].json["private"] is True
    assert posts[0].json["body"].endswith("cx-tui:key-1")
    assert not first.duplicate and again.duplicate
    with pytest.raises(Unsupported):
        await fd.add_note(NoteTarget(TargetKind.PERSON, SourceRef("Support desk", "1")), "x", "k")


async def test_new_ticket_once_per_key(api: FreshdeskFake) -> None:
    fd = make(api)
    target = NoteTarget(TargetKind.NEW_TICKET, SourceRef("Support desk", "1"))
    first = await fd.add_note(target, "Line down since Monday\nDetails", "key-9")
    again = await fd.add_note(target, "Line down since Monday\nDetails", "key-9")
    posts = api.calls_to("POST", r"^/api/v2/tickets$")
    assert len(posts) == 1 and again.duplicate and not first.duplicate
    body = posts[0].json
    assert body["requester_id"] == 1 and body["subject"] == "Line down since Monday"
    assert body["status"] == 2 and body["source"] == 3 and "cx-tui:key-9" in body["description"]


@pytest.mark.parametrize(
    ("resp", "error"),
    [
        (
            Resp(401, {"code": "invalid_credentials", "message": "You have to be logged in"}),
            AuthError,
        ),
        (Resp(403, {"code": "access_denied", "message": "not authorized"}), AuthError),
        (Resp(429, {"message": "exceeded"}, headers={"Retry-After": "3600"}), RateLimited),
        (Resp(503, raw=b"<html>down</html>"), Unavailable),
    ],
)
async def test_errors(api: FreshdeskFake, resp: Resp, error: type[Exception]) -> None:
    api.override("GET", r"/api/v2/contacts", resp)
    with pytest.raises(error):
        await make(api).find_people(parse_query("maria@example.com"))


async def test_bad_key_and_check(api: FreshdeskFake) -> None:
    bad = CONNECTOR("Support desk", {"domain": "acme"}, "wrong", transport=api.transport())
    assert not (await bad.check()).ok
    result = await make(api).check()
    assert result.ok and "Ana Agent" in result.summary
    assert any("rate budget" in d for d in result.details)
