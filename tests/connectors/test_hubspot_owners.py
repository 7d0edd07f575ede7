"""HubSpot's owner names off the lookup path (`hubspot/owners.py` on `kit.background`): the
listing (`GET /crm/v3/owners`) runs in the background, the search never waits for it, a failed
one is not asked again within the backoff, and the names appear once it succeeds.

Requests go through respx to the HubSpot double (`vendor_fakes.HubSpotFake`), except the
routes a test holds or breaks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from cx_tui.connectors.hubspot import HubSpotConnector
from cx_tui.connectors.hubspot.owners import OWNER_RETRY_SECONDS
from cx_tui.identity import parse_query
from cx_tui.models import OwnerRole
from tests.connectors.vendor_fakes import HUBSPOT_TOKEN, HubSpotFake

pytestmark = pytest.mark.asyncio

API = "https://api.hubapi.com"
MARIA = "+1 415 555 0132"
"""Maria Gonzalez, owned by Sam Owner (77)."""
WALK_IN = "+1 415 555 0177"
"""A contact without an owner."""


@pytest.fixture
def fake() -> HubSpotFake:
    api = HubSpotFake()
    api.add("contacts", "101", firstname="Maria", lastname="Gonzalez", phone="(415) 555-0132",
            hubspot_owner_id="77")  # fmt: skip
    api.add("contacts", "105", firstname="Walk", lastname="In", phone="(415) 555-0177")
    api.owners["77"] = {"id": "77", "email": "sam@acme.example", "firstName": "Sam",
                        "lastName": "Owner"}  # fmt: skip
    return api


@pytest.fixture
def router() -> respx.MockRouter:
    return respx.MockRouter(base_url=API, assert_all_called=False)


@pytest.fixture
async def connector(router: respx.MockRouter) -> AsyncIterator[HubSpotConnector]:
    found = HubSpotConnector("Acme HubSpot", {"default_region": "US"}, HUBSPOT_TOKEN,
                             transport=httpx.MockTransport(router.async_handler))  # fmt: skip
    try:
        yield found
    finally:
        await found.aclose()


def to_double(router: respx.MockRouter, fake: HubSpotFake) -> None:
    """Every request the test's own routes (added before) do not take goes to the double."""
    router.route(name="double").mock(side_effect=fake.transport().handle_request)


async def until(condition: Any, what: str) -> None:
    """Let the loop run until `condition()` holds (a deadline, not a timed assertion)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while not condition():
        assert loop.time() < deadline, what
        await asyncio.sleep(0.01)


def owner_tags(matches: list[Any]) -> list[str]:
    return [t for m in matches for t in m.person.tags if t.startswith("owner: ")]


async def test_the_search_result_does_not_wait_for_a_slow_owner_listing(
    fake: HubSpotFake, router: respx.MockRouter, connector: HubSpotConnector
) -> None:
    events: list[str] = []
    release = asyncio.Event()

    async def held(request: httpx.Request) -> httpx.Response:
        events.append("listing asked")
        try:
            await release.wait()
        except asyncio.CancelledError:
            events.append("listing cancelled")
            raise
        events.append("listing answered")
        return fake.transport().handle_request(request)

    listing = router.get("/crm/v3/owners").mock(side_effect=held)
    to_double(router, fake)

    matches = await connector.find_people(parse_query(WALK_IN, "US"))
    events.append("search result")
    assert [m.person.ref.record_id for m in matches] == ["105"]
    # Asked beside the search, still held when the result came, and left running.
    assert events == ["listing asked", "search result"]

    release.set()
    await until(lambda: "listing answered" in events, "the listing went on in the background")
    matches = await connector.find_people(parse_query(MARIA, "US"))
    assert owner_tags(matches) == ["owner: Sam Owner"]
    [maria] = matches
    assert [(o.role, o.name, o.owner_id) for o in maria.person.owners] == [
        (OwnerRole.CONTACT_OWNER, "Sam Owner", "77")
    ]
    assert listing.call_count == 1  # listed once, kept
    assert not fake.calls_to("GET", r"/crm/v3/owners/77$")  # the listing named her owner
    assert "listing cancelled" not in events


async def test_a_failed_listing_waits_for_the_backoff_and_owners_appear_once_it_succeeds(
    fake: HubSpotFake, router: respx.MockRouter, connector: HubSpotConnector
) -> None:
    now = [1000.0]
    connector._owner_listing.clock = lambda: now[0]
    down = {"now": True}

    def flaky(request: httpx.Request) -> httpx.Response:
        if down["now"]:  # no answer in time (a lookup's requests do not retry a timeout)
            raise httpx.ReadTimeout("no answer", request=request)
        return fake.transport().handle_request(request)

    listing = router.get("/crm/v3/owners").mock(side_effect=flaky)
    router.get("/crm/v3/owners/77").mock(side_effect=flaky)
    to_double(router, fake)

    matches = await connector.find_people(parse_query(MARIA, "US"))
    assert [m.person.ref.record_id for m in matches] == ["101"]  # everything else is there
    assert owner_tags(matches) == [] and matches[0].person.owners == ()
    asked = listing.call_count
    assert asked >= 1

    for _ in range(2):  # within the backoff: the listing is not asked again
        now[0] += (OWNER_RETRY_SECONDS - 1) / 2
        matches = await connector.find_people(parse_query(MARIA, "US"))
        assert owner_tags(matches) == []
    assert listing.call_count == asked

    down["now"] = False
    now[0] += 2  # past the backoff
    matches = await connector.find_people(parse_query(MARIA, "US"))
    assert owner_tags(matches) == ["owner: Sam Owner"]
    assert listing.call_count == asked + 1
    now[0] += 10 * OWNER_RETRY_SECONDS
    await connector.find_people(parse_query(WALK_IN, "US"))
    assert listing.call_count == asked + 1  # listed: kept for the connector's life
