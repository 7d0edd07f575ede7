"""The caller's profile: who, what to do next, what was tried, tickets and timeline.

Paints a `Profile` (`show`) and opens the records the agent chooses in it. Before the first
lookup only the welcome text shows; the rest appears as the profile fills in (by each widget's
`display`: a class on the screen would restyle every widget on each paint).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Label, Static

from cx_tui import heap
from cx_tui.models import ProfileState
from cx_tui.widgets.action_list import ActionList
from cx_tui.widgets.identity_card import IdentityCard
from cx_tui.widgets.owner_list import OwnerList
from cx_tui.widgets.record_tables import TicketTable, TimelineTable
from cx_tui.widgets.repaint import update_static
from cx_tui.widgets.theme_list import ThemeList
from cx_tui.widgets.tried_list import TriedList

if TYPE_CHECKING:
    from textual.widget import Widget

    from cx_tui.actions import NextAction
    from cx_tui.models import Profile, SourceRef, Ticket


def welcome(help_key: str = "F1") -> str:
    """The text before the first lookup; `help_key` as the keymap has it."""
    return (
        "Type a caller's phone number, email or name and press Enter.\n\n"
        f"Keys: / lookup · n note · r recent lookups · {help_key} help · ctrl+p commands · "
        "ctrl+q quit"
    )


def _another(before: Profile | None, profile: Profile) -> bool:
    """Whether `profile` is someone else than `before` (no record of a person in common)."""
    if before is None:
        return True
    keys = {m.person.ref.key for m in before.matches}
    return not any(m.person.ref.key in keys for m in profile.matches)


class ProfileView(Horizontal):
    """Two columns (one on a narrow terminal): the person and next actions; their records."""

    def __init__(
        self,
        *,
        help_key: str = "F1",
        tried_key: str = "d",
        id: str | None = None,  # noqa: A002 - Textual's name
    ) -> None:
        super().__init__(id=id)
        self.help_key = help_key
        self.tried_key = tried_key
        self.profile: Profile | None = None
        """The profile painted last (None before the first lookup)."""
        self.actions: list[NextAction] = []
        self.built = False
        """Whether the panels the first frame does not show are mounted (`_build`)."""
        self._tables_due = False
        """The tables fill in the frames after a paint (`_fill_tickets`)."""
        self._painted = 0
        """Resolved profiles painted, to see whether one came while the tables filled."""
        self._tickets_for = 0
        """The paint whose tickets the ticket table was last filled for (`_fill_tickets`)."""

    def compose(self) -> ComposeResult:
        # The first frame shows only the welcome text (issue 16: start close to bare Textual);
        # the hidden panels and their tables mount right after it.
        with VerticalScroll(id="left", classes="-alone"):
            yield Static(welcome(self.help_key), id="status")

    def on_mount(self) -> None:
        self.call_after_refresh(self._build)

    async def _build(self) -> None:
        """Mount what the first frame does not show, then paint a profile that came first."""
        if self.built or not self.is_attached:
            return  # built, or the app is closing
        await self.query_one("#left", VerticalScroll).mount_all(
            [
                IdentityCard(id="identity"),
                Label("Next actions", classes="section", id="actions-title"),
                ActionList(id="actions"),
                Label("Already tried", classes="section", id="tried-title"),
                TriedList(key=self.tried_key, id="tried"),
                Label("Loop in", classes="section", id="owners-title"),
                OwnerList(id="owners"),
            ]
        )
        if not self.is_attached:
            return
        await self.mount(
            Vertical(
                Label("Themes (newest first)", classes="section", id="themes-title"),
                ThemeList(id="themes"),
                Label("Tickets (open first)", classes="section"),
                TicketTable(id="tickets"),
                Label("Timeline (newest first)", classes="section", id="timeline-title"),
                TimelineTable(id="timeline"),
                id="right",
            )
        )
        self.built = True
        heap.settle()  # the app's long-lived widgets are all mounted now: out of gc's walk
        if self.profile is not None:
            self.show(self.profile)

    def _show(self, shown: bool, *selectors: str) -> None:
        """Show or hide widgets. Cheap when nothing changes: unlike a class on the screen,
        which makes Textual restyle every widget on it (7 ms a paint, measured)."""
        for selector in selectors:
            self.query_one(selector).display = shown

    def show(self, profile: Profile) -> None:
        """Paint `profile` (call inside `App.batch_update`, with the source bar and the trouble
        strip: `screens/painter.py`)."""
        from cx_tui.actions import suggest
        from cx_tui.render import candidates_headline, nobody_summary

        before, self.profile = self.profile, profile
        if not self.built:
            return  # painted once the panels are mounted (`_build`)
        self._show(True, "#identity", "#actions-title", "#actions")
        status = self.query_one("#status", Static)
        resolved = profile.state is ProfileState.RESOLVED
        if resolved and (not self.query_one("#right").display or _another(before, profile)):
            self._clear_stale_tables(profile)
        self._show(resolved, "#right")
        left = self.query_one("#left")
        if left.has_class("-alone") == resolved:  # the whole width while it is alone
            left.set_class(not resolved, "-alone")
        if profile.state is ProfileState.SEARCHING:
            update_static(status, Text(f"Looking up {profile.query}…", style="italic"))
        elif profile.state is ProfileState.UNKNOWN:
            # "Nobody" only from sources that answered: one that could not be searched may
            # know the caller, so the hint is to retry, not to create a duplicate contact.
            hint = (
                " Retry before creating a contact (Enter on “Retry the lookup”)."
                if profile.unsearched
                else " Press a to create a contact."
            )
            update_static(status, Text(nobody_summary(profile) + hint, style="bold"))
        elif profile.state is ProfileState.AMBIGUOUS:
            update_static(
                status,
                Text(f"{candidates_headline(profile)}, then press p to pick.", style="bold"),
            )
        else:
            update_static(status, "")
        self.query_one("#identity", IdentityCard).show_profile(profile)
        owned = resolved and self.query_one("#owners", OwnerList).show_owners(profile)
        self._show(owned, "#owners-title", "#owners")
        self.actions = [] if profile.pending and not resolved else suggest(profile)
        self.query_one("#actions", ActionList).show_actions(self.actions)
        tried = self.query_one("#tried", TriedList).show_tried(profile.already_tried)
        self._show(tried, "#tried-title", "#tried")
        if resolved:  # otherwise hidden: keeping the rows spares a repaint of the same person
            themed = self.query_one("#themes", ThemeList).show_themes(profile)
            self._show(themed, "#themes-title", "#themes")
            self._painted += 1
            if not self._tables_due:  # each table in a frame of its own, tickets first
                self._tables_due = True
                self.call_after_refresh(self._fill_tickets)

    def _clear_stale_tables(self, profile: Profile) -> None:
        """The tables come back into view with this profile: empty them now if they hold
        another's records (the last caller's), as theirs fill only in the frames after."""
        tickets = self.query_one("#tickets", TicketTable)
        if not tickets.shows(profile.tickets):
            tickets.show_tickets(())
        timeline = self.query_one("#timeline", TimelineTable)
        if not timeline.shows(profile.timeline):
            timeline.show_items(())

    @property
    def filling(self) -> bool:
        """The tables are yet to show the profile painted last (they fill a frame later)."""
        return self._tables_due

    def _fill_tickets(self) -> None:
        """The tickets of the profile painted last, a frame after its left column; the
        timeline in the frame after (`_fill_timeline`): a key typed meanwhile reaches the
        screen between them, not after both tables' layout and drawing."""
        profile = self.profile
        self._tickets_for = self._painted
        if profile is None or profile.state is not ProfileState.RESOLVED:
            self._tables_due = False
            return
        self.query_one("#tickets", TicketTable).show_tickets(profile.tickets)
        self.call_after_refresh(self._fill_timeline)

    def _fill_timeline(self) -> None:
        if self._tickets_for != self._painted:  # painted again since: its tickets first
            self._fill_tickets()
            return
        self._tables_due = False
        profile = self.profile
        if profile is not None and profile.state is ProfileState.RESOLVED:
            self.query_one("#timeline", TimelineTable).show_items(profile.timeline)

    # --- records ----------------------------------------------------------------------------

    def ticket(self, source: str, record_id: str) -> Ticket | None:
        """The profile's ticket `record_id` in `source`, if it has it."""
        if self.profile is None:
            return None
        return next((t for t in self.profile.tickets if t.ref.key == (source, record_id)), None)

    @dataclass
    class DetailRequested(Message):
        """The agent chose a record to see in full; the screen opens the dialog."""

        title: str
        body: RenderableType
        ref: SourceRef

    def open_ticket(self, ticket: Ticket) -> None:
        from cx_tui.themes import theme_palette
        from cx_tui.widgets.record_links import ticket_body

        self.post_message(
            self.DetailRequested(
                f"Ticket #{ticket.ref.record_id}",
                ticket_body(ticket, theme_palette(self.app)),
                ticket.ref,
            )
        )

    @on(TicketTable.TicketChosen)
    def _ticket_chosen(self, event: TicketTable.TicketChosen) -> None:
        self.open_ticket(event.ticket)

    @on(TimelineTable.PageShown)
    def _timeline_paged(self, event: TimelineTable.PageShown) -> None:
        more = (
            f": newest {event.shown:,} of {event.total:,}, more as you scroll"
            if (event.shown < event.total)
            else ""
        )
        update_static(self.query_one("#timeline-title", Label), f"Timeline (newest first){more}")

    @on(TimelineTable.ItemChosen)
    def _item_chosen(self, event: TimelineTable.ItemChosen) -> None:
        from cx_tui.themes import theme_palette
        from cx_tui.widgets.record_links import interaction_body

        item = event.item
        ticket = self.ticket(item.ref.connector, item.ticket_id) if item.ticket_id else None
        self.post_message(
            self.DetailRequested(
                f"{item.channel.value.capitalize()}",
                interaction_body(item, ticket, theme_palette(self.app)),
                ticket.ref if ticket else item.ref,
            )
        )

    def current_ref(self, focused: Widget | None) -> SourceRef | None:
        """The record under the cursor of the focused table, else the person's own record
        (the first one with a link)."""
        if isinstance(focused, TicketTable) and (ticket := focused.current()):
            return ticket.ref
        if isinstance(focused, TimelineTable) and (item := focused.current()):
            return item.ref
        if self.profile is not None and self.profile.matches:
            with_url = [m.person.ref for m in self.profile.matches if m.person.ref.url]
            return with_url[0] if with_url else self.profile.matches[0].person.ref
        return None

    def use_link(self, focused: Widget | None, *, copy: bool = False) -> None:
        """Open the current record's deep link in the browser, or copy it (`current_ref`)."""
        from cx_tui.widgets.record_links import copy_link, open_record

        ref = self.current_ref(focused)
        if ref is None:
            self.notify(f"Nothing to {'copy' if copy else 'open'} yet.")
            return
        (copy_link if copy else open_record)(self.screen, ref)
