"""What calls mean for the agent, decided headless; the main screen only renders it.

A softphone event (or the agent's own key) changes a call in the `CallTracker`; `CallFlow`
says what follows: look the caller up, tell the agent about another or a missed call, or open
the wrap-up. It keeps, per call, where the wrap-up can be logged, taken from the lookup that
resolved *that call's* caller, so a call is never logged to whoever happens to be on screen
when it ends. Logging a wrap-up commits it to the outbox (or the local history) before anything
goes over the network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from cx_tui.calls import Call, CallState
from cx_tui.models import CallLog, NoteTarget, Profile, ProfileState
from cx_tui.note_targets import TargetChoice, target_label
from cx_tui.softphone.events import CallKind

if TYPE_CHECKING:
    from cx_tui.calls import CallTracker
    from cx_tui.delivery import Delivery, Progress
    from cx_tui.identity import Query
    from cx_tui.store import CallRecord, Store


Step = Literal["nothing", "look up", "another call", "missed", "wrap up"]
"""What the screen does after a call changed: nothing; look the caller up now (the profile is
ready before the agent answers); tell the agent another call rings (a key switches to it) or
that a call was missed; open the wrap-up form."""


@dataclass(frozen=True, slots=True)
class WrapUpResult:
    note: str
    disposition: str
    duration_s: int
    targets: tuple[NoteTarget, ...]
    """Empty when no source takes it: the call is kept in the local history only."""


class CallServices(Protocol):
    """What the flow needs from the app's services (`cx_tui.services.Services`)."""

    @property
    def calls(self) -> CallTracker: ...
    @property
    def delivery(self) -> Delivery | None: ...
    @property
    def store(self) -> Store | None: ...
    def keep_draft(self, key: str, text: str) -> None: ...


def draft_key(call: Call) -> str:
    """Where a call's wrap-up draft is kept (the note editor keeps its drafts per caller)."""
    return f"call:{call.call_id}"


def _resolved(profile: Profile | None) -> bool:
    return profile is not None and profile.state is ProfileState.RESOLVED and bool(profile.matches)


class CallFlow:
    """Calls, from event to logged wrap-up.

    Args:
        services: The tracker, the outbox and the drafts.
        choices: Where a note about a resolved caller can go (`note_targets.note_choices`).
    """

    def __init__(
        self, services: CallServices, choices: Callable[[Profile], list[TargetChoice]]
    ) -> None:
        self.services = services
        self.choices = choices
        self.targets: dict[str, list[TargetChoice]] = {}
        """Per call id: where its wrap-up can be logged, from the lookup of its own caller."""

    @property
    def calls(self) -> CallTracker:
        return self.services.calls

    def next_step(self, call: Call, kind: CallKind, shown: str | None) -> Step:
        """What follows `call` changing by `kind`; `shown`: the query on screen (its text)."""
        focused = self.calls.focus == call.call_id
        if kind is CallKind.RING:
            if focused and call.lookup_text:
                return "look up"
            if not focused:
                return "another call"
        elif kind is CallKind.ANSWER:
            # Answered while another caller held the screen (no ring lookup ran): the agent
            # is talking to this one now, so show them.
            if focused and call.lookup_text and call.call_id not in self.targets:
                return "look up" if shown != call.lookup_text else "nothing"
        elif kind is CallKind.HANGUP:
            if call.missed:
                return "missed"
            if not call.wrapped_up:
                return "wrap up"
        return "nothing"

    def identify(self, text: str, profile: Profile) -> None:
        """A lookup finished: the calls from `text` now know their caller and where to log."""
        resolved = _resolved(profile)
        for call in self.calls.calls.values():
            if call.lookup_text == text and not call.wrapped_up and not call.missed:
                self.targets[call.call_id] = self.choices(profile) if resolved else []
                self.calls.identify(
                    call,
                    profile.value("name") if resolved else None,
                    profile.matches[0].person.ref.key if resolved else None,
                )
        self._forget_done()

    def _forget_done(self) -> None:
        calls = self.calls.calls
        for call_id in list(self.targets):
            call = calls.get(call_id)
            if call is None or call.wrapped_up or call.missed:
                del self.targets[call_id]

    def toggle_timer(self, query: Query | None, profile: Profile | None) -> Call | None:
        """End the running call (returned: it needs its wrap-up), or start a call timer by
        hand for the caller on screen (None)."""
        current = self.calls.current
        if current is not None and current.state is not CallState.ENDED:
            return self.calls.end(current)
        number = query.phone.e164 if query and query.phone else None
        call = self.calls.start_manual(number, query.text if query else None)
        if profile is not None and _resolved(profile):
            self.calls.identify(call, profile.value("name"), profile.matches[0].person.ref.key)
            self.targets[call.call_id] = self.choices(profile)
        return None

    def reopen(self, record: CallRecord) -> Call | str:
        """The call whose wrap-up the agent asked to reopen, or why there is none to open."""
        known = self.calls.calls.get(record.call_id)
        call = known or Call.from_record(record)  # from an earlier session: its draft waits
        if call.state is not CallState.ENDED:
            return (
                "That call is still going: its wrap-up opens when it ends."
                if known
                else "That call never ended in the history (cx-tui was closed during it)."
            )
        if call.missed:
            return "A missed call has nothing to wrap up: call them back."
        if call.wrapped_up:
            return "That call is logged already."
        return call

    def wrap_up_targets(
        self, call: Call, shown: str | None, profile: Profile | None
    ) -> list[TargetChoice]:
        """Where the wrap-up of `call` can go. When no lookup of its caller finished while it
        lasted, the profile on screen counts only if it is this caller's (same query)."""
        choices = self.targets.get(call.call_id)
        if choices is not None:
            return choices
        if _resolved(profile) and call.lookup_text is not None and shown == call.lookup_text:
            assert profile is not None
            return self.choices(profile)
        return []

    def log(self, call: Call, result: WrapUpResult) -> Progress | None:
        """Commit the wrap-up: queued for its targets (the returned progress follows it out),
        or kept in the local history only (None) when it has none.

        Raises:
            StoreError, OutboxError: nothing was saved.
        """
        from cx_tui.outbox import OutboxError, call_payload
        from cx_tui.store import ItemKind

        progress = None
        if result.targets:
            delivery = self.services.delivery
            if delivery is None:
                raise OutboxError(
                    "the local store could not be opened, so the call log cannot be queued safely."
                )
            try:
                log = CallLog(
                    result.note,
                    direction=call.direction,
                    duration_s=result.duration_s,
                    outcome=result.disposition,
                    started=call.answered_at or call.rang_at,
                )
            except ValueError as bad:  # a duration over a day, typed in the wrap-up
                raise OutboxError(str(bad)) from None
            payload = call_payload(log)
            progress = delivery.queue(log.summary, result.targets, ItemKind.CALL, payload)
            self.calls.wrap_up(call, result.disposition, result.note)
        else:
            if self.services.store is None:
                raise OutboxError("the local store could not be opened, so there is no history.")
            self.calls.wrap_up(call, result.disposition, result.note, strict=True)
        self.services.keep_draft(draft_key(call), "")
        self._forget_done()
        return progress


async def follow(progress: Progress) -> str:
    """Follow a queued call log out; returns each target's last state, for the agent."""
    states: dict[str, str] = {}
    async for target, state, _message in progress.updates():
        states[target_label(target)] = state
    return "; ".join(f"{label}: {state}" for label, state in states.items())
