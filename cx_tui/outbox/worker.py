"""Delivery: the worker that claims what is due and sends it through its source's connector.

It claims an item with a lease inside a `BEGIN IMMEDIATE` transaction, so two processes sharing
the store never send the same item at the same time; a lease held by a crashed process expires
(or is taken over at once when the process is known to be gone on this host). What a failure
means for the next attempt is decided in `cx_tui.outbox.retry`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from cx_tui.connectors.base import Connector, ConnectorError, InvalidInput, Unsupported
from cx_tui.connectors.kit.retry import background_work
from cx_tui.identity import normalize_phone
from cx_tui.models import Assignment, NoteReceipt
from cx_tui.outbox.calls import call_log
from cx_tui.outbox.common import Backoff, Clock, OnChange, Sleep, log, notify
from cx_tui.outbox.retry import Verdict, exponential_backoff, judge, settled
from cx_tui.outbox.testhold import hold_for_test
from cx_tui.outbox.texts import call_note_text, removed_text
from cx_tui.store import ItemKind, ItemState, OutboxItem, Store, StoreError

UNROUTABLE_RETRY_DELAY: Final = 300.0
"""Seconds before looking again at items for a source that is not configured."""
DEFAULT_SEND_TIMEOUT: Final = 30.0
"""Seconds one delivery attempt may take before it counts as timed out."""
DEFAULT_LEASE: Final = 120.0
"""Seconds a claim lasts; longer than a send may take, so a live deliverer never loses it."""
IDLE_POLL: Final = 30.0
"""Seconds `run` sleeps at most, so items another process queued are picked up."""
MIN_NAP: Final = 0.05
HELD_POLL: Final = 1.0
"""Seconds `run` waits when what is due is held by another live deliverer."""
STORE_RETRY_DELAY: Final = 30.0
"""Seconds `run` waits after the store failed (a full disk) before trying again."""

_HOST = socket.gethostname()


def _owner_alive(owner: str) -> bool | None:
    """Whether the deliverer `owner` ("host:pid:token") still runs: True, False, or None when
    that cannot be told (another machine, this very process, a platform where probing a pid is
    unsafe): its lease decides then.

    A process on this machine that no longer exists, or is a zombie (it ended; its parent has
    not reaped it yet), is gone.
    """
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != _HOST or os.name != "posix" or not pid_text.isdigit():
        return None
    pid = int(pid_text)
    if pid == os.getpid():
        return None  # another worker of this process: only its lease tells
    try:
        os.kill(pid, 0)  # signal 0 only checks the process exists (POSIX; not on Windows)
    except ProcessLookupError:
        return False
    except OSError:
        pass  # it exists, owned by someone else
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Whether `pid` has ended and waits to be reaped (Linux's /proc; elsewhere: not known)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    # "pid (name) S ...": the state follows the last ")" (a name may hold parentheses).
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


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
        self.delivered: list[int] = []
        """Items this worker delivered, in order (another process's deliveries are not here)."""
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
            item = self.store.outbox_claim(
                owner=self.owner,
                lease_seconds=self.lease_seconds,
                connectors=(name,),
                exclude=tried,
                ids=ids,
                owner_alive=_owner_alive,
                settle={name: connector.settle_seconds},
            )
            if item is None:
                return
            tried.add(item.id)
            notify(self.on_change, [item])
            verdict = await self._attempt(connector, item)
            tally[verdict.state] += 1
            if verdict.whole_source:
                return
            # Let the other sources' sends interleave with this one's.
            await asyncio.sleep(0)

    async def _attempt(self, connector: Connector, item: OutboxItem) -> Verdict:
        hold_for_test("before-send")
        try:
            with background_work():  # lookups get the vendor's budget first (kit.limiter)
                receipt, removed = await asyncio.wait_for(
                    self._settled_send(connector, item), self.send_timeout
                )
        except asyncio.CancelledError:
            # Stopped mid-send (the CLI's deadline, the app quitting): hand it back, as an
            # attempt whose outcome is unknown (the source may have it). If the store cannot
            # take that now, the lease runs out and frees it anyway.
            settle = connector.settle_seconds
            with contextlib.suppress(StoreError):
                self._release(
                    item,
                    state=ItemState.PENDING,
                    due=self.clock() + timedelta(seconds=settle),
                    unsure_since=item.unsure_since or self.clock(),
                    last_error="interrupted before the source answered",
                )
            raise
        except Exception as error:
            return self._reschedule(item, self._judge(connector, item, error))
        hold_for_test("after-send")
        self._release(
            item,
            state=ItemState.DELIVERED,
            delivered_at=self.clock(),
            receipt=receipt.ref,
            last_error=removed_text(connector.name, removed) if removed else None,
        )
        self.delivered.append(item.id)
        return Verdict(ItemState.DELIVERED)

    async def _settled_send(
        self, connector: Connector, item: OutboxItem
    ) -> tuple[NoteReceipt, tuple[str, ...]]:
        """Send `item`; when an earlier attempt's outcome is unknown, look for it first, and
        after writing, remove a copy the source saved late (where it allows that). An added
        number needs neither: `add_phone` reads the record before it writes."""
        if item.unsure_since is None or item.kind is ItemKind.ADD_PHONE:
            return await self._send(connector, item), ()
        found = await connector.find_delivery(item.target, item.idempotency_key)
        if found is not None:
            return found, ()
        receipt = await self._send(connector, item)
        if receipt.duplicate:
            return receipt, ()
        try:
            removed = await connector.remove_duplicates(item.target, item.idempotency_key)
        except ConnectorError as error:
            log.warning("outbox item %s: duplicate check failed: %s", item.id, error.message)
            removed = ()
        return receipt, removed

    async def _send(self, connector: Connector, item: OutboxItem) -> NoteReceipt:
        if item.kind is ItemKind.ADD_PHONE:
            line = normalize_phone(item.text)
            return await connector.add_phone(
                item.target.ref, line.e164, item.idempotency_key, extension=line.extension
            )
        if item.kind is ItemKind.CALL:
            try:
                call = call_log(item.text, item.payload)
            except ValueError as bad:  # checked when queued: only a row damaged since
                raise InvalidInput(f"This call log cannot be sent: {bad}") from None
            try:
                return await connector.add_call(item.target, call, key=item.idempotency_key)
            except Unsupported:
                pass  # no call activities here: the nearest equivalent is a note
            return await connector.add_note(item.target, call_note_text(call), item.idempotency_key)
        assign = Assignment.from_payload(item.payload)
        if assign is not None:  # a hand-off: the note that also assigns, where the source can
            try:
                return await connector.hand_off(
                    item.target, item.text, item.idempotency_key, assign
                )
            except Unsupported:
                pass  # the note alone still names who to loop in
        return await connector.add_note(item.target, item.text, item.idempotency_key)

    def _judge(self, connector: Connector, item: OutboxItem, error: Exception) -> Verdict:
        verdict = judge(
            error,
            attempt=item.attempts,
            source=connector.name,
            send_timeout=self.send_timeout,
            backoff=self.backoff,
            item_id=item.id,
        )
        return settled(verdict, error, connector.settle_seconds)

    def _reschedule(self, item: OutboxItem, verdict: Verdict) -> Verdict:
        now = self.clock()
        if verdict.state is ItemState.FAILED:
            self._release(item, state=ItemState.FAILED, last_error=verdict.message)
            return verdict
        due = now + timedelta(seconds=max(0.0, verdict.delay))
        unsure = item.unsure_since or (now if verdict.unsure else None)
        self._release(
            item, state=ItemState.PENDING, due=due, last_error=verdict.message, unsure_since=unsure
        )
        if verdict.whole_source:
            moved = self.store.outbox_postpone(
                item.target.ref.connector, until=due, last_error=None, now=now
            )
            notify(self.on_change, moved)
        return verdict

    def _release(self, item: OutboxItem, **changes: Any) -> None:
        """Record the attempt's outcome and give up the lease on `item`."""
        changes.update(lease_owner=None, lease_until=None)
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
        notify(self.on_change, [changed])

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
            notify(self.on_change, [m for m in moved if ids is None or m.id in ids])

    def _until_next_due(self) -> float:
        due = self.store.outbox_next_due(tuple(self.connectors))
        if due is None:
            return IDLE_POLL
        seconds = (due - self.clock()).total_seconds()
        if seconds <= 0:
            # Due already, yet not claimed: held by a live deliverer; look again soon.
            return HELD_POLL
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
