"""Short human phrases shared by the actions, the CLI and the screen: ages, counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def now_utc() -> datetime:
    return datetime.now(UTC)


def span(delta: timedelta) -> str:
    """`40 min`, `3 h`, `5 days`, `2 years`: the largest unit that fits, rounded down."""
    seconds = abs(int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    days = hours // 24
    if days < 365 * 2:
        return f"{days} days"
    return f"{days // 365} years"


def ago(when: datetime, now: datetime | None = None) -> str:
    """`3 days ago`, or `in 40 min` for a time in the future."""
    delta = (now or now_utc()) - when
    return f"{span(delta)} ago" if delta >= timedelta(0) else f"in {span(delta)}"


def people(count: int) -> str:
    """`1 person`, `3 people`."""
    return f"{count} {'person' if count == 1 else 'people'}"
