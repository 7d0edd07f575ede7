"""HubSpot and Zendesk doubles for the reliability tests: one contact (or ticket) to write to,
a count of the notes carrying a text, and the real connector pointed at any address."""

from __future__ import annotations

from typing import Any

from cx_tui.connectors.base import Connector
from cx_tui.connectors.hubspot import HubSpotConnector
from cx_tui.connectors.zendesk import ZendeskConnector
from cx_tui.models import NoteTarget, SourceRef, TargetKind
from tests.connectors.vendor_fakes import (
    HUBSPOT_TOKEN,
    ZENDESK_AGENT,
    ZENDESK_TOKEN,
    FakeApi,
    HubSpotFake,
    ZendeskFake,
)

NAMES = {"hubspot": "Acme HubSpot", "zendesk": "Acme Zendesk"}
CONTACT = "101"
TICKET = 35436


def vendor_fake(kind: str, existing_notes: int = 0) -> FakeApi:
    """The double with one person (HubSpot contact 101) or ticket (Zendesk 35436) holding
    `existing_notes` notes (comments) already."""
    if kind == "hubspot":
        hub = HubSpotFake()
        hub.add("contacts", CONTACT, firstname="Dana", lastname="Scully", email="d@x.example")
        for n in range(existing_notes):
            note = hub.add("notes", str(50_000 + n), hs_note_body=f"<p>older note {n}</p>")
            hub.associate("notes", note, "contacts", CONTACT)
        return hub
    desk = ZendeskFake()
    desk.add_user(201, "Dana Scully", "d@x.example")
    desk.add_ticket(TICKET, 201, "Router down")
    for n in range(existing_notes):
        desk.add_comment(TICKET, 201, f"older comment {n}")
    return desk


def target(kind: str) -> NoteTarget:
    if kind == "hubspot":
        return NoteTarget(TargetKind.PERSON, SourceRef(NAMES[kind], CONTACT))
    return NoteTarget(TargetKind.TICKET, SourceRef(NAMES[kind], str(TICKET)))


def connector(kind: str, base_url: str, settle: float, **extra: Any) -> Connector:
    settings = {"base_url": base_url, "settle_seconds": settle, **extra}
    if kind == "hubspot":
        return HubSpotConnector(NAMES[kind], settings, HUBSPOT_TOKEN)
    settings.update(subdomain="acme", email=ZENDESK_AGENT)
    return ZendeskConnector(NAMES[kind], settings, ZENDESK_TOKEN)


def notes_with(fake: FakeApi, text: str) -> int:
    """How many notes (comments) the double holds whose body starts with `text`."""
    if isinstance(fake, HubSpotFake):
        bodies = [
            str(r["properties"].get("hs_note_body") or "") for r in fake.objects["notes"].values()
        ]
        return sum(b.startswith(f"<p>{text}") for b in bodies)
    assert isinstance(fake, ZendeskFake)
    return sum(str(c["body"]).startswith(text) for cs in fake.comments.values() for c in cs)


WRITE_PATH = {
    "hubspot": ("POST", r"/crm/v3/objects/notes$"),
    "zendesk": ("PUT", r"/api/v2/tickets/\d+$"),
}
"""The request that saves a note, per vendor (what the proxy's faults aim at)."""
