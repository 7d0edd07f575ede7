"""What the outbox writes into a source besides the note: the delivery marker, and a call log
written as a note for sources that keep no calls."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

from cx_tui.connectors.kit.markers import marker as delivery_marker

__all__ = ["call_note_text", "delivery_marker", "removed_text"]


def removed_text(source: str, removed: tuple[str, ...]) -> str:
    """What a delivered item records when its source had saved an earlier attempt late and
    cx-tui removed the newer copies."""
    copies = "copy" if len(removed) == 1 else "copies"
    return (
        f"{source} saved an earlier attempt late; cx-tui removed the newer {copies} "
        f"({', '.join(removed)}) and kept the first"
    )


def call_note_text(
    summary: str, payload: Mapping[str, Any] | None, *, tz: tzinfo | None = None
) -> str:
    """A call log as a note, for sources without calls: one header line, then the summary.

    `Inbound call · 4 min · Resolved · Sun 22 Nov 2026, 15:50 CET`: the duration in minutes
    (seconds under one), the time in `tz` (default: this machine's local time zone). The
    header's shape is what `profile.already_tried` recognises to leave call logs out of the
    steps already tried: keep the two in step.
    """
    payload = payload or {}
    direction = str(payload.get("direction") or "").strip()
    parts = [f"{direction.capitalize()} call" if direction else "Call"]
    duration = payload.get("duration_s")
    if isinstance(duration, int | float) and not isinstance(duration, bool):
        seconds = max(0, round(duration))
        parts.append(f"{seconds} s" if seconds < 60 else f"{round(seconds / 60)} min")
    if payload.get("disposition"):
        parts.append(str(payload["disposition"]))
    at = payload.get("at")
    if at:
        try:
            moment = datetime.fromisoformat(str(at))
        except ValueError:
            parts.append(str(at))
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            parts.append(moment.astimezone(tz).strftime("%a %d %b %Y, %H:%M %Z").strip())
    header = " · ".join(parts)
    return f"{header}\n{summary}"
