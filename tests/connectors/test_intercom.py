"""The Intercom connector against a double built from Intercom's OpenAPI description (2.15)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing

import pytest

from cx_tui.connectors.base import (
    AuthError,
    BadResponse,
    Capability,
    InvalidInput,
    RateLimited,
    Unavailable,
)
from cx_tui.connectors.intercom import CONNECTOR, IntercomConnector
from cx_tui.connectors.intercom.account import next_page
from cx_tui.connectors.registry import connector_class
from cx_tui.identity import Query, parse_query
from cx_tui.models import (
    ContactKind,
    ContactPoint,
    MatchReason,
    NoteTarget,
    SourceRef,
    TargetKind,
)
from tests.connectors.intercom_fake import (
    ADMIN_ID,
    APP_ID,
    INTERCOM_TOKEN,
    T0,
    IntercomFake,
    error,
)
from tests.connectors.vendor_fakes import Resp

NAME = "Acme Intercom"
KEY = "3c1f7d2e-9b41-4f57-9a0c-0b7e4c2a5d2f"
SETTINGS = {"region": "us", "default_region": "US"}


@pytest.fixture
def fake() -> IntercomFake:
    api = IntercomFake()
    api.add_contact(
        "c1", "Maria Gonzalez", "Maria.Gonzalez@Example.com", "+1 (415) 555-0132",
        custom_attributes={"plan": "Pro"},
    )  # fmt: skip
    api.add_contact("c2", "Lee Lead", "lee@example.com", "4155550132", role="lead")
    api.add_contact("c3", "Dot Format", "dot@example.com", "+1 415.555.0132")
    api.add_contact("c4", "Someone Else", "else@example.com", "+1 415 555 0199")
    api.add_company("co1", "Acme Corp", plan="Enterprise", contacts=["c1"])
    api.tag_contact("c1", "t1", "VIP")
    api.add_conversation(
        "101", "c1", "Router drops hourly", "open", priority="priority",
        tags=("network",), sla=("VIP 1h", "missed"), updated_at=T0 - 600,
    )  # fmt: skip
    api.add_part("101", "comment", "It drops every hour", author_type="user", created_at=T0 - 7200)
    api.add_part("101", "note", "Tried: power cycle; firmware update", created_at=T0 - 3600)
    api.add_conversation("102", "c1", "Old billing question", "closed", updated_at=T0 - 86_400 * 9)
    api.add_conversation("103", "c1", None, "snoozed", first_message="<p>Waiting on parts</p>")
    api.add_ticket("201", "c1", "Refund request", "waiting_on_customer")
    api.add_ticket("202", "c1", "Old bug", "resolved")
    return api


@pytest.fixture
async def connector(fake: IntercomFake) -> AsyncIterator[IntercomConnector]:
    new = IntercomConnector(NAME, SETTINGS, INTERCOM_TOKEN, transport=fake.transport())
    async with aclosing(new) as found:
        yield found


def q(text: str) -> Query:
    return parse_query(text, "US")


def searches(fake: IntercomFake, path: str = "/contacts/search") -> list[dict]:
    return [c.json for c in fake.calls_to("POST", path + "$")]


# --- registration and config ------------------------------------------------------------------


def test_registered_under_intercom_with_region_and_base_url() -> None:
    assert connector_class("intercom") is IntercomConnector is CONNECTOR
    assert {o.name for o in IntercomConnector.all_options()} == {
        "base_url", "deadline", "settle_seconds", "region", "app_id",
    }  # fmt: skip
    assert Capability.PERSON_NOTES | Capability.TICKET_NOTES in IntercomConnector.capabilities


@pytest.mark.parametrize(
    ("region", "host"),
    [("us", "api.intercom.io"), ("eu", "api.eu.intercom.io"), ("au", "api.au.intercom.io")],
)
def test_region_picks_the_api_host(region: str, host: str) -> None:
    found = IntercomConnector(NAME, {"region": region}, INTERCOM_TOKEN)
    assert found.base_url == f"https://{host}"


def test_a_token_is_required_and_never_in_the_repr() -> None:
    with pytest.raises(AuthError):
        IntercomConnector(NAME, SETTINGS, None)
    connector = IntercomConnector(NAME, SETTINGS, INTERCOM_TOKEN)
    assert INTERCOM_TOKEN not in repr(connector) + repr(connector._client())


# --- finding people ---------------------------------------------------------------------------


async def test_phone_lookup_asks_written_forms_and_ends_with_then_confirms(
    connector: IntercomConnector, fake: IntercomFake
) -> None:
    matches = await connector.find_people(q("+1 415 555 0132"))
    assert {m.person.ref.record_id for m in matches} == {"c1", "c2", "c3"}
    body = searches(fake)[0]
    assert body["pagination"] == {"per_page": 50}
    query = body["query"]
    assert query["operator"] == "OR" and len(query["value"]) <= 15
    assert {"field": "phone", "operator": "$", "value": "4155550132"} in query["value"]
    assert {"field": "phone", "operator": "=", "value": "+14155550132"} in query["value"]
    assert not any(f["field"] == "role" for f in query["value"])  # users and leads both count
    by_id = {m.person.ref.record_id: m for m in matches}
    assert by_id["c1"].reason is MatchReason.EXACT_E164
    assert by_id["c2"].detail == "stored as '4155550132'"  # no country code: default region
    assert "lead" in by_id["c2"].person.tags
    assert by_id["c1"].person.tags[0] == "VIP" and by_id["c1"].person.vip is True
    assert by_id["c1"].person.ref.url == (
        f"https://app.intercom.com/a/apps/{APP_ID}/users/c1/all-conversations"
    )
    # Every request pinned the version the connector was written against.
    assert {c.headers.get("intercom-version") for c in fake.calls} == {"2.15"}


async def test_email_lookup_is_lowercased_and_confirmed(
    connector: IntercomConnector, fake: IntercomFake
) -> None:
    matches = await connector.find_people(q("MARIA.gonzalez@example.com"))
    assert [m.person.ref.record_id for m in matches] == ["c1"]
    assert matches[0].reason is MatchReason.PRIMARY_EMAIL
    assert searches(fake)[0]["query"] == {
        "field": "email", "operator": "=", "value": "maria.gonzalez@example.com",
    }  # fmt: skip


async def test_a_shared_number_returns_everyone_on_it(
    connector: IntercomConnector, fake: IntercomFake
) -> None:
    fake.add_contact("c9", "Front Desk", "desk@example.com", "+1 (415) 555-0132")
    matches = await connector.find_people(q("(415) 555-0132"))
    assert {"c1", "c9"} <= {m.person.ref.record_id for m in matches}


async def test_search_pages_are_followed_with_starting_after(
    connector: IntercomConnector, fake: IntercomFake
) -> None:
    for i in range(60):
        fake.add_contact(f"x{i}", f"Bulk {i}", f"b{i}@example.com", "+1 415 555 0132")
    matches = await connector.find_people(q("+14155550132"))
    assert len(matches) == 63
    second = searches(fake)[1]
    assert second["pagination"]["starting_after"]
    assert second["query"] == searches(fake)[0]["query"]


async def test_json_values_keep_their_meaning(
    connector: IntercomConnector, fake: IntercomFake
) -> None:
    await connector.find_people(q("o'brien@example.com"))
    assert searches(fake)[0]["query"]["value"] == "o'brien@example.com"


async def test_a_contact_created_here_is_not_yet_searchable_not_nobody(
    connector: IntercomConnector, fake: IntercomFake
) -> None:
    created = await connector.create_person(
        "New Caller", [ContactPoint(ContactKind.PHONE, "+15005550006")]
    )
    assert fake.calls_to("POST", r"/contacts$")[0].json == {
        "role": "lead", "name": "New Caller", "phone": "+15005550006",
    }  # fmt: skip
    matches = await connector.find_people(q("+1 500 555 0006"))
    assert [m.person.ref.record_id for m in matches] == [created.ref.record_id]
    assert "not yet searchable" in matches[0].detail
    fake.reindex()
    again = await connector.find_people(q("+1 500 555 0006"))
    assert "not yet searchable" not in again[0].detail


# --- details ----------------------------------------------------------------------------------


async def test_details_open_first_with_notes_tags_sla_company(
    connector: IntercomConnector, fake: IntercomFake
) -> None:
    [match] = await connector.find_people(q("maria.gonzalez@example.com"))
    details = await connector.get_details(match)
    assert [c.name for c in details.companies] == ["Acme Corp"]
    assert details.companies[0].plan == "Enterprise"
    ids = [t.ref.record_id for t in details.tickets]
    assert ids[:4] == ["conversation-101", "conversation-103", "ticket-201", *ids[3:4]]
    assert set(ids) == {
        "conversation-101", "conversation-102", "conversation-103", "ticket-201", "ticket-202",
    }  # fmt: skip
    assert [t.is_open for t in details.tickets] == [True, True, True, False, False]
    router = details.tickets[0]
    assert router.priority is not None and router.priority.value == "high"
    assert "network" in router.tags and "SLA VIP 1h: missed" in router.tags
    assert [(c.body, c.public) for c in router.comments] == [
        ("It drops every hour", True),
        ("Tried: power cycle; firmware update", False),
    ]
    assert router.ref.url == f"https://app.intercom.com/a/apps/{APP_ID}/conversations/101"
    assert details.tickets[1].subject == "Waiting on parts"
    by_contact = [
        b["query"]["value"] for b in searches(fake, "/conversations/search")
        if {"field": "contact_ids", "operator": "=", "value": "c1"} in b["query"]["value"]
    ]  # fmt: skip
    assert {"field": "state", "operator": "IN", "value": ["open", "snoozed"]} in by_contact[0]
    assert searches(fake, "/tickets/search")[0]["query"] == {
        "field": "contact_ids", "operator": "=", "value": "c1",
    }  # fmt: skip
    # Parts are read for open conversations only.
    assert [c.path for c in fake.calls_to("GET", r"/conversations/\d+$")] == [
        "/conversations/101", "/conversations/103",
    ]  # fmt: skip


# --- writes -----------------------------------------------------------------------------------


def person_target(contact_id: str = "c1") -> NoteTarget:
    return NoteTarget(TargetKind.PERSON, SourceRef(NAME, contact_id))


def ticket_target(record: str) -> NoteTarget:
    return NoteTarget(TargetKind.TICKET, SourceRef(NAME, record))


async def test_person_note_body_and_exactly_once(
    connector: IntercomConnector, fake: IntercomFake
) -> None:
    first = await connector.add_note(person_target(), "Called <about> router\nline 2", KEY)
    [write] = fake.calls_to("POST", r"/contacts/c1/notes$")
    assert write.json == {
        "body": f"<p>Called &lt;about&gt; router</p><p>line 2</p><p>cx-tui:{KEY}</p>",
        "admin_id": ADMIN_ID,
    }
    again = await connector.add_note(person_target(), "Called <about> router\nline 2", KEY)
    assert again.duplicate and again.ref.record_id == first.ref.record_id
    assert len(fake.calls_to("POST", r"/contacts/c1/notes$")) == 1
    assert fake.calls_to("GET", r"/contacts/c1/notes$")  # looked before writing


async def test_marker_found_on_a_later_notes_page(
    connector: IntercomConnector, fake: IntercomFake
) -> None:
    fake.add_note("c1", f"old\ncx-tui:{KEY}", created_at=T0 - 86_400)
    for i in range(120):
        fake.add_note("c1", f"newer {i}", created_at=T0 - 100 + i)
    receipt = await connector.add_note(person_target(), "old", KEY)
    assert receipt.duplicate
    assert len(fake.calls_to("GET", r"/contacts/c1/notes$")) == 3
    assert not fake.calls_to("POST", r"/contacts/c1/notes$")


async def test_conversation_note_is_a_note_reply_once(
    connector: IntercomConnector, fake: IntercomFake
) -> None:
    receipt = await connector.add_note(ticket_target("conversation-101"), "Rebooted", KEY)
    [write] = fake.calls_to("POST", r"/conversations/101/reply$")
    assert write.json == {
        "message_type": "note", "type": "admin", "admin_id": ADMIN_ID,
        "body": f"<p>Rebooted</p><p>cx-tui:{KEY}</p>",
    }  # fmt: skip
    again = await connector.add_note(ticket_target("conversation-101"), "Rebooted", KEY)
    assert again.duplicate and again.ref.record_id == receipt.ref.record_id
    assert len(fake.calls_to("POST", r"/reply$")) == 1


async def test_ticket_note_goes_to_the_ticket_reply(
    connector: IntercomConnector, fake: IntercomFake
) -> None:
    await connector.add_note(ticket_target("ticket-201"), "Refund approved", KEY)
    [write] = fake.calls_to("POST", r"/tickets/201/reply$")
    assert write.json["message_type"] == "note" and write.json["type"] == "admin"
    assert (await connector.add_note(ticket_target("ticket-201"), "x", KEY)).duplicate


async def test_hostile_targets_are_refused(
    connector: IntercomConnector, fake: IntercomFake
) -> None:
    for record in ("conversation-1/../../me", "ticket-", "company-1"):
        with pytest.raises(InvalidInput):
            await connector.add_note(ticket_target(record), "x", KEY)
    assert fake.calls == []


# --- faults -----------------------------------------------------------------------------------


async def test_401_names_the_fix(fake: IntercomFake) -> None:
    connector = IntercomConnector(NAME, SETTINGS, "wrong-token", transport=fake.transport())
    with pytest.raises(AuthError) as caught:
        await connector.find_people(q("dot@example.com"))
    assert "cx-tui secret set" in caught.value.message
    assert "Access Token Invalid" in caught.value.message


async def test_403_plan_restricted(connector: IntercomConnector, fake: IntercomFake) -> None:
    fake.override(
        "POST",
        r"/contacts/search",
        error(403, "api_plan_restricted", "Active subscription needed."),
    )
    with pytest.raises(AuthError) as caught:
        await connector.find_people(q("dot@example.com"))
    assert "Active subscription needed" in caught.value.message


async def test_404_on_details_of_a_deleted_conversation_is_skipped(
    connector: IntercomConnector, fake: IntercomFake
) -> None:
    [match] = await connector.find_people(q("maria.gonzalez@example.com"))
    fake.override("GET", r"/conversations/101$", error(404, "not_found", "Resource Not Found"))
    details = await connector.get_details(match)
    assert details.tickets[0].ref.record_id == "conversation-101"
    assert details.tickets[0].comments == ()


async def test_429_with_retry_after_is_waited_then_retried(
    connector: IntercomConnector, fake: IntercomFake, waits: list[float]
) -> None:
    limited = error(429, "rate_limit_exceeded", "Exceeded rate limit of 167 in 10_seconds")
    limited.headers["Retry-After"] = "1"
    ok = Resp(200, {"type": "list", "data": [], "total_count": 0, "pages": {"type": "pages"}})
    fake.override("POST", r"/contacts/search", limited, ok)
    assert await connector.find_people(q("dot@example.com")) == []
    assert 1.0 in waits or any(w > 0 for w in waits)


async def test_429_without_retry_after_names_the_reset_wait(
    connector: IntercomConnector, fake: IntercomFake, waits: list[float]
) -> None:
    fake.exhaust(reset_in=5)
    with pytest.raises(RateLimited) as caught:
        await connector.find_people(q("dot@example.com"))
    assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 6


async def test_5xx_is_retried_once_then_unavailable(
    connector: IntercomConnector, fake: IntercomFake
) -> None:
    fake.override("POST", r"/contacts/search", error(503, "service_unavailable", "down"))
    with pytest.raises(Unavailable):
        await connector.find_people(q("dot@example.com"))
    assert len(fake.calls_to("POST", r"/contacts/search")) == 2


async def test_junk_body_is_a_bad_response(
    connector: IntercomConnector, fake: IntercomFake
) -> None:
    fake.override("POST", r"/contacts/search", Resp(200, raw=b"<html>proxy login</html>"))
    with pytest.raises(BadResponse):
        await connector.find_people(q("dot@example.com"))
    fake.override("POST", r"/contacts/search", Resp(200, {"type": "list", "data": "nope"}))
    with pytest.raises(BadResponse):
        await connector.find_people(q("dot@example.com"))


# --- check and paging helpers -----------------------------------------------------------------


async def test_check_names_the_admin_and_budget(
    connector: IntercomConnector, fake: IntercomFake
) -> None:
    fake.override("POST", r"/tickets/search", error(403, "forbidden", "missing read_tickets"))
    result = await connector.check()
    assert result.summary == (
        f"authenticated as Ana Agent <ana.agent@acme.example> in Acme Support ({APP_ID})"
    )
    assert any(line.startswith("may not: read tickets") for line in result.details)
    assert any("requests left in this 10-second window" in line for line in result.details)
    assert not result.ok


def test_next_page_reads_all_three_pagings() -> None:
    assert next_page({"pages": {"next": {"starting_after": "abc"}}}) == {"starting_after": "abc"}
    assert next_page({"pages": {"next": "https://x/contacts/1/notes?per_page=5&page=3"}}) == {
        "page": "3"
    }
    assert next_page({"pages": {"page": 1, "total_pages": 2, "next": None}}) == {"page": "2"}
    assert next_page({"pages": {"page": 2, "total_pages": 2}}) is None
