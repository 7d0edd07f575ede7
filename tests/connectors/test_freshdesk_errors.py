"""Freshdesk's failures as the agent and admin see them, and the exact bodies cx-tui writes."""

from __future__ import annotations

import json

import pytest

from cx_tui.connectors.base import (
    AuthError,
    BadResponse,
    ConnectorError,
    InvalidInput,
    RateLimited,
    Unavailable,
    Unsupported,
)
from cx_tui.connectors.freshdesk import CONNECTOR, FreshdeskConnector
from cx_tui.connectors.freshdesk.hooks import HOOKS
from cx_tui.connectors.kit import basic_value
from cx_tui.identity import parse_query
from cx_tui.models import ContactKind, ContactPoint, NoteTarget, SourceRef, TargetKind
from tests.connectors.freshdesk_fake import (
    FRESHDESK_KEY,
    FreshdeskFake,
    fd_request_error,
    fd_validation,
)
from tests.connectors.vendor_fakes import Resp

pytestmark = pytest.mark.asyncio

NAME = "Support desk"
SECRETS = (FRESHDESK_KEY, basic_value(FRESHDESK_KEY, "X"))


def make(api: FreshdeskFake) -> FreshdeskConnector:
    return CONNECTOR(
        NAME, {"domain": "acme", "default_region": "US"}, FRESHDESK_KEY, transport=api.transport()
    )


@pytest.fixture
def api() -> FreshdeskFake:
    fake = FreshdeskFake()
    fake.add_contact(1, "Maria Gonzalez", "maria@example.com", phone="(415) 555-0132")
    fake.add_ticket(10, 1, "Router drops")
    return fake


def no_secret(error: ConnectorError) -> None:
    for secret in SECRETS:
        assert secret not in error.message and secret not in repr(error)


# --- error bodies -------------------------------------------------------------------------


async def test_validation_errors_name_the_field_and_message() -> None:
    body = fd_validation(
        ("email", "It should be in the 'valid email' format", "invalid_value"),
        ("priority", "It should be one of these values: '1,2,3,4'", "invalid_value"),
    )
    assert HOOKS.error_detail(body) == (
        "Validation failed: email: It should be in the 'valid email' format (invalid_value); "
        "priority: It should be one of these values: '1,2,3,4' (invalid_value)"
    )
    assert HOOKS.error_detail(fd_request_error("access_denied", "Not allowed")) == (
        "Not allowed (access_denied)"
    )
    assert HOOKS.error_detail({"message": "You have exceeded the limit"}) == (
        "You have exceeded the limit"
    )
    assert HOOKS.error_detail(None) == "" and HOOKS.error_detail([1, 2]) == ""
    many = fd_validation(*[(f"f{i}", "bad", "invalid_value") for i in range(5)])
    assert HOOKS.error_detail(many).endswith("f2: bad (invalid_value); 2 more")


async def test_a_400_reaches_the_agent_with_field_and_message(api: FreshdeskFake) -> None:
    api.override(
        "POST",
        r"/notes$",
        Resp(400, fd_validation(("body", "It should be a/an String", "missing_field"))),
    )
    target = NoteTarget(TargetKind.TICKET, SourceRef(NAME, "10"))
    with pytest.raises(BadResponse) as caught:
        await make(api).add_note(target, "Reset the modem", "key-400")
    assert "body: It should be a/an String (missing_field)" in caught.value.message
    assert caught.value.status == 400
    assert len(api.calls_to("POST", "/notes")) == 1  # a 400 is final: not sent again


# --- status codes -------------------------------------------------------------------------


async def test_401_says_which_secret_to_set(api: FreshdeskFake) -> None:
    bad = CONNECTOR(NAME, {"domain": "acme"}, "wrong-key-123", transport=api.transport())
    with pytest.raises(AuthError) as caught:
        await bad.find_people(parse_query("maria@example.com"))
    message = caught.value.message
    assert "rejected the token (401)" in message and "cx-tui secret set" in message
    assert "You have to be logged in" in message and "invalid_credentials" in message
    assert "wrong-key-123" not in message


async def test_403_says_what_role_is_needed(api: FreshdeskFake) -> None:
    api.denied.add("contacts")
    with pytest.raises(AuthError) as caught:
        await make(api).find_people(parse_query("maria@example.com"))
    assert "refused this request (403)" in caught.value.message
    assert "access_denied" in caught.value.message and "role" in caught.value.message
    no_secret(caught.value)


async def test_404_of_a_candidate_drops_it_and_of_a_ticket_is_not_found(
    api: FreshdeskFake,
) -> None:
    api.override("GET", r"^/api/v2/contacts/1$", Resp(404))
    assert await make(api).find_people(parse_query("maria@example.com")) == []
    api.clear_overrides()
    target = NoteTarget(TargetKind.TICKET, SourceRef(NAME, "999"))
    # The marker lookup reads no conversations of a missing ticket: the write says 404.
    with pytest.raises(ConnectorError) as caught:
        await make(api).add_note(target, "note", "key-404")
    assert caught.value.status == 404


async def test_429_retry_after_is_waited_out_by_the_whole_account(
    api: FreshdeskFake, waits: list[float]
) -> None:
    target = NoteTarget(TargetKind.TICKET, SourceRef(NAME, "10"))
    api.override(
        "POST",
        r"/notes$",
        Resp(429, {"message": "You have exceeded the limit"}, headers={"Retry-After": "7"}),
        Resp(201, {"id": 5, "created_at": "2026-11-22T15:00:00Z", "private": True}),
    )
    receipt = await make(api).add_note(target, "Reset the modem", "key-429")
    assert receipt.ref.record_id == "conversation-5"
    assert len(api.calls_to("POST", "/notes")) == 2 and 7.0 in waits


async def test_429_longer_than_an_agent_waits_is_reported(api: FreshdeskFake) -> None:
    api.used = api.limit  # the account's budget is spent: the double answers 429
    with pytest.raises(RateLimited) as caught:
        await make(api).find_people(parse_query("maria@example.com"))
    assert caught.value.retry_after == 37.0
    assert "try again in 37 s" in caught.value.message


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_is_retried_once_then_unavailable(api: FreshdeskFake, status: int) -> None:
    api.override("GET", r"^/api/v2/contacts$", Resp(status, raw=b"<html>oops</html>"))
    with pytest.raises(Unavailable) as caught:
        await make(api).find_people(parse_query("maria@example.com"))
    assert f"({status})" in caught.value.message
    assert len(api.calls_to("GET", r"^/api/v2/contacts$")) == 2


async def test_5xx_on_a_write_is_not_sent_again(api: FreshdeskFake) -> None:
    api.override("POST", r"/notes$", Resp(502, raw=b"<html>bad gateway</html>"))
    with pytest.raises(Unavailable):
        await make(api).add_note(
            NoteTarget(TargetKind.TICKET, SourceRef(NAME, "10")), "note", "key-502"
        )
    assert len(api.calls_to("POST", "/notes")) == 1


@pytest.mark.parametrize(
    "resp",
    [
        Resp(200, raw=b"<!doctype html><title>Freshdesk login</title>"),
        Resp(200, raw=b"{not json"),
        Resp(200, {"results": "nope"}),
        Resp(200, [{"id": "abc"}]),
        Resp(200, ["just a string"]),
    ],
)
async def test_junk_bodies_are_bad_responses(api: FreshdeskFake, resp: Resp) -> None:
    api.override("GET", r"^/api/v2/contacts$", resp)
    with pytest.raises(BadResponse) as caught:
        await make(api).find_people(parse_query("maria@example.com"))
    no_secret(caught.value)


async def test_junk_search_answer_does_not_hide_the_exact_filters(api: FreshdeskFake) -> None:
    api.override("GET", r"/search/contacts", Resp(400, fd_validation(("query", "bad", "x"))))
    matches = await make(api).find_people(parse_query("+1 415 555 0132", "US"))
    assert [m.person.ref.record_id for m in matches] == ["1"]


async def test_spent_budget_pauses_before_a_429(api: FreshdeskFake, waits: list[float]) -> None:
    api.used = api.limit - 1  # the next answer says 0 remaining
    fd = make(api)
    await fd._get("/api/v2/agents/me")
    assert fd.budget.remaining == 0 and fd.budget.total == 700
    assert fd._limiter.paused_for() > 50


# --- exact write bodies -------------------------------------------------------------------


async def test_note_body_is_exact(api: FreshdeskFake) -> None:
    target = NoteTarget(TargetKind.TICKET, SourceRef(NAME, "10"))
    await make(api).add_note(target, "Reset <modem> & router\nCall back Monday", "key-1")
    (post,) = api.calls_to("POST", "/notes")
    assert post.path == "/api/v2/tickets/10/notes"
    assert json.loads(post.body) == {
        "body": "Reset &lt;modem&gt; &amp; router<br>Call back Monday<br><br>cx-tui:key-1",
        "private": True,
    }
    assert post.headers["content-type"] == "application/json"
    # The marker was looked for first, in the ticket's conversations.
    assert api.calls.index(api.calls_to("GET", "/tickets/10/conversations")[0]) < (
        api.calls.index(post)
    )


async def test_note_found_by_marker_is_not_written_again(api: FreshdeskFake) -> None:
    api.add_conversation(10, "Earlier<br><br>cx-tui:key-2", private=True)
    api.add_conversation(10, "Other cx-tui:key-22", private=True)
    target = NoteTarget(TargetKind.TICKET, SourceRef(NAME, "10"))
    receipt = await make(api).add_note(target, "Earlier", "key-2")
    assert receipt.duplicate and api.calls_to("POST", "/notes") == []
    await make(api).add_note(target, "New", "key-2x")
    assert len(api.calls_to("POST", "/notes")) == 1  # key-22 is not key-2x nor key-2


async def test_new_ticket_body_is_exact(api: FreshdeskFake) -> None:
    target = NoteTarget(TargetKind.NEW_TICKET, SourceRef(NAME, "1"))
    receipt = await make(api).add_note(target, "Line down since Monday\nTried a reboot", "key-7")
    (post,) = api.calls_to("POST", r"^/api/v2/tickets$")
    assert json.loads(post.body) == {
        "requester_id": 1,
        "subject": "Line down since Monday",
        "description": "Line down since Monday<br>Tried a reboot<br><br>cx-tui:key-7",
        "status": 2,
        "priority": 1,
        "source": 3,
    }
    (look,) = api.calls_to("GET", r"^/api/v2/tickets$")
    assert look.params["requester_id"] == "1" and look.params["include"] == "description"
    assert receipt.ref.url is not None and receipt.ref.url.startswith(
        "https://acme.freshdesk.com/a/tickets/"
    )


async def test_new_contact_body_is_exact(api: FreshdeskFake) -> None:
    person = await make(api).create_person(
        "  Ana   Lopez ",
        [
            ContactPoint(ContactKind.EMAIL, "ana@example.com"),
            ContactPoint(ContactKind.EMAIL, "ana@home.example"),
            ContactPoint(ContactKind.PHONE, "+14155550199"),
        ],
    )
    (post,) = api.calls_to("POST", r"^/api/v2/contacts$")
    assert json.loads(post.body) == {
        "name": "Ana Lopez",
        "email": "ana@example.com",
        "other_emails": ["ana@home.example"],
        "phone": "+14155550199",
    }
    assert person.name == "Ana Lopez"


async def test_refusals_send_nothing(api: FreshdeskFake) -> None:
    fd = make(api)
    with pytest.raises(Unsupported):
        await fd.add_note(NoteTarget(TargetKind.PERSON, SourceRef(NAME, "1")), "x", "k-1")
    with pytest.raises(InvalidInput):
        await fd.add_note(NoteTarget(TargetKind.TICKET, SourceRef("Other", "10")), "x", "k-1")
    with pytest.raises(InvalidInput):
        await fd.add_note(NoteTarget(TargetKind.TICKET, SourceRef(NAME, "10")), "  ", "k-1")
    with pytest.raises(InvalidInput):
        await fd.add_note(NoteTarget(TargetKind.TICKET, SourceRef(NAME, "10")), "x" * 60_001, "k-1")
    with pytest.raises(InvalidInput):
        await fd.create_person(None, [ContactPoint(ContactKind.PHONE, "not a phone")])
    assert api.calls == []
