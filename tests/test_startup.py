"""The first frame loads only what it shows (issue 7's cold-start budget).

The engine and its connectors, the store, the outbox, the softphone listener and the dialogs
are imported right after the first frame (`CxApp._start_services`) or when first used. A new
module-level import in the app or the main screen that pulls one of them back into start-up
fails here, in a fresh interpreter.
"""

from __future__ import annotations

import subprocess
import sys

AFTER_THE_FIRST_FRAME = [
    "httpx",
    "keyring",
    "cx_tui.store",
    "cx_tui.lookup",
    "cx_tui.profile",
    "cx_tui.render",
    "cx_tui.sources",
    "cx_tui.outbox",
    "cx_tui.delivery",
    "cx_tui.calls",
    "cx_tui.call_flow",
    "cx_tui.note_targets",
    "cx_tui.pacing",
    "cx_tui.softphone.service",
    "cx_tui.softphone.events",
    "cx_tui.screens.note",
    "cx_tui.screens.call_desk",
    "cx_tui.screens.outbox",
    "cx_tui.screens.detail",
    "textual.widgets._text_area",
]


def test_importing_the_app_leaves_the_engine_and_dialogs_for_later() -> None:
    code = (
        "import sys, cx_tui.app, cx_tui.screens.main\n"
        f"print(' '.join(m for m in {AFTER_THE_FIRST_FRAME!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.split() == []


def test_the_guard_can_see_an_eager_import() -> None:
    """Positive control: the same check run after importing the engine names it."""
    code = (
        "import sys, cx_tui.app, cx_tui.lookup\n"
        f"print(' '.join(m for m in {AFTER_THE_FIRST_FRAME!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert "cx_tui.lookup" in out.stdout.split()
