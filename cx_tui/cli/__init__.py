"""The `cx-tui` command: the app, and headless commands for scripts and admins.

Expected problems print one line on stderr, never a traceback. Heavy modules are imported
inside the commands that need them, so a quick command stays quick: `ring`, `answer`, `hangup`
and `open-uri` (a softphone's hooks) are dispatched before argparse builds the full parser.

Modules: `dispatch` (`main`, the parser, the app), `common` (exit codes, `UsageError`), one per
command family: `lookup`, `check` (`cx-tui connectors`), `demo`, `secret`, `note`, `outbox`,
and `sending` (delivery shared by `note` and `outbox flush`).
"""

from cx_tui.cli.common import (
    EXIT_ALL_FAILED,
    EXIT_BUG,
    EXIT_FOUND,
    EXIT_NOBODY,
    EXIT_USAGE,
    UsageError,
)
from cx_tui.cli.dispatch import main

__all__ = [
    "EXIT_ALL_FAILED",
    "EXIT_BUG",
    "EXIT_FOUND",
    "EXIT_NOBODY",
    "EXIT_USAGE",
    "UsageError",
    "main",
]
