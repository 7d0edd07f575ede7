"""A caller that tests the layout (issue 18): 11-digit ids, long subjects, a name conflict
and a note the outbox could not deliver. Times are relative to the snapshots' frozen now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cx_tui.connectors.base import Capability, NotFound
from cx_tui.lookup import LookupEngine
from cx_tui.models import (
    Channel,
    Details,
    Direction,
    Interaction,
    NoteReceipt,
    NoteTarget,
    Priority,
    SourceRef,
    Ticket,
    TicketStatus,
)
from tests.fakes import FakeConnector, email, person, phone

FROZEN = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)
NUMBER = "+14155550177"


@dataclass
class RefusingCRM(FakeConnector):
    """Takes person notes on paper; every one is refused for good (a 404)."""

    capabilities = Capability.LOOKUP_PHONE | Capability.LOOKUP_EMAIL | Capability.PERSON_NOTES

    async def add_note(self, target: NoteTarget, text: str, idempotency_key: str) -> NoteReceipt:
        raise NotFound(f"the vendor says: contact {target.ref.record_id} does not exist (404)")


def _ticket(
    record_id: str, subject: str, age: timedelta, sla: timedelta | None, **kw: object
) -> Ticket:
    return Ticket(
        SourceRef("Zendesk", record_id),
        subject,
        kw.pop("status", TicketStatus.OPEN),  # type: ignore[arg-type]
        created=FROZEN - age,
        updated=FROZEN - timedelta(hours=1),
        sla_due=FROZEN + sla if sla is not None else None,
        **kw,  # type: ignore[arg-type]
    )


def _item(source: str, record_id: str, hours: float, channel: Channel, summary: str) -> Interaction:
    return Interaction(
        SourceRef(source, record_id),
        channel,
        Direction.INBOUND,
        FROZEN - timedelta(hours=hours),
        summary,
    )


def engine() -> LookupEngine:
    crm = RefusingCRM(
        fake_name="HubSpot",
        people=[
            person(
                "HubSpot",
                "51000000123",
                "Maria Gonzalez",
                phone(NUMBER),
                email("maria@example.com"),
                company="Acme Logistics",
            )
        ],
        details={
            "51000000123": Details(
                interactions=(
                    _item(
                        "HubSpot",
                        "90000000001",
                        3,
                        Channel.CALL,
                        "Called about dropped calls on the new desk phones; asked for a "
                        "technician visit next week and a credit for the lost hours",
                    ),
                    _item(
                        "HubSpot",
                        "90000000002",
                        50,
                        Channel.EMAIL,
                        "Sent the firmware upgrade guide for the Polycom VVX 450 handsets",
                    ),
                )
            )
        },
    )
    desk = FakeConnector(
        fake_name="Zendesk",
        people=[person("Zendesk", "39012345678", "María González-Ruiz", phone(NUMBER))],
        details={
            "39012345678": Details(
                tickets=(
                    _ticket(
                        "12345678901",
                        "Calls drop after exactly 30 seconds on every desk phone in the "
                        "Oakland office since the router swap",
                        timedelta(days=2),
                        timedelta(minutes=-40),
                        priority=Priority.URGENT,
                    ),
                    _ticket(
                        "12345678902",
                        "Invoice for October shows twelve seats instead of ten",
                        timedelta(days=9),
                        timedelta(hours=5),
                        priority=Priority.NORMAL,
                        status=TicketStatus.PENDING,
                    ),
                    _ticket(
                        "12345678850",
                        "Port two numbers from the old carrier",
                        timedelta(days=40),
                        None,
                        status=TicketStatus.SOLVED,
                    ),
                ),
                interactions=(
                    _item(
                        "Zendesk",
                        "77000000001",
                        26,
                        Channel.CHAT,
                        "Chat: the agent restarted the router remotely; calls still drop "
                        "after thirty seconds",
                    ),
                ),
            )
        },
    )
    return LookupEngine([crm, desk])


async def fail_a_note(services: object) -> None:
    """Queue a note the CRM refuses, so the outbox shows one failed item."""
    from cx_tui.models import TargetKind
    from cx_tui.services import Services

    assert isinstance(services, Services)
    target = NoteTarget(TargetKind.PERSON, SourceRef("HubSpot", "51000000123"))
    async for _update in services.deliver_note("Customer asked for a callback at 3", [target]):
        pass
