"""Calls on the main screen: the banner, the lookup a ring starts, the wrap-up form and the
call history.

What a call means (when to look the caller up, where its wrap-up goes, what ending or
reopening it does) is decided by `cx_tui.call_flow.CallFlow`; the desk shows it: it updates the
banner, says what happened, opens the dialogs and follows a logged call out. It is given what
it works with (the screen's lookups through `Lookups`); it knows no screen's widgets.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from cx_tui.call_flow import WrapUpResult, draft_key, follow
from cx_tui.screens.call_history import CallHistory, HistoryPick
from cx_tui.screens.wrap_up import WrapUp

if TYPE_CHECKING:
    from textual.screen import Screen

    from cx_tui.call_flow import CallFlow
    from cx_tui.calls import Call
    from cx_tui.delivery import Progress
    from cx_tui.identity import Query
    from cx_tui.models import Profile
    from cx_tui.services import Services
    from cx_tui.softphone.events import CallKind
    from cx_tui.store import CallRecord
    from cx_tui.widgets.call_banner import CallBanner
    from cx_tui.widgets.toasts import Toasts


class Lookups(Protocol):
    """The lookups of the screen the desk serves (the main screen)."""

    def unmasked(self) -> tuple[Query | None, Profile | None]:
        """The lookup on screen: its query and the profile painted (None before the first),
        as the sources gave it, never masked: what writes are made from. Whatever shows it
        masks it itself while the mask is on (`services.masked`)."""
        ...

    def look_up(self, text: str, *, move_focus: bool = False) -> bool: ...

    def look_up_caller(self, text: str) -> None:
        """Look a caller up, sparing what the agent is typing in the lookup bar."""
        ...

    def refresh_profile(self) -> None: ...


class CallDesk:
    """Shows calls on `screen`.

    Args:
        screen: Where notifications show and dialogs open (the main screen).
        lookups: The screen's lookups (a ring looks its caller up; a logged call refreshes).
        services: The call flow, the store and the drafts.
        banner: The calls strip at the top of the screen.
    """

    def __init__(
        self, screen: Screen[Any], lookups: Lookups, services: Services, banner: CallBanner
    ) -> None:
        self.screen = screen
        self.lookups = lookups
        self.services = services
        self.banner = banner

    @cached_property
    def toasts(self) -> Toasts:
        from cx_tui.widgets.toasts import Toasts

        return Toasts(self.screen.app)

    @property
    def flow(self) -> CallFlow:
        return self.services.call_flow

    def _shown_text(self) -> str | None:
        query = self.lookups.unmasked()[0]
        return query.text if query is not None else None

    def on_call(self, call: Call, kind: CallKind) -> None:
        """A call rang, was answered or ended: banner, lookup, wrap-up."""
        self.banner.show_calls(self.flow.calls)
        step = self.flow.next_step(call, kind, self._shown_text())
        if step == "look up" and call.lookup_text:
            self.lookups.look_up_caller(call.lookup_text)
        elif step == "another call":
            self.toasts.notify(
                "another call",
                f"Another call: {self._who(call)}. Press k to switch.",
                many=lambda count: f"{count} more calls are waiting. Press k to switch.",
                timeout=6,
            )
        elif step == "missed":
            self.toasts.notify(
                "missed",
                f"Missed call from {self._who(call)} (h lists missed calls).",
                many=lambda count: f"{count} missed calls (m lists them).",
                severity="warning",
                timeout=10,
            )
        elif step == "wrap up":
            self.wrap_up(call)

    def _who(self, call: Call) -> str:
        """The caller as a toast names them: masked like the banner while the mask is on."""
        from cx_tui.widgets.call_banner import shown_call

        return shown_call(call, self.services.masked).who()

    def identify(self, text: str, profile: Profile) -> None:
        """A lookup of `text` finished: its calls know their caller and where to log."""
        self.flow.identify(text, profile)
        self.banner.show_calls(self.flow.calls)

    def toggle_timer(self) -> None:
        """Start a call timer by hand for the caller on screen, or end the running call."""
        from cx_tui.softphone.events import CallKind

        ended = self.flow.toggle_timer(*self.lookups.unmasked())
        if ended is not None:
            self.on_call(ended, CallKind.HANGUP)
        else:
            self.banner.show_calls(self.flow.calls)

    def switch(self) -> None:
        """Show the next live call, and its caller."""
        call = self.flow.calls.switch()
        if call is None:
            self.screen.notify("No other call.")
            return
        self.banner.show_calls(self.flow.calls)
        if call.lookup_text:
            self.lookups.look_up(call.lookup_text)

    def history(self, *, missed_only: bool = False) -> None:
        store = self.services.store
        if store is None:
            self.screen.notify(
                "The local store could not be opened: no call history.", severity="error"
            )
            return

        services = self.services

        def load(missed_only: bool) -> list[CallRecord]:
            from cx_tui.lookup_history import name_calls

            calls = store.calls(100, missed_only=missed_only)
            return name_calls(calls, store.lookups(), services.region)

        def chosen(pick: HistoryPick | None) -> None:
            if pick is None:
                return
            if pick.wrap_up:
                self.wrap_up_again(pick.call)
            elif pick.call.number:
                self.lookups.look_up(pick.call.number, move_focus=True)

        history = CallHistory(
            load,
            store.mark_returned,
            missed_only=missed_only,
            masked=lambda: services.masked,
        )
        self.screen.app.push_screen(history, chosen)

    def wrap_up_again(self, record: CallRecord) -> None:
        """Reopen the wrap-up of an ended call (closed with Escape, its draft kept)."""
        call = self.flow.reopen(record)
        if isinstance(call, str):
            self.screen.notify(call)
        else:
            self.wrap_up(call)

    def wrap_up(self, call: Call) -> None:
        """The wrap-up form: note, disposition, duration; logged to the call's own caller
        (the lookup on screen counts only when it is that caller's)."""
        services = self.services
        key = draft_key(call)

        def closed(result: WrapUpResult | None) -> None:
            if result is None and services.draft(key).strip():
                self.screen.notify(
                    f"The wrap-up of the call with {self._who(call)} is kept as a draft: h, then w "
                    "on the call, reopens it.",
                    timeout=8,
                )

        screen = WrapUp(
            call,
            services.dispositions,
            self.flow.wrap_up_targets(call, self._shown_text(), self.lookups.unmasked()[1]),
            log=lambda result: self._log(call, result),
            draft=services.draft(key),
            on_draft=lambda text: services.keep_draft(key, text),
            masked=lambda: services.masked,
        )
        self.screen.app.push_screen(screen, closed)

    def _log(self, call: Call, result: WrapUpResult) -> None:
        """Commit the wrap-up (the form closes only when this returns).

        Raises:
            StoreError, OutboxError: nothing was saved.
        """
        progress = self.flow.log(call, result)
        if progress is None:
            self.screen.notify("Call kept in the local history (no CRM or ticket takes it).")
            return
        if self.flow.calls.problem:  # queued for the CRM all the same: say so, do not block
            self.screen.notify(
                f"The call history was not updated: {self.flow.calls.problem}",
                severity="warning",
                timeout=10,
            )
        self.screen.run_worker(self._follow(progress), group="write", exit_on_error=False)

    async def _follow(self, progress: Progress) -> None:
        try:
            summary = await follow(progress)
        except Exception as error:
            self.screen.notify(f"Following the call log failed: {error}", severity="error")
            return
        self.screen.notify(f"Call logged ({summary}).", timeout=8)
        self.lookups.refresh_profile()
