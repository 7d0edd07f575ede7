"""Issue 14, attach to existing, through the HubSpot and Zendesk doubles: an unknown number is
added to a person the agent found by name or email (through the outbox), the next lookup of the
number is that person, the same key (or the same number) writes once, and a vendor's refusal
fails the outbox item in the vendor's words while the agent's pick is kept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from cx_tui.attach import attach, attach_sources, people
from cx_tui.config import load_config
from cx_tui.connectors.base import BadResponse, Capability, Unsupported
from cx_tui.identity import QueryError, link_point, parse_query
from cx_tui.models import ProfileState, SourceRef
from cx_tui.outbox import ItemKind, ItemState
from cx_tui.services import Services
from tests.connectors.test_identity_hops import HS, ZD, engine
from tests.connectors.vendor_fakes import HubSpotFake, ZendeskFake

NEW = "+1 415 555 0177"
NEW_E164 = "+14155550177"
KEY = "0b7e4c2a-5d2f-4f57-9a0c-3c1f7d2e9b41"


def doubles() -> tuple[HubSpotFake, ZendeskFake]:
    hubspot, zendesk = HubSpotFake(), ZendeskFake()
    hubspot.add(
        "contacts",
        "101",
        firstname="Jane",
        lastname="Doe",
        email="jane.doe@corp.example",
        phone="(415) 555-0132",
    )
    hubspot.add(
        "contacts",
        "102",
        firstname="Full",
        lastname="Phones",
        email="full@corp.example",
        phone="+1 415 555 0101",
        mobilephone="+1 415 555 0102",
    )
    zendesk.add_user(3001, "Jane Doe", "jane.doe@corp.example", "+14155550132")
    zendesk.add_user(3002, "Other Person", "other@corp.example", "+14155550188")
    return hubspot, zendesk


@pytest.fixture
async def services() -> AsyncIterator[tuple[Services, HubSpotFake, ZendeskFake]]:
    hubspot, zendesk = doubles()
    made = Services(load_config(), engine=engine(hubspot, zendesk))
    try:
        yield made, hubspot, zendesk
    finally:
        await made.aclose()


async def delivered(progress: Any) -> list[tuple[str, str]]:
    return [(state, message) async for _target, state, message in progress.updates()]


def connector(made: Services, name: str) -> Any:
    return next(c for c in made.engine.connectors if c.name == name)


# --- declared, offered ------------------------------------------------------------------


async def test_both_vendors_declare_it_and_the_unknown_number_offers_it(
    services: tuple[Services, HubSpotFake, ZendeskFake],
) -> None:
    from cx_tui.actions import ActionKind, suggest

    made, _, _ = services
    assert attach_sources(made.engine) == [HS, ZD]
    assert all(c.supports(Capability.UPDATE_PERSON) for c in made.engine.connectors)
    profile = await made.engine.lookup(parse_query(NEW, "US"))
    assert profile.state is ProfileState.UNKNOWN and profile.attach_to == (HS, ZD)
    kinds = [a.kind for a in suggest(profile)]
    assert kinds[:2] == [ActionKind.CREATE_CONTACT, ActionKind.ATTACH_NUMBER]
    # An email nobody knows has no number to add.
    by_email = await made.engine.lookup(parse_query("nobody@corp.example"))
    assert ActionKind.ATTACH_NUMBER not in [a.kind for a in suggest(by_email)]


async def test_the_search_is_by_name_or_email_in_one_source(
    services: tuple[Services, HubSpotFake, ZendeskFake],
) -> None:
    made, _, _ = services
    [jane] = await people(made.engine, HS, "jane.doe@corp.example", "US")
    assert (jane.source, jane.person.ref.record_id) == (HS, "101")
    [jane_zd] = await people(made.engine, ZD, "Jane Doe", "US")
    assert jane_zd.person.ref.record_id == "3001"
    with pytest.raises(QueryError, match="name or email"):
        await people(made.engine, HS, "+1 415 555 0132", "US")


# --- attach, then look the number up again ----------------------------------------------


@pytest.mark.parametrize(
    ("source", "search", "record"), [(HS, "Jane Doe", "101"), (ZD, "jane.doe@corp.example", "3001")]
)
async def test_attach_then_relookup_resolves_as_that_person(
    services: tuple[Services, HubSpotFake, ZendeskFake], source: str, search: str, record: str
) -> None:
    made, hubspot, zendesk = services
    query = parse_query(NEW, "US")
    assert (await made.engine.lookup(query)).state is ProfileState.UNKNOWN
    [jane] = await people(made.engine, source, search, "US")

    candidate, progress = attach(made, query, jane)

    assert candidate.matches[0].person.ref.key == (source, record)
    assert await delivered(progress) == [("queued", ""), ("delivered", "")]
    [item] = made.delivery.outbox.items([ItemState.DELIVERED])  # type: ignore[union-attr]
    assert (item.kind, item.text, item.target_label) == (
        ItemKind.ADD_PHONE,
        NEW_E164,
        f"{source}/person/{record}",
    )
    if source == HS:
        [patch] = hubspot.calls_to("PATCH", r"^/crm/v3/objects/contacts/101$")
        assert patch.json == {"properties": {"mobilephone": NEW_E164}}
    else:
        [post] = zendesk.calls_to("POST", r"^/api/v2/users/3001/identities$")
        assert post.json == {"identity": {"type": "phone_number", "value": NEW_E164}}
    # The link is remembered for the number, and the number now finds the person.
    link = made.store.remembered(link_point(query) or "")  # type: ignore[union-attr]
    assert link is not None and link.records == ((source, record),)
    profile = await made.engine.lookup(query)
    assert profile.state is ProfileState.RESOLVED, profile
    assert profile.value("name") == "Jane Doe"
    assert {m.source for m in profile.matches} == {
        HS,
        ZD,
    }  # the other through the same number or the hop


async def test_the_same_key_twice_writes_once_and_so_does_the_same_number(
    services: tuple[Services, HubSpotFake, ZendeskFake],
) -> None:
    made, hubspot, zendesk = services
    hs, zd = connector(made, HS), connector(made, ZD)
    person, user = SourceRef(HS, "101"), SourceRef(ZD, "3001")

    first = await hs.add_phone(person, NEW_E164, KEY)
    again = await hs.add_phone(person, NEW_E164, KEY)
    other_key = await hs.add_phone(person, NEW_E164, "1b7e4c2a-5d2f-4f57-9a0c-3c1f7d2e9b41")
    assert (first.duplicate, again.duplicate, other_key.duplicate) == (False, True, True)
    assert len(hubspot.calls_to("PATCH", r"/contacts/101$")) == 1
    # A number the contact already holds, written another way, is not written again.
    assert (await hs.add_phone(person, "+14155550132", KEY)).duplicate

    assert not (await zd.add_phone(user, NEW_E164, KEY)).duplicate
    assert (await zd.add_phone(user, NEW_E164, KEY)).duplicate
    assert (await zd.add_phone(user, "+14155550132", KEY)).duplicate
    assert len(zendesk.calls_to("POST", r"/users/3001/identities$")) == 1


# --- the vendor refuses -------------------------------------------------------------------


async def test_hubspot_without_a_free_phone_field_refuses_naming_both(
    services: tuple[Services, HubSpotFake, ZendeskFake],
) -> None:
    made, hubspot, _ = services
    with pytest.raises(Unsupported) as refused:
        await connector(made, HS).add_phone(SourceRef(HS, "102"), NEW_E164, KEY)
    assert "mobilephone" in refused.value.message and "phone is" in refused.value.message
    assert hubspot.calls_to("PATCH", r"/contacts/") == []


async def test_zendesk_refusal_fails_the_item_in_its_words_and_the_pick_is_kept(
    services: tuple[Services, HubSpotFake, ZendeskFake],
) -> None:
    made, _, zendesk = services
    taken = parse_query("+1 415 555 0188", "US")  # Other Person's number in Zendesk
    [jane] = await people(made.engine, ZD, "Jane Doe", "US")

    with pytest.raises(BadResponse, match="already being used by another user"):
        await connector(made, ZD).add_phone(jane.person.ref, "+14155550188", KEY)

    _, progress = attach(made, taken, jane)
    states = await delivered(progress)
    assert states[-1][0] == "failed"
    assert "Value: +14155550188 is already being used by another user" in states[-1][1]
    [item] = made.delivery.outbox.items([ItemState.FAILED])  # type: ignore[union-attr]
    assert "already being used by another user" in (item.last_error or "")
    assert item.attempts == 1  # refused for good, not retried
    link = made.store.remembered(link_point(taken) or "")  # type: ignore[union-attr]
    assert link is not None and link.records == ((ZD, "3001"),)
    assert len(zendesk.identities[3001]) == 2  # nothing was added


async def test_hubspot_refusal_through_the_outbox_keeps_the_pick(
    services: tuple[Services, HubSpotFake, ZendeskFake],
) -> None:
    made, _, _ = services
    query = parse_query(NEW, "US")
    [full] = await people(made.engine, HS, "full@corp.example", "US")
    _, progress = attach(made, query, full)
    states = await delivered(progress)
    assert states[-1][0] == "failed" and "no free phone field" in states[-1][1]
    assert made.store.remembered(NEW_E164) is not None  # type: ignore[union-attr]
