"""The audit log: every lookup (who, when, what query, what was shown), on this machine only.

Append-only JSON lines in `<data dir>/audit/`, one file per UTC day (`audit-2026-11-20.jsonl`,
then `audit-2026-11-20.1.jsonl`... when a day's file reaches `max_bytes`). The directory is
owner-only (0700) and each file is created 0600 and only ever opened to append. Files older than
the retention (`[audit] retention_days`, 90 by default) are deleted when the next entry is
written. Nothing here sends anything anywhere; `cx-tui audit` lists the entries.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from cx_tui.models import Profile, ProfileState
from cx_tui.paths import data_dir, ensure_private_dir
from cx_tui.phrases import current_user

DEFAULT_RETENTION_DAYS = 90
DEFAULT_MAX_BYTES = 5_000_000
_FILE = re.compile(r"\Aaudit-(\d{4}-\d{2}-\d{2})(?:\.(\d+))?\.jsonl\Z")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: str
    """UTC, ISO 8601."""
    user: str
    """The OS user who looked up."""
    query: str
    where: str
    """`screen`, `text` (`cx-tui lookup`) or `json` (`lookup --json`)."""
    masked: bool
    state: str
    """What the lookup found: resolved, ambiguous, unknown..."""
    summary: str
    """What was shown, in a line (masked when the screen was)."""
    records: tuple[str, ...] = ()
    """The records shown, `source:id`."""


class AuditLog:
    """The audit directory: append entries, list them, drop old files.

    Args:
        directory: Where the files live (default `<data dir>/audit`).
        retention_days: Files of days older than this are deleted on the next write.
        max_bytes: A day's file rolls over to the next numbered file past this size.
        clock: Now, in UTC (tests inject one).
    """

    def __init__(
        self,
        directory: Path | None = None,
        *,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.directory = directory or data_dir() / "audit"
        self.retention_days = retention_days
        self.max_bytes = max_bytes
        self.clock = clock

    def files(self) -> list[Path]:
        """The log's files, oldest first."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in self.directory.iterdir():
            m = _FILE.match(path.name)
            if m:
                found.append((m.group(1), int(m.group(2) or 0), path))
        return [path for *_, path in sorted(found)]

    def _current(self, day: date) -> Path:
        stem = f"audit-{day.isoformat()}"
        index = 0
        while True:
            path = self.directory / (f"{stem}.jsonl" if index == 0 else f"{stem}.{index}.jsonl")
            if not path.exists() or path.stat().st_size < self.max_bytes:
                return path
            index += 1

    def append(self, entry: AuditEntry) -> Path:
        """Write one entry (one line, appended); starting a new file (a new day, a roll-over)
        also drops the files past the retention, so a lookup does not list the directory."""
        ensure_private_dir(self.directory)
        path = self._current(self.clock().date())
        starts_a_file = not path.exists()
        line = json.dumps(asdict(entry), ensure_ascii=False) + "\n"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
        if starts_a_file:
            self.prune()
        return path

    def prune(self) -> list[Path]:
        """Delete the files of days older than the retention; returns them."""
        oldest = (self.clock() - timedelta(days=self.retention_days)).date()
        gone = []
        for path in self.files():
            m = _FILE.match(path.name)
            if m and date.fromisoformat(m.group(1)) < oldest:
                path.unlink(missing_ok=True)
                gone.append(path)
        return gone

    def entries(self) -> Iterator[AuditEntry]:
        """Every entry, oldest first (a damaged line is skipped)."""
        for path in self.files():
            with path.open(encoding="utf-8") as lines:
                for line in lines:
                    try:
                        data = json.loads(line)
                        data["records"] = tuple(data.get("records", ()))
                        yield AuditEntry(**data)
                    except (ValueError, TypeError):
                        continue


def summary(profile: Profile) -> str:
    """`Maria Gonzalez · 2 tickets (1 open) · 14 timeline items`, or who it could be."""
    if profile.state is ProfileState.RESOLVED:
        name = profile.value("name") or "unnamed person"
        opened = len(profile.open_tickets)
        return (
            f"{name} · {len(profile.tickets)} tickets ({opened} open) · "
            f"{len(profile.timeline)} timeline items"
        )
    if profile.state is ProfileState.AMBIGUOUS:
        names = ", ".join(c.name or "unnamed" for c in profile.candidates[:5])
        return f"{len(profile.candidates)} candidates: {names}"
    return "nobody found"


def record(retention_days: int, query: str, shown: Profile, *, where: str, masked: bool) -> None:
    """Add the entry of a lookup whose `shown` profile (already masked when `masked`) was on
    screen or printed, to the log at its default place.

    Raises:
        OSError: the log could not be written (callers say so; a lookup never fails on it).
    """
    log = AuditLog(retention_days=retention_days)
    log.append(entry_for(query, shown, where=where, masked=masked))


def entry_for(
    query: str, profile: Profile, *, where: str, masked: bool, clock: datetime | None = None
) -> AuditEntry:
    """The audit entry of a lookup whose (possibly masked) `profile` was shown."""
    return AuditEntry(
        at=(clock or datetime.now(UTC)).isoformat(),
        user=current_user(),
        query=query,
        where=where,
        masked=masked,
        state=profile.state.value,
        summary=summary(profile),
        records=tuple(
            f"{m.person.ref.connector}:{m.person.ref.record_id}" for m in profile.matches
        ),
    )
