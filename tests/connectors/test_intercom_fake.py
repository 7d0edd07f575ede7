"""The Intercom double behaves as Intercom documents it, so connector tests against it mean
something: exact-string phone search, cursor pages, index lag, auth and limit headers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.connectors.intercom_fake import ADMIN_ID, INTERCOM_TOKEN, IntercomFake

HEADERS = {"Authorization": f"Bearer {INTERCOM_TOKEN}", "Intercom-Version": "2.15"}


@pytest.fixture
def api() -> IntercomFake:
    fake = IntercomFake()
    fake.add_contact("c1", "Maria Gonzalez", "maria@example.com", "+1 (415) 555-0132")
    fake.add_contact("c2", "Lee Lead", "lee@example.com", "+14155550132", role="lead")
    fake.add_contact("c3", "Other", "other@example.com", "+442071838750")
    return fake


def client(api: IntercomFake) -> httpx.Client:
    return httpx.Client(base_url="https://api.intercom.io", transport=_sync(api), headers=HEADERS)


def _sync(api: IntercomFake) -> httpx.MockTransport:
    return api.transport()


def search(api: IntercomFake, query: dict[str, Any], **pagination: Any) -> httpx.Response:
    body: dict[str, Any] = {"query": query}
    if pagination:
        body["pagination"] = pagination
    with client(api) as http:
        return http.post("/contacts/search", json=body)


def ids(response: httpx.Response) -> list[str]:
    return [c["id"] for c in response.json()["data"]]


def test_phone_equals_is_an_exact_string_compare(api: IntercomFake) -> None:
    assert ids(search(api, {"field": "phone", "operator": "=", "value": "+14155550132"})) == ["c2"]
    assert ids(search(api, {"field": "phone", "operator": "=", "value": "4155550132"})) == []


def test_phone_ends_with_sees_the_stored_string_not_its_digits(api: IntercomFake) -> None:
    found = ids(search(api, {"field": "phone", "operator": "$", "value": "4155550132"}))
    assert found == ["c2"]  # "+1 (415) 555-0132" does not end with those digits
    found = ids(search(api, {"field": "phone", "operator": "$", "value": "0132"}))
    assert sorted(found) == ["c1", "c2"]


def test_users_and_leads_both_come_back_and_or_groups_work(api: IntercomFake) -> None:
    query = {
        "operator": "OR",
        "value": [
            {"field": "email", "operator": "=", "value": "MARIA@example.com"},
            {"field": "email", "operator": "=", "value": "lee@example.com"},
        ],
    }
    response = search(api, query)
    assert sorted(ids(response)) == ["c1", "c2"]
    assert {c["role"] for c in response.json()["data"]} == {"user", "lead"}


def test_limits_of_the_query_language_are_refused(api: IntercomFake) -> None:
    too_many = {
        "operator": "OR",
        "value": [{"field": "phone", "operator": "=", "value": str(i)} for i in range(16)],
    }
    response = search(api, too_many)
    assert response.status_code == 400
    assert response.json()["type"] == "error.list"
    deep = {"operator": "OR", "value": [{"operator": "AND", "value": [too_many]}]}
    assert search(api, deep).status_code == 400
    assert search(api, {"field": "phone", "operator": "LIKE", "value": "x"}).status_code == 400


def test_cursor_pages(api: IntercomFake) -> None:
    query = {"field": "email", "operator": "~", "value": "@example.com"}
    first = search(api, query, per_page=2).json()
    assert len(first["data"]) == 2 and first["total_count"] == 3
    cursor = first["pages"]["next"]["starting_after"]
    second = search(api, query, per_page=2, starting_after=cursor).json()
    assert len(second["data"]) == 1 and "next" not in second["pages"]
    assert search(api, query, per_page=151).status_code == 400


def test_new_contacts_are_not_searchable_until_the_index_catches_up(api: IntercomFake) -> None:
    with client(api) as http:
        created = http.post("/contacts", json={"role": "lead", "phone": "+15005550006"}).json()
    query = {"field": "phone", "operator": "=", "value": "+15005550006"}
    assert ids(search(api, query)) == []
    api.reindex()
    assert ids(search(api, query)) == [created["id"]]


def test_auth_and_rate_limit_headers(api: IntercomFake) -> None:
    with httpx.Client(base_url="https://api.intercom.io", transport=_sync(api)) as http:
        denied = http.get("/me", headers={"Authorization": "Bearer nope"})
    assert denied.status_code == 401
    assert denied.json()["errors"][0]["code"] == "unauthorized"
    assert "X-RateLimit-Limit" not in denied.headers
    with client(api) as http:
        me = http.get("/me")
        assert me.json()["app"]["id_code"] == api.app_id
        assert int(me.headers["X-RateLimit-Remaining"]) == api.rate_limit - 1
        api.exhaust()
        limited = http.get("/me")
    assert limited.status_code == 429
    assert limited.json()["errors"][0]["code"] == "rate_limit_exceeded"
    assert limited.headers["X-RateLimit-Remaining"] == "0"


def test_note_reply_and_parts(api: IntercomFake) -> None:
    api.add_conversation("501", "c1", "Router drops", sla=("VIP 1h", "active"))
    api.add_part("501", "comment", "It drops hourly", author_type="user")
    with client(api) as http:
        reply = http.post(
            "/conversations/501/reply",
            json={"message_type": "note", "type": "admin", "admin_id": ADMIN_ID, "body": "x"},
        ).json()
        assert [p["part_type"] for p in reply["conversation_parts"]["conversation_parts"]] == [
            "note"
        ]
        full = http.get("/conversations/501").json()
        assert [p["part_type"] for p in full["conversation_parts"]["conversation_parts"]] == [
            "comment",
            "note",
        ]
        assert full["sla_applied"]["sla_status"] == "active"
        note = http.post("/contacts/c1/notes", json={"body": "Hello", "admin_id": ADMIN_ID})
        assert note.json()["body"] == "<p>Hello</p>"
        assert http.post("/contacts/zz/notes", json={"body": "x"}).status_code == 404


def test_notes_pages_both_ways(api: IntercomFake) -> None:
    for i in range(5):
        api.add_note("c1", f"n{i}", created_at=1000 + i)
    with client(api) as http:
        first = http.get("/contacts/c1/notes", params={"per_page": 2}).json()
        assert [n["body"] for n in first["data"]] == ["<p>n4</p>", "<p>n3</p>"]
        assert "page=2" in first["pages"]["next"]
        api.notes_paging = "cursor"
        first = http.get("/contacts/c1/notes", params={"per_page": 2}).json()
        cursor = first["pages"]["next"]["starting_after"]
        second = http.get(
            "/contacts/c1/notes", params={"per_page": 2, "starting_after": cursor}
        ).json()
        assert [n["body"] for n in second["data"]] == ["<p>n2</p>", "<p>n1</p>"]
