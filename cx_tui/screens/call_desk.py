"""The main screen's calls: banner, ring-to-profile, call timer, switching, wrap-up, history.

A controller the main screen owns, so `main.py` keeps to lookups and the profile. Call events
arrive through the app (`CxApp.on_call_event`), which tracks them in a `CallTracker`.

Each call keeps where its wrap-up goes (the caller's CRM person and open tickets) from the
lookup that resolved *its* caller, so a call is never logged to whoever happens to be on screen
when it ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Input

from cx_tui.calls import Call, CallState
from cx_tui.models import Profile, ProfileState
from cx_tui.outbox import OutboxError
from cx_tui.screens.call_history import CallHistory, HistoryPick
from cx_tui.screens.note import TargetChoice, target_label
from cx_tui.screens.wrap_up import WrapUp, WrapUpResult
from cx_tui.softphone.events import CallKind
from cx_tui.store import CallRecord, ItemKind
from cx_tui.widgets.call_banner import CallBanner

if TYPE_CHECKING:
    from cx_tui.delivery import Progress
    from cx_tui.screens.main import MainScreen


def draft_key(call: Call) -> str:
    """Where a call's wrap-up draft is kept (the note editor keeps its drafts per caller)."""
    return f"call:{call.call_id}"


class CallDesk:
    """Everything the main screen does about calls."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.targets: dict[str, list[TargetChoice]] = {}
        """Per call id: where its wrap-up can be logged, from the lookup of its own caller."""

    def on_call(self, call: Call, kind: CallKind) -> None:
        """A call rang, was answered or ended: banner, lookup, wrap-up."""
        tracker = self.screen.cx.calls
        banner = self.screen.query_one("#call-banner", CallBanner)
        banner.show_calls(tracker)
        focused = tracker.focus == call.call_id
        if kind is CallKind.RING:
            if focused and call.lookup_text:
                self._look_up(call)  # the profile is ready before the agent answers
            elif not focused:
                self.screen.notify(f"Another call: {call.who()}. Press k to switch.", timeout=6)
        elif kind is CallKind.ANSWER:
            # Answered while another caller held the screen (no ring lookup ran): the agent
            # is talking to this one now, so show them.
            if focused and call.lookup_text and call.call_id not in self.targets:
                if not self._on_screen(call):
                    self._look_up(call)
        elif kind is CallKind.HANGUP:
            if call.missed:
                self.screen.notify(
                    f"Missed call from {call.who()} (h lists missed calls).",
                    severity="warning",
                    timeout=10,
                )
            elif not call.wrapped_up:
                self.wrap_up(call)

    def _look_up(self, call: Call) -> None:
        """Look a call's caller up; focus leaves the lookup bar, so the call keys (k, t, h,
        b, n) work at once, unless the agent is in the middle of typing there."""
        assert call.lookup_text is not None
        if not self._agent_typing():
            self.screen.look_up(call.lookup_text, move_focus=True)
            return
        # The agent is typing another query: the caller's profile still comes up, and what
        # they typed stays in the bar, with the cursor where it was.
        bar = self.screen.query_one("#lookup-bar", Input)
        typed, cursor = bar.value, bar.cursor_position
        self.screen.look_up(call.lookup_text)
        bar.value, bar.cursor_position = typed, cursor

    def _agent_typing(self) -> bool:
        """The lookup bar has focus and holds text the agent typed since the last lookup."""
        bar = self.screen.query_one("#lookup-bar", Input)
        typed = bar.value.strip()
        if self.screen.focused is not bar or not typed:
            return False
        last = self.screen.query_obj
        return last is None or typed != last.text

    def _on_screen(self, call: Call) -> bool:
        query = self.screen.query_obj
        return query is not None and query.text == call.lookup_text

    def identify(self, text: str, profile: Profile) -> None:
        """A lookup finished: the calls from `text` now know their caller and where to log."""
        tracker = self.screen.cx.calls
        resolved = profile.state is ProfileState.RESOLVED and bool(profile.matches)
        for call in tracker.calls.values():
            if call.lookup_text == text and not call.wrapped_up and not call.missed:
                self.targets[call.call_id] = self.screen.note_choices(profile) if resolved else []
                tracker.identify(
                    call,
                    profile.value("name") if resolved else None,
                    profile.matches[0].person.ref.key if resolved else None,
                )
        self._forget_done()
        self.screen.query_one("#call-banner", CallBanner).show_calls(tracker)

    def _forget_done(self) -> None:
        calls = self.screen.cx.calls.calls
        for call_id in list(self.targets):
            call = calls.get(call_id)
            if call is None or call.wrapped_up or call.missed:
                del self.targets[call_id]

    def toggle_timer(self) -> None:
        """Start a call timer by hand for the caller on screen, or end the running call."""
        tracker = self.screen.cx.calls
        current = tracker.current
        if current is not None and current.state is not CallState.ENDED:
            tracker.end(current)
            self.on_call(current, CallKind.HANGUP)
            return
        query = self.screen.query_obj
        number = query.phone.e164 if query and query.phone else None
        call = tracker.start_manual(number, query.text if query else None)
        profile = self.screen.profile
        if profile is not None and profile.state is ProfileState.RESOLVED and profile.matches:
            tracker.identify(call, profile.value("name"), profile.matches[0].person.ref.key)
            self.targets[call.call_id] = self.screen.note_choices(profile)
        self.screen.query_one("#call-banner", CallBanner).show_calls(tracker)

    def switch(self) -> None:
        call = self.screen.cx.calls.switch()
        if call is None:
            self.screen.notify("No other call.")
            return
        self.screen.query_one("#call-banner", CallBanner).show_calls(self.screen.cx.calls)
        if call.lookup_text:
            self.screen.look_up(call.lookup_text)

    def history(self) -> None:
        store = self.screen.cx.store
        if store is None:
            self.screen.notify(
                "The local store could not be opened: no call history.", severity="error"
            )
            return

        def load(missed_only: bool) -> list[CallRecord]:
            return store.calls(100, missed_only=missed_only)

        def chosen(pick: HistoryPick | None) -> None:
            if pick is None:
                return
            if pick.wrap_up:
                self.wrap_up_again(pick.call)
            elif pick.call.number:
                self.screen.look_up(pick.call.number, move_focus=True)

        self.screen.app.push_screen(CallHistory(load, store.mark_returned), chosen)

    def wrap_up_again(self, record: CallRecord) -> None:
        """Reopen the wrap-up of an ended call (closed with Escape, its draft kept)."""
        known = self.screen.cx.calls.calls.get(record.call_id)
        call = known or Call.from_record(record)  # from an earlier session: its draft waits
        if call.state is not CallState.ENDED:
            self.screen.notify(
                "That call is still going: its wrap-up opens when it ends."
                if known
                else "That call never ended in the history (cx-tui was closed during it)."
            )
        elif call.missed:
            self.screen.notify("A missed call has nothing to wrap up: call them back.")
        elif call.wrapped_up:
            self.screen.notify("That call is logged already.")
        else:
            self.wrap_up(call)

    # --- wrap-up ----------------------------------------------------------------------------

    def wrap_up(self, call: Call) -> None:
        """The wrap-up form: note, disposition, duration; logged to the caller's CRM person
        and ticket (the call's own caller, whoever is on screen now)."""
        choices = self.targets.get(call.call_id)
        if choices is None:
            choices = self._targets_on_screen(call)
        cx = self.screen.cx
        key = draft_key(call)

        def closed(result: WrapUpResult | None) -> None:
            if result is None and cx.draft(key).strip():
                self.screen.notify(
                    f"The wrap-up of the call with {call.who()} is kept as a draft: h, then w "
                    "on the call, reopens it.",
                    timeout=8,
                )

        screen = WrapUp(
            call,
            cx.dispositions,
            choices,
            log=lambda result: self._log_call(call, result),
            draft=cx.draft(key),
            on_draft=lambda text: cx.keep_draft(key, text),
        )
        self.screen.app.push_screen(screen, closed)

    def _targets_on_screen(self, call: Call) -> list[TargetChoice]:
        """No lookup of this call's caller finished while it lasted: use the profile on screen
        only if it is this caller's (same number), else nothing (local history only)."""
        profile = self.screen.profile
        if (
            profile is not None
            and profile.state is ProfileState.RESOLVED
            and call.lookup_text is not None
            and self._on_screen(call)
        ):
            return self.screen.note_choices(profile)
        return []

    def _log_call(self, call: Call, result: WrapUpResult) -> None:
        """Commit the wrap-up (the form closes only when this returns).

        Raises:
            StoreError, OutboxError: nothing was saved.
        """
        cx = self.screen.cx
        tracker = cx.calls
        if result.targets:
            if cx.delivery is None:
                raise OutboxError(
                    "the local store could not be opened, so the call log cannot be queued safely."
                )
            payload = {
                "duration_s": result.duration_s,
                "direction": call.direction,
                "disposition": result.disposition,
                "at": (call.answered_at or call.rang_at).isoformat(),
            }
            progress = cx.delivery.queue(result.note, result.targets, ItemKind.CALL, payload)
            tracker.wrap_up(call, result.disposition, result.note)
            if tracker.problem:  # queued for the CRM all the same: say so, do not block
                self.screen.notify(
                    f"The call history was not updated: {tracker.problem}",
                    severity="warning",
                    timeout=10,
                )
            self.screen.run_worker(self._follow(progress), group="write", exit_on_error=False)
        else:
            if cx.store is None:
                raise OutboxError("the local store could not be opened, so there is no history.")
            tracker.wrap_up(call, result.disposition, result.note, strict=True)
            self.screen.notify("Call kept in the local history (no CRM or ticket takes it).")
        cx.keep_draft(draft_key(call), "")
        self._forget_done()

    async def _follow(self, progress: Progress) -> None:
        states: dict[str, str] = {}
        try:
            async for target, state, _message in progress.updates():
                states[target_label(target)] = state
        except Exception as error:
            self.screen.notify(f"Following the call log failed: {error}", severity="error")
            return
        summary = "; ".join(f"{label}: {state}" for label, state in states.items())
        self.screen.notify(f"Call logged ({summary}).", timeout=8)
        self.screen.refresh_profile()
