"""The call in focus, its timer, and how many other calls wait (hidden when there is none).

While the mask is on (`show_mask`) the caller's name shows as initials and the number as its last
two digits, like the profile below it (`insight/redact.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from cx_tui.phrases import now_utc

if TYPE_CHECKING:  # the calls module loads with the first call, not with the first frame
    from cx_tui.calls import Call, CallTracker


class CallBanner(Static):
    DEFAULT_CSS = """
    CallBanner { height: auto; padding: 0 2; background: $boost; display: none; }
    CallBanner.-ringing { background: $warning 30%; text-style: bold; }
    CallBanner.-active { background: $success 20%; }
    CallBanner.-shown { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__("", id=id)
        self.tracker: CallTracker | None = None
        self.masked = False

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)

    def show_calls(self, tracker: CallTracker) -> None:
        self.tracker = tracker
        self._tick()

    def show_mask(self, on: bool) -> None:
        """Mask the caller (or show them again) from this paint on."""
        self.masked = on
        self._tick()

    def _tick(self) -> None:
        tracker = self.tracker
        if tracker is None:
            return  # no call yet
        from cx_tui.calls import CallState

        call = tracker.current
        live = tracker.live()
        shown = call is not None and (call.state is not CallState.ENDED or len(live) > 0)
        self.set_class(bool(shown), "-shown")
        if not shown or call is None:
            return
        self.set_class(call.state is CallState.RINGING, "-ringing")
        self.set_class(call.state is CallState.ACTIVE, "-active")
        others = [c for c in live if c is not call]
        self.update(banner_text(call, others, masked=self.masked))


def shown_call(call: Call, masked: bool) -> Call:
    """The call as the banner may show it: name as initials, number as `•••32` when masked."""
    if not masked:
        return call
    from dataclasses import replace

    from cx_tui.insight.redact import initials, mask_number

    return replace(
        call,
        person_name=initials(call.person_name),
        number=mask_number(call.number) if call.number else None,
    )


def banner_text(call: Call, others: list[Call], *, masked: bool = False) -> Text:
    from cx_tui.calls import CallState, clock_text

    call = shown_call(call, masked)
    now = now_utc()
    text = Text()
    if call.state is CallState.RINGING:
        incoming = "Incoming call" if call.direction == "inbound" else "Calling"
        text.append(f"☎ {incoming}: ")
        text.append(call.who(), style="bold")
        if call.person_name and call.number:
            text.append(f"  {call.number}")
        text.append(f"  ringing {clock_text(now - call.rang_at)}")
    elif call.state is CallState.ACTIVE:
        text.append("☎ On call with ")
        text.append(call.who(), style="bold")
        text.append(f"  {clock_text(call.duration(now))}")
        text.append("  (t ends it)", style="dim")
    else:
        text.append(f"Call with {call.who()} ended after {clock_text(call.duration(now))}")
    if call.line:
        text.append(f"  line {call.line}", style="dim")
    if others:
        ringing = sum(1 for c in others if c.state is CallState.RINGING)
        text.append(
            f"   +{len(others)} other call{'s' if len(others) > 1 else ''}"
            f"{f' ({ringing} ringing)' if ringing else ''}: k switches",
            style="italic",
        )
    return text
