"""Issue 17, item 7: two `cx-tui outbox flush` running at once each report what they delivered
themselves, not what the other one delivered meanwhile."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest

from cx_tui import cli
from cx_tui.cli import outbox as outbox_cli
from cx_tui.connectors.local import LocalConnector
from cx_tui.models import NoteTarget, SourceRef, TargetKind
from cx_tui.outbox import Outbox
from cx_tui.store import ItemState, Store

NOTES = 12


def test_two_concurrent_flushes_report_what_each_delivered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert cli.main(["demo", "reset"]) == 0
    target = NoteTarget(TargetKind.PERSON, SourceRef("Demo CRM", "1"))
    with Store() as store:
        for n in range(NOTES):
            Outbox(store).enqueue(f"Wrap-up {n}", [target])

    sent_by: dict[str, int] = {}
    said: dict[str, list[str]] = {}
    real_add = LocalConnector.add_note

    async def slow_add(self: LocalConnector, *args: Any) -> Any:
        time.sleep(0.02)  # the other flush claims items meanwhile (its own thread)
        receipt = await real_add(self, *args)
        name = threading.current_thread().name
        sent_by[name] = sent_by.get(name, 0) + 1
        return receipt

    def say(line: str) -> None:
        said.setdefault(threading.current_thread().name, []).append(line)

    monkeypatch.setattr(LocalConnector, "add_note", slow_add)
    monkeypatch.setattr(outbox_cli, "say", say)
    codes: dict[str, int] = {}

    def flush() -> None:
        codes[threading.current_thread().name] = cli.main(["outbox", "flush"])

    threads = [threading.Thread(target=flush, name=f"flush {n}") for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    reported = {}
    for name, lines in said.items():
        # The flush that ends first may see the other's last item still `sending` (waiting).
        found = re.match(r"Delivered (\d+); [01] waiting, 0 failed\.$", lines[0])
        assert found, lines
        reported[name] = int(found.group(1))
    assert reported == {name: sent_by.get(name, 0) for name in ("flush 1", "flush 2")}
    assert sum(reported.values()) == NOTES
    assert set(codes) == {"flush 1", "flush 2"}
    with Store() as store:
        delivered = store.outbox_items((ItemState.DELIVERED,))
    assert len(delivered) == NOTES
