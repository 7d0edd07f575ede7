"""A source behind the team cache keeps every behaviour of its connector: a `Connector` default
answering in its place would quietly drop a vendor's own (a hand-off's assignment, adding a
number, the exactly-once checks, the formatted note's length, trouble spots)."""

from __future__ import annotations

import inspect

from cx_tui.connectors.base import Connector
from cx_tui.identity import parse_query
from cx_tui.models import NoteTarget, TargetKind
from cx_tui.team.source import SharedSource
from tests.team.agents import PHONE, agent, hubspot_fake
from tests.team.conftest import RedisServer

KEY = "5f0c7a52-6f1e-4d7b-9a53-0b8f0f3a9c11"
GENERIC = {"setup", "supports", "all_options"}
"""Members whose `Connector` definition is right for a shared source too: `setup` reads the
settings (the inner connector already did), `supports` reads `offered`, `all_options` the
class's `options` (copied from the vendor's class)."""


def test_every_member_a_connector_may_override_is_forwarded() -> None:
    members = {
        name
        for name, value in vars(Connector).items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or isinstance(value, property | classmethod))
    }
    assert {"hand_off", "add_phone", "find_delivery", "formatted_length"} <= members
    missing = sorted(members - GENERIC - set(vars(SharedSource)))
    assert missing == [], f"SharedSource answers these with Connector's defaults: {missing}"


async def test_a_shared_hubspot_does_what_hubspot_does(redis_server: RedisServer) -> None:
    fake = hubspot_fake()
    one = agent(redis_server.url, fake)
    [source] = one.engine.connectors
    assert isinstance(source, SharedSource)
    inner = source.inner
    [match] = await one.engine.search_one(source.name, parse_query(PHONE, "US"))
    person = NoteTarget(TargetKind.PERSON, match.person.ref)

    # HubSpot's own rules, not the defaults: its note body is HTML, its writes settle.
    text = "Line one\nLine two <with> & more"
    assert source.formatted_length(person, text) == inner.formatted_length(person, text)
    assert source.formatted_length(person, text) != len(text)
    assert source.settle_seconds == inner.settle_seconds > 0
    assert source.note_text(text) == inner.note_text(text)

    # Exactly once: a written note is found again by its key.
    receipt = await source.add_note(person, "Called about the port", KEY)
    found = await source.find_delivery(person, KEY)
    assert found is not None and found.ref.key == receipt.ref.key

    # Adding a number reaches HubSpot (the default refuses) and forgets the cached searches.
    await source.add_phone(match.person.ref, "+14155550177", KEY)
    assert len(fake.calls_to("PATCH", r"^/crm/v3/objects/contacts/101$")) == 1
    before = len(fake.calls_to("POST", r"/crm/v3/objects/contacts/search"))
    await one.engine.search_one(source.name, parse_query(PHONE, "US"))
    assert len(fake.calls_to("POST", r"/crm/v3/objects/contacts/search")) > before
    await one.engine.aclose()
