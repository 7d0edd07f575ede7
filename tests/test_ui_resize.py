"""A resize does no store or measuring work: the outbox counts are read when the outbox changes
(or on its poll), not per resize, and the tables measure their columns when their rows change,
not per resize; the rows are made again only when the cut of the flexible column moved."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.models import NoteTarget, SourceRef, TargetKind
from cx_tui.widgets import record_tables
from cx_tui.widgets.record_tables import TicketTable, TimelineTable
from tests.test_ui_flows import HERO, SIZE, look_up


def status(app: CxApp) -> str:
    return str(app.main.query_one("#outbox-status", Static).content)


async def resize(pilot: Pilot[Any], width: int, height: int) -> None:
    await pilot.resize_terminal(width, height)
    await pilot.pause()


async def test_a_resize_reads_no_outbox_counts_and_still_shortens_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cx_tui.widgets import outbox_status

    # The 3 s poll reads the counts too: out of the way, so a slow run cannot count one.
    monkeypatch.setattr(outbox_status, "OUTBOX_COUNTS_POLL", 3600.0)
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(100):  # the outbox opens right after the first frame
            if "pending" in status(app):
                break
            await pilot.pause(0.02)
        delivery = app.services.delivery
        assert delivery is not None and status(app) == "Outbox: 0 pending · 0 failed"
        reads: list[tuple[int, int]] = []
        counts = delivery.counts

        def spy() -> tuple[int, int]:
            reads.append(counts())
            return reads[-1]

        delivery.counts = spy  # type: ignore[method-assign]
        await resize(pilot, 80, 24)
        assert status(app) == "Outbox 0 · 0 failed"  # the short form at once...
        for width in (81, 120, 121, 99, 80):
            await resize(pilot, width, 24)
        assert status(app) == "Outbox 0 · 0 failed"
        await resize(pilot, *SIZE)
        assert status(app) == "Outbox: 0 pending · 0 failed"
        assert reads == []  # ...without one query of the store

        # The spy sees reads: a note queued is counted (one read), and shown.
        delivery.outbox.enqueue("call back", [NoteTarget(TargetKind.PERSON, SourceRef("X", "1"))])
        await pilot.pause()
        assert reads and reads[0][0] + reads[0][1] == 1
        assert status(app) != "Outbox: 0 pending · 0 failed"


@pytest.fixture
def measures(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each call of `record_tables.fixed_width` (the column measuring), by its result."""
    calls: list[int] = []
    measure = record_tables.fixed_width

    def spy(*args: Any) -> int:
        calls.append(measure(*args))
        return calls[-1]

    monkeypatch.setattr(record_tables, "fixed_width", spy)
    return calls


async def test_a_resize_measures_no_column_and_refills_only_for_a_new_cut(
    measures: list[int],
) -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        screen = await look_up(app, pilot, HERO)
        tickets, timeline = screen.query_one(TicketTable), screen.query_one(TimelineTable)
        assert tickets.row_count and timeline.row_count
        measured = len(measures)
        assert measured >= 2  # the spy sees the measuring of both tables
        fills, refills = tickets.refills, timeline.refills

        # Taller and shorter: the cut of the subject and the summary is the same.
        for height in (44, 36, 40):
            await resize(pilot, SIZE[0], height)
        assert (tickets.refills, timeline.refills) == (fills, refills)

        # Wider: a new cut, so the rows again, from the widths measured before.
        room = tickets._room
        await resize(pilot, 140, 40)
        assert tickets._room > room and tickets.refills > fills
        await resize(pilot, *SIZE)
        assert tickets._room == room
        assert len(measures) == measured  # not one column measured again by a resize

        # New rows are measured (the spy is not stuck).
        tickets.show_tickets(list(reversed(list(tickets.tickets.values()))))
        assert len(measures) == measured + 1
