"""The main screen: the lookup bar, each source's state, and the caller's profile as it arrives.

Data flows one way: the screen asks its `LookupSession` for the engine's stream (run by its
`LookupRunner`) and paints what streams back, when `PaintPacer` says so, as its `Painter` says;
it never calls a connector itself. What it works with comes from the app through its
constructor (`Services`). Calls: `CallFlow` decides what a call means, the screen and its
`CallDesk` show it; writes go through its `WriteDesk`; a chosen next action is carried out by
`next_action.take`; `SizeGuard` keeps keys from acting behind "enlarge the terminal".
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import getters, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from cx_tui.keys import MAIN_KEYS, bindings
from cx_tui.keytable import help_key, key_of
from cx_tui.screens.lookup_runner import GROUP as LOOKUP_GROUP
from cx_tui.screens.lookup_runner import LookupRunner
from cx_tui.screens.size_guard import MIN_HEIGHT, MIN_WIDTH, TOO_SMALL, SizeGuard
from cx_tui.session import LookupSession
from cx_tui.widgets.action_list import ActionList
from cx_tui.widgets.call_banner import CallBanner
from cx_tui.widgets.footer import CxFooter
from cx_tui.widgets.mask_badge import MaskBadge
from cx_tui.widgets.outbox_status import OutboxStatus
from cx_tui.widgets.profile_view import ProfileView
from cx_tui.widgets.repaint import update_static
from cx_tui.widgets.source_bar import SourceBar
from cx_tui.widgets.trouble_banner import TroubleBanner

# Only what the first frame needs is imported above: the engine, the dialogs and the call
# desk are imported where they are first used, after the lookup bar is on screen (issue 7's
# cold-start budget; `python -X importtime` shows what each one costs).
if TYPE_CHECKING:
    from cx_tui.actions import NextAction
    from cx_tui.calls import Call
    from cx_tui.identity import Query
    from cx_tui.models import Candidate, Profile
    from cx_tui.pacing import PaintPacer
    from cx_tui.screens.call_desk import CallDesk
    from cx_tui.screens.painter import Painter
    from cx_tui.screens.write_desk import WriteDesk
    from cx_tui.services import Services
    from cx_tui.softphone.events import CallKind


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings(MAIN_KEYS)

    bar = getters.query_one("#lookup-bar", Input)
    view = getters.query_one("#columns", ProfileView)
    banner = getters.query_one("#call-banner", CallBanner)

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.session = LookupSession(lambda: services.engine, lambda: services.region)

    @cached_property
    def pacer(self) -> PaintPacer:
        from cx_tui.pacing import PaintPacer, next_turn_for_zero

        schedule = next_turn_for_zero(self.set_timer)
        return PaintPacer(self.painter.paint, schedule, lambda: self.session.builder)

    @cached_property
    def painter(self) -> Painter:
        """What a paint shows: the profile (masked or not), the sources, the trouble strip."""
        from cx_tui.screens.painter import Painter

        return Painter(self, lambda: self.services.masked)

    @cached_property
    def runner(self) -> LookupRunner:
        """Runs the lookup on screen: its stream into the pacer, what a finished one does."""
        return LookupRunner(self)

    @cached_property
    def size_guard(self) -> SizeGuard:
        return SizeGuard(self, self.bar)

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

    def unmasked(self) -> tuple[Query | None, Profile | None]:
        """The lookup on screen: its query and the profile painted (None before the first),
        unmasked: what writes are made from (a dialog masks what it shows itself)."""
        return self.session.query, self.painter.profile

    def said(self, text: str) -> str:
        """`text` as the screen may say it (a toast, a dialog's title): its emails, numbers and
        the caller's names masked while the mask is on."""
        if not self.services.masked:
            return text
        from cx_tui.insight.redact import Mask, mask_for

        real = self.painter.profile
        return (mask_for(real) if real is not None else Mask()).text(text)

    @property
    def profile(self) -> Profile | None:
        """The profile painted last as the screen shows it, masked while the mask is on (None
        before the first lookup)."""
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
        # Above the columns, not in them: in view at 80x24 however long the identity card is.
        yield TroubleBanner(key=key_of("trouble-spots", keymap), id="trouble-banner")
        yield ProfileView(
            help_key=help_key(keymap), tried_key=key_of("all-tried", keymap), id="columns"
        )
        yield Static(f"Enlarge the terminal to at least {MIN_WIDTH}x{MIN_HEIGHT}.", id="too-small")
        yield CxFooter()

    def on_mount(self) -> None:
        self.bar.focus()
        self.size_guard.check()

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
        self.size_guard.check()
        self.query_one(OutboxStatus).fit(self.app.size.width)  # short on a narrow terminal

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:  # noqa: ARG002
        """No action of this screen runs while it is too small to show its effect (the app's
        help and quit still do)."""
        return not self.has_class(TOO_SMALL)

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

        try:
            query = self.session.parse(text)
        except QueryError as error:
            self._say(Text(str(error), style="bold"))
            self.set_focus(self.bar)
            return False
        self._say(None)
        if self.bar.value != text:
            self.bar.value = text
        self.runner.run(self.session.begin(query))
        if move_focus:
            self.set_focus(self.query_one("#actions", ActionList))
        return True

    def _say(self, message: Text | None) -> None:
        """Show `message` under the lookup bar; None hides the line (no empty row at 80x24),
        and costs no layout when it is hidden already."""
        line = self.query_one("#lookup-message", Static)
        if message is None:
            line.display = False
            return
        update_static(line, message)
        line.display = True

    def refresh_profile(self) -> None:
        """Look the current caller up again (after a write), keeping the picked person."""
        builder = self.session.refresh()
        if builder is not None:
            self.runner.run(builder)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.group == LOOKUP_GROUP:
            error = event.worker.error
            self.notify(
                f"The lookup stopped: {type(error).__name__}: {error}. The sources that "
                "answered are still shown.",
                title="Lookup error",
                severity="error",
                timeout=10,
            )

    def mask_changed(self) -> None:
        """The mask was toggled: the badge, and the profile painted again."""
        self.painter.show_mask()
        builder = self.session.builder
        if builder is not None and self.profile is not None:
            self.pacer.now(builder)

    # --- candidates and records -----------------------------------------------------------

    def action_pick(self) -> None:
        from cx_tui.screens.picker import CandidatePicker

        profile = self.profile
        if profile is None or not profile.candidates:
            self.notify("Nobody to choose between: look someone up first.")
            return

        def picked(candidate: Candidate | None) -> None:
            candidate = self._unmasked(candidate) if candidate is not None else None
            if candidate is not None:
                if self.session.query is not None:  # the next call from here knows them
                    self.services.remember_pick(self.session.query, candidate)
                self.runner.load(candidate)

        picker = CandidatePicker(profile.query, profile.candidates, profile.preselected)
        self.app.push_screen(picker, picked)

    def action_forget_link(self) -> None:
        """Forget who this number or email belongs to, and look it up afresh."""
        query = self.session.query
        if query is None:
            self.notify("Look someone up first.")
            return
        if not self.services.forget_link(query):
            self.notify(self.said(f"Nothing is remembered for {query.display()}."))
            return
        self.notify(self.said(f"Forgot who {query.display()} belongs to."))
        self.runner.run(self.session.restart())

    def action_explain(self) -> None:
        """Why nobody (or whom) the last lookup matched: every source asked again, explained."""
        from cx_tui.screens.why import WhyMatched

        query = self.session.query
        if query is None:
            self.notify("Look someone up first.")
            return
        why = WhyMatched(query, lambda: self.services.explain(query), say=self.said)
        self.app.push_screen(why)

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

    def _unmasked(self, candidate: Candidate) -> Candidate | None:
        """The candidate as the sources gave it (the picker lists the painted, maybe masked,
        ones), so its details are read with the real emails and numbers (None: gone)."""
        real = self.painter.profile
        found = (c for c in real.candidates if c.key == candidate.key) if real else iter(())
        unmasked = next(found, None)
        if unmasked is None:
            self.notify("That person is no longer among the matches: look them up again.")
        return unmasked

    def take(self, action: NextAction) -> None:
        """Do what a next action says: open the ticket, pick the person, write the note..."""
        from cx_tui.screens.next_action import take

        take(self, action)

    # --- writing --------------------------------------------------------------------------

    def action_note(self) -> None:
        self.writes.note()

    def action_create_contact(self) -> None:
        self.writes.create_contact()

    def action_attach_number(self) -> None:
        from cx_tui.screens.attach_number import open_attach

        open_attach(self, self.runner.load)

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
