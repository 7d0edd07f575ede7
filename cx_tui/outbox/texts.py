"""What the outbox writes into a source besides the note: the delivery marker, and a call log
written as a note for sources that keep no calls."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cx_tui.connectors.kit.markers import marker as delivery_marker

if TYPE_CHECKING:
    from datetime import tzinfo

    from cx_tui.models import CallLog

__all__ = ["call_note_text", "delivery_marker", "removed_text"]


def removed_text(source: str, removed: tuple[str, ...]) -> str:
    """What a delivered item records when its source had saved an earlier attempt late and
    cx-tui removed the newer copies."""
    copies = "copy" if len(removed) == 1 else "copies"
    return (
        f"{source} saved an earlier attempt late; cx-tui removed the newer {copies} "
        f"({', '.join(removed)}) and kept the first"
    )


def call_note_text(call: CallLog, *, tz: tzinfo | None = None) -> str:
    """A call log as a note, for sources without calls: one header line, then the summary.

    `Inbound call · 4 min · Resolved · Sun 22 Nov 2026, 15:50 CET`: the duration in minutes
    (seconds under one), the time in `tz` (default: this machine's local time zone). The
    header's shape is what `profile.already_tried` recognises to leave call logs out of the
    steps already tried: keep the two in step.
    """
    parts = [f"{call.direction.capitalize()} call" if call.direction else "Call"]
    if call.duration_s is not None:
        seconds = round(call.duration_s)
        parts.append(f"{seconds} s" if seconds < 60 else f"{round(seconds / 60)} min")
    if call.outcome:
        parts.append(call.outcome)
    if call.started is not None:
        parts.append(call.started.astimezone(tz).strftime("%a %d %b %Y, %H:%M %Z").strip())
    header = " · ".join(parts)
    return f"{header}\n{call.summary}"
