"""`cx-tui audit`: list the local audit log; and the entry every `cx-tui lookup` adds to it."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from cx_tui.cli.common import say

if TYPE_CHECKING:
    from cx_tui.audit import AuditLog
    from cx_tui.config import Config
    from cx_tui.models import Profile


def audit_log(config: Config) -> AuditLog:
    from cx_tui.audit import AuditLog

    return AuditLog(retention_days=config.insight.audit_retention_days)


def audit_lookup(config: Config, query: str, shown: Profile, *, where: str, masked: bool) -> None:
    """Record a lookup whose `shown` profile (masked when `masked`) was printed; a log that
    cannot be written is said on stderr, never fatal."""
    from cx_tui.audit import record

    try:
        record(config.insight.audit_retention_days, query, shown, where=where, masked=masked)
    except OSError as error:
        sys.stderr.write(f"cx-tui: the audit log could not be written: {error}\n")


def run(config: Config, *, last: int | None = None) -> int:
    """Print the audit log, oldest first (the last `last` entries when given)."""
    log = audit_log(config)
    entries = list(log.entries())
    if last is not None:
        entries = entries[-last:] if last > 0 else []
    if not entries:
        say(f"The audit log is empty ({log.directory}).")
        return 0
    for entry in entries:
        masked = " [masked]" if entry.masked else ""
        say(
            f"{entry.at}  {entry.user}  {entry.where}{masked}  {entry.query!r} -> "
            f"{entry.state}: {entry.summary}"
        )
    return 0
