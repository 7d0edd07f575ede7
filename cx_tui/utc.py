"""UTC times as fixed-width ISO 8601 text, the form both SQLite files (store, local) keep.

One width and one offset, so stored times compare correctly as text in SQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def to_iso(moment: datetime) -> str:
    """Aware time -> `2026-11-22T15:00:00.000000+00:00`.

    Raises:
        ValueError: a naive time (whose zone nobody knows).
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime: only aware (UTC) times are stored")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def to_iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else to_iso(moment)


def from_iso(value: Any) -> datetime:
    """Stored text -> aware UTC time (a value stored without an offset is read as UTC)."""
    parsed = datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def from_iso_or_none(value: Any) -> datetime | None:
    return None if value is None else from_iso(value)
