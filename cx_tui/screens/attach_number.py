"""Unknown caller, known person: find them by name or email in a source that can add a number
to a person, pick them, and the number goes to their record through the outbox (`cx_tui.attach`).

`open_attach(screen, show)` is the whole flow from the main screen: the dialog, the write, the
profile shown as the picked person at once (`show`), and what the source said once it answers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from cx_tui.keys import CLOSE_KEYS, bindings
from cx_tui.models import Match

if TYPE_CHECKING:
    from cx_tui.delivery import Progress
    from cx_tui.models import Candidate
    from cx_tui.screens.main import MainScreen

Search = Callable[[str, str], Awaitable[list[Match]]]
"""(source, name or email) -> the people that source finds."""


def describe(match: Match) -> str:
    """`Maria Gonzalez · maria@example.com · Acme Corp` for the list of people found."""
    person = match.person
    emails = [cp.value for cp in person.contact_points if cp.kind.value == "email"]
    parts = [person.name or "unnamed", *emails[:1], *([person.company] if person.company else [])]
    return " · ".join(parts)


class AttachNumber(ModalScreen[Match | None]):
    """Enter searches, Enter on a person picks them, Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = bindings(CLOSE_KEYS)

    def __init__(self, line: str, sources: Sequence[str], search: Search) -> None:
        super().__init__()
        self.line = line
        self.sources = list(sources)
        self.search = search
        self.found: list[Match] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="attach-number", classes="dialog"):
            yield Label(f"Add {self.line} to an existing person", classes="dialog-title")
            yield Select(
                [(name, name) for name in self.sources],
                value=self.sources[0],
                allow_blank=False,
                id="attach-source",
            )
            yield Input(placeholder="Their name or email, then Enter", id="attach-query")
            yield OptionList(id="attach-results")
            yield Static("", id="attach-message")
            yield Label(
                "Enter searches · Enter on a person adds the number · Escape cancels",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#attach-query", Input).focus()

    @property
    def source(self) -> str:
        return str(self.query_one("#attach-source", Select).value)

    @on(Input.Submitted, "#attach-query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.query_one("#attach-message", Static).update("Type their name or email.")
            return
        self._search(self.source, text)

    @work(exclusive=True, group="attach-search", exit_on_error=False)
    async def _search(self, source: str, text: str) -> None:
        from cx_tui.connectors.base import ConnectorError
        from cx_tui.identity import QueryError

        message = self.query_one("#attach-message", Static)
        results = self.query_one("#attach-results", OptionList)
        message.update(f"Searching {source}…")
        try:
            self.found = await self.search(source, text)
        except (QueryError, ConnectorError) as error:
            self.found = []
            results.clear_options()
            message.update(str(error))
            return
        results.clear_options()
        results.add_options(
            Option(f"{describe(m)}  ({m.source})", id=str(i)) for i, m in enumerate(self.found)
        )
        if not self.found:
            message.update(f"No one in {source} for {text!r}: try another spelling or the email.")
            return
        message.update(f"{len(self.found)} found: pick the caller, Enter adds {self.line}.")
        results.highlighted = 0
        results.focus()

    @on(OptionList.OptionSelected, "#attach-results")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.found[event.option_index])

    def action_dismiss_modal(self) -> None:
        self.dismiss(None)


def open_attach(screen: MainScreen, show: Callable[[Candidate], object]) -> None:
    """Offer to add the looked-up number to an existing person; on a pick, queue it, show the
    profile as that person (`show`), and say what the source answered."""
    from cx_tui.attach import attach_sources, line_of, people

    services = screen.services
    query = screen.session.query
    line = line_of(query)
    if query is None or line is None:
        screen.notify(
            "Look the caller's number up first: a number is what gets added.", severity="warning"
        )
        return
    sources = attach_sources(services.engine)
    if not sources:
        screen.notify("No configured source can add a number to a person.", severity="warning")
        return

    async def search(source: str, text: str) -> list[Match]:
        return await people(services.engine, source, text, services.region)

    def picked(match: Match | None) -> None:
        from cx_tui.attach import attach
        from cx_tui.outbox import OutboxError
        from cx_tui.store import StoreError

        if match is None:
            return
        try:
            candidate, progress = attach(services, query, match)
        except (OutboxError, StoreError) as error:
            said = screen.said(f"{line} was not queued: {error}")
            screen.notify(said, severity="error", timeout=10)
            return
        if screen.session.adopt(candidate):
            show(candidate)
        who = match.person.name or "the person"
        screen.notify(screen.said(f"Adding {line} to {who} in {match.source}…"))
        what = screen.said(f"{line} to {who}")
        screen.run_worker(_follow(screen, progress, query.text, what), group="write")

    screen.app.push_screen(AttachNumber(screen.said(line), sources, search), picked)


async def _follow(screen: MainScreen, progress: Progress, text: str, what: str) -> None:
    """What the source said: added (the profile is looked up again, now by the number), or
    refused in the source's own words (the agent's pick stays remembered)."""
    async for target, state, message in progress.updates():
        source = target.ref.connector
        if state == "delivered":
            screen.notify(f"Added {what} in {source}.")
            query = screen.session.query
            if query is not None and query.text == text:
                screen.refresh_profile()
        elif state == "failed":
            screen.notify(
                f"{source} did not add {what}: {message}. The pick is kept for this number; "
                "the outbox (b) has the item.",
                title="Number not added",
                severity="error",
                timeout=15,
            )
