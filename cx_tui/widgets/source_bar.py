"""One line that says where each source stands: searching, found, nobody, timed out..."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import Static

from cx_tui.models import SourceState, SourceStatus

_ICON = {
    SourceState.SEARCHING: "…",
    SourceState.FOUND: "✓",
    SourceState.NOBODY: "∅",
    SourceState.CANCELLED: "·",
}


class SourceBar(Static):
    """Each source's own state; a failing source says why, beside the ones that answered."""

    DEFAULT_CSS = """
    SourceBar { height: auto; padding: 0 1; color: $text-muted; }
    """

    def show_statuses(self, statuses: Iterable[SourceStatus]) -> None:
        text = Text()
        for index, status in enumerate(statuses):
            if index:
                text.append("   ")
            failed = status.state.is_failure
            text.append(f"{_ICON.get(status.state, '✗')} ", style="bold red" if failed else "")
            text.append(status.source, style="bold")
            text.append(f" {status.state.value}", style="bold red" if failed else "")
            if status.state is SourceState.FOUND and status.matches > 1:
                text.append(f" ({status.matches})")
            if status.retry_after:
                text.append(f", retry in {status.retry_after:g} s", style="red")
            if status.message:
                text.append(f": {status.message}", style="red" if failed else "italic")
        self.update(text)
