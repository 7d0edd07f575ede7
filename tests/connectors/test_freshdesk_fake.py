"""The Freshdesk double behaves as Freshdesk documents it (tests/connectors/freshdesk_fake.py):
if it drifted, the connector's tests would prove nothing."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from tests.connectors.freshdesk_fake import FRESHDESK_KEY, QUERY_FORMAT_INVALID, FreshdeskFake
from tests.connectors.vendor_fakes import ago


def client(api: FreshdeskFake, key: str = FRESHDESK_KEY) -> httpx.Client:
    auth = base64.b64encode(f"{key}:X".encode()).decode()
    return httpx.Client(
        base_url="https://acme.freshdesk.com",
        transport=httpx.MockTransport(api.transport().handler),  # type: ignore[attr-defined]
        headers={"Authorization": f"Basic {auth}"},
    )


@pytest.fixture
def api() -> FreshdeskFake:
    fake = FreshdeskFake()
    fake.add_company(5, "Acme Corp", plan="Pro")
    fake.add_contact(
        1,
        "Maria",
        "maria@example.com",
        phone="(415) 555-0132",
        other_emails=["mg@home.example"],
        company_id=5,
    )
    fake.add_contact(2, "Bob", "bob@example.com", mobile="+1 415-555-0132")
    fake.add_contact(3, "New", "new@example.com", phone="+14155550000", indexed=False)
    return fake


def ids(answer: Any) -> list[int]:
    return [c["id"] for c in answer]


def test_phone_filters_compare_the_stored_string_exactly(api: FreshdeskFake) -> None:
    with client(api) as http:
        assert ids(http.get("/api/v2/contacts", params={"phone": "(415) 555-0132"}).json()) == [1]
        assert http.get("/api/v2/contacts", params={"phone": "+14155550132"}).json() == []
        assert ids(http.get("/api/v2/contacts", params={"mobile": "+1 415-555-0132"}).json()) == [2]
        # An unencoded + arrives as a space: Freshdesk then compares " 1 415-555-0132".
        raw = http.get("/api/v2/contacts?mobile=+1 415-555-0132").json()
        assert raw == []


def test_email_filter_matches_other_emails_but_lists_hide_them(api: FreshdeskFake) -> None:
    with client(api) as http:
        found = http.get("/api/v2/contacts", params={"email": "MG@home.example"}).json()
        assert ids(found) == [1] and "other_emails" not in found[0]
        view = http.get("/api/v2/contacts/1").json()
        assert view["other_emails"] == ["mg@home.example"]
        bad = http.get("/api/v2/contacts", params={"email": "not-an-email"})
        assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "email"
        unknown = http.get("/api/v2/contacts", params={"nickname": "x"})
        assert unknown.json()["errors"][0]["code"] == "invalid_field"


def test_filter_language_grammar(api: FreshdeskFake) -> None:
    with client(api) as http:

        def search(query: str) -> httpx.Response:
            return http.get("/api/v2/search/contacts", params={"query": query})

        ok = search("\"phone:'(415) 555-0132' OR mobile:'+1 415-555-0132'\"")
        assert ok.status_code == 200 and ids(ok.json()["results"]) == [1, 2]
        assert ok.json()["total"] == 2
        assert ids(search("\"email:'mg@home.example'\"").json()["results"]) == [1]
        assert ids(
            search("\"(company_id:5 AND email:'maria@example.com')\"").json()["results"]
        ) == [1]
        assert search("\"phone:'+14155550000'\"").json()["results"] == []  # not indexed yet
        for bad in (
            "phone:'x'",  # no double quotes
            "\"phone:'a'b'\"",  # a quote inside a value
            "\"phone:'a\\\\' OR active:true\"",  # a backslash
            "\"phone:'x' OR\"",  # dangling operator
            "\"(phone:'x'\"",  # unbalanced
            '"phone:*"',
        ):
            answer = search(bad)
            assert answer.status_code == 400, bad
            assert answer.json()["errors"][0]["message"] == QUERY_FORMAT_INVALID
        assert search("\"name:'Maria'\"").json()["errors"][0]["code"] == "invalid_field"
        long = search('"' + " OR ".join(["phone:'1234567'"] * 40) + '"')
        assert "maximum of 512" in long.json()["errors"][0]["message"]
        page = http.get("/api/v2/search/contacts", params={"query": '"active:true"', "page": 11})
        assert page.status_code == 400


def test_ticket_lists_pages_filters_and_embeds(api: FreshdeskFake) -> None:
    for i in range(130):
        api.add_ticket(1000 + i, 1, f"T{i}", updated=ago(minutes=i))
    api.add_ticket(2000, 2, "Bob's")
    with client(api) as http:
        first = http.get(
            "/api/v2/tickets", params={"requester_id": 1, "per_page": 100, "order_by": "updated_at"}
        )
        assert len(first.json()) == 100 and 'rel="next"' in first.headers["link"]
        assert "page=2" in first.headers["link"]
        assert "description" not in first.json()[0]
        second = http.get(
            "/api/v2/tickets",
            params={"requester_id": 1, "per_page": 100, "order_by": "updated_at", "page": 2},
        )
        assert len(second.json()) == 30 and "link" not in second.headers
        by_email = http.get("/api/v2/tickets", params={"email": "bob@example.com"}).json()
        assert ids(by_email) == [2000]
        nobody = http.get("/api/v2/tickets", params={"email": "nobody@example.com"})
        assert nobody.status_code == 400
        assert (
            nobody.json()["errors"][0]["message"] == "There is no contact matching the given email"
        )
        embed = http.get(
            "/api/v2/tickets", params={"email": "bob@example.com", "include": "description"}
        )
        assert "description" in embed.json()[0]
        assert embed.headers["x-ratelimit-used-currentrequest"] == "3"
        wrong = http.get("/api/v2/tickets", params={"include": "conversations"})
        assert wrong.status_code == 400


def test_rate_headers_budget_and_429(api: FreshdeskFake) -> None:
    api.limit = 3
    with client(api) as http:
        one = http.get("/api/v2/agents/me")
        assert one.headers["x-ratelimit-total"] == "3"
        assert one.headers["x-ratelimit-remaining"] == "2"
        assert one.headers["x-ratelimit-used-currentrequest"] == "1"
        http.get("/api/v2/agents/me")
        http.get("/api/v2/agents/me")
        over = http.get("/api/v2/agents/me")
        assert over.status_code == 429 and over.headers["retry-after"] == "37"
        assert "x-ratelimit-remaining" not in over.headers
        assert "exceeded" in over.json()["message"]


def test_auth_and_permission_errors(api: FreshdeskFake) -> None:
    with client(api, key="wrong") as http:
        denied = http.get("/api/v2/contacts/1")
        assert denied.status_code == 401
        assert denied.json() == {
            "code": "invalid_credentials",
            "message": "You have to be logged in to perform this action.",
        }
    api.denied.add("notes")
    api.add_ticket(10, 1, "x")
    with client(api) as http:
        refused = http.post("/api/v2/tickets/10/notes", json={"body": "x", "private": True})
        assert refused.status_code == 403 and refused.json()["code"] == "access_denied"
        missing = http.get("/api/v2/contacts/999")
        assert missing.status_code == 404 and missing.content == b""


def test_notes_default_private_and_tickets_validate(api: FreshdeskFake) -> None:
    api.add_ticket(10, 1, "x")
    with client(api) as http:
        note = http.post("/api/v2/tickets/10/notes", json={"body": "a<br>b"}).json()
        assert note["private"] is True
        assert api.conversations[10][-1]["body_text"] == "a\nb"
        typed = http.post("/api/v2/tickets/10/notes", json={"body": "a", "private": "yes"})
        assert typed.json()["errors"][0]["code"] == "datatype_mismatch"
        bad = http.post("/api/v2/tickets", json={"subject": "s", "status": 9}).json()
        fields = {e["field"] for e in bad["errors"]}
        assert fields == {"status", "description", "requester_id"}
        made = http.post(
            "/api/v2/tickets", json={"requester_id": 1, "subject": "s", "description": "d"}
        )
        assert made.status_code == 201 and made.headers["location"].endswith(
            f"/api/v2/tickets/{made.json()['id']}"
        )
        duplicate = http.post("/api/v2/contacts", json={"name": "M", "email": "mg@home.example"})
        assert duplicate.status_code == 409
        assert duplicate.json()["errors"][0]["additional_info"] == {"user_id": 1}


def test_agents_and_groups_are_listed_paged_and_read_one_by_one(api: FreshdeskFake) -> None:
    api.add_agent(77000002, "Priya Shah", "priya@acme.example")
    for n in range(3):
        api.add_group(41000001 + n, f"Group {n}", [77000002])
    with client(api) as http:
        agents = http.get("/api/v2/agents").json()
        assert ids(agents) == [77000001, 77000002]
        assert agents[1]["contact"]["name"] == "Priya Shah" and "ticket_scope" in agents[1]
        assert http.get("/api/v2/agents/77000002").json()["contact"]["email"] == (
            "priya@acme.example"
        )
        assert http.get("/api/v2/agents/99").status_code == 404
        page = http.get("/api/v2/groups", params={"per_page": 2})
        assert ids(page.json()) == [41000001, 41000002] and 'rel="next"' in page.headers["Link"]
        group = http.get("/api/v2/groups/41000003").json()
        assert group["name"] == "Group 2" and group["agent_ids"] == [77000002]


def test_agents_and_groups_need_admin_privileges(api: FreshdeskFake) -> None:
    api.denied |= {"agents", "groups"}
    with client(api) as http:
        for path in ("/api/v2/agents", "/api/v2/agents/77000001", "/api/v2/groups"):
            answer = http.get(path)
            assert answer.status_code == 403 and answer.json()["code"] == "access_denied"
        assert http.get("/api/v2/agents/me").status_code == 200  # any agent may read itself


def test_update_ticket_changes_only_what_is_sent_and_checks_ids(api: FreshdeskFake) -> None:
    api.add_group(41000001, "Billing")
    api.add_ticket(10, 1, "Invoice", 2)
    with client(api) as http:
        done = http.put("/api/v2/tickets/10", json={"group_id": 41000001})
        assert done.status_code == 200 and done.json()["group_id"] == 41000001
        assert done.json()["responder_id"] == 77000001 and done.json()["subject"] == "Invoice"
        bad = http.put("/api/v2/tickets/10", json={"responder_id": 5, "group_id": 9})
        assert bad.status_code == 400
        assert {e["field"] for e in bad.json()["errors"]} == {"responder_id", "group_id"}
        assert (
            http.put("/api/v2/tickets/10", json={"note": "x"}).json()["errors"][0]["code"]
            == "invalid_field"
        )
        assert http.put("/api/v2/tickets/99", json={"group_id": 41000001}).status_code == 404
    api.denied.add("update_ticket")
    with client(api) as http:
        assert http.put("/api/v2/tickets/10", json={"group_id": 41000001}).status_code == 403
