"""The outbox: every note (or call log) is saved locally first, then delivered with retries.

Writing goes through one door (DESIGN.md, "Local-first writes"):

1. `Outbox.enqueue` commits one item per (note, target) to the store, each with its own
   idempotency key (a uuid4), before any network call. From then on nothing loses the note.
2. `OutboxWorker` delivers what is due through the target's connector, `add_note(target, text,
   idempotency_key)` (or `add_call(...)` for a call log, when the connector has it). It claims
   an item with a lease inside a `BEGIN IMMEDIATE` transaction, so two processes sharing the
   store never send the same item at the same time; a lease held by a crashed process expires
   (or is taken over at once when the process is known to be gone on this host).
3. Every retry of an item reuses its key, so a note sent twice (a crash after the source
   answered but before the item was marked delivered, a lost response) is written once.

What happens on an error:

- `RateLimited`: wait at least the source's `retry_after`; the source's other items wait too.
- `Unavailable`, `Timeout`: exponential backoff with jitter; the source's other items wait too.
- `AuthError`: keep trying, slower (at least `AUTH_RETRY_DELAY`), with the reason shown (an
  admin may fix the token).
- `NotFound`, `InvalidInput`, `Unsupported`, a `BadResponse` to a 4xx: the item is `failed`
  with the source's message and is not retried on its own (sending it again cannot succeed).
- Anything else (a connector bug, a garbled answer): backoff and retry.

The idempotency contract for connectors. A source with native idempotency (an
`Idempotency-Key` header, a unique external id) gets the key as it is. A source without it
dedupes by a marker: the connector writes `delivery_marker(key)`, i.e. `cx-tui:` followed by
the key (a lower-case uuid4, 36 characters), e.g. `cx-tui:0b7e4c2a-5d2f-4f57-9a0c-3c1f7d2e9b41`,
into the note where the vendor keeps it with the note (the body's last line, a custom field,
an external id), and before creating a note it searches the target's notes for that exact
marker; when found it returns that note's receipt with `duplicate=True` instead of writing
again. The lease guarantees no two deliverers send one item concurrently, so search-then-write
is enough. `tests/marker_vendor.py` is a working example.

Test hook: with `CX_TUI_TEST_HOLD=STEP:FILE` in its environment, a process that reaches STEP
writes FILE and freezes (see `hold_for_test`), so the reliability tests can SIGKILL it exactly
there. STEP is `before-send` (claimed, nothing sent), `after-send` (the source answered, not yet
marked delivered), or `during-send`, which test connectors call between the vendor's write and
their answer. Unset, it costs one dictionary lookup.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.base import (
    AuthError,
    BadResponse,
    ConnectorError,
    InvalidInput,
    NotFound,
    RateLimited,
    Timeout,
    Unavailable,
    Unsupported,
)
from cx_tui.connectors.kit.markers import MARKER_PREFIX
from cx_tui.models import NoteTarget, SourceRef, TargetKind
from cx_tui.store import ItemKind, ItemState, OutboxItem, StoreError, target_label

if TYPE_CHECKING:
    from cx_tui.connectors.base import Connector
    from cx_tui.models import NoteReceipt
    from cx_tui.store import Store

__all__ = [
    "DeliveryCounts",
    "ItemKind",
    "ItemState",
    "Outbox",
    "OutboxError",
    "OutboxItem",
    "OutboxWorker",
    "call_note_text",
    "delivery_marker",
    "exponential_backoff",
    "hold_for_test",
    "note_target",
    "target_kinds",
    "target_label",
]

log = logging.getLogger(__name__)

AUTH_RETRY_DELAY: Final = 300.0
"""Seconds at least between attempts while a source refuses the credentials (an admin may fix
them; hammering a login endpoint would not)."""
UNROUTABLE_RETRY_DELAY: Final = 300.0
"""Seconds before looking again at items for a source that is not configured."""
DEFAULT_SEND_TIMEOUT: Final = 30.0
"""Seconds one delivery attempt may take before it counts as timed out."""
DEFAULT_LEASE: Final = 120.0
"""Seconds a claim lasts; longer than a send may take, so a live deliverer never loses it."""
IDLE_POLL: Final = 30.0
"""Seconds `run` sleeps at most, so items another process queued are picked up."""
MIN_NAP: Final = 0.05
STORE_RETRY_DELAY: Final = 30.0
"""Seconds `run` waits after the store failed (a full disk) before trying again."""
TEST_HOLD_ENV: Final = "CX_TUI_TEST_HOLD"

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]
Backoff = Callable[[int], float]
OnChange = Callable[[OutboxItem], None]


class OutboxError(Exception):
    """An outbox request that cannot be done (an empty note, an unknown or busy item)."""


def delivery_marker(idempotency_key: str) -> str:
    """The text a connector without native idempotency writes into a note to find it again."""
    return f"{MARKER_PREFIX}{idempotency_key}"


def exponential_backoff(attempt: int, *, base: float = 2.0, cap: float = 600.0) -> float:
    """Seconds to wait after `attempt` failed attempts: doubling from `base`, at most `cap`.

    The result is jittered between half and all of the delay, so deliverers that failed
    together (a source came back up) do not retry in lockstep.
    """
    delay = min(cap, base * 2.0 ** max(0, attempt - 1))
    return delay * (0.5 + 0.5 * random.random())


def hold_for_test(step: str) -> None:
    """Test-only crash point: freeze this process at `step` when `CX_TUI_TEST_HOLD` names it.

    `CX_TUI_TEST_HOLD=STEP:FILE` makes the process write its pid to FILE on reaching STEP, then
    block (the whole process, event loop included) until the test kills it; after two minutes
    it exits with status 86 so a broken test cannot leave it behind.
    """
    spec = os.environ.get(TEST_HOLD_ENV)
    if not spec:
        return
    wanted, _, marker = spec.partition(":")
    if wanted != step or not marker:
        return
    # Write then rename, so the test never sees the file before the pid is in it.
    partial = Path(f"{marker}.partial")
    partial.write_text(str(os.getpid()), encoding="utf-8")
    partial.replace(marker)
    time.sleep(120)
    os._exit(86)


_HOST = socket.gethostname()


def _owner_alive(owner: str) -> bool:
    """Whether the deliverer `owner` ("host:pid:token") may still be running.

    Only a process on this host that no longer exists is known to be gone; anything else (a
    lease from another machine sharing the file, a platform where probing a pid is unsafe)
    is trusted until its lease expires.
    """
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != _HOST or os.name != "posix" or not pid_text.isdigit():
        return True
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0 only checks the process exists (POSIX; not on Windows)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, owned by someone else
    return True


def _notify(on_change: OnChange | None, items: Iterable[OutboxItem | None]) -> None:
    if on_change is None:
        return
    for item in items:
        if item is None:
            continue
        try:
            on_change(item)
        except Exception:
            # A display bug must not stop deliveries; say so where a developer will look.
            log.exception("outbox on_change callback failed")


def _dedupe(targets: Iterable[NoteTarget]) -> list[NoteTarget]:
    seen: dict[tuple[str, str, str], NoteTarget] = {}
    for target in targets:
        seen.setdefault((target.kind.value, *target.ref.key), target)
    return list(seen.values())


# --- The queue -----------------------------------------------------------------------------


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
            payload: For calls: `duration_s` (seconds), `direction` ("inbound"/"outbound"),
                `disposition`, `at` (a datetime or ISO 8601 text). JSON values only.

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
                f"Unknown outbox item kind {kind!r}: expected note or call."
            ) from None
        clean = _clean_payload(payload, item_kind) if payload is not None else None
        items = self.store.outbox_insert(
            batch=uuid.uuid4().hex,
            kind=item_kind,
            text=text,
            targets=[(target, str(uuid.uuid4())) for target in unique],
            payload=clean,
            now=self.clock(),
        )
        _notify(self.on_change, items)
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
        _notify(self.on_change, [item])
        return item


def _clean_payload(payload: Mapping[str, Any], kind: ItemKind) -> dict[str, Any]:
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
        direction = clean.get("direction")
        if direction not in (None, "inbound", "outbound"):
            raise OutboxError(f"A call's direction is inbound or outbound, not {direction!r}.")
        duration = clean.get("duration_s")
        if duration is not None and (
            not isinstance(duration, int | float) or isinstance(duration, bool) or duration < 0
        ):
            raise OutboxError(f"A call's duration_s is a number of seconds, not {duration!r}.")
        at = clean.get("at")
        if at is not None:
            try:
                parsed = datetime.fromisoformat(str(at))
            except ValueError:
                raise OutboxError(f"A call's `at` is an ISO 8601 time, not {at!r}.") from None
            if parsed.tzinfo is None:
                raise OutboxError("A call's `at` needs a UTC offset.")
    return clean


# --- Delivery ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryCounts:
    """What one `deliver_once` pass did."""

    delivered: int = 0
    retrying: int = 0
    """Attempted and rescheduled (the item stays pending)."""
    failed: int = 0
    """Refused for good in this pass."""

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed


@dataclass(frozen=True, slots=True)
class _Verdict:
    state: ItemState
    delay: float = 0.0
    message: str | None = None
    whole_source: bool = False
    """The source as a whole cannot take items now: its other items wait too."""


class OutboxWorker:
    """Delivers due outbox items through their connectors, in the background or on demand.

    Args:
        store: The open store (shared with other processes through the file).
        connectors_by_name: Connectors by configured name; items for a source not listed
            wait, with the reason in `last_error`.
        clock: Returns the current time (aware); default: the store's clock.
        sleep: Awaits a number of seconds (`asyncio.sleep`); tests pass a fake.
        backoff: Seconds to wait after the given number of failed attempts.
        on_change: Called with each item the worker changes.
        send_timeout: Seconds one attempt may take.
        lease_seconds: How long a claim lasts; must exceed `send_timeout`.
    """

    def __init__(
        self,
        store: Store,
        connectors_by_name: Mapping[str, Connector],
        *,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        backoff: Backoff = exponential_backoff,
        on_change: OnChange | None = None,
        send_timeout: float = DEFAULT_SEND_TIMEOUT,
        lease_seconds: float = DEFAULT_LEASE,
    ) -> None:
        if lease_seconds <= send_timeout:
            raise ValueError("lease_seconds must be longer than send_timeout")
        self.store = store
        self.connectors = dict(connectors_by_name)
        self.clock = clock or store.clock
        self.sleep = sleep
        self.backoff = backoff
        self.on_change = on_change
        self.send_timeout = send_timeout
        self.lease_seconds = lease_seconds
        self.owner = f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self.problem: str | None = None
        """Why the last pass of `run` could not work (the store failed), or None."""
        self._wake = asyncio.Event()

    def __repr__(self) -> str:
        return f"<OutboxWorker {self.owner}>"

    def kick(self) -> None:
        """Wake `run` now (after an enqueue or a retry) instead of at its next check."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver what is due, then sleep until the next item is due or `kick()`; forever.

        Cancel the task to stop it. A store failure (a full disk) is kept in `problem` and
        retried later; it never ends the loop.
        """
        while True:
            self._wake.clear()
            try:
                await self.deliver_once()
                self.problem = None
                delay = self._until_next_due()
            except StoreError as error:
                self.problem = str(error)
                delay = STORE_RETRY_DELAY
            except Exception as error:
                # A bug must not stop deliveries for good: report it and try again later.
                log.exception("outbox delivery pass failed")
                self.problem = f"unexpected error ({type(error).__name__}); this is a bug"
                delay = STORE_RETRY_DELAY
            await self._nap(delay)

    async def deliver_once(self, ids: Collection[int] | None = None) -> DeliveryCounts:
        """Attempt every item that is due now, once each, and return what happened.

        Sources are served concurrently; each source's items go one at a time, and a source
        that is rate limited, down or refusing the token is left alone for the rest of the pass.

        Args:
            ids: Only these items (the CLI's `note` delivers just what it queued).

        Raises:
            StoreError: the store failed; items already claimed stay `sending` and are taken
                over when their lease expires, with the same idempotency key.
        """
        self._park_unroutable(ids)
        tried: set[int] = set()
        tally: dict[ItemState, int] = dict.fromkeys(ItemState, 0)
        results = await asyncio.gather(
            *(self._drain(name, ids, tried, tally) for name in sorted(self.connectors)),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return DeliveryCounts(
            delivered=tally[ItemState.DELIVERED],
            retrying=tally[ItemState.PENDING],
            failed=tally[ItemState.FAILED],
        )

    async def _drain(
        self,
        name: str,
        ids: Collection[int] | None,
        tried: set[int],
        tally: dict[ItemState, int],
    ) -> None:
        connector = self.connectors[name]
        while True:
            now = self.clock()
            item = self.store.outbox_claim(
                owner=self.owner,
                now=now,
                lease_until=now + timedelta(seconds=self.lease_seconds),
                connectors=(name,),
                exclude=tried,
                ids=ids,
                owner_alive=_owner_alive,
            )
            if item is None:
                return
            tried.add(item.id)
            _notify(self.on_change, [item])
            verdict = await self._attempt(connector, item)
            tally[verdict.state] += 1
            if verdict.whole_source:
                return
            # Let the other sources' sends interleave with this one's.
            await asyncio.sleep(0)

    async def _attempt(self, connector: Connector, item: OutboxItem) -> _Verdict:
        hold_for_test("before-send")
        try:
            receipt = await asyncio.wait_for(self._send(connector, item), self.send_timeout)
        except asyncio.CancelledError:
            # Stopped mid-send (the CLI's deadline, the app quitting): hand it straight back.
            # If the store cannot take that now, the lease runs out and frees it anyway.
            with contextlib.suppress(StoreError):
                self._update(
                    item,
                    state=ItemState.PENDING,
                    due=self.clock(),
                    last_error="interrupted before the source answered",
                    lease_owner=None,
                    lease_until=None,
                )
            raise
        except Exception as error:
            verdict = self._judge(connector, item, error)
            return self._reschedule(item, verdict)
        hold_for_test("after-send")
        now = self.clock()
        self._update(
            item,
            state=ItemState.DELIVERED,
            delivered_at=now,
            receipt=receipt.ref,
            last_error=None,
            lease_owner=None,
            lease_until=None,
        )
        return _Verdict(ItemState.DELIVERED)

    async def _send(self, connector: Connector, item: OutboxItem) -> NoteReceipt:
        if item.kind is ItemKind.CALL:
            payload = item.payload or {}
            at = payload.get("at")
            try:
                return await connector.add_call(
                    item.target,
                    body=item.text,
                    duration_s=payload.get("duration_s"),
                    direction=payload.get("direction"),
                    disposition=payload.get("disposition"),
                    at=datetime.fromisoformat(at) if isinstance(at, str) else None,
                    idempotency_key=item.idempotency_key,
                )
            except Unsupported:
                pass  # no call activities here: the nearest equivalent is a note
            return await connector.add_note(
                item.target, call_note_text(item.text, item.payload), item.idempotency_key
            )
        return await connector.add_note(item.target, item.text, item.idempotency_key)

    def _judge(self, connector: Connector, item: OutboxItem, error: Exception) -> _Verdict:
        attempt = item.attempts
        if isinstance(error, RateLimited):
            wait = max(error.retry_after or 0.0, self.backoff(attempt))
            return _Verdict(ItemState.PENDING, wait, error.message, whole_source=True)
        if isinstance(error, AuthError):
            wait = max(AUTH_RETRY_DELAY, self.backoff(attempt))
            return _Verdict(ItemState.PENDING, wait, error.message, whole_source=True)
        if isinstance(error, Unavailable | Timeout):
            return _Verdict(ItemState.PENDING, self.backoff(attempt), error.message, True)
        if isinstance(error, TimeoutError):
            message = f"{connector.name} did not answer within {self.send_timeout:g} s"
            return _Verdict(ItemState.PENDING, self.backoff(attempt), message, True)
        if isinstance(error, NotFound | InvalidInput | Unsupported) or _refused_request(error):
            assert isinstance(error, ConnectorError)
            return _Verdict(ItemState.FAILED, message=error.message)
        if isinstance(error, ConnectorError):
            return _Verdict(ItemState.PENDING, self.backoff(attempt), error.message)
        # A bug in a connector: its text could hold anything, so only the type is kept.
        message = f"unexpected error in the {connector.name} connector ({type(error).__name__})"
        log.warning("outbox item %s: %s", item.id, message)
        return _Verdict(ItemState.PENDING, self.backoff(attempt), message)

    def _reschedule(self, item: OutboxItem, verdict: _Verdict) -> _Verdict:
        now = self.clock()
        if verdict.state is ItemState.FAILED:
            self._update(
                item,
                state=ItemState.FAILED,
                last_error=verdict.message,
                lease_owner=None,
                lease_until=None,
            )
            return verdict
        due = now + timedelta(seconds=max(0.0, verdict.delay))
        self._update(
            item,
            state=ItemState.PENDING,
            due=due,
            last_error=verdict.message,
            lease_owner=None,
            lease_until=None,
        )
        if verdict.whole_source:
            moved = self.store.outbox_postpone(
                item.target.ref.connector, until=due, last_error=None, now=now
            )
            _notify(self.on_change, moved)
        return verdict

    def _update(self, item: OutboxItem, **changes: Any) -> None:
        changed = self.store.outbox_update(
            item.id, states=(ItemState.SENDING,), owner=self.owner, now=self.clock(), **changes
        )
        if changed is None and changes.get("state") is ItemState.DELIVERED:
            # Our lease was taken over (we were too slow) but the source has the note: say so,
            # whoever holds the item now. Their attempt reuses the key and writes nothing new.
            changed = self.store.outbox_update(
                item.id,
                states=(ItemState.SENDING, ItemState.PENDING, ItemState.FAILED),
                now=self.clock(),
                **changes,
            )
        _notify(self.on_change, [changed])

    def _park_unroutable(self, ids: Collection[int] | None) -> None:
        now = self.clock()
        waiting = self.store.outbox_connectors((ItemState.PENDING,))
        for name in sorted(waiting - set(self.connectors)):
            moved = self.store.outbox_postpone(
                name,
                until=now + timedelta(seconds=UNROUTABLE_RETRY_DELAY),
                last_error=f"no source named {name!r} is configured; it waits until one is",
                now=now,
            )
            _notify(self.on_change, [m for m in moved if ids is None or m.id in ids])

    def _until_next_due(self) -> float:
        due = self.store.outbox_next_due(tuple(self.connectors))
        if due is None:
            return IDLE_POLL
        seconds = (due - self.clock()).total_seconds()
        return min(IDLE_POLL, max(MIN_NAP, seconds))

    async def _nap(self, seconds: float) -> None:
        if self._wake.is_set():
            return
        sleeper = asyncio.ensure_future(self.sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, waker):
                task.cancel()
            for task in (sleeper, waker):
                with contextlib.suppress(asyncio.CancelledError):
                    await task


def _refused_request(error: Exception) -> bool:
    """A `BadResponse` to a request the source rejected (4xx): sending it again cannot help.

    A connector says so by setting `status` (the HTTP status) on the error. Without it, a
    BadResponse is a garbled answer to a request that may have worked, and is retried.
    """
    status = getattr(error, "status", None)
    return (
        isinstance(error, BadResponse)
        and isinstance(status, int)
        and 400 <= status < 500
        and status not in (408, 425, 429)
    )


def call_note_text(
    summary: str, payload: Mapping[str, Any] | None, *, tz: tzinfo | None = None
) -> str:
    """A call log as a note, for sources without calls: one header line, then the summary.

    `Inbound call · 4 min · Resolved · Sun 22 Nov 2026, 15:50 CET`: the duration in minutes
    (seconds under one), the time in `tz` (default: this machine's local time zone). The
    header's shape is what `profile.already_tried` recognises to leave call logs out of the
    steps already tried: keep the two in step.
    """
    payload = payload or {}
    direction = str(payload.get("direction") or "").strip()
    parts = [f"{direction.capitalize()} call" if direction else "Call"]
    duration = payload.get("duration_s")
    if isinstance(duration, int | float) and not isinstance(duration, bool):
        seconds = max(0, round(duration))
        parts.append(f"{seconds} s" if seconds < 60 else f"{round(seconds / 60)} min")
    if payload.get("disposition"):
        parts.append(str(payload["disposition"]))
    at = payload.get("at")
    if at:
        try:
            moment = datetime.fromisoformat(str(at))
        except ValueError:
            parts.append(str(at))
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            parts.append(moment.astimezone(tz).strftime("%a %d %b %Y, %H:%M %Z").strip())
    header = " · ".join(parts)
    return f"{header}\n{summary}"


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
