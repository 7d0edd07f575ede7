"""What every `cx-tui` command shares: the exit codes, the usage error, one line out.

Exit codes (README "Exit codes"): 0 found, 1 nobody found, 2 usage or config error, 3 every
source failed, 4 a bug in cx-tui.
"""

from __future__ import annotations

import sys
from typing import NoReturn

EXIT_FOUND = 0
EXIT_NOBODY = 1
EXIT_USAGE = 2
EXIT_ALL_FAILED = 3
EXIT_BUG = 4


class UsageError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


def say(line: str) -> None:
    """One line on standard output."""
    sys.stdout.write(line + "\n")


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """One line on standard error, then exit with `code`."""
    sys.stderr.write(f"cx-tui: {message}\n")
    raise SystemExit(code)
