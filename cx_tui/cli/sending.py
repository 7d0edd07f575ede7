"""Delivery for `cx-tui note` and `cx-tui outbox flush`: build the sources, run one pass.

`note` and `flush` both save first and then try once, within a wait; what does not get through
stays queued for the app or the next flush.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cx_tui.cli.common import UsageError

if TYPE_CHECKING:
    from cx_tui.config import Config
    from cx_tui.connectors.base import Connector
    from cx_tui.models import NoteTarget
    from cx_tui.outbox import OutboxWorker
    from cx_tui.sources import BrokenSource
    from cx_tui.store import OutboxItem, Store

MAX_WAIT = 600.0


def open_store() -> Store:
    """The local store (the same file the app uses)."""
    from cx_tui.store import Store

    return Store()


def wait_seconds(seconds: float, option: str = "--wait") -> float:
    """`seconds`, when it is a sensible `--wait`."""
    if not 0 < seconds <= MAX_WAIT:  # also refuses nan
        raise UsageError(f"{option}: expected a number of seconds > 0 and <= {MAX_WAIT:g}")
    return seconds


def outcome(item: OutboxItem) -> str:
    """How one item stands, in words: "delivered (123)", "queued (...), will retry"..."""
    state = item.state.value
    if state == "delivered":
        if item.receipt is None:
            return "delivered"
        if item.target.kind.value == "new-ticket":
            return f"delivered (ticket {item.receipt.record_id})"
        return f"delivered ({item.receipt.record_id})"
    if state == "failed":
        return f"failed ({item.last_error}); see `cx-tui outbox list`"
    if state == "sending":
        return f"queued ({item.last_error or 'delivery not confirmed yet'}), will retry"
    return f"queued ({item.last_error or 'not sent yet'}), will retry"


def deliver(
    config: Config, store: Store, names: set[str], wait: float, ids: Sequence[int] | None
) -> list[int]:
    """One delivery pass over the sources `names` (only items `ids`, when given), for at most
    `wait` seconds; what does not get through stays queued.

    Returns:
        The items this pass delivered (not those another process delivered meanwhile).

    Raises:
        StoreError: recording an outcome failed (the notes themselves are saved).
    """
    return asyncio.run(_deliver(config, store, names, wait, ids))


async def _deliver(
    config: Config, store: Store, names: set[str], wait: float, ids: Sequence[int] | None
) -> list[int]:
    from cx_tui.outbox import DEFAULT_SEND_TIMEOUT, OutboxWorker

    connectors = _connectors(config, names)
    # Shorter than the whole wait, so a source that hangs is reported as such, not cut off.
    send_timeout = min(wait * 0.8, DEFAULT_SEND_TIMEOUT)
    worker: OutboxWorker = OutboxWorker(
        store, connectors, send_timeout=send_timeout, lease_seconds=send_timeout * 4
    )
    try:
        await asyncio.wait_for(worker.deliver_once(ids), wait)
    except TimeoutError:
        pass  # what did not get through in time stays queued, released for the next try
    finally:
        for connector in connectors.values():
            await connector.aclose()
    return list(worker.delivered)


def formatted_too_long(config: Config, targets: Sequence[NoteTarget], text: str) -> str | None:
    """Why `text` does not fit one of `targets` once formatted for its source (HubSpot's HTML:
    the source's own refusal from `Connector.formatted_length`), checked before anything is
    saved; None when it fits. The plain length is the caller's check (`cx-tui note`)."""
    from cx_tui.connectors.base import InvalidInput

    connectors = _connectors(config, {t.ref.connector for t in targets})
    for target in targets:
        try:
            connectors[target.ref.connector].formatted_length(target, text.strip())
        except InvalidInput as refused:
            return refused.message
    return None


def _connectors(config: Config, names: set[str]) -> dict[str, Connector]:
    from cx_tui.sources import BrokenSource, build_connector, region_for

    region = region_for(config)
    built: dict[str, Connector] = {}
    for entry in config.connectors:
        if entry.name not in names:
            continue
        connector = build_connector(entry, default_region=region)
        if isinstance(connector, BrokenSource):
            connector = _not_ready(connector)
        built[entry.name] = connector
    return built


def _not_ready(broken: BrokenSource) -> Connector:
    """A source that could not be set up (a missing token) refuses notes with its reason.

    `BrokenSource.add_note` would say "does not take notes", which the outbox rightly treats
    as final; the real reason (usually an `AuthError`) keeps the note waiting until it is fixed.
    """
    from cx_tui.sources import BrokenSource

    class NotReady(BrokenSource):
        async def add_note(self, target: NoteTarget, text: str, idempotency_key: str) -> Any:  # noqa: ARG002
            raise self.error

    return NotReady(broken.name, broken.error)
