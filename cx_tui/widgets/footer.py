"""Textual's footer, with fewer keys in a narrow terminal so `? Help` and `^q Quit` stay in view.

Textual's footer recomposes (a new widget per key, then a layout of the whole screen) whenever
the screen says its bindings changed, which it does on every focus change: Enter in the lookup
bar moves focus to the next actions (where `n`, `r`, `h`... become keys again), so each lookup
paid 20-80 ms before its profile reached the screen (issue 16). This one hides and shows the
keys it already has, and recomposes only for a key it has not composed yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.reactive import reactive
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, KeyGroup

from cx_tui.keys import NARROW_HIDDEN
from cx_tui.widgets.breakpoints import is_narrow

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen

KeyId = tuple[str, str, str, str, bool, str]
"""What a footer key shows: key, its display, description, action, disabled, tooltip."""


class CxFooter(Footer):
    narrow: reactive[bool] = reactive(False, recompose=True)

    def __init__(self) -> None:
        super().__init__()
        self.recomposed = 0
        """How many times the keys were composed (tests count them)."""
        self._recompose_asked = False
        """A recompose is scheduled (Textual's runs once per time it was asked)."""

    def compose(self) -> ComposeResult:
        self.recomposed += 1
        self._recompose_asked = False
        for widget in super().compose():
            # Footer keys are not public API; they carry the binding's action.
            if self.narrow and getattr(widget, "action", None) in NARROW_HIDDEN:
                continue
            yield widget

    def _wanted(self) -> list[KeyId]:
        """The keys `compose` would make now (the first binding of each shown action, then
        the command palette's), as `KeyId`s."""
        app = self.app
        first: dict[str, KeyId] = {}
        palette: list[KeyId] = []
        for key, (_node, b, enabled, tooltip) in self.screen.active_bindings.items():
            shown = (key, app.get_key_display(b), b.description, b.action, not enabled)
            if key == app.COMMAND_PALETTE_BINDING and self.show_command_palette:
                palette = [(*shown, b.tooltip or b.description)]
            if b.show and not (self.narrow and b.action in NARROW_HIDDEN):
                first.setdefault(b.action, (*shown, tooltip))
        return [*first.values(), *palette]

    def _show_in_place(self) -> bool:
        """Show exactly the wanted keys by hiding the others and relabelling those whose key
        changed (`n` in a table, `^n` in the lookup bar): when every wanted action has a
        composed key, in the same order, in the same enabled state. False: recompose."""
        if not self._bindings_ready or self.query(KeyGroup):
            return False
        have = list(self.query_children(FooterKey))
        actions = [k.action for k in have]
        wanted = self._wanted()
        places: list[int] = []
        for item in wanted:  # the wanted actions are a subsequence of the composed ones
            try:
                places.append(actions.index(item[3], places[-1] + 1 if places else 0))
            except ValueError:
                return False
        for place, (key, display, description, _action, disabled, tooltip) in zip(
            places, wanted, strict=True
        ):
            widget = have[place]
            if bool(getattr(widget, "_disabled", False)) != disabled:
                return False  # drawn from a private flag and a class: compose it afresh
            if (widget.key, widget.key_display, widget.description) != (
                key,
                display,
                description,
            ):
                widget.key, widget.key_display, widget.description = key, display, description
                widget.refresh(layout=True)
            if widget.tooltip != tooltip:
                widget.tooltip = tooltip
        keep = set(places)
        for place, widget in enumerate(have):
            if widget.display != (place in keep):
                widget.display = place in keep
        return True

    def bindings_changed(self, screen: Screen[object]) -> None:
        if screen is self.screen and self.is_attached and self._show_in_place():
            self._bindings_ready = True
            return
        if self._recompose_asked and screen is self.screen:
            return  # the recompose asked for reads the bindings when it runs
        super().bindings_changed(screen)
        self._recompose_asked = screen.app.app_focus and self.is_attached and screen is self.screen

    def on_resize(self, event: events.Resize) -> None:
        self.narrow = is_narrow(event.size.width)  # only the keys marked `narrow`; `?` the rest

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
