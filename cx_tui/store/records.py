"""The store's records and its one error: what callers get back, independent of the tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from cx_tui.models import NoteTarget, SourceRef

RecordKey = tuple[str, str]
"""(connector name, record id): one record in one source, as in `SourceRef.key`."""


class StoreError(Exception):
    """The store cannot do what was asked. `str(error)` is one line naming the file.

    Attributes:
        path: The store file.
        problem: What went wrong and what to do, without the file name.
    """

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class ItemState(StrEnum):
    """Where an outbox item stands."""

    PENDING = "pending"
    """Waiting for its next attempt (`due`)."""
    SENDING = "sending"
    """Claimed by a deliverer (`lease_owner`) until `lease_until`; an expired lease, or one
    held by a process that no longer exists, makes it claimable again."""
    DELIVERED = "delivered"
    """The source has it (`receipt`)."""
    FAILED = "failed"
    """The source refused it for good (`last_error`); edit and resend, retry, or discard."""
    DISCARDED = "discarded"
    """The agent dropped it; kept for a while, never sent."""


class ItemKind(StrEnum):
    NOTE = "note"
    CALL = "call"
    """A call log: delivered with the connector's `add_call` when it has one, else as a note."""
    ADD_PHONE = "add-phone"
    """A number added to an existing person (the target, a person): the text is the line
    (`+14155550132`, or `+14155550132 ext. 12`), written by the connector's `add_phone`."""


def target_label(target: NoteTarget) -> str:
    """A target as the CLI writes it: `SOURCE NAME/person/ID`, `SOURCE NAME/ticket/ID` or
    `SOURCE NAME/new-ticket/PERSON ID`."""
    return f"{target.ref.connector}/{target.kind.value}/{target.ref.record_id}"


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One note (or call log) for one target, as the outbox holds it."""

    id: int
    kind: ItemKind
    text: str
    target: NoteTarget
    idempotency_key: str
    """A uuid4, the same on every attempt; a new one only when the text is edited."""
    state: ItemState
    created: datetime
    updated: datetime
    due: datetime
    """Not attempted before this time (backoff, a source's Retry-After)."""
    attempts: int
    """Times a deliverer claimed it to send (a crash mid-send counts)."""
    batch: str
    """Shared by the items of one `enqueue` (one note written for several targets)."""
    last_error: str | None = None
    payload: dict[str, Any] | None = None
    """For calls: direction, duration_s, outcome, started (ISO 8601); see `outbox.calls`."""
    receipt: SourceRef | None = None
    """The note (or call) record the source created, once delivered."""
    delivered_at: datetime | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None
    unsure_since: datetime | None = None
    """Since when an attempt's outcome is unknown (the source may have the note): the next
    attempt looks for it first (`Connector.find_delivery`)."""

    @property
    def target_label(self) -> str:
        return target_label(self.target)

    def age(self, now: datetime) -> timedelta:
        """How long the item has existed."""
        return now - self.created


@dataclass(frozen=True, slots=True)
class Draft:
    context_key: str
    text: str
    updated: datetime


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One call in the history; recorded again (same `call_id`) as it rings, is answered, ends."""

    call_id: str
    direction: str
    """"inbound" or "outbound"."""
    started: datetime
    number: str | None = None
    """E.164, or None when the caller withheld it."""
    line: str | None = None
    """The agent's line or queue the call came in on."""
    answered: datetime | None = None
    ended: datetime | None = None
    duration_s: float | None = None
    person_key: RecordKey | None = None
    """A record of the matched person, to open the profile again."""
    person_name: str | None = None
    disposition: str | None = None
    missed: bool = False
    note: str | None = None
    returned: datetime | None = None
    """For a missed call: when it was returned (a later answered or outbound call with that
    number, or the agent's key); None while it waits on the callback list."""


@dataclass(frozen=True, slots=True)
class LookupRecord:
    id: int
    query: str
    kind: str
    """"phone", "email" or "name"."""
    at: datetime
    state: str
    """The profile state: "resolved", "ambiguous" or "unknown"."""
    person_name: str | None = None
    person_key: RecordKey | None = None
    theme_tags: tuple[str, ...] = ()
    """The tags of the caller's themes (`insight.trouble.tags_to_count`), for trouble spots."""
    records: tuple[RecordKey, ...] = ()
    """Every record the lookup matched, in every source."""


def record_key(connector: Any, record_id: Any) -> RecordKey | None:
    """The key of a stored (connector, record id) pair, or None when either is missing."""
    return None if connector is None or record_id is None else (str(connector), str(record_id))
