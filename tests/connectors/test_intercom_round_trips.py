"""Dependent round trips of a full Intercom lookup (issue 16: at most 3 for a phone, 2 for an
email), counted on the double with every request delayed: a request that starts only after
another ended is one round trip further than it."""

from __future__ import annotations

import asyncio

import pytest

from cx_tui.connectors.intercom import IntercomConnector
from cx_tui.identity import parse_query
from cx_tui.models import Details, Match
from tests.connectors.intercom_fake import INTERCOM_TOKEN, T0, IntercomFake
from tests.connectors.round_trips import SlowTransport, Timed, depth


@pytest.fixture
def fake() -> IntercomFake:
    return account()


def account() -> IntercomFake:
    """Maria and the front desk on one number; Maria's conversations with notes, a ticket."""
    api = IntercomFake()
    api.add_contact("6762f0d01bb69f9f2193bb7d", "Maria Gonzalez", "maria@example.com",
                    "+1 (415) 555-0132")  # fmt: skip
    api.add_contact("6762f0d01bb69f9f2193bb7e", "Front Desk", "desk@example.com", "4155550132")
    api.tag_contact("6762f0d01bb69f9f2193bb7d", "71", "VIP")
    api.add_company("co1", "Acme Corp", plan="Pro", contacts=["6762f0d01bb69f9f2193bb7d"])
    for n, state in enumerate(("open", "snoozed", "open", "closed")):
        cid = str(215470 + n)
        api.add_conversation(cid, "6762f0d01bb69f9f2193bb7d", f"Case {n}", state,
                             updated_at=T0 - 60 * n)  # fmt: skip
        api.add_part(cid, "note", f"Tried: step {n}")
    api.add_ticket("301", "6762f0d01bb69f9f2193bb7d", "Refund", "in_progress")
    return api


async def full_lookup(fake: IntercomFake, text: str) -> tuple[list[Match], list[Details], int]:
    """What the engine does: find, then every match's details side by side."""
    transport = SlowTransport(fake.transport())
    connector = IntercomConnector("Acme Intercom", {"default_region": "US"}, INTERCOM_TOKEN,
                                  transport=transport)  # fmt: skip
    try:
        matches = await connector.find_people(parse_query(text, "US"))
        details = await asyncio.gather(*(connector.get_details(m) for m in matches))
    finally:
        await connector.aclose()
    return matches, list(details), depth(transport.log)


def notes(details: Details) -> set[str]:
    return {c.body for t in details.tickets for c in t.comments if not c.public}


async def test_a_phone_lookup_takes_three_dependent_round_trips(fake: IntercomFake) -> None:
    matches, details, trips = await full_lookup(fake, "+1 415 555 0132")
    assert len(matches) == 2
    maria = details[[m.person.name for m in matches].index("Maria Gonzalez")]
    # Everything the first screen shows: the tag, the company, open conversations first with
    # their internal notes, the ticket.
    assert "VIP" in matches[[m.person.name for m in matches].index("Maria Gonzalez")].person.tags
    assert [c.name for c in maria.companies] == ["Acme Corp"]
    assert notes(maria) == {"Tried: step 0", "Tried: step 1", "Tried: step 2"}
    assert trips == 3


async def test_an_email_lookup_takes_two(fake: IntercomFake) -> None:
    matches, details, trips = await full_lookup(fake, "maria@example.com")
    assert [m.person.name for m in matches] == ["Maria Gonzalez"]
    assert matches[0].person.tags == ("VIP",)
    assert notes(details[0]) == {"Tried: step 0", "Tried: step 1", "Tried: step 2"}
    assert trips == 2


async def test_an_open_conversation_the_email_did_not_start_costs_a_third(
    fake: IntercomFake,
) -> None:
    # Started by a teammate (outbound): round one's `source.author.email` search misses it,
    # so its parts are read after the contact's conversations are known.
    outbound = fake.add_conversation("215480", "6762f0d01bb69f9f2193bb7d", "Outbound", "open",
                                     updated_at=T0)  # fmt: skip
    outbound["source"]["author"] = {"type": "admin", "id": "991267459", "email": "ana@acme.example"}
    fake.add_part("215480", "note", "Tried: outbound call")
    _, details, trips = await full_lookup(fake, "maria@example.com")
    assert "Tried: outbound call" in notes(details[0])
    assert trips == 3


def test_depth_counts_chains_not_requests() -> None:
    side_by_side = [Timed("a", 0, 1), Timed("b", 0, 1), Timed("c", 0.5, 1.5)]
    assert depth(side_by_side) == 1
    assert depth([*side_by_side, Timed("d", 1.5, 2), Timed("e", 2.1, 3)]) == 3
