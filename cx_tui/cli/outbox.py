"""`cx-tui outbox list|retry|flush`: see, retry or send what waits in the outbox.

Exit codes for `flush`: 0 nothing left waiting or failed, 1 some is, 3 the store cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cx_tui.cli import note
from cx_tui.cli.common import EXIT_ALL_FAILED, EXIT_FOUND, EXIT_NOBODY, UsageError, say
from cx_tui.cli.sending import deliver, open_store, outcome, wait_seconds
from cx_tui.outbox.labels import describe

if TYPE_CHECKING:
    from cx_tui.config import Config
    from cx_tui.store import OutboxItem

COMMANDS = ("note", "outbox")
FLUSH_WAIT = 120.0
"""Seconds `cx-tui outbox flush` delivers before it stops and reports what is left."""


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add `note` and `outbox` to the `cx-tui` subcommands (`commands` from add_subparsers)."""
    note.add_command(commands, common)
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
            return note.run(config, args.targets, args.text, args.wait)
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


def _list(*, as_json: bool, everything: bool) -> int:
    from cx_tui.outbox import Outbox
    from cx_tui.store import ItemState

    with open_store() as store:
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
        say("The outbox is empty: every note was delivered." if not everything else "None.")
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
            describe(item),
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
            "label": item.target.label,
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

    with open_store() as store:
        outbox = Outbox(store)
        items = [outbox.retry_now(item_id) for item_id in ids] if ids else outbox.retry_all()
    if not items:
        say("Nothing to retry: no item is waiting or failed.")
        return 0
    for item in items:
        say(f"{item.id} {describe(item)}: due now")
    say("The app delivers them while it runs; `cx-tui outbox flush` delivers them now.")
    return 0


def _flush(config: Config, wait: float) -> int:
    from cx_tui.outbox import Outbox
    from cx_tui.store import ItemState

    wait = wait_seconds(wait)
    with open_store() as store:
        waiting = store.outbox_connectors((ItemState.PENDING, ItemState.SENDING))
        configured = {entry.name for entry in config.connectors}
        # What this flush delivered, not what a concurrent one (the app, another flush) did.
        delivered = deliver(config, store, waiting & configured, wait, None)
        outbox = Outbox(store)
        left = outbox.items()
        pending, failed = outbox.counts()
    say(f"Delivered {len(delivered)}; {pending} waiting, {failed} failed.")
    for item in left:
        say(f"{item.id} {describe(item)}: {outcome(item)}")
    return EXIT_FOUND if pending == 0 and failed == 0 else EXIT_NOBODY
