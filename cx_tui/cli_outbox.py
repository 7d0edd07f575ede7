"""The `note` and `outbox` commands: write a note from a script, and see, retry or send what
waits in the outbox.

`cx-tui note` saves the note in the local store first (like the app does), then tries once,
within `--wait` seconds, to deliver it; what does not get through stays queued for the app or
`cx-tui outbox flush`. Exit codes follow the README's table: 0 delivered everywhere (for
`flush`: nothing left waiting or failed), 1 saved but not delivered everywhere yet (or refused:
see `cx-tui outbox list`), 2 a usage error (a bad target, an empty or too long note), 3 the
store cannot be used (for `note`: nothing was saved).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cx_tui.cli import EXIT_ALL_FAILED, EXIT_FOUND, EXIT_NOBODY, UsageError

if TYPE_CHECKING:
    from cx_tui.config import Config, ConnectorConfig
    from cx_tui.connectors.base import Connector
    from cx_tui.models import NoteTarget
    from cx_tui.outbox import OutboxWorker
    from cx_tui.sources import BrokenSource
    from cx_tui.store import OutboxItem, Store

COMMANDS = ("note", "outbox")
NOTE_WAIT = 15.0
"""Seconds `cx-tui note` tries to deliver before it leaves the rest to the outbox."""
FLUSH_WAIT = 120.0
"""Seconds `cx-tui outbox flush` delivers before it stops and reports what is left."""
MAX_WAIT = 600.0
_TARGET_FORM = (
    '"SOURCE NAME/person/ID", "SOURCE NAME/ticket/ID" or "SOURCE NAME/new-ticket/PERSON_ID"'
)


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add `note` and `outbox` to the `cx-tui` subcommands (`commands` from add_subparsers)."""
    note = commands.add_parser(
        "note",
        parents=[common],
        help="write a note on people or tickets, or open a ticket with it (saved locally "
        "first, then delivered)",
    )
    note.add_argument(
        "--to",
        dest="targets",
        action="append",
        required=True,
        metavar="TARGET",
        help=f"{_TARGET_FORM} (a new ticket for that person, the note's first line its "
        "subject); repeat for several targets",
    )
    note.add_argument("text", metavar="TEXT", help="the note; - reads it from standard input")
    note.add_argument(
        "--wait",
        type=float,
        default=NOTE_WAIT,
        metavar="SECONDS",
        help=f"how long to try delivering before leaving it queued (default {NOTE_WAIT:g})",
    )

    outbox = commands.add_parser(
        "outbox", parents=[common], help="see, retry or deliver the notes waiting to be sent"
    )
    actions = outbox.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list", parents=[common], help="what waits: target, state, age, attempts, last error"
    )
    listing.add_argument("--json", action="store_true", help="print the items as JSON")
    listing.add_argument("--all", action="store_true", help="include delivered and discarded items")
    retry = actions.add_parser(
        "retry", parents=[common], help="make failed or waiting items due now (default: all)"
    )
    retry.add_argument("ids", nargs="*", type=int, metavar="ID", help="outbox item ids")
    flush = actions.add_parser(
        "flush", parents=[common], help="deliver everything due now; exit 1 if any is left"
    )
    flush.add_argument(
        "--wait",
        type=float,
        default=FLUSH_WAIT,
        metavar="SECONDS",
        help=f"stop delivering after this long (default {FLUSH_WAIT:g})",
    )


def run(config: Config, args: argparse.Namespace) -> int:
    """Run `note` or `outbox ACTION`; expected problems become one line and an exit code."""
    from cx_tui.outbox import OutboxError
    from cx_tui.store import StoreError

    try:
        if args.command == "note":
            return _note(config, args.targets, args.text, args.wait)
        if args.outbox_command == "list":
            return _list(as_json=args.json, everything=args.all)
        if args.outbox_command == "retry":
            return _retry(args.ids)
        return _flush(config, args.wait)
    except StoreError as error:
        message = str(error)
        if args.command == "note" and "saved" not in error.problem:
            message += " The note was not saved."
        sys.stderr.write(f"cx-tui: {message}\n")
        return EXIT_ALL_FAILED
    except OutboxError as error:
        raise UsageError(str(error)) from None


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def _open_store() -> Store:
    from cx_tui.store import Store

    return Store()


def _wait(seconds: float, option: str = "--wait") -> float:
    if not 0 < seconds <= MAX_WAIT:  # also refuses nan
        raise UsageError(f"{option}: expected a number of seconds > 0 and <= {MAX_WAIT:g}")
    return seconds


# --- note ------------------------------------------------------------------------------------


def _note(config: Config, raw_targets: Sequence[str], text: str, wait: float) -> int:
    from cx_tui.outbox import Outbox
    from cx_tui.store import StoreError

    wait = _wait(wait)
    if text == "-":
        text = sys.stdin.read().rstrip("\n")
    if not text.strip():
        raise UsageError("The note is empty.")
    targets = [_target(config, raw) for raw in raw_targets]
    for target in targets:
        limit = _connector_class(config, target.ref.connector).note_limit
        if len(text) > limit:
            raise UsageError(
                f"The note is {len(text):,} characters; {target.ref.connector} takes at most "
                f"{limit:,}."
            )
    with _open_store() as store:
        items = Outbox(store).enqueue(text, targets)
        ids = [item.id for item in items]
        names = {item.target.ref.connector for item in items}
        try:
            asyncio.run(_deliver(config, store, names, wait, ids))
        except StoreError as error:
            # The note is saved; only recording a delivery failed. It is retried with the
            # same key, so a note that did get through is not written twice.
            sys.stderr.write(f"cx-tui: {error}\n")
        items = store.outbox_items(ids=ids)
    delivered = 0
    for item in items:
        _say(f"{item.target_label}: {_outcome(item)}")
        delivered += item.state.value == "delivered"
    return EXIT_FOUND if delivered == len(items) else EXIT_NOBODY


def _target(config: Config, raw: str) -> NoteTarget:
    from cx_tui.connectors.base import Capability
    from cx_tui.outbox import note_target, target_kinds

    parts = raw.rsplit("/", 2)
    if len(parts) != 3 or not parts[0].strip():
        raise UsageError(f"--to {raw!r}: expected {_TARGET_FORM}")
    source, kind, record_id = (part.strip() for part in parts)
    entry = _entry(config, source, f"--to {raw!r}")
    needs = {
        "person": Capability.PERSON_NOTES,
        "ticket": Capability.TICKET_NOTES,
        "new-ticket": Capability.CREATE_TICKET,
    }
    needed = needs.get(kind.lower())
    if needed is None:
        raise UsageError(f"--to {raw!r}: expected {target_kinds()} after the source name")
    if not record_id:
        raise UsageError(f"--to {raw!r}: the record id is missing")
    if needed not in _connector_class(config, entry.name).capabilities:
        cannot = (
            "opens no tickets"
            if needed is Capability.CREATE_TICKET
            else f"takes no notes on a {kind.lower()}"
        )
        raise UsageError(f"--to {raw!r}: {entry.name} {cannot}")
    return note_target(entry.name, kind, record_id)


def _entry(config: Config, name: str, where: str) -> ConnectorConfig:
    for entry in config.connectors:
        if entry.name.casefold() == name.casefold():
            return entry
    listed = ", ".join(f'"{entry.name}"' for entry in config.connectors) or "none"
    raise UsageError(
        f'{where}: no source named "{name}" in {config.path or "the configuration"} '
        f"(sources: {listed})"
    )


def _connector_class(config: Config, name: str) -> type[Connector]:
    from cx_tui.connectors.registry import connector_class

    return connector_class(_entry(config, name, "the outbox").type)


def _outcome(item: OutboxItem) -> str:
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


# --- delivery ----------------------------------------------------------------------------------


async def _deliver(
    config: Config, store: Store, names: set[str], wait: float, ids: Sequence[int] | None
) -> None:
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


# --- outbox list / retry / flush ---------------------------------------------------------------


def _list(*, as_json: bool, everything: bool) -> int:
    from cx_tui.outbox import Outbox
    from cx_tui.store import ItemState

    with _open_store() as store:
        outbox = Outbox(store)
        items = outbox.items(ItemState) if everything else outbox.items()
        pending, failed = outbox.counts()
    now = datetime.now(UTC)
    if as_json:
        document = {
            "schema": "cx-tui/outbox@1",
            "pending": pending,
            "failed": failed,
            "items": [_item_json(item, now) for item in items],
        }
        json.dump(document, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if not items:
        _say("The outbox is empty: every note was delivered." if not everything else "None.")
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"Outbox: {pending} waiting, {failed} failed", title_justify="left", expand=False
    )
    for column in ("ID", "Target", "State", "Age", "Attempts"):
        table.add_column(column, no_wrap=True)
    table.add_column("Last error", overflow="fold")
    for item in items:
        table.add_row(
            str(item.id),
            item.target_label,
            item.state.value,
            _age(item.age(now).total_seconds()),
            str(item.attempts),
            item.last_error or "",
        )
    Console().print(table)
    return 0


def _item_json(item: OutboxItem, now: datetime) -> dict[str, Any]:
    receipt = item.receipt
    return {
        "id": item.id,
        "kind": item.kind.value,
        "target": {
            "source": item.target.ref.connector,
            "kind": item.target.kind.value,
            "id": item.target.ref.record_id,
        },
        "text": item.text,
        "state": item.state.value,
        "created": item.created.isoformat(),
        "age_s": round(item.age(now).total_seconds(), 3),
        "due": item.due.isoformat(),
        "attempts": item.attempts,
        "last_error": item.last_error,
        "receipt": None
        if receipt is None
        else {"source": receipt.connector, "id": receipt.record_id, "url": receipt.url},
    }


def _age(seconds: float) -> str:
    if seconds < 60:
        return f"{max(0, int(seconds))} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"


def _retry(ids: Sequence[int]) -> int:
    from cx_tui.outbox import Outbox

    with _open_store() as store:
        outbox = Outbox(store)
        items = [outbox.retry_now(item_id) for item_id in ids] if ids else outbox.retry_all()
    if not items:
        _say("Nothing to retry: no item is waiting or failed.")
        return 0
    for item in items:
        _say(f"{item.id} {item.target_label}: due now")
    _say("The app delivers them while it runs; `cx-tui outbox flush` delivers them now.")
    return 0


def _flush(config: Config, wait: float) -> int:
    from cx_tui.outbox import Outbox
    from cx_tui.store import ItemState

    wait = _wait(wait)
    with _open_store() as store:
        waiting = store.outbox_connectors((ItemState.PENDING, ItemState.SENDING))
        configured = {entry.name for entry in config.connectors}
        before = {item.id: item.state for item in store.outbox_items()}
        asyncio.run(_deliver(config, store, waiting & configured, wait, None))
        outbox = Outbox(store)
        left = outbox.items()
        pending, failed = outbox.counts()
        delivered = [
            item
            for item in store.outbox_items((ItemState.DELIVERED,), ids=list(before))
            if before[item.id] is not ItemState.DELIVERED
        ]
    _say(f"Delivered {len(delivered)}; {pending} waiting, {failed} failed.")
    for item in left:
        _say(f"{item.id} {item.target_label}: {_outcome(item)}")
    return EXIT_FOUND if pending == 0 and failed == 0 else EXIT_NOBODY
