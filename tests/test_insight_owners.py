"""Who to loop in (issue 15, item 4): owners in every source, on the card and in the JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from cx_tui.connectors.hubspot import HubSpotConnector
from cx_tui.connectors.zendesk import ZendeskConnector
from cx_tui.export import profile_json
from cx_tui.identity import parse_query
from cx_tui.insight.owners import owner_label, owners
from cx_tui.insight.redact import redact
from cx_tui.lookup import LookupEngine
from cx_tui.models import (
    Match,
    MatchReason,
    Owner,
    OwnerRole,
    Person,
    Profile,
    ProfileState,
    SourceRef,
    Ticket,
    TicketStatus,
)
from tests.connectors.test_hubspot import connector as connector
from tests.connectors.test_hubspot import fake as fake
from tests.connectors.test_hubspot import q
from tests.connectors.test_zendesk import NAME, SETTINGS
from tests.connectors.vendor_fakes import NOW, ZENDESK_TOKEN, ZendeskFake


@pytest.fixture
async def zendesk() -> AsyncIterator[tuple[ZendeskFake, ZendeskConnector]]:
    fake = ZendeskFake()
    fake.agents[9002] = {"id": 9002, "name": "Priya Shah", "role": "agent"}
    fake.groups[360001] = {"id": 360001, "name": "Support"}
    fake.groups[360002] = {"id": 360002, "name": "Billing"}
    fake.add_user(501, "Maria Gonzalez", "maria@example.com", "+1 415 555 0132")
    fake.add_ticket(3001, 501, "Invoice is wrong", "open")
    fake.tickets[3001].update(assignee_id=9002, group_id=360002)
    fake.add_ticket(3002, 501, "Old thing", "solved")
    fake.tickets[3002].update(assignee_id=None, group_id=999)  # a group it did not side-load
    connector = ZendeskConnector(NAME, SETTINGS, ZENDESK_TOKEN, transport=fake.transport())
    yield fake, connector
    await connector.aclose()


async def test_zendesk_tickets_name_their_assignee_and_group_in_the_same_requests(
    zendesk: tuple[ZendeskFake, ZendeskConnector],
) -> None:
    fake, connector = zendesk
    engine = LookupEngine([connector])
    profile = await engine.lookup(parse_query("+1 415 555 0132"))
    by_id = {t.ref.record_id: t for t in profile.tickets}
    assert [(o.role, o.name, o.owner_id) for o in by_id["3001"].owners] == [
        (OwnerRole.ASSIGNEE, "Priya Shah", "9002"),
        (OwnerRole.GROUP, "Billing", "360002"),
    ]
    assert by_id["3002"].owners == ()  # an id without a name is left out
    ticket_searches = [
        c.params
        for c in fake.calls_to("GET", r"/api/v2/search")
        if "type:ticket" in c.params["query"]
    ]
    assert len(ticket_searches) == 2  # side-loaded: no request per user or group
    assert all("users,groups" in p["include"] for p in ticket_searches)
    assert not fake.calls_to("GET", r"/api/v2/groups")
    # the open ticket's people, with the source that says so
    assert [owner_label(o) for o in owners(profile)] == [
        "Priya Shah (Acme Zendesk ticket assignee)",
        "Billing (Acme Zendesk ticket group)",
    ]


async def test_hubspot_names_the_contact_owner(connector: HubSpotConnector) -> None:
    [match] = await connector.find_people(q("maria.gonzalez@example.com"))
    [owner] = match.person.owners
    assert (owner.role, owner.name, owner.owner_id) == (OwnerRole.CONTACT_OWNER, "Sam Owner", "77")
    assert owner.ref == match.person.ref


def _profile() -> Profile:
    crm = SourceRef("Demo CRM", "c-1")
    desk = SourceRef("Demo Helpdesk", "1008")
    old = SourceRef("Demo Helpdesk", "1001")
    person = Person(
        crm,
        name="Maria Gonzalez",
        owners=(Owner(OwnerRole.CONTACT_OWNER, "Alex Rivera", crm, "u-7"),),
    )
    open_ticket = Ticket(
        desk,
        "Login fails",
        TicketStatus.OPEN,
        NOW - timedelta(hours=2),
        NOW,
        owners=(
            Owner(OwnerRole.ASSIGNEE, "Priya Shah", desk, "9002"),
            Owner(OwnerRole.GROUP, "Billing", desk, "360002"),
        ),
    )
    solved = Ticket(
        old,
        "Old thing",
        TicketStatus.SOLVED,
        NOW - timedelta(days=40),
        NOW - timedelta(days=39),
        owners=(Owner(OwnerRole.ASSIGNEE, "Someone Else", old, "1"),),
    )
    return Profile(
        "+14155550132",
        ProfileState.RESOLVED,
        tickets=(open_ticket, solved),
        matches=(Match(person, MatchReason.EXACT_E164, 1.0),),
    )


def test_owners_are_crm_first_then_the_open_tickets_people() -> None:
    found = owners(_profile())
    assert [(o.role.value, o.name, o.source) for o in found] == [
        ("contact owner", "Alex Rivera", "Demo CRM"),
        ("ticket assignee", "Priya Shah", "Demo Helpdesk"),
        ("ticket group", "Billing", "Demo Helpdesk"),
    ]  # the solved ticket's assignee is not who owns the customer now


def test_a_source_with_no_open_ticket_gives_its_latest_tickets_people() -> None:
    profile = _profile()
    only_solved = Profile(
        profile.query, profile.state, tickets=profile.tickets[1:], matches=profile.matches
    )
    assert [o.name for o in owners(only_solved)] == ["Alex Rivera", "Someone Else"]


def test_owners_in_the_json_and_masked() -> None:
    profile = _profile()
    rows = profile_json(profile, [], "phone")["owners"]
    assert rows[0] == {
        "role": "contact owner",
        "name": "Alex Rivera",
        "source": "Demo CRM",
        "record": "c-1",
        "owner_id": "u-7",
    }
    masked = profile_json(redact(profile), [], "phone")["owners"]
    assert [r["name"] for r in masked] == ["A. R.", "P. S.", "Billing"]  # a group stays
    assert "Alex Rivera" not in str(profile_json(redact(profile), [], "phone"))


def test_an_owner_tag_is_masked_too() -> None:
    crm = SourceRef("HubSpot", "1")
    person = Person(crm, name="Maria Gonzalez", tags=("owner: Sam Owner", "lifecycle: customer"))
    profile = Profile("x", ProfileState.RESOLVED, matches=(Match(person, MatchReason.NAME, 0.5),))
    assert redact(profile).matches[0].person.tags == ("owner: S. O.", "lifecycle: customer")
