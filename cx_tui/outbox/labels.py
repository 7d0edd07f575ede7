"""How an outbox item is named for the agent: who or what its target is, then where it goes.

`Maria Gonzalez (+1 415-555-0132) · Demo CRM note`, `Ticket #1008 Login fails · Zendesk
comment`. The first half (`NoteTarget.label`) is made from the profile on screen when the item
is queued and kept with the item (store version 11), so `cx-tui outbox` in another process, after
a restart, offline, names it the same way. Items queued before have none: they show the raw
target (`Demo CRM/person/51000000123`), which the outbox screen also shows on a key.
"""

from __future__ import annotations

from cx_tui.identity import QueryError, normalize_phone
from cx_tui.models import ContactKind, Person, TargetKind, Ticket
from cx_tui.store import ItemKind, OutboxItem

UNNAMED = "unnamed person"
TICKET_PREFIX = "Ticket #"


def person_label(person: Person) -> str:
    """`Maria Gonzalez (+1 415-555-0132)`: the name and the person's first number, as people
    write it internationally; the name alone when the record has no number."""
    name = person.name or UNNAMED
    phone = next((cp for cp in person.contact_points if cp.kind is ContactKind.PHONE), None)
    if phone is None:
        return name
    try:
        shown = normalize_phone(phone.value).international_formatted
    except QueryError:
        shown = phone.value
    return f"{name} ({shown})"


def ticket_label(record_id: str, subject: str | None = None) -> str:
    """`Ticket #1008 Login fails` (`Ticket #1008` when the subject is not known)."""
    head = f"{TICKET_PREFIX}{record_id}"
    return f"{head} {' '.join(subject.split())}" if subject and subject.strip() else head


def for_ticket(ticket: Ticket) -> str:
    return ticket_label(ticket.ref.record_id, ticket.subject)


def destination(item: OutboxItem) -> str:
    """Where it goes and what is written there: `Demo CRM note`, `Zendesk comment`."""
    target = item.target
    if item.kind is ItemKind.CALL:
        what = "call log"
    elif item.kind is ItemKind.ADD_PHONE:
        what = "new number"
    elif target.kind is TargetKind.TICKET:
        what = "comment"
    elif target.kind is TargetKind.NEW_TICKET:
        what = "new ticket"
    else:
        what = "note"
    return f"{target.ref.connector} {what}"


def describe(item: OutboxItem, label: str | None = None) -> str:
    """`label · destination`, with the item's own label unless one (a masked one) is given;
    the raw target for an item queued without a label."""
    shown = label if label is not None else item.target.label
    if not shown:
        return item.target_label
    return f"{shown} · {destination(item)}"


def person_name(item: OutboxItem) -> str | None:
    """The person's name in the item's label (a person or new-ticket target), for the mask to
    hide wherever it appears; None for a ticket or an item without a label."""
    label = item.target.label
    if not label or item.target.kind is TargetKind.TICKET:
        return None
    name = label.rsplit(" (", 1)[0] if label.endswith(")") else label
    return None if name == UNNAMED else name
