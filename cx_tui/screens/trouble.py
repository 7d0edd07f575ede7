"""The tickets of the caller's trouble spots: the problem ticket first when there is one,
then other customers' recent tickets, newest first. Enter opens one in the vendor's UI."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from cx_tui.insight.trouble import banner_text
from cx_tui.keys import CLOSE_KEYS, bindings
from cx_tui.models import Profile, RecentTicket, TroubleSpot
from cx_tui.phrases import ago
from cx_tui.widgets.record_links import open_record

if TYPE_CHECKING:
    from cx_tui.screens.main import MainScreen


def count_trouble(screen: MainScreen, profile: Profile) -> None:
    """Count the trouble spots of a finished lookup in the background (never on its critical
    path); the profile is painted again with them when the lookup is still the one on screen.
    A source that fails or is slow leaves its count out, and the banner just does not appear."""
    builder = screen.session.builder
    if builder is None:
        return

    async def count() -> None:
        report = await screen.services.trouble_spots(profile)
        if screen.session.builder is builder and builder.trouble != report.spots:
            builder.trouble = report.spots
            screen.pacer.now(builder)

    screen.run_worker(count(), group="trouble", exclusive=True, exit_on_error=False)


def list_trouble(screen: MainScreen, profile: Profile | None) -> None:
    """The trouble spots' tickets (the profile on screen is already masked when the mask is on)."""
    if profile is None or not profile.trouble:
        screen.notify("No trouble spot: too few other customers wrote in about this lately.")
        return
    screen.app.push_screen(TroubleTickets(profile.trouble))


class TroubleTickets(ModalScreen[None]):
    """Lists each trouble spot's tickets (`s` on the main screen)."""

    BINDINGS: ClassVar[list[BindingType]] = bindings(CLOSE_KEYS)

    def __init__(self, spots: Sequence[TroubleSpot]) -> None:
        super().__init__()
        self.spots = list(spots)
        self.rows: list[RecentTicket] = []

    def compose(self) -> ComposeResult:
        options: list[Option | None] = []
        for spot in self.spots:
            options.append(Option(Text(banner_text(spot), style="bold"), disabled=True))
            if spot.problem is not None:
                options.append(self._row(spot.problem, "problem "))
            options += [self._row(t) for t in spot.tickets]
        with Vertical(id="trouble", classes="dialog"):
            yield Label("Trouble spots", classes="dialog-title")
            yield OptionList(*options, id="trouble-list")
            yield Label(
                "Enter opens a ticket in the browser · Escape closes", classes="dialog-hint"
            )

    def _row(self, ticket: RecentTicket, kind: str = "") -> Option:
        prompt = Text(f"{kind}#{ticket.ref.record_id} ", style="bold")
        prompt.append(ticket.subject)
        prompt.append(f"  {ticket.ref.connector} · opened {ago(ticket.created)}", style="dim")
        self.rows.append(ticket)
        return Option(prompt, id=f"trouble-{len(self.rows) - 1}")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id or ""
        if option_id.startswith("trouble-"):
            open_record(self, self.rows[int(option_id.removeprefix("trouble-"))].ref)

    def action_dismiss_modal(self) -> None:
        self.dismiss(None)
