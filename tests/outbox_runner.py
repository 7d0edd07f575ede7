"""A deliverer process for the reliability tests: `python -m tests.outbox_runner ...`.

It opens the store, builds one connector (the real `local` one, or the marker-deduping
vendor), runs `OutboxWorker.deliver_once` (or keeps delivering until nothing is due) and
prints what it did as one JSON line. Killing it with SIGKILL is the point: run with
`CX_TUI_TEST_HOLD=STEP:FILE` it freezes at STEP after writing FILE.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from cx_tui.connectors.base import Connector
from cx_tui.connectors.local import LocalConnector
from cx_tui.models import NoteReceipt, NoteTarget
from cx_tui.outbox import OutboxWorker, hold_for_test
from cx_tui.store import ItemState, Store
from tests import vendor_doubles
from tests.marker_vendor import MarkerVendor


class HeldLocal(LocalConnector):
    """The real local connector, with the `during-send` crash point after its write."""

    async def add_note(self, target: NoteTarget, text: str, idempotency_key: str) -> NoteReceipt:
        receipt = await super().add_note(target, text, idempotency_key)
        hold_for_test("during-send")
        return receipt


def connector(kind: str, name: str, path: str, delay: float, settle: float) -> Connector:
    if kind == "local":
        return HeldLocal(name, {"path": path})
    if kind in vendor_doubles.VENDORS:
        # `path` is the vendor double's address (through the loopback proxy).
        return vendor_doubles.connector(kind, path, settle)
    return MarkerVendor(name, {"path": path, "delay": delay})


async def main(args: argparse.Namespace) -> dict[str, Any]:
    if args.go:
        # Start together with the other deliverer: say we are ready, wait for the signal.
        Path(f"{args.go}.ready.{os.getpid()}").write_text("ready")
        deadline = time.monotonic() + 60
        while not Path(args.go).exists():
            if time.monotonic() > deadline:
                raise SystemExit("no go signal within 60 s")
            await asyncio.sleep(0.005)
    source = connector(args.vendor, args.name, args.vendor_path, args.delay, args.settle)
    store = Store(args.store)
    worker = OutboxWorker(
        store,
        {args.name: source},
        send_timeout=args.lease / 2,
        lease_seconds=args.lease,
        backoff=lambda attempt: 0.0,
    )
    totals = {"delivered": 0, "retrying": 0, "failed": 0, "passes": 0}
    try:
        deadline = time.monotonic() + 60
        while True:
            counts = await worker.deliver_once()
            totals["passes"] += 1
            for key in ("delivered", "retrying", "failed"):
                totals[key] += getattr(counts, key)
            due = store.outbox_items((ItemState.PENDING,))
            if not args.drain or not due or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.01)
    finally:
        store.close()
        await source.aclose()
    return {"pid": os.getpid(), **totals}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("store")
    parser.add_argument("vendor", choices=("local", "marker", *vendor_doubles.VENDORS))
    parser.add_argument("vendor_path")
    parser.add_argument("name")
    parser.add_argument("--drain", action="store_true", help="deliver until nothing is due")
    parser.add_argument("--go", help="wait for this file to exist before starting")
    parser.add_argument("--lease", type=float, default=60.0)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--settle", type=float, default=0.0)
    result = asyncio.run(main(parser.parse_args()))
    sys.stdout.write(json.dumps(result) + "\n")
