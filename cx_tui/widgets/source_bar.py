"""One line that says where each source stands: searching, found, nobody, timed out..."""

from __future__ import annotations

import math
from collections.abc import Iterable

from rich.text import Text
from textual.widgets import Static

from cx_tui.models import SourceState, SourceStatus
from cx_tui.widgets.repaint import update_static

_ICON = {
    SourceState.SEARCHING: "…",
    SourceState.FOUND: "✓",
    SourceState.NOBODY: "∅",
    SourceState.CANCELLED: "·",
}


class SourceBar(Static):
    """Each source's own state; a failing source says why, beside the ones that answered."""

    DEFAULT_CSS = """
    SourceBar { height: 1; padding: 0 1; color: $text-muted; }
    """

    def show_statuses(
        self, statuses: Iterable[SourceStatus], *, retrying_up_to: float = 0.0
    ) -> None:
        """Show each source's state.

        Args:
            statuses: Each source's state, in config order.
            retrying_up_to: A rate-limited source whose wait is at most this many seconds is
                looked up again by the screen, so it reads "retrying in N s".
        """
        # One line, never wrapped: a long reason is cut (the next actions say it whole).
        text = Text(no_wrap=True, overflow="ellipsis")
        for index, status in enumerate(statuses):
            if index:
                text.append("   ")
            failed = status.state.is_failure
            text.append(f"{_ICON.get(status.state, '✗')} ", style="bold red" if failed else "")
            text.append(status.source, style="bold")
            text.append(f" {status.state.value}", style="bold red" if failed else "")
            if status.state is SourceState.FOUND and status.matches > 1:
                text.append(f" ({status.matches})")
            wait = status.retry_after
            if wait and wait <= retrying_up_to:
                # The vendor's message would only repeat the wait.
                what = "" if status.state is SourceState.RATE_LIMITED else "; details rate limited"
                text.append(f"{what}, retrying in {math.ceil(wait)} s", style="red")
            elif status.message:
                text.append(f": {status.message}", style="red" if failed else "italic")
            if status.failed_parts:
                missing = "; ".join(str(f) for f in status.failed_parts)
                text.append(f" (left out: {missing})", style="red")
        update_static(self, text)
