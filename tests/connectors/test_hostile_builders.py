"""Issue 17: every hostile vector (`tests/connectors/hostile.py`) against the HubSpot, Zendesk
and local query builders, typed as an agent types it (`parse_query`, then `find_people`).

Either the input is refused before any request, or every request the double received asks only
what the checked query means: HubSpot's search body holds only the number's written forms, the
checked address or the checked name in fixed properties and operators; Zendesk's search string
is one of three shapes around the checked value; the local source's SQL (traced as SQLite ran
it, values bound) carries only the number in E.164, the folded address or the escaped name
tokens. Counted: meaning changes must be 0.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest

from cx_tui.connectors.base import Connector, InvalidInput, Unsupported
from cx_tui.connectors.hubspot import HubSpotConnector
from cx_tui.connectors.kit.readers import fold_text
from cx_tui.connectors.local import LocalConnector
from cx_tui.connectors.zendesk import ZendeskConnector
from cx_tui.identity import (
    Query,
    QueryError,
    QueryKind,
    normalize_name,
    parse_query,
)
from cx_tui.source_values import fold_email
from tests.connectors.hostile import ALL
from tests.connectors.vendor_fakes import (
    HUBSPOT_TOKEN,
    ZENDESK_AGENT,
    ZENDESK_TOKEN,
    HubSpotFake,
    ZendeskFake,
)

SAFE_NAME = re.compile(r"[^\W\d_]+(?:[ .'-]+[^\W\d_]*)*")
SAFE_EMAIL = re.compile(r"[!#-'*+\-./0-9=?A-Z^_`a-z{|}~]+@[a-z0-9.-]+")
PHONE_FORM = re.compile(r"[0-9+() .-]+")
PHONE_PROPERTIES = {
    "phone": "IN",
    "mobilephone": "IN",
    "hs_searchable_calculated_phone_number": "EQ",
    "hs_searchable_calculated_mobile_number": "EQ",
    "hs_calculated_phone_number": "EQ",
}
EMAIL_PROPERTIES = {"email": "EQ", "hs_additional_emails": "CONTAINS_TOKEN"}


def test_the_list_is_long_enough() -> None:
    assert len(ALL) >= 40 and len(set(ALL)) == len(ALL)
    assert any(len(v) >= 10_000 for v in ALL) and any("\x00" in v for v in ALL)


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


# --- HubSpot -----------------------------------------------------------------------------------


def hubspot_meaning(fake: HubSpotFake, query: Query) -> None:
    bodies = [c.json for c in fake.calls_to("POST", r"/crm/v3/objects/contacts/search$")]
    assert bodies
    for body in bodies:
        assert set(body) <= {"filterGroups", "query", "properties", "limit", "after"}
        assert body["limit"] <= 200
        if query.name is not None and query.phone is None and query.email is None:
            assert "filterGroups" not in body
            # Free text (HubSpot's `query` has no operators): the checked name, nothing else.
            assert body["query"] == normalize_name(query.name) and len(body["query"]) <= 100
            assert not any(unicodedata.category(c).startswith("C") for c in body["query"])
            continue
        assert "query" not in body
        wanted = PHONE_PROPERTIES if query.phone is not None else EMAIL_PROPERTIES
        for group in body["filterGroups"]:
            for f in group["filters"]:
                assert wanted[f["propertyName"]] == f["operator"], f
                for value in f.get("values") or [f.get("value")]:
                    if query.phone is not None:
                        assert PHONE_FORM.fullmatch(value), value
                        number = query.phone
                        assert digits(value) in (
                            number.national_digits,
                            str(number.country_code) + number.national_digits,
                        ), value
                    else:
                        assert value == query.email and SAFE_EMAIL.fullmatch(value), value


def hubspot() -> tuple[Connector, HubSpotFake, Callable[[], None]]:
    fake = HubSpotFake()
    fake.add("contacts", "101", firstname="Maria", lastname="Gonzalez", email="maria@example.com",
             phone="(415) 555-0132")  # fmt: skip
    hub = HubSpotConnector("Acme HubSpot", {"default_region": "US"}, HUBSPOT_TOKEN,
                           transport=fake.transport())  # fmt: skip
    return hub, fake, lambda: None


# --- Zendesk -----------------------------------------------------------------------------------


def zendesk_meaning(fake: ZendeskFake, query: Query) -> None:
    user_search = r"/api/v2/(users/)?search(\.json)?$"  # users/search since issue 16
    searches = [c.params["query"] for c in fake.calls_to("GET", user_search)]
    assert searches
    for sent in searches:
        if query.phone is not None:
            found = re.fullmatch(r"type:user phone:\*(\d+)", sent)
            assert found and found.group(1) == query.phone.national_digits, sent
        elif query.email is not None:
            found = re.fullmatch(r"type:user email:(\S+)", sent)
            assert found and found.group(1) == query.email, sent
            assert SAFE_EMAIL.fullmatch(found.group(1)) and ":" not in found.group(1)
        else:
            assert query.name is not None
            found = re.fullmatch(r'type:user name:"([^"]*)"', sent)
            assert found and SAFE_NAME.fullmatch(found.group(1)), sent
            assert fold_text(found.group(1)) == fold_text(query.name)
    for call in fake.calls:
        if "query" not in call.params:
            assert re.fullmatch(r"/api/v2/[a-z_/]*?(\d+)?[a-z_/]*(\.json)?", call.path), call.path


def zendesk() -> tuple[Connector, ZendeskFake, Callable[[], None]]:
    fake = ZendeskFake()
    fake.add_user(201, "Maria Gonzalez", "maria@example.com", "+1 (415) 555-0132")
    settings = {"subdomain": "acme", "email": ZENDESK_AGENT, "default_region": "US"}
    desk = ZendeskConnector("Acme Zendesk", settings, ZENDESK_TOKEN, transport=fake.transport())
    return desk, fake, lambda: None


# --- Local (SQLite): the statements as SQLite ran them, values bound ----------------------------

LITERAL = re.compile(r"'((?:[^']|'')*)'")
CONSTANTS = {"phone", "email", "\\"}


def local_meaning(statements: list[str], query: Query) -> None:
    if query.phone is not None:
        allowed = {query.phone.e164}
    elif query.email is not None:
        allowed = {fold_email(query.email)}
    else:
        assert query.name is not None
        tokens = fold_text(query.name).split()
        allowed = {
            "%" + t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            for t in tokens
        }
    assert statements
    for sql in statements:
        for literal in LITERAL.findall(sql):
            value = literal.replace("''", "'")
            assert value in CONSTANTS or value in allowed, (value, sql[:200])
        assert ";" not in LITERAL.sub("", sql).rstrip(";"), sql[:200]


def local(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Connector, list[str], Callable[[], None]]:
    statements: list[str] = []
    real_open = LocalConnector._open

    def traced(self: LocalConnector) -> sqlite3.Connection:
        conn = real_open(self)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(LocalConnector, "_open", traced)
    return LocalConnector("Test Local", {"default_region": "US"}), statements, statements.clear


# --- The vectors, typed ------------------------------------------------------------------------


def received(kind: str, double: Any) -> bool:
    return bool(double) if kind == "local" else bool(double.calls)


async def ask(kind: str, make_query: Callable[[], Query], monkeypatch: pytest.MonkeyPatch) -> None:
    """Build the query and look it up; assert it was refused unasked or asked as meant."""
    if kind == "local":
        connector, double, reset = local(monkeypatch)
        await connector.find_people(parse_query("+1 415 555 0100", "US"))  # opened: schema made
        reset()
    else:
        connector, double, reset = hubspot() if kind == "hubspot" else zendesk()
    try:
        try:
            query = make_query()
        except QueryError:
            assert not received(kind, double)
            return
        try:
            await connector.find_people(query)
        except (InvalidInput, Unsupported):
            assert not received(kind, double)
            return
        if kind == "hubspot":
            hubspot_meaning(double, query)
        elif kind == "zendesk":
            zendesk_meaning(double, query)
        else:
            local_meaning(double, query)
    finally:
        await connector.aclose()


KINDS = ["hubspot", "zendesk", "local"]


@pytest.mark.parametrize("text", ALL, ids=range(len(ALL)))
@pytest.mark.parametrize("kind", KINDS)
async def test_typed_hostile_input_is_refused_or_asked_as_meant(
    kind: str, text: str, isolated_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ask(kind, lambda: parse_query(text, "US"), monkeypatch)


@pytest.mark.parametrize("text", ALL, ids=range(len(ALL)))
@pytest.mark.parametrize("field", ["email", "name"])
@pytest.mark.parametrize("kind", KINDS)
async def test_unvalidated_values_are_refused_or_asked_as_meant(
    kind: str, field: str, text: str, isolated_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value that skipped `parse_query` (a bug elsewhere, a plugin): the builder still
    refuses it before any request, or asks exactly it."""
    query_kind = QueryKind.EMAIL if field == "email" else QueryKind.NAME
    await ask(kind, lambda: Query(query_kind, text[:200], **{field: text}), monkeypatch)
