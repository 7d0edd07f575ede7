"""Hand-off (issue 15, item 4): a note naming who to loop in, and for Zendesk the assignment in
the same request, through the outbox, exactly once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from cx_tui.actions import ActionKind, suggest
from cx_tui.connectors.local import LocalConnector
from cx_tui.connectors.zendesk import ZendeskConnector
from cx_tui.handoff import assignment_of, queue_hand_off
from cx_tui.identity import parse_query
from cx_tui.models import (
    Assignment,
    NoteTarget,
    Owner,
    OwnerRole,
    SourceRef,
    TargetKind,
    Ticket,
    TicketStatus,
)
from cx_tui.outbox import Outbox, OutboxWorker
from cx_tui.store import Store
from tests.connectors.test_zendesk import NAME, SETTINGS
from tests.connectors.vendor_fakes import NOW, ZENDESK_TOKEN, ZendeskFake
from tests.test_insight_owners import _profile

KEY = "9a0c3c1f-7d2e-4b41-8f57-0b7e4c2a5d2f"


def _hand_off(profile=None):  # type: ignore[no-untyped-def]
    actions = [a for a in suggest(profile or _profile(), now=NOW) if a.rule == "hand_off"]
    return actions


def test_the_action_names_the_group_and_the_crm_owner() -> None:
    [action] = _hand_off()
    assert action.kind is ActionKind.HAND_OFF
    assert action.title == (
        "Hand off to Billing (Demo Helpdesk ticket group) / Alex Rivera (Demo CRM contact owner)"
    )
    assert action.target == SourceRef("Demo Helpdesk", "1008")
    assert "Billing" in action.prefill["note"] and "Alex Rivera" in action.prefill["note"]
    assert assignment_of(action) is None  # the ticket is Billing's already: nothing to assign


def _finance_elsewhere():  # type: ignore[no-untyped-def]
    """The open ticket without a group, and another open ticket of its source with one."""
    profile = _profile()
    ticket, solved = profile.tickets
    other = SourceRef("Demo Helpdesk", "1009")
    finance = Ticket(
        other,
        "Refund",
        TicketStatus.OPEN,
        NOW,
        NOW,
        owners=(Owner(OwnerRole.GROUP, "Finance", other, "360009"),),
    )
    ticket = replace(ticket, owners=ticket.owners[:1])  # no group on the first ticket
    return ticket, _hand_off(replace(profile, tickets=(ticket, finance, solved)))


def test_a_group_from_another_ticket_of_that_source_is_assigned() -> None:
    ticket, [action] = _finance_elsewhere()
    assert assignment_of(action) == Assignment("group", "360009", "Finance")
    assert action.target == ticket.ref
    assert "assign it to Finance" in action.why


def test_no_owner_no_hand_off() -> None:
    profile = _profile()
    bare = replace(
        profile,
        matches=(),
        tickets=tuple(replace(t, owners=()) for t in profile.tickets),
    )
    assert _hand_off(bare) == []


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "state.db") as opened:
        yield opened


@pytest.fixture
async def zendesk() -> AsyncIterator[tuple[ZendeskFake, ZendeskConnector]]:
    fake = ZendeskFake()
    fake.add_user(501, "Maria Gonzalez", "maria@example.com", "+1 415 555 0132")
    fake.add_ticket(3001, 501, "Invoice is wrong", "open")
    connector = ZendeskConnector(NAME, SETTINGS, ZENDESK_TOKEN, transport=fake.transport())
    yield fake, connector
    await connector.aclose()


def _target(ticket: str = "3001", source: str = NAME) -> NoteTarget:
    return NoteTarget(TargetKind.TICKET, SourceRef(source, ticket))


@pytest.mark.parametrize(
    ("assign", "field"),
    [
        (Assignment("group", "360002", "Billing"), {"group_id": 360002}),
        (Assignment("assignee", "9002", "Priya Shah"), {"assignee_id": 9002}),
    ],
)
async def test_zendesk_assigns_and_notes_in_one_request_exactly_once(
    zendesk: tuple[ZendeskFake, ZendeskConnector], assign: Assignment, field: dict[str, int]
) -> None:
    fake, connector = zendesk
    receipt = await connector.hand_off(_target(), "Handing off to Billing", KEY, assign)
    [put] = fake.calls_to("PUT", r"/api/v2/tickets/3001$")
    assert put.json == {
        "ticket": {
            **field,
            "comment": {"body": f"Handing off to Billing\n\ncx-tui:{KEY}", "public": False},
        }
    }
    assert not receipt.duplicate
    again = await connector.hand_off(_target(), "Handing off to Billing", KEY, assign)
    assert again.duplicate and len(fake.calls_to("PUT", r"/api/v2/tickets/3001$")) == 1


async def test_zendesk_refuses_an_id_that_is_not_its_own_before_sending(
    zendesk: tuple[ZendeskFake, ZendeskConnector],
) -> None:
    from cx_tui.connectors.base import InvalidInput

    fake, connector = zendesk
    with pytest.raises(InvalidInput):
        await connector.hand_off(_target(), "x", KEY, Assignment("group", "owner-1", "Tier 2"))
    assert not fake.calls_to("PUT", r"/api/v2/tickets/3001$")


async def test_the_outbox_sends_a_hand_off_with_its_assignment(
    store: Store, zendesk: tuple[ZendeskFake, ZendeskConnector]
) -> None:
    fake, connector = zendesk
    payload = {"assign": Assignment("group", "360002", "Billing").payload()}
    Outbox(store).enqueue("Handing off to Billing", [_target()], payload=payload)
    counts = await OutboxWorker(store, {NAME: connector}).deliver_once()
    assert counts.delivered == 1
    [put] = fake.calls_to("PUT", r"/api/v2/tickets/3001$")
    assert put.json["ticket"]["group_id"] == 360002
    assert put.json["ticket"]["comment"]["public"] is False


async def test_a_source_that_cannot_assign_gets_the_note_alone(
    store: Store, isolated_env: Path
) -> None:
    local = LocalConnector(
        "Desk", {"path": str(isolated_env / "desk.sqlite3"), "dataset": "helpdesk"}
    )
    [match] = await local.find_people(parse_query("+1 415 555 0132"))
    details = await local.get_details(match)
    [ticket] = [t for t in details.tickets if t.is_open]
    payload = {"assign": Assignment("group", "owner-1", "Tier 2").payload()}
    target = NoteTarget(TargetKind.TICKET, ticket.ref)
    Outbox(store).enqueue("Handing off to Tier 2", [target], payload=payload)
    counts = await OutboxWorker(store, {"Desk": local}).deliver_once()
    assert counts.delivered == 1
    after = await local.get_details(match)
    [again] = [t for t in after.tickets if t.ref.key == ticket.ref.key]
    assert any("Handing off to Tier 2" in c.body for c in again.comments)
    await local.aclose()


def test_taking_the_action_queues_the_note_with_its_assignment(store: Store) -> None:
    class Recorder:
        def __init__(self) -> None:
            self.queued: list[tuple[str, list[NoteTarget], object]] = []

        def queue(self, text, targets, kind=None, payload=None):  # type: ignore[no-untyped-def]
            self.queued.append((text, list(targets), payload))

            class Done:
                def close(self) -> None:
                    pass

            return Done()

    ticket, [action] = _finance_elsewhere()
    delivery = Recorder()
    said, severity = queue_hand_off(delivery, action)  # type: ignore[arg-type]
    assert severity == "information" and "assignment to Finance" in said
    [(text, targets, payload)] = delivery.queued
    assert text == action.prefill["note"]
    assert targets == [NoteTarget(TargetKind.TICKET, ticket.ref)]
    assert payload == {"assign": {"field": "group", "id": "360009", "name": "Finance"}}
    assert queue_hand_off(None, action)[1] == "error"

    # Under the mask: the real assignee is queued, the listed (masked) one is said.
    from dataclasses import replace

    masked = {**action.prefill, "assign_name": "F.", "note": "Handing off to F."}
    said, _ = queue_hand_off(delivery, action, shown=replace(action, prefill=masked))  # type: ignore[arg-type]
    assert "assignment to F." in said and "Finance" not in said
    assert delivery.queued[-1][2] == payload


async def test_the_demo_hero_offers_a_hand_off_to_her_owners() -> None:
    """The demo shows the feature: the hero's ticket group and account manager, named."""
    from cx_tui.app import CxApp
    from cx_tui.config import load_config
    from tests.test_ui_flows import HERO, SIZE, look_up

    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        screen = await look_up(app, pilot, HERO)
        [action] = [a for a in screen.actions if a.rule == "hand_off"]
    assert action.title == (
        "Hand off to Tier 2 (Demo Helpdesk ticket group) / Ruth Osei (Demo CRM contact owner)"
    )
    assert action.target is not None and action.target.record_id == "2"
