"""Queueing: a note (or call log) is saved for every target before anything is sent.

`Outbox` is what the UI and the CLI use to queue notes and to manage what waits (retry now,
edit and resend, discard). Each item gets its own idempotency key (a uuid4), reused by every
retry of it; from the moment `enqueue` returns, nothing loses the note.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cx_tui.models import NoteTarget, SourceRef, TargetKind
from cx_tui.outbox.calls import call_log, call_payload
from cx_tui.outbox.common import Clock, OnChange, OutboxError, notify
from cx_tui.store import ItemKind, ItemState, OutboxItem

if TYPE_CHECKING:
    from cx_tui.store import Store


def _dedupe(targets: Iterable[NoteTarget]) -> list[NoteTarget]:
    seen: dict[tuple[str, str, str], NoteTarget] = {}
    for target in targets:
        seen.setdefault((target.kind.value, *target.ref.key), target)
    return list(seen.values())


class Outbox:
    """What the UI and the CLI use to queue notes and manage what waits.

    Args:
        store: The open store.
        clock: Returns the current time (aware); default: the store's clock.
        on_change: Called with each item the outbox changes (to update counts on screen).
    """

    def __init__(
        self, store: Store, *, clock: Clock | None = None, on_change: OnChange | None = None
    ) -> None:
        self.store = store
        self.clock = clock or store.clock  # one clock for the queue and its rows
        self.on_change = on_change

    def enqueue(
        self,
        text: str,
        targets: Sequence[NoteTarget],
        kind: ItemKind | str = ItemKind.NOTE,
        payload: Mapping[str, Any] | None = None,
    ) -> list[OutboxItem]:
        """Save a note (or call log) for every target, before anything is sent.

        Args:
            text: The note body (for a call, its summary).
            targets: People, tickets and new tickets; a target given twice is queued once.
            kind: "note", or "call" for a call log.
            payload: For calls: `outbox.call_payload` of the `CallLog` (kept in that shape;
                the names of earlier versions, `disposition` and `at`, are read too). JSON
                values only.

        Returns:
            The pending items, one per target, each with its own idempotency key.

        Raises:
            OutboxError: empty text, no target, an unknown kind or a payload that is not JSON.
            StoreError: nothing was saved; keep the text and show the message.
        """
        if not text.strip():
            raise OutboxError("The note is empty.")
        unique = _dedupe(targets)
        if not unique:
            raise OutboxError("A note needs at least one person or ticket to go to.")
        try:
            item_kind = ItemKind(kind)
        except ValueError:
            raise OutboxError(
                f"Unknown outbox item kind {kind!r}: expected note, call or add-phone."
            ) from None
        if item_kind is ItemKind.ADD_PHONE:
            text = phone_line(text)
            if any(target.kind is not TargetKind.PERSON for target in unique):
                raise OutboxError("A number is added to a person, not to a ticket.")
        clean = _clean_payload(text, payload, item_kind) if payload is not None else None
        items = self.store.outbox_insert(
            batch=uuid.uuid4().hex,
            kind=item_kind,
            text=text,
            targets=[(target, str(uuid.uuid4())) for target in unique],
            payload=clean,
            now=self.clock(),
        )
        notify(self.on_change, items)
        return items

    def counts(self) -> tuple[int, int]:
        """(waiting to be delivered, including those being sent; failed for good)."""
        counts = self.store.outbox_counts()
        return counts[ItemState.PENDING] + counts[ItemState.SENDING], counts[ItemState.FAILED]

    def items(
        self,
        states: Iterable[ItemState | str] = (
            ItemState.PENDING,
            ItemState.SENDING,
            ItemState.FAILED,
        ),
    ) -> list[OutboxItem]:
        """Items in these states, oldest first: target, `age(now)`, attempts, last_error..."""
        return self.store.outbox_items([ItemState(s) for s in states])

    def get(self, item_id: int) -> OutboxItem:
        """The item with this id.

        Raises:
            OutboxError: there is none.
        """
        item = self.store.outbox_get(item_id)
        if item is None:
            raise OutboxError(f"There is no outbox item {item_id}.")
        return item

    def retry_now(self, item_id: int) -> OutboxItem:
        """Make a pending or failed item due now (same text, same idempotency key).

        Raises:
            OutboxError: no such item, or it is delivered, discarded or being sent.
        """
        now = self.clock()
        item = self.store.outbox_update(
            item_id,
            states=(ItemState.PENDING, ItemState.FAILED),
            now=now,
            state=ItemState.PENDING,
            due=now,
        )
        return self._changed(item_id, item, "retry")

    def retry_all(self) -> list[OutboxItem]:
        """Make every pending and failed item due now."""
        items = [
            self.retry_now(item.id)
            for item in self.store.outbox_items((ItemState.PENDING, ItemState.FAILED))
        ]
        return items

    def edit_and_resend(self, item_id: int, text: str) -> OutboxItem:
        """Replace the text of a pending or failed item and send it again.

        The item gets a new idempotency key (the old one, and whatever it may have written,
        belongs to the old text) and its attempts start again from zero.

        Raises:
            OutboxError: empty text, no such item, or it is delivered, discarded or being sent.
        """
        if not text.strip():
            raise OutboxError("The note is empty.")
        if self.get(item_id).kind is ItemKind.ADD_PHONE:
            text = phone_line(text)  # the number, corrected
        now = self.clock()
        item = self.store.outbox_update(
            item_id,
            states=(ItemState.PENDING, ItemState.FAILED),
            now=now,
            text=text,
            idempotency_key=str(uuid.uuid4()),
            state=ItemState.PENDING,
            due=now,
            attempts=0,
            last_error=None,
        )
        return self._changed(item_id, item, "edit")

    def discard(self, item_id: int) -> OutboxItem:
        """Drop a pending or failed item: it will not be sent.

        Raises:
            OutboxError: no such item, or it is delivered or being sent.
        """
        item = self.store.outbox_update(
            item_id,
            states=(ItemState.PENDING, ItemState.FAILED),
            now=self.clock(),
            state=ItemState.DISCARDED,
        )
        return self._changed(item_id, item, "discard")

    def _changed(self, item_id: int, item: OutboxItem | None, verb: str) -> OutboxItem:
        if item is None:
            current = self.get(item_id)
            why = {
                ItemState.DELIVERED: "it was already delivered",
                ItemState.DISCARDED: "it was discarded",
                ItemState.SENDING: "it is being sent right now; try again in a moment",
            }.get(current.state, f"it is {current.state.value}")
            raise OutboxError(f"Cannot {verb} outbox item {item_id}: {why}.")
        notify(self.on_change, [item])
        return item


def _clean_payload(text: str, payload: Mapping[str, Any], kind: ItemKind) -> dict[str, Any]:
    clean = {
        str(key): value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value
        for key, value in payload.items()
    }
    try:
        json.dumps(clean)
    except (TypeError, ValueError) as exc:
        raise OutboxError(f"The payload is not JSON: {exc}.") from None
    if kind is ItemKind.CALL:
        # Checked now, while the caller can still fix it: a bad value found at delivery time
        # would make an item no attempt can ever send.
        try:
            clean = call_payload(call_log(text, clean))
        except ValueError as bad:
            raise OutboxError(str(bad)) from None
    return clean


def phone_line(text: str) -> str:
    """The line an `add-phone` item adds, as it is kept: `+14155550132`, or with its
    extension `+14155550132 ext. 12`.

    Raises:
        OutboxError: not a phone number with its country code.
    """
    from cx_tui.identity import QueryError, normalize_phone

    try:
        phone = normalize_phone(text)
    except QueryError as error:
        raise OutboxError(f"A number to add: {error}") from None
    return f"{phone.e164} ext. {phone.extension}" if phone.extension else phone.e164


def target_kinds() -> str:
    """The target kinds in words: "person, ticket or new-ticket"."""
    *first, last = (kind.value for kind in TargetKind)
    return f"{', '.join(first)} or {last}"


def note_target(source: str, kind: str, record_id: str) -> NoteTarget:
    """A target from its parts, e.g. `note_target("Demo CRM", "ticket", "9")`; for a
    "new-ticket", `record_id` is the person who requests it.

    Raises:
        OutboxError: the kind is not person, ticket or new-ticket, or the id is blank.
    """
    try:
        target_kind = TargetKind(kind.strip().lower())
    except ValueError:
        raise OutboxError(f"Expected {target_kinds()}, got {kind!r}.") from None
    if not record_id.strip():
        raise OutboxError("The record id is empty.")
    return NoteTarget(target_kind, SourceRef(source, record_id.strip()))
