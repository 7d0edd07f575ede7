"""`cx-tui connectors`: each configured source, its token, a live check, what it can do."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from cx_tui.cli.common import EXIT_ALL_FAILED, EXIT_NOBODY

if TYPE_CHECKING:
    from rich.text import Text

    from cx_tui.config import Config
    from cx_tui.connectors.base import Capability, CheckResult


class _Checked(NamedTuple):  # not a dataclass: importing dataclasses slows the softphone hooks
    """One row of `cx-tui connectors`."""

    name: str
    type: str
    result: CheckResult
    declared: Capability
    """What the connector type can do; `result.capabilities` narrows it to the credentials."""


async def _check_all(config: Config) -> tuple[list[_Checked], list[str]]:
    import asyncio

    from cx_tui.connectors.base import CheckResult
    from cx_tui.sources import BrokenSource, build_connector, region_for
    from cx_tui.team import wiring as team

    team.install(config.team)  # [team]: checks spend the shared budgets, shown below
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
                    from cx_tui.source_desk import failure_state

                    result = CheckResult(ok=False, summary=failure_state(error)[1])
        finally:
            await connector.aclose()
        from cx_tui.connectors.registry import connector_class

        declared = connector_class(entry.type).capabilities
        rows.append(_Checked(entry.name, entry.type, result, declared))
    return rows, await team.report()


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

    from cx_tui.connectors.base import Capability
    from cx_tui.connectors.registry import connector_class
    from cx_tui.sources import capability_names

    allowed = row.result.capabilities
    if allowed is None:
        cell = Text(", ".join(capability_names(row.declared)))
    else:
        cell = Text(", ".join(capability_names(row.declared & allowed)) or "nothing")
        withheld = capability_names(row.declared & ~allowed)
        if withheld:
            cell.append("\nnot allowed: " + ", ".join(withheld), style="yellow")
    if Capability.RECENT_TICKETS not in row.declared:  # trouble spots: why not from here
        why = connector_class(row.type).no_recent_count
        cell.append(f"\ncannot count recent tickets (trouble spots): {why}", style="dim")
    return cell


def run(config: Config) -> int:
    """Print the table; 0 every check passed, 1 some failed, 3 all failed."""
    import asyncio

    from rich.console import Console
    from rich.table import Table

    from cx_tui.connectors.registry import connector_class
    from cx_tui.secrets import secret_source

    rows, team_lines = asyncio.run(_check_all(config))
    where = str(config.path) if config.path else "built-in demo (no config file)"
    table = Table(title=f"Sources from {where}", title_justify="left", show_lines=True)
    for column in ("Name", "Type", "Token", "Check", "Can"):
        table.add_column(column)
    for row in rows:
        needs = connector_class(row.type).needs_secret
        token = (secret_source(row.name) or "missing") if needs else "not needed"
        table.add_row(row.name, row.type, token, _check_cell(row.result), _can_cell(row))
    Console().print(table)
    for line in team_lines:  # [team]: used and remaining per account, across the team
        Console(highlight=False).print(line, markup=False)
    failed = sum(1 for row in rows if not row.result.ok)
    if failed == 0:
        return 0
    return EXIT_ALL_FAILED if failed == len(rows) else EXIT_NOBODY
