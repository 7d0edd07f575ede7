"""The main screen's calls: banner, ring-to-profile, call timer, switching, wrap-up, history.

A controller the main screen owns, so `main.py` keeps to lookups and the profile. Call events
arrive through the app (`CxApp.on_call_event`), which tracks them in a `CallTracker`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cx_tui.calls import Call, CallState
from cx_tui.models import Profile, ProfileState
from cx_tui.screens.call_history import CallHistory
from cx_tui.screens.note import target_label
from cx_tui.screens.wrap_up import WrapUp, WrapUpResult
from cx_tui.softphone.events import CallKind
from cx_tui.store import CallRecord, ItemKind
from cx_tui.widgets.call_banner import CallBanner

if TYPE_CHECKING:
    from cx_tui.screens.main import MainScreen


class CallDesk:
    """Everything the main screen does about calls."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def on_call(self, call: Call, kind: CallKind) -> None:
        """A call rang, was answered or ended: banner, lookup, wrap-up."""
        tracker = self.screen.cx.calls
        banner = self.screen.query_one("#call-banner", CallBanner)
        banner.show_calls(tracker)
        if kind is CallKind.RING:
            if tracker.focus == call.call_id and call.lookup_text:
                self.screen.look_up(
                    call.lookup_text
                )  # the profile is ready before the agent answers
            elif tracker.focus != call.call_id:
                self.screen.notify(f"Another call: {call.who()}. Press k to switch.", timeout=6)
        elif kind is CallKind.HANGUP:
            if call.missed:
                self.screen.notify(
                    f"Missed call from {call.who()} (h lists missed calls).",
                    severity="warning",
                    timeout=10,
                )
            elif not call.wrapped_up:
                self.wrap_up(call)

    def identify(self, text: str, profile: Profile) -> None:
        tracker = self.screen.cx.calls
        for call in tracker.calls.values():
            if call.lookup_text == text and call.state is not CallState.ENDED:
                resolved = profile.state is ProfileState.RESOLVED and profile.matches
                tracker.identify(
                    call,
                    profile.value("name") if resolved else None,
                    profile.matches[0].person.ref.key if resolved else None,
                )
        self.screen.query_one("#call-banner", CallBanner).show_calls(tracker)

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
        if self.screen.profile is not None and self.screen.profile.state is ProfileState.RESOLVED:
            tracker.identify(
                call,
                self.screen.profile.value("name"),
                self.screen.profile.matches[0].person.ref.key,
            )
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

        def chosen(number: str | None) -> None:
            if number:
                self.screen.look_up(number, move_focus=True)

        self.screen.app.push_screen(CallHistory(load), chosen)

    def wrap_up(self, call: Call) -> None:
        """The wrap-up form: note, disposition, duration; logged to the CRM and the ticket."""
        profile = self.screen.profile
        resolved = profile is not None and profile.state is ProfileState.RESOLVED
        choices = self.screen.note_choices(profile) if resolved and profile else []
        key = profile.query if profile else call.call_id

        def done(result: WrapUpResult | None) -> None:
            if result is None:
                return
            self.screen.cx.calls.wrap_up(call, result.disposition, result.note)
            self.screen.run_worker(
                self._log_call(call, result, key), group="write", exit_on_error=False
            )

        screen = WrapUp(call, self.screen.cx.dispositions, choices, draft=self.screen.cx.draft(key))
        self.screen.app.push_screen(screen, done)

    async def _log_call(self, call: Call, result: WrapUpResult, draft_key: str) -> None:
        delivery = self.screen.cx.delivery
        if delivery is None:
            self.screen.notify(
                "The local store could not be opened: the call was not logged.", severity="error"
            )
            return
        payload = {
            "duration_s": result.duration_s,
            "direction": call.direction,
            "disposition": result.disposition,
            "at": (call.answered_at or call.rang_at).isoformat(),
        }
        try:
            states = {}
            async for target, state, message in delivery.send(
                result.note, result.targets, ItemKind.CALL, payload
            ):
                states[target_label(target)] = (state, message)
        except Exception as error:
            self.screen.notify(f"The call log was not saved: {error}", severity="error", timeout=15)
            return
        self.screen.cx.keep_draft(draft_key, "")
        summary = "; ".join(f"{label}: {state}" for label, (state, _) in states.items())
        self.screen.notify(f"Call logged ({summary}).", timeout=8)
        self.screen.refresh_profile()
