"""The main screen: the lookup bar, each source's state, and the caller's profile as it arrives.

Data flows one way: the screen asks the engine (`LookupEngine.stream`) and paints what streams
back; it never calls a connector itself. Writes go through the app (`CxApp.deliver_note`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Label, Static
from textual.worker import Worker, WorkerState

from cx_tui.keys import MAIN_KEYS, bindings
from cx_tui.models import NoteTarget, ProfileState, SourceRef, TargetKind
from cx_tui.widgets.action_list import ActionList
from cx_tui.widgets.call_banner import CallBanner
from cx_tui.widgets.footer import CxFooter
from cx_tui.widgets.identity_card import IdentityCard
from cx_tui.widgets.record_tables import TicketTable, TimelineTable
from cx_tui.widgets.source_bar import SourceBar

# Only what the first frame needs is imported above: the engine, the dialogs and the call
# desk are imported where they are first used, after the lookup bar is on screen (issue 7's
# cold-start budget; `python -X importtime` shows what each one costs).
if TYPE_CHECKING:
    from textual.timer import Timer

    from cx_tui.actions import NextAction
    from cx_tui.app import CxApp
    from cx_tui.calls import Call
    from cx_tui.identity import Query
    from cx_tui.models import Candidate, Profile, Ticket
    from cx_tui.profile import ProfileBuilder
    from cx_tui.screens.call_desk import CallDesk
    from cx_tui.screens.create_contact import ContactDraft
    from cx_tui.screens.note import TargetChoice
    from cx_tui.softphone.events import CallKind

MIN_WIDTH, MIN_HEIGHT = 60, 18
PAINT_INTERVAL = 0.15
"""Seconds between two paints of details that are still arriving."""
RETRY_RATE_LIMITED_UP_TO = 120.0
"""A rate-limited source is looked up again by itself after its wait, when that is shorter."""
SEARCHING_PAINT_DELAY = 0.02
"""Seconds before "Looking up…" paints, unless a (cached) answer paints first."""
OUTBOX_COUNTS_POLL = 3.0
"""Seconds between two reads of the outbox counts (notes another process queued or sent)."""

WELCOME = (
    "Type a caller's phone number, email or name and press Enter.\n\n"
    "Keys: / lookup · n note · r recent lookups · ? help · ctrl+p commands · ctrl+q quit"
)


def draft_keys(profile: Profile) -> list[str]:
    """Where a draft note about this caller is kept: the resolved person's records, in source
    order (so Maria's draft follows her from her phone to her email, and one person's draft
    never shows for another on a shared number); the query when nobody is resolved."""
    if profile.state is ProfileState.RESOLVED and profile.matches:
        return [
            f"person:{m.person.ref.connector}/{m.person.ref.record_id}" for m in profile.matches
        ]
    return [profile.query]


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings(MAIN_KEYS)

    def __init__(self) -> None:
        super().__init__()
        self.profile: Profile | None = None
        """The latest profile painted (None before the first lookup)."""
        self.actions: list[NextAction] = []
        self.query_obj: Query | None = None
        self.builder: ProfileBuilder | None = None
        self._picker_offered = False
        self._selected: str | None = None
        self._unsubscribe: Callable[[], None] = lambda: None
        self._paint_builder: ProfileBuilder | None = None
        self._paint_timer: Timer | None = None
        self._retry_timer: Timer | None = None
        self._showing_who: ProfileBuilder | None = None
        """The lookup whose caller (or candidates) the screen already shows."""
        self._last_paint = 0.0
        self._counts_shown: tuple[int, int] | None = None
        """The candidate the agent picked for the current query, kept across refreshes."""
        self._focus_before_small: Widget | None = None

    @cached_property
    def desk(self) -> CallDesk:
        """Everything about calls (banner, timer, wrap-up, history), made on the first call."""
        from cx_tui.screens.call_desk import CallDesk

        return CallDesk(self)

    @property
    def cx(self) -> CxApp:
        from cx_tui.app import CxApp

        assert isinstance(self.app, CxApp)
        return self.app

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield CallBanner(id="call-banner")
        yield Input(placeholder="Phone, email or name, then Enter", id="lookup-bar")
        yield Static("", id="lookup-message")
        with Horizontal(id="status-row"):
            yield SourceBar(id="sources")
            yield Static("", id="outbox-status")
        with Horizontal(id="columns"):
            with VerticalScroll(id="left"):
                yield Static(WELCOME, id="status")
                yield IdentityCard(id="identity")
                yield Label("Next actions", classes="section", id="actions-title")
                yield ActionList(id="actions")
                yield Label("Already tried", classes="section", id="tried-title")
                yield Static("", id="tried")
            with Vertical(id="right"):
                yield Label("Tickets (open first)", classes="section")
                yield TicketTable(id="tickets")
                yield Label("Timeline (newest first)", classes="section", id="timeline-title")
                yield TimelineTable(id="timeline")
        yield Static(f"Enlarge the terminal to at least {MIN_WIDTH}x{MIN_HEIGHT}.", id="too-small")
        yield CxFooter()

    def on_mount(self) -> None:
        self.query_one("#lookup-bar", Input).focus()
        self._check_size()

    def services_started(self) -> None:
        """The app opened the store and the outbox (right after the first frame)."""
        delivery = self.cx.delivery
        if delivery is not None:
            self._unsubscribe = delivery.subscribe(lambda _item: self.show_outbox_counts())
            # `cx-tui note` or `outbox flush` in another terminal changes the counts too: one
            # cheap COUNT query every few seconds, painted only when a number moved.
            self.set_interval(OUTBOX_COUNTS_POLL, self._poll_outbox_counts)
        self.show_outbox_counts()

    def _poll_outbox_counts(self) -> None:
        from cx_tui.store import StoreError

        delivery = self.cx.delivery
        try:
            counts = delivery.counts() if delivery is not None else None
        except StoreError:
            counts = None
        if counts != self._counts_shown:
            self.show_outbox_counts()

    def on_unmount(self) -> None:
        self._unsubscribe()

    def show_outbox_counts(self) -> None:
        """The status line: notes waiting and failed, always in view."""
        from cx_tui.store import StoreError

        status = self.query_one("#outbox-status", Static)
        delivery = self.cx.delivery
        if delivery is None:
            status.update(Text("Outbox unavailable: notes cannot be queued", style="bold red"))
            return
        try:
            pending, failed = self._counts_shown = delivery.counts()
        except StoreError as error:
            self._counts_shown = None
            status.update(Text(f"Outbox: {error}", style="bold red"))
            return
        text = Text("Outbox: ")
        text.append(f"{pending} pending", style="yellow" if pending else "dim")
        text.append(" · ")
        text.append(f"{failed} failed", style="bold red" if failed else "dim")
        if failed:
            text.append("  (b to review)", style="dim")
        status.update(text)

    def action_outbox(self) -> None:
        from cx_tui.screens.outbox import OutboxScreen

        if self.cx.delivery is None:
            self.notify(
                "The local store could not be opened, so there is no outbox.", severity="error"
            )
            return
        self.app.push_screen(OutboxScreen(self.cx.delivery))

    def on_resize(self) -> None:
        self._check_size()

    def on_screen_resume(self) -> None:
        self._check_size()  # the terminal may have been resized while a dialog was open

    def _check_size(self) -> None:
        width, height = self.app.size
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        if small == self.has_class("-too-small"):
            return
        self.set_class(small, "-too-small")
        # Behind "enlarge the terminal" no key may act unseen (check_action): nothing has
        # focus, so typing reaches no widget either; focus comes back once it fits.
        if small:
            self._focus_before_small = self.focused
            self.set_focus(None)
        else:
            before = self._focus_before_small
            self.set_focus(before if before is not None and before.is_attached else None)
            if self.focused is None:
                self.set_focus(self.query_one("#lookup-bar", Input))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:  # noqa: ARG002
        """No action of this screen runs while it is too small to show its effect (the app's
        help and quit still do)."""
        return not self.has_class("-too-small")

    # --- lookup ---------------------------------------------------------------------------

    def action_focus_lookup(self) -> None:
        # set_focus, not focus(): focus() is deferred, and keys typed right after `/` would
        # still reach the previously focused widget (where `1` or `n` are commands).
        bar = self.query_one("#lookup-bar", Input)
        self.set_focus(bar)
        bar.select_all()

    @on(Input.Submitted, "#lookup-bar")
    def _submitted(self, event: Input.Submitted) -> None:
        self.look_up(event.value, move_focus=True)

    def look_up(self, text: str, *, move_focus: bool = False) -> bool:
        """Validate and start a lookup; an invalid query gets an inline message, focus stays."""
        from cx_tui.identity import QueryError, parse_query

        message = self.query_one("#lookup-message", Static)
        try:
            query = parse_query(text, self.cx.phone_region)
        except QueryError as error:
            message.update(Text(str(error), style="bold"))
            self.set_focus(self.query_one("#lookup-bar", Input))
            return False
        message.update("")
        bar = self.query_one("#lookup-bar", Input)
        if bar.value != text:
            bar.value = text
        if self.query_obj is None or self.query_obj.text != query.text:
            self._selected = None
        self.query_obj = query
        self._picker_offered = False
        self._lookup(query)
        if move_focus:
            self.set_focus(self.query_one("#actions", ActionList))
        return True

    @work(exclusive=True, group="lookup", exit_on_error=False)
    async def _lookup(self, query: Query) -> None:
        from cx_tui.lookup import LookupCancelled, apply_update

        if self._retry_timer is not None:
            self._retry_timer.stop()
            self._retry_timer = None
        engine = self.cx.engine
        builder = self.builder = engine.new_builder(query)
        if self._selected is not None:
            builder.select(self._selected)
        # "Looking up…" paints a moment later, so a caller the cache knows paints once, as
        # the profile, instead of twice (a frame costs tens of ms on a small machine).
        self._paint_soon(builder, delay=SEARCHING_PAINT_DELAY)
        async for update in engine.stream(query, selected=self._selected):
            if isinstance(update, LookupCancelled):
                return
            apply_update(builder, update)
            self._paint_soon(builder, update)
        profile = self._paint_now(builder)
        self.cx.record_lookup(query, profile)
        self.desk.identify(query.text, profile)
        self._retry_when_allowed(profile)
        if profile.state is ProfileState.AMBIGUOUS and not self._picker_offered:
            self._picker_offered = True
            self.action_pick()

    @work(exclusive=True, group="lookup", exit_on_error=False)
    async def _load_candidate(self, candidate: Candidate) -> None:
        from cx_tui.lookup import LookupCancelled, apply_update

        builder = self.builder
        if builder is None:
            return
        builder.select(candidate.key)
        self._selected = candidate.key
        self._paint_now(builder)
        async for update in self.cx.engine.stream_details(candidate.matches):
            if isinstance(update, LookupCancelled):
                return
            apply_update(builder, update)
            self._paint_soon(builder, update)
        profile = self._paint_now(builder)
        if self.query_obj is not None:
            self.cx.record_lookup(self.query_obj, profile)
            self.desk.identify(self.query_obj.text, profile)

    def _retry_when_allowed(self, profile: Profile) -> None:
        """A source that was rate limited (searching, or fetching the person's details) is
        asked again once its wait is over: what the others said comes from the cache, so only
        what failed goes back to the network."""
        waits = [status.retry_after for status in profile.sources.values() if status.retry_after]
        if waits and min(waits) <= RETRY_RATE_LIMITED_UP_TO:
            self._retry_timer = self.set_timer(min(waits), self.refresh_profile)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.group == "lookup":
            error = event.worker.error
            self.notify(
                f"The lookup stopped: {type(error).__name__}: {error}. The sources that "
                "answered are still shown.",
                title="Lookup error",
                severity="error",
                timeout=10,
            )

    # --- painting -------------------------------------------------------------------------

    def _paint_soon(
        self, builder: ProfileBuilder, update: object = None, *, delay: float | None = None
    ) -> None:
        """Paint the first answer that says who is calling at once; paint everything else
        (more sources answering, details) at most once per PAINT_INTERVAL, so a burst becomes
        one paint and keys stay responsive meanwhile (a paint of this screen costs 40-60 ms on
        a small machine). `delay` paints after that many seconds, or sooner when an answer
        arrives first."""
        from cx_tui.lookup import SourceAnswered

        self._paint_builder = builder
        if delay is not None:
            if self._paint_timer is not None:
                self._paint_timer.stop()
            self._paint_timer = self.set_timer(delay, self._flush_paint)
            return
        wait = self._last_paint + PAINT_INTERVAL - time.monotonic()
        who = isinstance(update, SourceAnswered) and self._showing_who is not builder
        if who or (wait <= 0 and self._paint_timer is None):
            self._paint_now(builder)
        elif self._paint_timer is None:
            self._paint_timer = self.set_timer(wait, self._flush_paint)

    def _flush_paint(self) -> None:
        self._paint_timer = None
        if self._paint_builder is not None and self._paint_builder is self.builder:
            self._paint_now(self._paint_builder)

    def _paint_now(self, builder: ProfileBuilder) -> Profile:
        if self._paint_timer is not None:
            self._paint_timer.stop()
            self._paint_timer = None
        self._last_paint = time.monotonic()
        profile = builder.build()
        self._paint(profile)
        if profile.state in (ProfileState.RESOLVED, ProfileState.AMBIGUOUS):
            self._showing_who = builder
        return profile

    def _show(self, shown: bool, *selectors: str) -> None:
        """Show or hide widgets. Cheap when nothing changes: unlike a class on the screen,
        which makes Textual restyle every widget on it (7 ms a paint, measured)."""
        for selector in selectors:
            self.query_one(selector).display = shown

    def _paint(self, profile: Profile) -> None:
        with self.app.batch_update():  # one screen update for every widget changed below
            self._paint_widgets(profile)

    def _paint_widgets(self, profile: Profile) -> None:
        from cx_tui.actions import nobody_summary, suggest
        from cx_tui.phrases import ago
        from cx_tui.render import candidates_headline

        self.profile = profile
        self._show(True, "#identity", "#actions-title", "#actions")
        self.query_one("#sources", SourceBar).show_statuses(
            profile.sources.values(), retrying_up_to=RETRY_RATE_LIMITED_UP_TO
        )
        status = self.query_one("#status", Static)
        resolved = profile.state is ProfileState.RESOLVED
        self._show(resolved, "#right")
        if profile.state is ProfileState.SEARCHING:
            status.update(Text(f"Looking up {profile.query}…", style="italic"))
        elif profile.state is ProfileState.UNKNOWN:
            # "Nobody" only from sources that answered: one that could not be searched may
            # know the caller, so the hint is to retry, not to create a duplicate contact.
            hint = (
                " Retry before creating a contact (Enter on “Retry the lookup”)."
                if profile.unsearched
                else " Press a to create a contact."
            )
            status.update(Text(nobody_summary(profile) + hint, style="bold"))
        elif profile.state is ProfileState.AMBIGUOUS:
            status.update(
                Text(f"{candidates_headline(profile)}, then press p to pick.", style="bold")
            )
        else:
            status.update("")
        self.query_one("#identity", IdentityCard).show_profile(profile)
        self.actions = [] if profile.pending and not resolved else suggest(profile)
        self.query_one("#actions", ActionList).show_actions(self.actions)
        tried = Text()
        for item in profile.already_tried:
            tried.append(f"• {item.text}")
            tried.append(f"  {ago(item.at)}, {item.ref.connector}\n", style="dim")
        self.query_one("#tried", Static).update(tried)
        self._show(bool(profile.already_tried), "#tried-title", "#tried")
        if resolved:  # otherwise hidden: keeping the rows spares a repaint of the same person
            self.query_one("#tickets", TicketTable).show_tickets(profile.tickets)
            self.query_one("#timeline", TimelineTable).show_items(profile.timeline)

    # --- candidates -----------------------------------------------------------------------

    def action_pick(self) -> None:
        from cx_tui.screens.picker import CandidatePicker

        profile = self.profile
        if profile is None or not profile.candidates:
            self.notify("Nobody to choose between: look someone up first.")
            return

        def picked(candidate: Candidate | None) -> None:
            if candidate is not None:
                self._load_candidate(candidate)

        self.app.push_screen(CandidatePicker(profile.query, profile.candidates), picked)

    # --- records --------------------------------------------------------------------------

    def _ticket(self, source: str, record_id: str) -> Ticket | None:
        if self.profile is None:
            return None
        return next((t for t in self.profile.tickets if t.ref.key == (source, record_id)), None)

    def open_ticket(self, ticket: Ticket) -> None:
        from cx_tui.screens.detail import RecordDetail, ticket_body
        from cx_tui.themes import theme_palette

        self.app.push_screen(
            RecordDetail(
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
        self.query_one("#timeline-title", Label).update(f"Timeline (newest first){more}")

    @on(TimelineTable.ItemChosen)
    def _item_chosen(self, event: TimelineTable.ItemChosen) -> None:
        from cx_tui.screens.detail import RecordDetail, interaction_body
        from cx_tui.themes import theme_palette

        item = event.item
        ticket = self._ticket(item.ref.connector, item.ticket_id) if item.ticket_id else None
        self.app.push_screen(
            RecordDetail(
                f"{item.channel.value.capitalize()}",
                interaction_body(item, ticket, theme_palette(self.app)),
                ticket.ref if ticket else item.ref,
            )
        )

    def _current_ref(self) -> SourceRef | None:
        focused = self.focused
        if isinstance(focused, TicketTable) and (ticket := focused.current()):
            return ticket.ref
        if isinstance(focused, TimelineTable) and (item := focused.current()):
            return item.ref
        if self.profile is not None and self.profile.matches:
            with_url = [m.person.ref for m in self.profile.matches if m.person.ref.url]
            return with_url[0] if with_url else self.profile.matches[0].person.ref
        return None

    def action_open_record(self) -> None:
        from cx_tui.screens.detail import open_record

        ref = self._current_ref()
        if ref is None:
            self.notify("Nothing to open yet.")
            return
        open_record(self, ref)

    def action_copy_link(self) -> None:
        from cx_tui.screens.detail import copy_link

        ref = self._current_ref()
        if ref is None:
            self.notify("Nothing to copy yet.")
            return
        copy_link(self, ref)

    def action_focus_panel(self, panel: str) -> None:
        self.set_focus(self.query_one(f"#{panel}"))

    # --- next actions ---------------------------------------------------------------------

    @on(ActionList.ActionChosen)
    def _action_chosen(self, event: ActionList.ActionChosen) -> None:
        self.take(event.action)

    def take(self, action: NextAction) -> None:
        """Do what a next action says: open the ticket, pick the person, write the note..."""
        from cx_tui.actions import ActionKind

        kind = action.kind
        if kind is ActionKind.CREATE_CONTACT:
            self.action_create_contact()
        elif kind is ActionKind.RETRY_LOOKUP:
            if self.query_obj is not None:
                self.look_up(self.query_obj.text)
        elif kind is ActionKind.CONFIRM_PERSON:
            self.action_pick()
        elif kind is ActionKind.LOG_NOTE:
            self.action_note()
        elif action.target is not None and (
            ticket := self._ticket(action.target.connector, action.target.record_id)
        ):
            self.open_ticket(ticket)
        elif kind is ActionKind.DONT_REPEAT:
            self.query_one("#tried", Static).scroll_visible()
        else:
            self.notify(action.why, title=action.title)

    # --- writing --------------------------------------------------------------------------

    def note_choices(self, profile: Profile) -> list[TargetChoice]:
        """The person in each source that takes notes, then open tickets as internal notes,
        then a new ticket for the person in each source that opens tickets.

        Checked by default: the most relevant open ticket plus the CRM person (the first
        configured source that takes person notes). A new ticket is never checked by default:
        opening one is the agent's decision.
        """
        from cx_tui.connectors.base import Capability
        from cx_tui.screens.note import TargetChoice, target_label

        engine = self.cx.engine
        choices: list[TargetChoice] = []
        crm_picked = False
        for match in profile.matches:
            source = match.source
            if not engine.capabilities(source) & Capability.PERSON_NOTES:
                continue
            target = NoteTarget(TargetKind.PERSON, match.person.ref)
            choices.append(
                TargetChoice(
                    f"{target_label(target)}: {match.person.name or 'unnamed'}",
                    target,
                    engine.note_limit(source),
                    default=not crm_picked,
                )
            )
            crm_picked = True
        for index, ticket in enumerate(profile.open_tickets):
            source = ticket.ref.connector
            if not engine.capabilities(source) & Capability.TICKET_NOTES:
                continue
            target = NoteTarget(TargetKind.TICKET, ticket.ref)
            choices.append(
                TargetChoice(
                    f"{target_label(target)} (internal): {ticket.subject}",
                    target,
                    engine.note_limit(source),
                    default=index == 0,
                )
            )
        for match in profile.matches:
            source = match.source
            if not engine.capabilities(source) & Capability.CREATE_TICKET:
                continue
            target = NoteTarget(TargetKind.NEW_TICKET, match.person.ref)
            choices.append(
                TargetChoice(
                    f"New ticket in {source}: {match.person.name or 'unnamed'}",
                    target,
                    engine.note_limit(source),
                )
            )
        return choices

    def action_note(self) -> None:
        from cx_tui.screens.note import NoteEditor

        profile = self.profile
        if profile is None or profile.state is not ProfileState.RESOLVED:
            self.notify(
                "Look the caller up first (and pick them if several match).", severity="warning"
            )
            return
        keys = draft_keys(profile)
        # Saved under the first key; found under any (the first source may not have answered
        # when the draft was written), and then moved to the first.
        found = next((key for key in keys if self.cx.draft(key)), keys[0])

        def keep(text: str) -> None:
            self.cx.keep_draft(keys[0], text)
            if found != keys[0]:
                self.cx.keep_draft(found, "")

        self.app.push_screen(
            NoteEditor(
                profile.value("name") or profile.query,
                self.note_choices(profile),
                self.cx.deliver_note,
                draft=self.cx.draft(found),
                on_draft=keep,
            )
        )

    def action_create_contact(self) -> None:
        from cx_tui.connectors.base import Capability
        from cx_tui.identity import contact_prefill
        from cx_tui.screens.create_contact import CreateContact

        query = self.query_obj
        sources = [
            c.name for c in self.cx.engine.connectors if c.capabilities & Capability.CREATE_CONTACT
        ]
        prefill = contact_prefill(query) if query else {}
        phone = prefill.get("phone", "")
        if phone and prefill.get("extension"):
            phone += f" ext. {prefill['extension']}"

        def created(draft: ContactDraft | None) -> None:
            if draft is not None:
                self._create(draft)

        self.app.push_screen(
            CreateContact(
                sources,
                name=prefill.get("name", ""),
                phone=phone,
                email=prefill.get("email", ""),
                region=self.cx.phone_region,
            ),
            created,
        )

    @work(group="write", exit_on_error=False)
    async def _create(self, draft: ContactDraft) -> None:
        try:
            person = await self.cx.engine.create_person(draft.source, draft.name, draft.points)
        except Exception as error:
            self.notify(
                f"{draft.source} did not create the contact: {error}", severity="error", timeout=10
            )
            return
        self.notify(f"Created {person.name or 'the contact'} in {draft.source}.")
        if self.query_obj is not None:
            self.look_up(self.query_obj.text)

    def refresh_profile(self) -> None:
        """Look the current caller up again (after a write), keeping the picked person."""
        if self.query_obj is not None:
            self._picker_offered = True
            self._lookup(self.query_obj)

    # --- calls (see call_desk.py) ---------------------------------------------------------

    def on_call(self, call: Call, kind: CallKind) -> None:
        self.desk.on_call(call, kind)

    def action_call_timer(self) -> None:
        self.desk.toggle_timer()

    def action_switch_call(self) -> None:
        self.desk.switch()

    def action_call_history(self) -> None:
        self.desk.history()

    def action_missed_calls(self) -> None:
        """The call history showing missed calls only: the callback worklist."""
        from cx_tui.screens.call_history import CallHistory

        self.desk.history()
        history = self.app.screen
        if isinstance(history, CallHistory):  # pushed, not mounted yet: it loads these
            history.missed_only = True

    # --- elsewhere --------------------------------------------------------------------------

    def action_recent(self) -> None:
        self.cx.show_recent()
