"""Short human phrases shared by the actions, the CLI and the screen: ages, counts."""

from __future__ import annotations

from collections.abc import Sequence
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


def listing(items: Sequence[str], word: str = "and") -> str:
    """`A`, `A and B`, `A, B and C` (or `word`: `A, B or C`)."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def people(count: int) -> str:
    """`1 person`, `3 people`."""
    return f"{count} {'person' if count == 1 else 'people'}"


def day(when: datetime, now: datetime | None = None) -> str:
    """`3 Dec` in the agent's time zone (`3 Dec 2025` when not this year)."""
    local = when.astimezone()
    year = (now or now_utc()).astimezone().year
    return f"{local.day} {local:%b}" + (f" {local.year}" if local.year != year else "")


def confirmer(by: str, me: str | None) -> str:
    """`you` when the agent at this machine confirmed it, else their user name."""
    return "you" if me is not None and by == me else by


def current_user() -> str:
    """The operating-system user: who confirms a link, who looked a caller up (the audit log).
    Never fails: the uid when the account has no name (a container), else `someone`."""
    import getpass
    import os

    try:
        return getpass.getuser() or "someone"
    except Exception:  # no login name, no USER variable: still record who it was
        return str(os.getuid()) if hasattr(os, "getuid") else "someone"
