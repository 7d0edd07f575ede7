"""The reliability tests' crash points (`CX_TUI_TEST_HOLD`); unset, each costs one lookup."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Final

TEST_HOLD_ENV: Final = "CX_TUI_TEST_HOLD"


def hold_for_test(step: str) -> None:
    """Test-only crash point: freeze this process at `step` when `CX_TUI_TEST_HOLD` names it.

    `CX_TUI_TEST_HOLD=STEP:FILE` makes the process write its pid to FILE on reaching STEP, then
    block (the whole process, event loop included) until the test kills it; after two minutes
    it exits with status 86 so a broken test cannot leave it behind.
    """
    spec = os.environ.get(TEST_HOLD_ENV)
    if not spec:
        return
    wanted, _, marker = spec.partition(":")
    if wanted != step or not marker:
        return
    # Write then rename, so the test never sees the file before the pid is in it.
    partial = Path(f"{marker}.partial")
    partial.write_text(str(os.getpid()), encoding="utf-8")
    partial.replace(marker)
    time.sleep(120)
    os._exit(86)
