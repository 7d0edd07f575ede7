"""Why nobody (or whom) a lookup matched: each source asked again, what it searched and why
each candidate was kept or dropped (`w`; the same as `cx-tui lookup --explain`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from cx_tui.keys import CLOSE_KEYS, bindings

if TYPE_CHECKING:
    from cx_tui.connectors.kit.explain import Explanation
    from cx_tui.identity import Query


def explanation_text(explanations: list[Explanation], say: Callable[[str], str] = str) -> Text:
    """The explanations as text: a source in bold, accepted in green, rejected in red; each
    line as `say` words it (masked while the mask is on)."""
    text = Text()
    for explanation in explanations:
        for index, line in enumerate(explanation.lines()):
            stripped = line.lstrip()
            style = (
                "bold"
                if index == 0
                else "green"
                if stripped.startswith("accepted")
                else "red"
                if stripped.startswith(("rejected", "failed"))
                else ""
            )
            text.append(say(line) + "\n", style=style)
        text.append("\n")
    return text


class WhyMatched(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings(CLOSE_KEYS)

    def __init__(
        self,
        query: Query,
        explain: Callable[[], Awaitable[list[Explanation]]],
        *,
        say: Callable[[str], str] = str,
    ) -> None:
        super().__init__()
        self.lookup_query = query
        self._explain = explain
        self.say = say
        """How the dialog words a line: masks personal data while the mask is on."""

    def compose(self) -> ComposeResult:
        with Vertical(id="why", classes="dialog"):
            yield Label(
                self.say(f"Why {self.lookup_query.display()} matched whom it did"),
                classes="dialog-title",
                markup=False,
            )
            with VerticalScroll(id="why-scroll"):
                yield Static("Asking each source again…", id="why-text", markup=False)
            yield Label("Escape closes", classes="dialog-hint")

    def on_mount(self) -> None:
        self.run_worker(self._fill(), exclusive=True)

    async def _fill(self) -> None:
        explanations = await self._explain()
        self.query_one("#why-text", Static).update(explanation_text(explanations, self.say))

    def action_dismiss_modal(self) -> None:
        self.dismiss(None)
