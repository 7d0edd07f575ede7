"""The main screen: the lookup bar, each source's state, and the caller's profile as it arrives.

Data flows one way: the screen asks its `LookupSession` for the engine's stream and paints what
streams back, when `PaintPacer` says so; it never calls a connector itself. What it works with
comes from the app through its constructor (`Services`). Calls: `CallFlow` decides what a call
means, the screen and its `CallDesk` show it.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from cx_tui.keys import MAIN_KEYS, bindings
from cx_tui.keytable import help_key, key_of
from cx_tui.session import RETRY_RATE_LIMITED_UP_TO, LookupSession, retry_wait
from cx_tui.widgets.action_list import ActionList
from cx_tui.widgets.call_banner import CallBanner
from cx_tui.widgets.footer import CxFooter
from cx_tui.widgets.mask_badge import MaskBadge
from cx_tui.widgets.outbox_status import OutboxStatus
from cx_tui.widgets.profile_view import ProfileView
from cx_tui.widgets.source_bar import SourceBar

# Only what the first frame needs is imported above: the engine, the dialogs and the call
# desk are imported where they are first used, after the lookup bar is on screen (issue 7's
# cold-start budget; `python -X importtime` shows what each one costs).
if TYPE_CHECKING:
    from textual.timer import Timer

    from cx_tui.actions import NextAction
    from cx_tui.calls import Call
    from cx_tui.identity import Query
    from cx_tui.insight.redact import RedactMemo
    from cx_tui.models import Candidate, Profile
    from cx_tui.pacing import PaintPacer
    from cx_tui.profile import ProfileBuilder
    from cx_tui.screens.call_desk import CallDesk
    from cx_tui.screens.write_desk import WriteDesk
    from cx_tui.services import Services
    from cx_tui.softphone.events import CallKind

MIN_WIDTH, MIN_HEIGHT = 60, 18


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings(MAIN_KEYS)

    bar = getters.query_one("#lookup-bar", Input)
    view = getters.query_one("#columns", ProfileView)
    banner = getters.query_one("#call-banner", CallBanner)

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.session = LookupSession(lambda: services.engine, lambda: services.region)
        self._retry_timer: Timer | None = None
        self._focus_before_small: Widget | None = None
        self._redact_memo: RedactMemo | None = None
        """The masked records of the last paint (made on the first masked paint)."""

    @cached_property
    def pacer(self) -> PaintPacer:
        from cx_tui.pacing import PaintPacer, next_turn_for_zero

        schedule = next_turn_for_zero(self.set_timer)
        return PaintPacer(self._paint, schedule, lambda: self.session.builder)

    @cached_property
    def desk(self) -> CallDesk:
        """Calls: the banner, ring-to-profile, timer, switching, wrap-up, history."""
        from cx_tui.screens.call_desk import CallDesk

        return CallDesk(self, self, self.services, self.banner)

    @cached_property
    def writes(self) -> WriteDesk:
        """Writes: the quick note and a new contact."""
        from cx_tui.screens.write_desk import WriteDesk

        return WriteDesk(self, self, self.services)

    def shown(self) -> tuple[Query | None, Profile | None]:
        """The lookup on screen: its query and the profile painted (None before the first)."""
        return self.session.query, self.profile

    @property
    def profile(self) -> Profile | None:
        """The profile painted last (None before the first lookup)."""
        return self.view.profile

    @property
    def actions(self) -> list[NextAction]:
        return self.view.actions

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield CallBanner(id="call-banner")
        yield Input(placeholder="Phone, email or name, then Enter", id="lookup-bar")
        yield Static("", id="lookup-message")
        with Horizontal(id="status-row"):
            yield SourceBar(id="sources")
            yield OutboxStatus(id="outbox-status")
            yield MaskBadge(id="mask-badge")
        keymap = self.services.keymap
        yield ProfileView(
            help_key=help_key(keymap),
            tried_key=key_of("all-tried", keymap),
            trouble_key=key_of("trouble-spots", keymap),
            id="columns",
        )
        yield Static(f"Enlarge the terminal to at least {MIN_WIDTH}x{MIN_HEIGHT}.", id="too-small")
        yield CxFooter()

    def on_mount(self) -> None:
        self.bar.focus()
        self._check_size()

    def services_started(self) -> None:
        """The app opened the store and the outbox (right after the first frame)."""
        self.query_one(OutboxStatus).follow(self.services.delivery)

    def action_outbox(self) -> None:
        from cx_tui.screens.outbox import OutboxScreen

        services = self.services
        if services.delivery is None:
            self.notify(
                "The local store could not be opened, so there is no outbox.", severity="error"
            )
            return
        self.app.push_screen(OutboxScreen(services.delivery, masked=lambda: services.masked))

    def on_resize(self) -> None:
        self._fit()

    def on_screen_resume(self) -> None:
        self._fit()  # the terminal may have been resized while a dialog was open

    def _fit(self) -> None:
        self._check_size()
        self.query_one(OutboxStatus).fit(self.app.size.width)  # short on a narrow terminal

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
                self.set_focus(self.bar)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:  # noqa: ARG002
        """No action of this screen runs while it is too small to show its effect (the app's
        help and quit still do)."""
        return not self.has_class("-too-small")

    # --- lookup ---------------------------------------------------------------------------

    def action_focus_lookup(self) -> None:
        # set_focus, not focus(): focus() is deferred, and keys typed right after `/` would
        # still reach the previously focused widget (where `1` or `n` are commands).
        self.set_focus(self.bar)
        self.bar.select_all()

    @on(Input.Submitted, "#lookup-bar")
    def _submitted(self, event: Input.Submitted) -> None:
        self.look_up(event.value, move_focus=True)

    def look_up(self, text: str, *, move_focus: bool = False) -> bool:
        """Validate and start a lookup; an invalid query gets an inline message, focus stays."""
        from cx_tui.identity import QueryError

        message = self.query_one("#lookup-message", Static)
        try:
            query = self.session.parse(text)
        except QueryError as error:
            message.update(Text(str(error), style="bold"))
            self.set_focus(self.bar)
            return False
        message.update("")
        if self.bar.value != text:
            self.bar.value = text
        self._lookup(self.session.begin(query))
        if move_focus:
            self.set_focus(self.query_one("#actions", ActionList))
        return True

    def refresh_profile(self) -> None:
        """Look the current caller up again (after a write), keeping the picked person."""
        builder = self.session.refresh()
        if builder is not None:
            self._lookup(builder)

    @work(exclusive=True, group="lookup", exit_on_error=False)
    async def _lookup(self, builder: ProfileBuilder) -> None:
        from cx_tui.lookup import LookupCancelled
        from cx_tui.pacing import SEARCHING_PAINT_DELAY

        if self._retry_timer is not None:
            self._retry_timer.stop()
            self._retry_timer = None
        # "Looking up…" paints a moment later, so a caller the cache knows paints once, as
        # the profile, instead of twice (a frame costs tens of ms on a small machine).
        self.pacer.soon(builder, delay=SEARCHING_PAINT_DELAY)
        async for update in self.session.lookup(builder):
            if isinstance(update, LookupCancelled):
                return
            self.pacer.soon(builder, update)
        profile = self.pacer.now(builder)
        self._finished(profile)
        wait = retry_wait(profile)
        if wait is not None:  # only what was rate limited goes back to the network
            self._retry_timer = self.set_timer(wait, self.refresh_profile)
        if self.session.offer_picker(profile):
            self.action_pick()

    @work(exclusive=True, group="lookup", exit_on_error=False)
    async def _load_candidate(self, candidate: Candidate) -> None:
        from cx_tui.lookup import LookupCancelled

        builder = self.session.builder
        if builder is None:
            return
        stream = self.session.pick(builder, candidate)
        self.pacer.now(builder)
        async for update in stream:
            if isinstance(update, LookupCancelled):
                return
            self.pacer.soon(builder, update)
        self._finished(self.pacer.now(builder))

    def _finished(self, profile: Profile) -> None:
        """A lookup ended: into the history, and the calls from this number know their caller."""
        query = self.session.query
        if query is None:
            return
        self.services.record_lookup(query, profile)
        self.desk.identify(query.text, profile)
        from cx_tui.screens.trouble import count_trouble

        count_trouble(self, profile)  # in the background: a banner when others write in too

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

    def shown_profile(self, profile: Profile) -> Profile:
        """What the screen shows of `profile`: masked while the mask is on."""
        if not self.services.masked:
            return profile
        from cx_tui.insight.redact import RedactMemo, redact

        if self._redact_memo is None:
            self._redact_memo = RedactMemo()
        return redact(profile, self._redact_memo)

    def mask_changed(self) -> None:
        """The mask was toggled: the badge, and the profile painted again."""
        self.query_one(MaskBadge).show_mask(self.services.masked)
        self.banner.show_mask(self.services.masked)
        self.bar.password = self.services.masked  # the typed number or email too
        builder = self.session.builder
        if builder is not None and self.profile is not None:
            self.pacer.now(builder)

    def _paint(self, profile: Profile) -> None:
        profile = self.shown_profile(profile)
        with self.app.batch_update():  # one screen update for every widget changed below
            self.query_one("#sources", SourceBar).show_statuses(
                profile.sources.values(), retrying_up_to=RETRY_RATE_LIMITED_UP_TO
            )
            self.view.show(profile)

    # --- candidates and records -----------------------------------------------------------

    def action_pick(self) -> None:
        from cx_tui.screens.picker import CandidatePicker

        profile = self.profile
        if profile is None or not profile.candidates:
            self.notify("Nobody to choose between: look someone up first.")
            return

        def picked(candidate: Candidate | None) -> None:
            if candidate is not None:
                if self.session.query is not None:  # the next call from here knows them
                    self.services.remember_pick(self.session.query, candidate)
                self._load_candidate(candidate)

        picker = CandidatePicker(profile.query, profile.candidates, profile.preselected)
        self.app.push_screen(picker, picked)

    def action_forget_link(self) -> None:
        """Forget who this number or email belongs to, and look it up afresh."""
        query = self.session.query
        if query is None:
            self.notify("Look someone up first.")
            return
        if not self.services.forget_link(query):
            self.notify(f"Nothing is remembered for {query.display()}.")
            return
        self.notify(f"Forgot who {query.display()} belongs to.")
        self._lookup(self.session.restart())

    def action_explain(self) -> None:
        """Why nobody (or whom) the last lookup matched: every source asked again, explained."""
        from cx_tui.screens.why import WhyMatched

        query = self.session.query
        if query is None:
            self.notify("Look someone up first.")
            return
        self.app.push_screen(WhyMatched(query, lambda: self.services.explain(query)))

    def action_trouble_spots(self) -> None:
        from cx_tui.screens.trouble import list_trouble

        list_trouble(self, self.profile)

    def action_open_record(self) -> None:
        self.view.use_link(self.focused)

    def action_copy_link(self) -> None:
        self.view.use_link(self.focused, copy=True)

    def action_all_tried(self) -> None:
        from cx_tui.screens.tried import AllTried

        if self.profile is None or not self.profile.already_tried:
            self.notify("Nothing is recorded as tried for this caller.")
            return
        self.app.push_screen(AllTried(lambda: self.profile.already_tried if self.profile else ()))

    def action_focus_panel(self, panel: str) -> None:
        self.set_focus(self.query_one(f"#{panel}"))

    @on(ProfileView.DetailRequested)
    def _detail_requested(self, event: ProfileView.DetailRequested) -> None:
        from cx_tui.screens.detail import RecordDetail

        self.app.push_screen(RecordDetail(event.title, event.body, event.ref))

    @on(ActionList.ActionChosen)
    def _action_chosen(self, event: ActionList.ActionChosen) -> None:
        self.take(event.action)

    def take(self, action: NextAction) -> None:
        """Do what a next action says: open the ticket, pick the person, write the note..."""
        from cx_tui.actions import ActionKind

        kind = action.kind
        if kind is ActionKind.CREATE_CONTACT:
            self.action_create_contact()
        elif kind is ActionKind.ATTACH_NUMBER:
            self.action_attach_number()
        elif kind is ActionKind.RETRY_LOOKUP:
            if self.session.query is not None:
                self.look_up(self.session.query.text)
        elif kind is ActionKind.CONFIRM_PERSON:
            self.action_pick()
        elif kind is ActionKind.LOG_NOTE:
            self.action_note()
        elif kind is ActionKind.TROUBLE_SPOT:
            self.action_trouble_spots()
        elif kind is ActionKind.HAND_OFF:
            from cx_tui.handoff import queue_hand_off

            said, severity = queue_hand_off(self.services.delivery, action)
            self.notify(said, title=action.title, severity=severity)
        elif action.target is not None and (
            ticket := self.view.ticket(action.target.connector, action.target.record_id)
        ):
            self.view.open_ticket(ticket)
        elif kind is ActionKind.DONT_REPEAT:  # every step: the panel shows the newest few
            self.action_all_tried()
        else:
            self.notify(action.why, title=action.title)

    # --- writing --------------------------------------------------------------------------

    def action_note(self) -> None:
        self.writes.note()

    def action_create_contact(self) -> None:
        self.writes.create_contact()

    def action_attach_number(self) -> None:
        from cx_tui.screens.attach_number import open_attach

        open_attach(self, self._load_candidate)

    # --- calls (see call_desk.py) ---------------------------------------------------------

    def on_call(self, call: Call, kind: CallKind) -> None:
        self.desk.on_call(call, kind)

    def look_up_caller(self, text: str) -> None:
        """Look a caller up; focus leaves the lookup bar, so the call keys (k, t, h, b, n)
        work at once, unless the agent is typing another query there: the caller's profile
        still comes up, and what they typed stays in the bar, with the cursor where it was."""
        bar = self.bar
        typed, last = bar.value.strip(), self.session.query
        if self.focused is not bar or not typed or (last is not None and typed == last.text):
            self.look_up(text, move_focus=True)
            return
        typed, cursor = bar.value, bar.cursor_position
        self.look_up(text)
        bar.value, bar.cursor_position = typed, cursor

    def action_call_timer(self) -> None:
        self.desk.toggle_timer()

    def action_switch_call(self) -> None:
        self.desk.switch()

    def action_call_history(self) -> None:
        self.desk.history()

    def action_missed_calls(self) -> None:
        """The call history showing missed calls only: the callback worklist."""
        self.desk.history(missed_only=True)

    # --- elsewhere --------------------------------------------------------------------------

    def action_recent(self) -> None:
        from cx_tui.screens.recent import RecentLookups

        def chosen(query: str | None) -> None:
            if query is not None:
                self.look_up(query, move_focus=True)

        from cx_tui.insight.redact import Mask

        shown = Mask().query if self.services.masked else None
        self.app.push_screen(RecentLookups(self.services.recent(), shown=shown), chosen)
