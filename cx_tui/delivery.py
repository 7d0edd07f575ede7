"""The app's door for writes: queue in the outbox, deliver in the background, report progress.

Headless (no Textual): the screen subscribes to changes and renders them. Saving commits the
note locally first (`Outbox.enqueue`); only then does anything go over the network.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING

from cx_tui.outbox import Outbox, OutboxWorker
from cx_tui.store import ItemKind, ItemState, OutboxItem

if TYPE_CHECKING:
    from typing import Any

    from cx_tui.lookup import LookupEngine
    from cx_tui.models import NoteTarget
    from cx_tui.store import Store

Listener = Callable[[OutboxItem], None]

PROGRESS_WAIT = 20.0
"""Seconds `send` follows its items before leaving the rest to the background (still queued)."""


class Delivery:
    """Outbox plus a background worker over the engine's connectors.

    Args:
        store: The open local store.
        engine: Its connectors deliver; its cache is told when a record changed.

    A delivered item's record is forgotten once in each place that knew it: the store's cache
    rows in the delivery's own transaction (`Store.outbox_update`, whichever process
    delivers), the engine's memory here (`ResultCache.forget_delivered`), and the team's
    Redis entries by the shared source that wrote (`team.source.SharedSource`).
    """

    def __init__(self, store: Store, engine: LookupEngine) -> None:
        self.engine = engine
        self.store = store
        self.outbox = Outbox(store, on_change=self._changed)
        self.worker = OutboxWorker(
            store, {c.name: c for c in engine.connectors}, on_change=self._changed
        )
        self._listeners: list[Listener] = []
        self._task: asyncio.Task[None] | None = None

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every changed item; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _changed(self, item: OutboxItem) -> None:
        if item.state is ItemState.DELIVERED:
            ref, cache = item.target.ref, self.engine.cache
            searches = item.kind is ItemKind.ADD_PHONE  # the number now finds them there
            if cache.rows is None or cache.rows is self.store:
                cache.forget_delivered(ref.connector, ref.record_id, searches=searches)
            else:  # a cache kept in another store than the one that recorded the delivery
                cache.invalidate_record(ref.connector, ref.record_id)
                if searches:
                    cache.invalidate_source(ref.connector)
        for listener in list(self._listeners):
            listener(item)

    def start(self) -> None:
        """Deliver in the background (items left from an earlier run go first)."""
        if self._task is None:
            self._task = asyncio.ensure_future(self.worker.run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    def counts(self) -> tuple[int, int]:
        """(pending, failed)."""
        return self.outbox.counts()

    def queue(
        self,
        text: str,
        targets: Sequence[NoteTarget],
        kind: ItemKind = ItemKind.NOTE,
        payload: dict[str, Any] | None = None,
    ) -> Progress:
        """Commit `text` for every target to the outbox now, and start delivering it.

        When this returns, the note is safe on disk; `Progress.updates()` follows it out.

        Raises:
            StoreError, OutboxError: nothing was queued (the caller keeps the text).
        """
        progress = Progress(self, targets)  # listening before anything can move
        try:
            items = self.outbox.enqueue(text, targets, kind, payload)
        except BaseException:
            progress.close()
            raise
        progress.follow(items)
        self.start()
        self.worker.kick()
        return progress

    async def send(
        self,
        text: str,
        targets: Sequence[NoteTarget],
        kind: ItemKind = ItemKind.NOTE,
        payload: dict[str, Any] | None = None,
    ) -> AsyncIterator[tuple[NoteTarget, str, str]]:
        """Queue `text` for every target and yield (target, state, message) as each moves.

        Raises:
            StoreError, OutboxError: nothing was queued (the caller keeps the text).
        """
        async for update in self.queue(text, targets, kind, payload).updates():
            yield update


class Progress:
    """What became of the items one `Delivery.queue` committed, as they move."""

    def __init__(self, delivery: Delivery, targets: Sequence[NoteTarget]) -> None:
        self._events: asyncio.Queue[OutboxItem] = asyncio.Queue()
        self._unsubscribe = delivery.subscribe(self._events.put_nowait)
        # Report on the caller's own target objects (the store's copies differ in fields it
        # does not keep, such as when the record was fetched).
        self._given = {(t.kind, t.ref.key): t for t in targets}
        self.waiting: dict[int, NoteTarget] = {}

    def follow(self, items: Sequence[OutboxItem]) -> None:
        self.waiting = {
            item.id: self._given.get((item.target.kind, item.target.ref.key), item.target)
            for item in items
        }

    def close(self) -> None:
        """Stop listening (`updates` does it when it ends)."""
        self._unsubscribe()

    async def updates(self) -> AsyncIterator[tuple[NoteTarget, str, str]]:
        """(target, state, message): "queued" for each first, then "delivered" or "failed" (or
        "queued" with the reason it waits to retry), for up to `PROGRESS_WAIT` seconds."""
        waiting = dict(self.waiting)
        try:
            for target in waiting.values():
                yield target, "queued", ""
            loop = asyncio.get_running_loop()
            deadline = loop.time() + PROGRESS_WAIT
            while waiting:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    item = await asyncio.wait_for(self._events.get(), remaining)
                except TimeoutError:
                    break
                if item.id not in waiting:
                    continue
                if item.state is ItemState.DELIVERED:
                    yield waiting.pop(item.id), "delivered", ""
                elif item.state is ItemState.FAILED:
                    yield waiting.pop(item.id), "failed", item.last_error or ""
                elif item.state is ItemState.PENDING and item.last_error:
                    yield waiting[item.id], "queued", f"will retry: {item.last_error}"
        finally:
            self.close()
