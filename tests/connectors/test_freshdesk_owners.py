"""Freshdesk owners and hand-off (issue 15): a ticket's agent and group named from the account's
directory, read once and without a round trip of its own; the hand-off assigns, then notes."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from cx_tui.connectors.base import Capability, InvalidInput, Unsupported
from cx_tui.connectors.freshdesk import CONNECTOR, FreshdeskConnector
from cx_tui.connectors.kit import marker
from cx_tui.handoff import assignment, hand_off_to
from cx_tui.identity import parse_query
from cx_tui.models import (
    Assignment,
    Details,
    NoteTarget,
    Owner,
    OwnerRole,
    SourceRef,
    TargetKind,
)
from cx_tui.outbox import Outbox, OutboxWorker
from cx_tui.store import Store
from tests.connectors.freshdesk_fake import FRESHDESK_KEY, FreshdeskFake, seeded
from tests.connectors.test_freshdesk_round_trips import Waves

pytestmark = pytest.mark.asyncio

NAME = "Support desk"
KEY = "5b1e2c3d-4f50-4a6b-8c7d-9e0f1a2b3c4d"
PRIYA, BILLING, TIER2 = 77000002, 41000001, 41000002


def account() -> FreshdeskFake:
    fake = seeded()
    fake.add_agent(PRIYA, "Priya Shah", "priya@acme.example")
    fake.add_group(BILLING, "Billing", [PRIYA])
    fake.add_group(TIER2, "Tier 2")
    fake.add_ticket(10, 1, "Invoice is wrong", 2)
    fake.add_ticket(11, 1, "Old question", 5)
    fake.add_ticket(20, 2, "Bob's router", 2)
    fake.tickets[10] |= {"responder_id": PRIYA, "group_id": BILLING}
    fake.tickets[11] |= {"responder_id": None, "group_id": TIER2}
    fake.tickets[20] |= {"responder_id": None, "group_id": BILLING}
    return fake


def make(fake: FreshdeskFake, transport: Any = None) -> FreshdeskConnector:
    settings = {"domain": "acme", "default_region": "US"}
    return CONNECTOR(NAME, settings, FRESHDESK_KEY, transport=transport or fake.transport())


async def lookup(fd: FreshdeskConnector, text: str) -> dict[str, Details]:
    matches = await fd.find_people(parse_query(text, "US"))
    return {m.person.ref.record_id: await fd.get_details(m) for m in matches}


def owners_by_ticket(details: Details) -> dict[str, set[tuple[OwnerRole, str, str | None]]]:
    return {
        t.ref.record_id: {(o.role, o.name, o.owner_id) for o in t.owners} for t in details.tickets
    }


async def test_a_tickets_agent_and_group_are_named_with_their_ids() -> None:
    fake = account()
    fd = make(fake)
    found = await lookup(fd, "maria@example.com")
    await fd.aclose()
    owners = owners_by_ticket(found["1"])
    assert owners["10"] == {
        (OwnerRole.ASSIGNEE, "Priya Shah", str(PRIYA)),
        (OwnerRole.GROUP, "Billing", str(BILLING)),
    }
    assert owners["11"] == {(OwnerRole.GROUP, "Tier 2", str(TIER2))}  # unassigned agent
    [ticket] = [t for t in found["1"].tickets if t.ref.record_id == "10"]
    assert all(o.ref == ticket.ref and o.source == NAME for o in ticket.owners)
    # The lists were read (100 a page), never an agent or group one by one.
    [agents] = fake.calls_to("GET", r"^/api/v2/agents$")
    assert agents.params == {"per_page": "100", "page": "1"}
    assert len(fake.calls_to("GET", r"^/api/v2/groups$")) == 1
    assert not fake.calls_to("GET", r"^/api/v2/(agents|groups)/\d+$")


async def test_the_directory_is_read_once_for_every_candidate_and_lookup() -> None:
    fake = account()
    fd = make(fake)
    shared = await lookup(fd, "+1 415 555 0132")  # Maria and Bob share the number
    assert owners_by_ticket(shared["2"])["20"] == {(OwnerRole.GROUP, "Billing", str(BILLING))}
    await lookup(fd, "maria@example.com")
    await fd.aclose()
    assert len(fake.calls_to("GET", r"^/api/v2/agents$")) == 1
    assert len(fake.calls_to("GET", r"^/api/v2/groups$")) == 1


async def test_owner_names_add_no_round_trip() -> None:
    fake = account()
    waves = Waves(fake.transport())
    fd = make(fake, waves)
    found = await lookup(fd, "+1 415 555 0132")
    await fd.aclose()
    assert owners_by_ticket(found["1"])["10"]
    assert len(waves.log) == 3, waves.log  # as without owners (test_freshdesk_round_trips)
    second = waves.log[1]
    assert "GET /api/v2/agents?page&per_page" in second
    assert "GET /api/v2/groups?page&per_page" in second


async def test_the_directory_is_read_again_after_fifteen_minutes() -> None:
    from cx_tui.connectors.freshdesk.owners import DIRECTORY_SECONDS

    fake = account()
    fd = make(fake)
    now = [0.0]
    fd._directory.clock = lambda: now[0]
    await lookup(fd, "maria@example.com")
    fake.add_agent(77000009, "New Hire", "new@acme.example")
    fake.tickets[10] |= {"responder_id": 77000009}
    now[0] += DIRECTORY_SECONDS - 1
    await lookup(fd, "maria@example.com")  # asked alone: the directory is still good
    assert len(fake.calls_to("GET", r"^/api/v2/agents$")) == 1
    now[0] += 1
    fake.add_agent(77000010, "Second Hire", "second@acme.example")
    fake.tickets[10] |= {"responder_id": 77000010}
    found = await lookup(fd, "maria@example.com")
    await fd.aclose()
    assert (OwnerRole.ASSIGNEE, "Second Hire", "77000010") in owners_by_ticket(found["1"])["10"]
    assert len(fake.calls_to("GET", r"^/api/v2/agents$")) == 2
    assert len(fake.calls_to("GET", r"^/api/v2/groups$")) == 2
    assert not fake.calls_to("GET", r"^/api/v2/agents/77000010$")  # the new list named them


async def test_an_id_the_directory_lacks_is_asked_alone_once() -> None:
    fake = account()
    fd = make(fake)
    await lookup(fd, "maria@example.com")  # the directory is read
    fake.add_agent(77000009, "New Hire", "new@acme.example")
    fake.add_group(41000009, "Escalations")
    fake.tickets[10] |= {"responder_id": 77000009, "group_id": 41000099}  # that group is gone
    first = await lookup(fd, "maria@example.com")
    again = await lookup(fd, "maria@example.com")
    await fd.aclose()
    expected = {(OwnerRole.ASSIGNEE, "New Hire", "77000009")}
    assert owners_by_ticket(first["1"])["10"] == expected
    assert owners_by_ticket(again["1"])["10"] == expected
    assert len(fake.calls_to("GET", r"^/api/v2/agents/77000009$")) == 1
    assert len(fake.calls_to("GET", r"^/api/v2/groups/41000099$")) == 1  # 404, remembered
    assert len(fake.calls_to("GET", r"^/api/v2/agents$")) == 1


async def test_a_key_that_may_not_read_agents_or_groups_still_gets_its_tickets() -> None:
    fake = account()
    fake.denied |= {"agents", "groups"}  # a plain agent: admins only (privileges.rb)
    fd = make(fake)
    found = await lookup(fd, "maria@example.com")
    await lookup(fd, "maria@example.com")
    await fd.aclose()
    details = found["1"]
    assert {t.ref.record_id for t in details.tickets} == {"10", "11"}
    assert all(not t.owners for t in details.tickets)
    assert not details.failed_parts
    # Refused once, never asked again by this connector.
    assert len(fake.calls_to("GET", r"^/api/v2/agents")) == 1
    assert len(fake.calls_to("GET", r"^/api/v2/groups")) == 1


async def test_a_failing_directory_leaves_names_out_of_this_lookup_only() -> None:
    from tests.connectors.vendor_fakes import Resp

    fake = account()
    fake.override("GET", r"^/api/v2/groups", Resp(503))  # the list and each group
    fd = make(fake)
    first = await lookup(fd, "maria@example.com")
    assert owners_by_ticket(first["1"])["11"] == set()
    assert not first["1"].failed_parts
    fake.clear_overrides()
    again = await lookup(fd, "maria@example.com")
    await fd.aclose()
    assert owners_by_ticket(again["1"])["11"] == {(OwnerRole.GROUP, "Tier 2", str(TIER2))}


async def test_a_freshdesk_group_is_what_the_hand_off_assigns() -> None:
    fake = account()
    fake.tickets[10] |= {"responder_id": None, "group_id": None}
    fd = make(fake)
    found = await lookup(fd, "maria@example.com")
    await fd.aclose()
    by_id = {t.ref.record_id: t for t in found["1"].tickets}
    crm = Owner(OwnerRole.CONTACT_OWNER, "Alex Rivera", SourceRef("CRM", "c-1"), "o-1")
    chosen = hand_off_to([*by_id["11"].owners, crm], by_id["10"])
    assert assignment(chosen, by_id["10"]) == Assignment("group", str(TIER2), "Tier 2")


# --- the hand-off write ----------------------------------------------------------------------


def target(ticket: str = "10") -> NoteTarget:
    return NoteTarget(TargetKind.TICKET, SourceRef(NAME, ticket))


def note_body(text: str) -> dict[str, Any]:
    return {"body": f"{text}<br><br>{marker(KEY)}", "private": True}


@pytest.mark.parametrize(
    ("assign", "fields"),
    [
        (Assignment("group", str(TIER2), "Tier 2"), {"group_id": TIER2}),
        (Assignment("assignee", str(PRIYA), "Priya Shah"), {"responder_id": PRIYA}),
    ],
)
async def test_hand_off_assigns_then_writes_the_note_exactly_once(
    assign: Assignment, fields: dict[str, int]
) -> None:
    fake = account()
    fd = make(fake)
    assert Capability.ASSIGN in fd.capabilities
    text = f"Handing off to {assign.name}"
    receipt = await fd.hand_off(target(), text, KEY, assign)
    writes = [c for c in fake.calls if c.method in ("PUT", "POST")]
    assert [(c.method, c.path) for c in writes] == [
        ("PUT", "/api/v2/tickets/10"),
        ("POST", "/api/v2/tickets/10/notes"),
    ]
    assert writes[0].json == fields  # nothing else about the ticket is touched
    assert writes[1].json == note_body(text)
    assert fake.tickets[10][next(iter(fields))] == next(iter(fields.values()))
    assert not receipt.duplicate and receipt.ref.record_id.startswith("conversation-")
    again = await fd.hand_off(target(), text, KEY, assign)
    await fd.aclose()
    assert again.duplicate and again.ref.key == receipt.ref.key
    assert len([c for c in fake.calls if c.method in ("PUT", "POST")]) == 2


async def test_hand_off_refuses_before_sending() -> None:
    fake = account()
    fd = make(fake)
    with pytest.raises(InvalidInput):
        await fd.hand_off(target(), "x", KEY, Assignment("group", "owner-1", "Tier 2"))
    with pytest.raises(Unsupported):
        person = NoteTarget(TargetKind.PERSON, SourceRef(NAME, "1"))
        await fd.hand_off(person, "x", KEY, Assignment("group", str(TIER2), "Tier 2"))
    await fd.aclose()
    assert not [c for c in fake.calls if c.method in ("PUT", "POST")]


async def test_a_group_freshdesk_does_not_know_fails_with_its_message_and_no_note() -> None:
    from cx_tui.connectors.base import BadResponse

    fake = account()
    fd = make(fake)
    with pytest.raises(BadResponse, match="There is no group matching the given group_id"):
        await fd.hand_off(target(), "x", KEY, Assignment("group", "41000404", "Gone"))
    await fd.aclose()
    assert not fake.calls_to("POST", r"/notes$")


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with Store(tmp_path / "state.db") as opened:
        yield opened


async def deliver_hand_off(store: Store, fake: FreshdeskFake) -> None:
    """Queue a hand-off to Tier 2 on ticket 10 and let the outbox worker deliver it."""
    fd = make(fake)
    payload = {"assign": Assignment("group", str(TIER2), "Tier 2").payload()}
    Outbox(store).enqueue("Handing off to Tier 2", [target()], payload=payload)
    counts = await OutboxWorker(store, {NAME: fd}).deliver_once()
    await fd.aclose()
    assert counts.delivered == 1


async def test_the_outbox_hands_off_through_freshdesk(store: Store) -> None:
    fake = account()
    await deliver_hand_off(store, fake)
    [put] = fake.calls_to("PUT", r"^/api/v2/tickets/10$")
    assert put.json == {"group_id": TIER2}
    [note] = fake.calls_to("POST", r"/tickets/10/notes$")
    assert note.json["private"] is True and "Handing off to Tier 2" in note.json["body"]


async def test_a_key_that_may_not_assign_gets_the_note_alone(store: Store) -> None:
    fake = account()
    fake.denied.add("update_ticket")  # no "edit ticket properties" privilege: 403
    await deliver_hand_off(store, fake)
    assert fake.tickets[10]["group_id"] == BILLING  # unchanged
    [note] = fake.calls_to("POST", r"/tickets/10/notes$")
    assert "Handing off to Tier 2" in note.json["body"]


async def test_the_check_says_when_owner_names_cannot_be_read() -> None:
    fake = account()
    assert not [d for d in (await make(fake).check()).details if "may not read" in d]
    fake.denied |= {"agents", "groups"}
    report = await make(fake).check()
    assert report.ok
    said = " | ".join(report.details)
    assert "may not read agents" in said and "may not read groups" in said


class HeldAgents(httpx.AsyncBaseTransport):
    """Holds the agent list's answer until `release` is set (a directory that is slow today)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.release = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v2/agents":
            await self.release.wait()
        return await self.inner.handle_async_request(request)


async def test_a_slow_directory_does_not_hold_the_tickets_and_names_come_next_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cx_tui.connectors.freshdesk import owners

    monkeypatch.setattr(owners, "NAMES_WAIT", 0.05)
    fake = account()
    held = HeldAgents(fake.transport())
    fd = make(fake, held)
    first = await lookup(fd, "maria@example.com")
    assert {t.ref.record_id for t in first["1"].tickets} == {"10", "11"}
    assert not any(o.role is OwnerRole.ASSIGNEE for t in first["1"].tickets for o in t.owners)
    assert not fake.calls_to("GET", r"^/api/v2/agents/\d+$")  # not asked alone meanwhile
    assert fd._directory.running
    held.release.set()
    await fd._directory.join(wait=60)  # the listing went on in the background
    assert not fd._directory.running
    again = await lookup(fd, "maria@example.com")
    await fd.aclose()
    assert (OwnerRole.ASSIGNEE, "Priya Shah", str(PRIYA)) in owners_by_ticket(again["1"])["10"]
    assert len(fake.calls_to("GET", r"^/api/v2/agents$")) == 1
