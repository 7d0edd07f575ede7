"""`cx-tui note --to TARGET TEXT`: write a note from a script (saved first, then delivered).

The note is saved in the local store first (like the app does), then tried once, within
`--wait` seconds; what does not get through stays queued for the app or `cx-tui outbox flush`.
Exit codes: 0 delivered everywhere, 1 saved but not delivered everywhere yet (or refused: see
`cx-tui outbox list`), 2 a usage error (a bad target, an empty or too long note), 3 the store
cannot be used (nothing was saved).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cx_tui.cli.common import EXIT_FOUND, EXIT_NOBODY, UsageError, say
from cx_tui.cli.sending import deliver, formatted_too_long, open_store, outcome, wait_seconds

if TYPE_CHECKING:
    from cx_tui.config import Config, ConnectorConfig
    from cx_tui.connectors.base import Connector
    from cx_tui.models import NoteTarget

NOTE_WAIT = 15.0
"""Seconds `cx-tui note` tries to deliver before it leaves the rest to the outbox."""
_TARGET_FORM = (
    '"SOURCE NAME/person/ID", "SOURCE NAME/ticket/ID" or "SOURCE NAME/new-ticket/PERSON_ID"'
)


def add_command(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add `note` to the `cx-tui` subcommands (`commands` from add_subparsers)."""
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


def run(config: Config, raw_targets: Sequence[str], text: str, wait: float) -> int:
    """Save the note for every target, try to deliver it once, say how each target stands."""
    from cx_tui.outbox import Outbox
    from cx_tui.store import StoreError

    wait = wait_seconds(wait)
    if text == "-":
        text = sys.stdin.read().rstrip("\n")
    if not text.strip():
        raise UsageError("The note is empty.")
    targets = [_target(config, raw) for raw in raw_targets]
    for target in targets:  # the one length check; formatting's own refusal comes next
        limit = _connector_class(config, target.ref.connector).note_limit
        if len(text) > limit:
            raise UsageError(
                f"The note is {len(text):,} characters; {target.ref.connector} takes at most "
                f"{limit:,}."
            )
    problem = formatted_too_long(config, targets, text)
    if problem:
        raise UsageError(f"{problem[0].upper()}{problem[1:]}; nothing was saved.")
    with open_store() as store:
        items = Outbox(store).enqueue(text, targets)
        ids = [item.id for item in items]
        names = {item.target.ref.connector for item in items}
        try:
            deliver(config, store, names, wait, ids)
        except StoreError as error:
            # The note is saved; only recording a delivery failed. It is retried with the
            # same key, so a note that did get through is not written twice.
            sys.stderr.write(f"cx-tui: {error}\n")
        items = store.outbox_items(ids=ids)
    delivered = 0
    for item in items:
        say(f"{item.target_label}: {outcome(item)}")
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
