"""The app freezes its long-lived objects once started (later garbage collections skip them,
out of the frames keys wait for) and lets them go when it ends."""

from __future__ import annotations

import gc

from cx_tui import heap
from cx_tui.app import CxApp
from cx_tui.config import load_config


async def test_the_started_app_is_frozen_and_released_when_it_ends() -> None:
    assert gc.get_freeze_count() == 0
    app = CxApp(load_config())
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(50):
            if gc.get_freeze_count():
                break
            await pilot.pause(0.02)
        assert gc.get_freeze_count() > 0  # the app and Textual, out of the collector's walk
        frozen = gc.get_freeze_count()
        heap.settle()  # once per app: a second call freezes nothing more
        assert gc.get_freeze_count() == frozen
    assert gc.get_freeze_count() == 0  # all of it collectable again once the app ended
