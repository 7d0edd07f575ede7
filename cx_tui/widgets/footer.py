"""Textual's footer, with fewer keys in a narrow terminal so `? Help` and `^q Quit` stay in view."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widgets import Footer

from cx_tui.keys import NARROW_HIDDEN

NARROW_WIDTH = 100
"""Below this many columns (where the app's layout turns narrow too) the footer shows only the
keys the key table marks `narrow`; help (`?`) lists the rest."""


class CxFooter(Footer):
    narrow: reactive[bool] = reactive(False, recompose=True)

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            # Footer keys are not public API; they carry the binding's action.
            if self.narrow and getattr(widget, "action", None) in NARROW_HIDDEN:
                continue
            yield widget

    def on_resize(self, event: events.Resize) -> None:
        self.narrow = event.size.width < NARROW_WIDTH

    async def recompose(self) -> None:
        """Recompose, then let go of the keys it removed.

        Each key Textual's footer composes binds `compact` (`data_bind`), which adds a watcher
        to this footer that Textual drops only when `compact` changes; the footer recomposes
        whenever the bindings change (every lookup moves the focus), so the removed keys piled
        up: about 50 widgets a lookup, 0.6 MB, for the whole session (issue 16). Announcing
        `compact` as changed runs Textual's own clean-up of watchers whose widget is closed.
        """
        await super().recompose()
        self.mutate_reactive(Footer.compact)
