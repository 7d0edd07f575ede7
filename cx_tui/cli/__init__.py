"""The `cx-tui` command: the app, and headless commands for scripts and admins.

Expected problems print one line on stderr, never a traceback. Heavy modules are imported
inside the commands that need them, so a quick command stays quick. A softphone's hooks come
first: `main` reads the common forms of `ring`, `answer` and `hangup` itself (`hook_args`) and
hands them to `cx_tui.softphone.client` without argparse, the rest of the CLI or even `typing`
(issue 16: a ring costs little more than Python's own start-up); anything else, `--help` and
mistakes included, goes through the full parser (`dispatch`).

Modules: `dispatch` (the parser, the app), `common` (exit codes, `UsageError`), one per
command family: `lookup`, `check` (`cx-tui connectors`), `demo`, `secret`, `note`, `outbox`,
and `sending` (delivery shared by `note` and `outbox flush`).
"""

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import SimpleNamespace

    from cx_tui.cli.common import (
        EXIT_ALL_FAILED,
        EXIT_BUG,
        EXIT_FOUND,
        EXIT_NOBODY,
        EXIT_USAGE,
        UsageError,
    )

_HOOK_OPTIONS = {
    "ring": ("--call-id", "--line", "--direction", "--config"),
    "answer": ("--call-id", "--line", "--config"),
    "hangup": ("--call-id", "--line", "--cause", "--config"),
}
"""The options each hook takes (as `softphone.client.add_commands` declares them)."""
_DIRECTIONS = ("inbound", "outbound")


def hook_args(argv: "Sequence[str]") -> "SimpleNamespace | None":
    """`ring NUMBER [--call-id ID] [--line NAME] [--direction D]` (and `answer`/`hangup` with
    an optional NUMBER and `--cause` for a hang-up) read without argparse, giving the namespace
    argparse would; None for anything else (help, an unknown option, a value that starts with
    `-`, a repeated NUMBER), which the full parser then handles and explains."""
    from types import SimpleNamespace

    command, *rest = argv
    allowed = _HOOK_OPTIONS.get(command)
    if allowed is None:
        return None
    values: dict[str, str] = {}
    number: str | None = None
    words = iter(rest)
    for word in words:
        name, equals, value = word.partition("=")
        if name in allowed:
            if not equals:
                value = next(words, "")
            if not value or value.startswith("-") or name in values:
                return None
            values[name] = value
        elif word.startswith("-") or number is not None:
            return None
        else:
            number = word
    if command == "ring" and number is None:
        return None
    found = SimpleNamespace(
        command=command,
        number=number,
        call_id=values.get("--call-id"),
        line=values.get("--line"),
    )
    if command == "ring":
        direction = values.get("--direction", "inbound")
        if direction not in _DIRECTIONS:
            return None
        found.direction = direction
    if command == "hangup":
        found.cause = values.get("--cause")
    if "--config" in values:
        found.config = values["--config"]
    return found


def main(argv: "Sequence[str] | None" = None) -> int:
    """Entry point of the `cx-tui` console script."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    quick = hook_args(arguments) if arguments else None
    if quick is not None:
        from cx_tui.softphone.client import run

        return run(quick)  # type: ignore[arg-type]  # the namespace argparse would give
    from cx_tui.cli.dispatch import main as full

    return full(arguments)


def __getattr__(name: str) -> object:
    # The exit codes and UsageError load on first use: the hooks above never need them.
    if name in ("EXIT_ALL_FAILED", "EXIT_BUG", "EXIT_FOUND", "EXIT_NOBODY", "EXIT_USAGE"):
        from cx_tui.cli import common

        return getattr(common, name)
    if name == "UsageError":
        from cx_tui.cli.common import UsageError

        return UsageError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "EXIT_ALL_FAILED",
    "EXIT_BUG",
    "EXIT_FOUND",
    "EXIT_NOBODY",
    "EXIT_USAGE",
    "UsageError",
    "hook_args",
    "main",
]
