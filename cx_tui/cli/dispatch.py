"""`cx-tui`'s entry point: the argument parser, and which command runs.

This module imports no asyncio, no config and no dataclasses at the top: a softphone's hooks
(`ring`, `answer`, `hangup`, `open-uri`) are dispatched before argparse builds the full parser.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cx_tui.cli.common import EXIT_ALL_FAILED, EXIT_BUG, UsageError, fail

if TYPE_CHECKING:
    from cx_tui.config import Config


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="config file (default: $CX_TUI_CONFIG, then the platform config dir)",
    )
    parser = argparse.ArgumentParser(
        prog="cx-tui",
        description="Caller context for support agents. With no command, starts the app.",
        parents=[common],
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="if cx-tui is already running for this user, ask it to quit and take over",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    lookup = commands.add_parser(
        "lookup", parents=[common], help="look a caller up in every source and print the profile"
    )
    lookup.add_argument("query", metavar="QUERY", help="phone number, email address or name")
    lookup.add_argument("--json", action="store_true", help="print the whole profile as JSON")
    lookup.add_argument(
        "--redact",
        action="store_true",
        help="mask personal data: names as initials, numbers as last 2 digits, bodies cut",
    )
    lookup.add_argument(
        "--explain",
        action="store_true",
        help="also say, per source, what was searched and why each candidate was kept or not",
    )
    lookup.add_argument(
        "--region", metavar="CC", help="region for numbers without + (overrides the config)"
    )

    commands.add_parser(
        "connectors", parents=[common], help="list the configured sources and check each one"
    )
    audit = commands.add_parser(
        "audit", parents=[common], help="list the local audit log of lookups (who, when, what)"
    )
    audit.add_argument("--last", type=int, metavar="N", help="only the last N entries")

    demo = commands.add_parser("demo", parents=[common], help="manage the embedded demo data")
    demo_commands = demo.add_subparsers(dest="demo_command", metavar="ACTION", required=True)
    demo_commands.add_parser(
        "reset", parents=[common], help="re-seed the demo CRM and helpdesk (old files kept)"
    )

    secret = commands.add_parser(
        "secret", parents=[common], help="store or delete a connector's token in the keyring"
    )
    secret_commands = secret.add_subparsers(dest="secret_command", metavar="ACTION", required=True)
    for action, words in (
        ("set", "store (prompts without echo, or reads one line piped in)"),
        ("delete", "delete"),
    ):
        sub = secret_commands.add_parser(action, parents=[common], help=f"{words} the token")
        sub.add_argument("name", metavar="NAME", help="the connector's name in the config")

    from cx_tui.softphone import client as softphone_client

    softphone_client.add_commands(commands, common)

    from cx_tui.cli import outbox

    outbox.add_commands(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `cx-tui` console script."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    from cx_tui.softphone import CLIENT_COMMANDS

    if arguments and arguments[0] in CLIENT_COMMANDS:
        # A softphone's hook: no config, no phonenumbers, no asyncio; the app validates.
        from cx_tui.softphone import client as softphone_client

        return softphone_client.main(arguments)
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        return 130
    except SystemExit:
        raise
    except Exception as error:  # the last line of defence: one readable line, no traceback
        if os.environ.get("CX_TUI_DEBUG"):
            raise
        from cx_tui.config import ConfigError
        from cx_tui.connectors.base import ConnectorError
        from cx_tui.identity import QueryError
        from cx_tui.secrets import SecretError

        if isinstance(error, ConfigError | QueryError | SecretError | UsageError):
            fail(str(error))
        if isinstance(error, ConnectorError):
            # A source that could not do what was asked: its message is written for the admin.
            fail(error.message, EXIT_ALL_FAILED)
        fail(
            f"unexpected error ({type(error).__name__}); this is a bug in cx-tui. "
            "Run again with CX_TUI_DEBUG=1 for the details.",
            EXIT_BUG,
        )


def _dispatch(args: argparse.Namespace) -> int:
    from cx_tui.softphone import CLIENT_COMMANDS

    if args.command in CLIENT_COMMANDS or args.command == "install-handler":
        from cx_tui.softphone import client as softphone_client

        return softphone_client.run(args)

    from cx_tui.config import load_config

    config = load_config(getattr(args, "config", None))
    if args.command is None:
        return _run_app(config, replace=args.replace)
    if args.command == "lookup":
        from cx_tui.cli import lookup

        return lookup.run(
            config,
            args.query,
            as_json=args.json,
            region=args.region,
            redact=args.redact,
            explain=args.explain,
        )
    if args.command == "connectors":
        from cx_tui.cli import check

        return check.run(config)
    if args.command == "audit":
        from cx_tui.cli import audit

        return audit.run(config, last=args.last)
    if args.command == "demo":
        from cx_tui.cli import demo

        return demo.reset(config)
    if args.command == "secret":
        from cx_tui.cli import secret

        return secret.run(config, args.secret_command, args.name)
    if args.command in ("note", "outbox"):
        from cx_tui.cli import outbox

        return outbox.run(config, args)
    raise UsageError(f"unknown command {args.command!r}")


def _run_app(config: Config, *, replace: bool = False) -> int:
    from cx_tui.softphone.control import AlreadyRunningError, ensure_single_instance

    try:
        # Before the screen takes over the terminal, so the message is readable.
        ensure_single_instance(replace=replace)
    except AlreadyRunningError as error:
        raise UsageError(str(error)) from None
    from cx_tui.app import CxApp

    CxApp(config).run()
    return 0
