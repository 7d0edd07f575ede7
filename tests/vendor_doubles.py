"""Vendor doubles for the reliability tests: one target to write to per vendor, the outbox item
that goes there, a count of the notes carrying a text, and the real connector pointed at any
address (the double, or the loopback proxy in front of it).

Kinds: "hubspot" (a contact note), "zendesk" (a ticket's internal note), "salesforce" (a
Contact's note: a completed Task with WhoId), "salesforce-call" (a call log on that Contact: a
Task with TaskSubtype Call, through `add_call`), "freshdesk" (a ticket's private note) and
"intercom" (a contact's note).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cx_tui.connectors.base import Connector
from cx_tui.connectors.freshdesk import FreshdeskConnector
from cx_tui.connectors.hubspot import HubSpotConnector
from cx_tui.connectors.intercom import IntercomConnector
from cx_tui.connectors.salesforce import SalesforceConnector
from cx_tui.connectors.zendesk import ZendeskConnector
from cx_tui.models import NoteTarget, SourceRef, TargetKind
from cx_tui.outbox import Outbox
from cx_tui.store import ItemKind, OutboxItem
from tests.connectors.freshdesk_fake import FRESHDESK_KEY, FreshdeskFake
from tests.connectors.intercom_fake import INTERCOM_TOKEN, IntercomFake
from tests.connectors.salesforce_fake import CLIENT_ID, CLIENT_SECRET, SalesforceFake, sf_time
from tests.connectors.vendor_fakes import (
    HUBSPOT_TOKEN,
    NOW,
    ZENDESK_AGENT,
    ZENDESK_TOKEN,
    FakeApi,
    HubSpotFake,
    ZendeskFake,
)

VENDORS = ("hubspot", "zendesk", "salesforce", "salesforce-call", "freshdesk", "intercom")
"""Every kind the reliability tests and `bench.faults` run."""
NAMES = {
    "hubspot": "Acme HubSpot",
    "zendesk": "Acme Zendesk",
    "salesforce": "Acme Salesforce",
    "freshdesk": "Acme Freshdesk",
    "intercom": "Acme Intercom",
}
CONTACT = "101"
TICKET = 35436
SF_CONTACT = "003000000000101AAA"
FD_TICKET = 4711
IC_CONTACT = "6602a1b2c3d4e5f60718293a"
CALL = {"duration_s": 245, "direction": "inbound", "outcome": "Resolved"}
"""The payload of the call log queued for "salesforce-call"."""


def vendor(kind: str) -> str:
    """The connector type behind a kind ("salesforce-call" is Salesforce)."""
    return kind.split("-")[0]


def name(kind: str) -> str:
    return NAMES[vendor(kind)]


def vendor_fake(kind: str, existing_notes: int = 0) -> FakeApi:
    """The double with the kind's target holding `existing_notes` notes (comments, Tasks,
    conversations) already."""
    kind = vendor(kind)
    if kind == "hubspot":
        hub = HubSpotFake()
        hub.add("contacts", CONTACT, firstname="Dana", lastname="Scully", email="d@x.example")
        for n in range(existing_notes):
            note = hub.add("notes", str(50_000 + n), hs_note_body=f"<p>older note {n}</p>")
            hub.associate("notes", note, "contacts", CONTACT)
        return hub
    if kind == "zendesk":
        desk = ZendeskFake()
        desk.add_user(201, "Dana Scully", "d@x.example")
        desk.add_ticket(TICKET, 201, "Router down")
        for n in range(existing_notes):
            desk.add_comment(TICKET, 201, f"older comment {n}")
        return desk
    if kind == "salesforce":
        org = SalesforceFake()
        org.batch_size = 200  # Salesforce's smallest query batch: several pages for 1,000
        org.add("Contact", Id=SF_CONTACT, FirstName="Dana", LastName="Scully")
        for n in range(existing_notes):
            # An import or a flow, a second after the note is saved (during the settle delay):
            # newest first, the note comes after all of them.
            org.add(
                "Task",
                WhoId=SF_CONTACT,
                Subject=f"Older note {n}",
                Description=f"older note {n}",
                TaskSubtype="Task",
                Status="Completed",
                CreatedDate=sf_time(NOW + timedelta(seconds=1)),
            )
        return org
    if kind == "freshdesk":
        fresh = FreshdeskFake()
        requester = fresh.add_contact(301, "Dana Scully", "d@x.example")
        fresh.add_ticket(FD_TICKET, requester, "Router down")
        for n in range(existing_notes):
            fresh.add_conversation(FD_TICKET, f"older note {n}", private=True)
        return fresh
    assert kind == "intercom", kind
    inter = IntercomFake()
    inter.add_contact(IC_CONTACT, "Dana Scully", "d@x.example")
    for n in range(existing_notes):
        inter.add_note(IC_CONTACT, f"older note {n}")
    return inter


def target(kind: str) -> NoteTarget:
    owner = name(kind)
    match vendor(kind):
        case "hubspot":
            return NoteTarget(TargetKind.PERSON, SourceRef(owner, CONTACT))
        case "zendesk":
            return NoteTarget(TargetKind.TICKET, SourceRef(owner, str(TICKET)))
        case "salesforce":
            return NoteTarget(TargetKind.PERSON, SourceRef(owner, SF_CONTACT))
        case "freshdesk":
            return NoteTarget(TargetKind.TICKET, SourceRef(owner, str(FD_TICKET)))
    return NoteTarget(TargetKind.PERSON, SourceRef(owner, IC_CONTACT))


def enqueue(outbox: Outbox, text: str, kind: str) -> OutboxItem:
    """Queue the kind's item: a note, or (for "salesforce-call") a call log."""
    if kind.endswith("-call"):
        [item] = outbox.enqueue(text, [target(kind)], ItemKind.CALL, CALL)
    else:
        [item] = outbox.enqueue(text, [target(kind)])
    return item


def connector(kind: str, base_url: str, settle: float, **extra: Any) -> Connector:
    settings: dict[str, Any] = {"base_url": base_url, "settle_seconds": settle, **extra}
    owner = name(kind)
    match vendor(kind):
        case "hubspot":
            return HubSpotConnector(owner, settings, HUBSPOT_TOKEN)
        case "zendesk":
            settings.update(subdomain="acme", email=ZENDESK_AGENT)
            return ZendeskConnector(owner, settings, ZENDESK_TOKEN)
        case "salesforce":
            settings.update(client_id=CLIENT_ID)
            return SalesforceConnector(owner, settings, CLIENT_SECRET)
        case "freshdesk":
            return FreshdeskConnector(owner, settings, FRESHDESK_KEY)
    return IntercomConnector(owner, settings, INTERCOM_TOKEN)


def notes_with(fake: FakeApi, text: str) -> int:
    """How many notes (comments, Tasks, conversations) the double holds whose text starts with
    `text`."""
    if isinstance(fake, HubSpotFake):
        bodies = [
            str(r["properties"].get("hs_note_body") or "") for r in fake.objects["notes"].values()
        ]
        return sum(b.startswith(f"<p>{text}") for b in bodies)
    if isinstance(fake, ZendeskFake):
        return sum(str(c["body"]).startswith(text) for cs in fake.comments.values() for c in cs)
    if isinstance(fake, SalesforceFake):
        return sum(
            str(t.get("Description") or "").startswith(text)
            for t in fake.records["Task"].values()
            if not t.get("IsDeleted")
        )
    if isinstance(fake, FreshdeskFake):
        return sum(
            str(c.get("body_text") or "").startswith(text)
            for cs in fake.conversations.values()
            for c in cs
        )
    assert isinstance(fake, IntercomFake)
    return sum(
        str(n.get("body") or "").startswith(f"<p>{text}") for ns in fake.notes.values() for n in ns
    )


WRITE_PATH = {
    "hubspot": ("POST", r"/crm/v3/objects/notes$"),
    "zendesk": ("PUT", r"/api/v2/tickets/\d+$"),
    "salesforce": ("POST", r"/services/data/v\d+\.\d/sobjects/Task/?$"),
    "salesforce-call": ("POST", r"/services/data/v\d+\.\d/sobjects/Task/?$"),
    "freshdesk": ("POST", r"/api/v2/tickets/\d+/notes$"),
    "intercom": ("POST", r"/contacts/\w+/notes$"),
}
"""The request that saves a note, per kind (what the proxy's faults aim at)."""
