"""Fault rounds against the vendor doubles (`tests.vendor_doubles.VENDORS`) through the loopback
proxy, shared by the test suite (a few rounds) and `bench/faults.py` (the full matrix, 20 rounds
per cell).

A round returns what the vendor double ended with: how many notes carry the text (1 is right:
0 is a loss, 2 a duplicate) and the outbox item's final state.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from cx_tui.outbox import Outbox, OutboxWorker
from cx_tui.store import ItemState, Store
from tests import vendor_doubles
from tests.connectors.vendor_fakes import LocalServer
from tests.loopback_proxy import LoopbackProxy

REPO = Path(__file__).resolve().parent.parent
DEADLINE = 60.0
KILL_STEPS = ("before-send", "slow-send", "saved-unanswered", "after-answer")
"""SIGKILL points: before the request leaves; while it waits at the proxy (forwarded to the
vendor after the process died); saved by the vendor, the answer held; answered, before the
outbox marks it delivered."""


@dataclass(frozen=True)
class Outcome:
    notes: int
    state: ItemState
    writes: int
    """Write requests the vendor double received."""


def _runner(
    store: Path, kind: str, base_url: str, settle: float, hold: tuple[str, Path] | None
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "CX_TUI_TEST_HOLD"}
    if hold is not None:
        env["CX_TUI_TEST_HOLD"] = f"{hold[0]}:{hold[1]}"
    name = vendor_doubles.name(kind)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.outbox_runner",
            str(store),
            kind,
            base_url,
            name,
            "--drain",
            "--settle",
            str(settle),
            "--lease",
            "20",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait(condition: object, proc: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():  # type: ignore[operator]
        if proc.poll() is not None:
            raise AssertionError(f"the deliverer ended before {what}: {proc.communicate()[1]}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"the deliverer never reached {what}")
        time.sleep(0.005)


def kill_round(
    kind: str, step: str, tmp: Path, *, settle: float = 1.0, slow: float = 0.3
) -> Outcome:
    """Queue one note, SIGKILL the deliverer at `step`, run a fresh one to the end."""
    tmp.mkdir(parents=True, exist_ok=True)
    fake = vendor_doubles.vendor_fake(kind)
    method, path = vendor_doubles.WRITE_PATH[kind]
    text = f"Kill matrix {kind} {step} {time.monotonic_ns()}"
    with LocalServer(fake) as server, LoopbackProxy(server.base_url) as proxy:
        store = tmp / "state.db"
        with Store(store) as opened:
            vendor_doubles.enqueue(Outbox(opened), text, kind)
        mark = tmp / "held"
        hold = None
        if step in ("before-send", "after-answer"):
            hold = ("before-send" if step == "before-send" else "after-send", mark)
        elif step == "slow-send":
            proxy.fault(method, path, f"slow:{slow}")
        else:
            proxy.fault(method, path, "hold")
        first = _runner(store, kind, proxy.base_url, settle, hold)
        if hold is not None:
            _wait(mark.exists, first, step)
        elif step == "slow-send":
            _wait(
                lambda: any(m == method and _is_write(kind, p) for m, p, _ in proxy.seen),
                first,
                step,
            )
        else:
            _wait(proxy.held.is_set, first, step)
        os.kill(first.pid, signal.SIGKILL)
        first.communicate(timeout=DEADLINE)
        proxy.release()
        second = _runner(store, kind, proxy.base_url, settle, None)
        out, err = second.communicate(timeout=DEADLINE)
        if second.returncode != 0:
            raise AssertionError(err)
        json.loads(out.strip().splitlines()[-1])
        time.sleep(slow if step == "slow-send" else 0)  # a late save lands before counting
        with Store(store) as opened:
            [item] = opened.outbox_items(ItemState)
        writes = sum(1 for m, p, _ in proxy.seen if m == method and _is_write(kind, p))
    return Outcome(vendor_doubles.notes_with(fake, text), item.state, writes)


def _is_write(kind: str, path: str) -> bool:
    return re.search(vendor_doubles.WRITE_PATH[kind][1], path.split("?")[0]) is not None


def late_save_round(
    kind: str, tmp: Path, *, late: float, settle: float, existing: int = 0
) -> Outcome:
    """The vendor saves the write `late` seconds after the client gave up, while a flush
    (the worker's run loop) keeps going."""
    tmp.mkdir(parents=True, exist_ok=True)
    fake = vendor_doubles.vendor_fake(kind, existing)
    method, path = vendor_doubles.WRITE_PATH[kind]
    text = f"Late save {kind} {time.monotonic_ns()}"
    with LocalServer(fake) as server, LoopbackProxy(server.base_url) as proxy:
        proxy.fault(method, path, f"late:{late}")
        source = vendor_doubles.connector(kind, proxy.base_url, settle)
        with Store(tmp / "state.db") as store:
            vendor_doubles.enqueue(Outbox(store), text, kind)
            worker = OutboxWorker(store, {source.name: source}, backoff=lambda attempt: 0.05)

            async def flush() -> None:
                task = asyncio.ensure_future(worker.run())
                deadline = time.monotonic() + DEADLINE
                while store.outbox_items((ItemState.PENDING, ItemState.SENDING)):
                    assert time.monotonic() < deadline, "the flush never ended"
                    await asyncio.sleep(0.02)
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await source.aclose()

            asyncio.run(flush())
            [item] = store.outbox_items(ItemState)
        time.sleep(max(0.0, late - settle) + 0.05)  # anything still in flight lands now
        writes = sum(1 for m, p, _ in proxy.seen if m == method and _is_write(kind, p))
    return Outcome(vendor_doubles.notes_with(fake, text), item.state, writes)
