"""The main screen: a lookup bar and the caller's profile, painted as sources answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from cx_tui.actions import suggest
from cx_tui.identity import Query, QueryError, parse_query
from cx_tui.lookup import LookupCancelled, apply_update
from cx_tui.render import render_profile, sources_line
from cx_tui.sources import region_for

if TYPE_CHECKING:
    from cx_tui.config import Config
    from cx_tui.lookup import LookupEngine
    from cx_tui.models import Profile


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+l", "focus_lookup", "Lookup", id="focus-lookup"),
        Binding("slash", "focus_lookup", "Lookup", id="focus-lookup-slash", show=False),
    ]

    def __init__(self, engine: LookupEngine, config: Config) -> None:
        super().__init__()
        self.engine = engine
        self.phone_region = region_for(config)
        self.profile: Profile | None = None
        """The latest profile painted (None before the first lookup)."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Phone, email or name, then Enter", id="lookup-bar")
        yield Static("", id="lookup-message")
        yield Static("", id="sources")
        with VerticalScroll(id="profile-scroll"):
            yield Static("Type a caller's number or email to see who they are.", id="profile")
        yield Footer()

    def action_focus_lookup(self) -> None:
        self.query_one("#lookup-bar", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        message = self.query_one("#lookup-message", Static)
        try:
            query = parse_query(event.value, self.phone_region)
        except QueryError as error:
            message.update(str(error))
            return
        message.update("")
        self._lookup(query)

    @work(exclusive=True, group="lookup", exit_on_error=False)
    async def _lookup(self, query: Query) -> None:
        builder = self.engine.new_builder(query)
        profile_view = self.query_one("#profile", Static)
        sources_view = self.query_one("#sources", Static)
        profile_view.update(f"Looking up {query.display()}…")
        async for update in self.engine.stream(query):
            if isinstance(update, LookupCancelled):
                return
            apply_update(builder, update)
            profile = self.profile = builder.build()
            sources_view.update(sources_line(profile))
            if not profile.pending:
                profile_view.update(render_profile(profile, suggest(profile)))
            elif profile.matches:
                profile_view.update(render_profile(profile, ()))
