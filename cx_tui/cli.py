"""The `cx-tui` command: the app, and headless commands for scripts and admins.

Exit codes (README "Exit codes"): 0 found, 1 nobody found, 2 usage or config error, 3 every
source failed, 4 a bug in cx-tui. Expected problems print one line on stderr, never a traceback.
Heavy modules are imported inside the commands that need them, so a quick command stays quick:
`ring`, `answer`, `hangup` and `open-uri` (a softphone's hooks) are dispatched before argparse
builds the full parser, and this module imports no asyncio at the top for their sake.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple, NoReturn

if TYPE_CHECKING:
    from rich.text import Text

    from cx_tui.config import Config
    from cx_tui.connectors.base import Capability, CheckResult
    from cx_tui.identity import Query
    from cx_tui.lookup import LookupEngine
    from cx_tui.models import Profile

EXIT_FOUND = 0
EXIT_NOBODY = 1
EXIT_USAGE = 2
EXIT_ALL_FAILED = 3
EXIT_BUG = 4


class UsageError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    sys.stderr.write(f"cx-tui: {message}\n")
    raise SystemExit(code)


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
        "--region", metavar="CC", help="region for numbers without + (overrides the config)"
    )

    commands.add_parser(
        "connectors", parents=[common], help="list the configured sources and check each one"
    )

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

    from cx_tui import cli_outbox

    cli_outbox.add_commands(commands, common)
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
            _fail(str(error))
        if isinstance(error, ConnectorError):
            # A source that could not do what was asked: its message is written for the admin.
            _fail(error.message, EXIT_ALL_FAILED)
        _fail(
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
        return _lookup(config, args.query, as_json=args.json, region=args.region)
    if args.command == "connectors":
        return _connectors(config)
    if args.command == "demo":
        return _demo_reset(config)
    if args.command == "secret":
        return _secret(config, args.secret_command, args.name)
    if args.command in ("note", "outbox"):
        from cx_tui import cli_outbox

        return cli_outbox.run(config, args)
    raise UsageError(f"unknown command {args.command!r}")


# --- the app ----------------------------------------------------------------------------------


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


# --- lookup -----------------------------------------------------------------------------------


def exit_code(profile: Profile) -> int:
    """0 found (one person, or candidates to confirm), 1 nobody in the sources that answered
    (even when others failed: the output names them and offers a retry), 3 every source failed."""
    from cx_tui.models import ProfileState

    statuses = list(profile.sources.values())
    if profile.state in (ProfileState.RESOLVED, ProfileState.AMBIGUOUS):
        return EXIT_FOUND
    if statuses and all(s.state.is_failure for s in statuses):
        return EXIT_ALL_FAILED
    return EXIT_NOBODY


async def _run_lookup(engine: LookupEngine, query: Query) -> Profile:
    try:
        return await engine.lookup(query)
    finally:
        await engine.aclose()


def _lookup(config: Config, text: str, *, as_json: bool, region: str | None) -> int:
    import asyncio

    from cx_tui.actions import suggest
    from cx_tui.identity import parse_query
    from cx_tui.sources import build_engine, region_for

    query = parse_query(text, region or region_for(config))
    engine = build_engine(config)
    profile = asyncio.run(_run_lookup(engine, query))
    actions = suggest(profile)
    if as_json:
        from cx_tui.export import profile_json

        json.dump(profile_json(profile, actions, query.kind.value), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        from rich.console import Console

        from cx_tui.render import render_profile

        Console().print(render_profile(profile, actions))
    return exit_code(profile)


# --- connectors -------------------------------------------------------------------------------


class _Checked(NamedTuple):  # not a dataclass: importing dataclasses slows the softphone hooks
    """One row of `cx-tui connectors`."""

    name: str
    type: str
    result: CheckResult
    declared: Capability
    """What the connector type can do; `result.capabilities` narrows it to the credentials."""


async def _check_all(config: Config) -> list[_Checked]:
    import asyncio

    from cx_tui.connectors.base import CheckResult
    from cx_tui.sources import BrokenSource, build_connector, region_for

    region = region_for(config)
    rows = []
    for entry in config.connectors:
        connector = build_connector(entry, default_region=region)
        try:
            if isinstance(connector, BrokenSource):
                result = CheckResult(ok=False, summary=connector.error.message)
            else:
                try:
                    result = await asyncio.wait_for(connector.check(), config.lookup_deadline * 3)
                except TimeoutError:
                    result = CheckResult(ok=False, summary="no answer: check the address")
                except Exception as error:
                    from cx_tui.lookup import failure_state

                    result = CheckResult(ok=False, summary=failure_state(error)[1])
        finally:
            await connector.aclose()
        from cx_tui.connectors.registry import connector_class

        declared = connector_class(entry.type).capabilities
        rows.append(_Checked(entry.name, entry.type, result, declared))
    return rows


def _check_cell(result: CheckResult) -> Text:
    """The summary, then each detail and the credentials' permissions on lines of their own."""
    from rich.text import Text

    # Text, not markup: a vendor's words or a "[[connectors]]" hint must print as written.
    cell = Text.assemble(("✓ ", "green") if result.ok else ("✗ ", "bold red"), result.summary)
    for detail in result.details:
        cell.append("\n· " + detail, style="yellow" if detail.startswith("cannot ") else "")
    if result.permissions:
        cell.append("\npermissions: " + ", ".join(result.permissions), style="dim")
    return cell


def _can_cell(row: _Checked) -> Text:
    """What the source can do with these credentials, and what the type could but they may not."""
    from rich.text import Text

    from cx_tui.sources import capability_names

    allowed = row.result.capabilities
    if allowed is None:
        return Text(", ".join(capability_names(row.declared)))
    cell = Text(", ".join(capability_names(row.declared & allowed)) or "nothing")
    withheld = capability_names(row.declared & ~allowed)
    if withheld:
        cell.append("\nnot allowed: " + ", ".join(withheld), style="yellow")
    return cell


def _connectors(config: Config) -> int:
    import asyncio

    from rich.console import Console
    from rich.table import Table

    from cx_tui.connectors.registry import connector_class
    from cx_tui.secrets import secret_source

    rows = asyncio.run(_check_all(config))
    where = str(config.path) if config.path else "built-in demo (no config file)"
    table = Table(title=f"Sources from {where}", title_justify="left", show_lines=True)
    for column in ("Name", "Type", "Token", "Check", "Can"):
        table.add_column(column)
    for row in rows:
        needs = connector_class(row.type).needs_secret
        token = (secret_source(row.name) or "missing") if needs else "not needed"
        table.add_row(row.name, row.type, token, _check_cell(row.result), _can_cell(row))
    Console().print(table)
    failed = sum(1 for row in rows if not row.result.ok)
    if failed == 0:
        return 0
    return EXIT_ALL_FAILED if failed == len(rows) else EXIT_NOBODY


# --- demo -------------------------------------------------------------------------------------


def _demo_reset(config: Config) -> int:
    """Re-seed each demo source; one that cannot be reset is one line on stderr.

    Returns:
        0 all re-seeded, 1 some could not be, 3 none could be.
    """
    from cx_tui.connectors import local
    from cx_tui.connectors.base import ConnectorError
    from cx_tui.sources import region_for

    targets = [
        entry
        for entry in config.connectors
        if entry.type == "local" and entry.settings.get("dataset")
    ]
    if not targets:
        raise UsageError(
            "no demo sources to reset: no connector of type 'local' with a 'dataset' "
            f"in {config.path or 'the configuration'}"
        )
    region = region_for(config)
    failed = 0
    for entry in targets:
        path = local.database_path(entry.name, entry.settings)
        try:
            moved = local.reset_database(path, str(entry.settings["dataset"]), region=region)
        except ConnectorError as error:
            failed += 1
            sys.stderr.write(f"cx-tui: {entry.name}: {error.message}\n")
            continue
        kept = f" (previous file kept as {moved})" if moved else ""
        _say(f"{entry.name}: re-seeded {path}{kept}")
    if failed == 0:
        return 0
    return EXIT_ALL_FAILED if failed == len(targets) else EXIT_NOBODY


# --- secrets ----------------------------------------------------------------------------------


def _secret(config: Config, action: str, name: str) -> int:
    from cx_tui import secrets

    names = {entry.name.casefold(): entry.name for entry in config.connectors}
    # The softphone HTTP endpoint's token lives beside the connectors' ([softphone] table).
    names.setdefault(config.softphone.http_token_name.casefold(), config.softphone.http_token_name)
    if name.casefold() not in names:
        listed = ", ".join(f'"{n}"' for n in names.values()) or "none"
        raise UsageError(
            f'no connector named "{name}" in {config.path or "the configuration"} '
            f"(connectors: {listed})"
        )
    name = names[name.casefold()]
    if action == "set":
        secrets.require_keyring(name)  # before asking for a token it could not keep
        secrets.set_secret(name, secrets.prompt_secret(name))
        _say(f'Stored the token for "{name}" in the keyring (service "{secrets.SERVICE}").')
        return 0
    if secrets.delete_secret(name):
        _say(f'Deleted the token for "{name}" from the keyring.')
        return 0
    _say(f'The keyring held no token for "{name}".')
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
