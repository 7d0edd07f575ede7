"""Hostile input never changes the meaning of a query Intercom receives.

Every vector goes in three ways: typed (through `parse_query`, as the app does), and injected
straight into a `Query`'s name, email and phone parts (as a buggy or hostile caller could). Each
either is refused before any request, or reaches the double as exactly one filter of the
intended field and operator with the value verbatim (a JSON string: it cannot add a filter).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import replace
from typing import Any

import pytest

from cx_tui.connectors.base import InvalidInput
from cx_tui.connectors.intercom import IntercomConnector
from cx_tui.identity import Query, QueryError, QueryKind, parse_query
from tests.connectors.hostile import NAMES_AND_SYNTAX as VECTORS
from tests.connectors.intercom_fake import INTERCOM_TOKEN, IntercomFake

PHONE_CHARS = set("0123456789 +().-")
SAFE_NAME = re.compile(r"[^\W\d_]+(?:[ .'-]+[^\W\d_]*)*")
SAFE_EMAIL = re.compile(r"[!#-'*+\-./0-9=?A-Z^_`a-z{|}~]+@[a-z0-9.-]+")


@pytest.fixture
def fake() -> IntercomFake:
    api = IntercomFake()
    api.add_contact("c1", "Maria Gonzalez", "maria@example.com", "+1 (415) 555-0132")
    return api


@pytest.fixture
async def connector(fake: IntercomFake) -> AsyncIterator[IntercomConnector]:
    settings = {"default_region": "US"}
    new = IntercomConnector("Acme Intercom", settings, INTERCOM_TOKEN, transport=fake.transport())
    async with aclosing(new) as found:
        yield found


def received(fake: IntercomFake, path: str) -> list[Any]:
    return [c.json["query"] for c in fake.calls_to("POST", path + "$")]


def assert_meaning_kept(fake: IntercomFake, query: Query) -> None:
    """The contact search the double received asks exactly what `query` means."""
    [sent] = received(fake, "/contacts/search")
    if query.kind is QueryKind.NAME:
        assert sent == {"field": "name", "operator": "~", "value": query.name}
        # Letters, with single spaces, . ' - between: no control, format or bidi character.
        assert len(sent["value"]) <= 100 and SAFE_NAME.fullmatch(sent["value"])
    elif query.kind is QueryKind.EMAIL:
        assert sent == {"field": "email", "operator": "=", "value": query.email}
        assert SAFE_EMAIL.fullmatch(sent["value"])
        [started] = received(fake, "/conversations/search")
        assert started["value"][0] == {
            "field": "source.author.email", "operator": "=", "value": query.email,
        }  # fmt: skip
    else:
        assert query.phone is not None
        assert sent["operator"] == "OR" and set(sent) == {"operator", "value"}
        for one in sent["value"]:
            assert set(one) == {"field", "operator", "value"}
            assert one["field"] == "phone" and one["operator"] in ("$", "=")
            assert set(one["value"]) <= PHONE_CHARS
        assert {"field": "phone", "operator": "=", "value": query.phone.e164} in sent["value"]


async def try_query(connector: IntercomConnector, fake: IntercomFake, query: Query) -> str:
    fake.calls.clear()
    try:
        await connector.find_people(query)
    except InvalidInput:
        assert fake.calls == []  # refused before any request
        return "refused"
    assert_meaning_kept(fake, query)
    return "sent"


def test_there_are_enough_vectors() -> None:
    assert len(VECTORS) >= 40 and len(set(VECTORS)) == len(VECTORS)


@pytest.mark.parametrize("vector", VECTORS)
async def test_typed(connector: IntercomConnector, fake: IntercomFake, vector: str) -> None:
    try:
        query = parse_query(vector, "US")
    except QueryError:
        return  # the app refuses it before any connector sees it
    await try_query(connector, fake, query)


@pytest.mark.parametrize("vector", VECTORS)
async def test_injected(connector: IntercomConnector, fake: IntercomFake, vector: str) -> None:
    outcomes = [
        await try_query(connector, fake, Query(QueryKind.NAME, vector, name=vector)),
        await try_query(connector, fake, Query(QueryKind.EMAIL, vector, email=vector)),
        await try_query(
            connector, fake, Query(QueryKind.EMAIL, vector, email=f"maria{vector}@example.com")
        ),
    ]
    phone = parse_query("+1 415 555 0132", "US").phone
    assert phone is not None
    for part in ("e164", "national_digits", "national_formatted", "international_formatted"):
        injected = replace(phone, **{part: getattr(phone, part) + vector})
        outcomes.append(
            await try_query(connector, fake, Query(QueryKind.PHONE, vector, phone=injected))
        )
    # None is an email address, and a phone part holding more than its number never goes out;
    # a name, or an address like maria%@example.com, may go out, verbatim (checked above).
    assert outcomes[1] == "refused" and outcomes[3:] == ["refused"] * 4


async def test_a_confusable_name_is_sent_verbatim_not_folded(
    connector: IntercomConnector, fake: IntercomFake
) -> None:
    confusable = "M\u0430ria"  # a Cyrillic a
    query = Query(QueryKind.NAME, confusable, name=confusable)
    assert await try_query(connector, fake, query) == "sent"
    assert await connector.find_people(query) == []
