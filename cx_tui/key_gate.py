"""Keys belong to the screen they were typed for, however fast they arrive (issue 18).

Textual hands each key to the widget focused *when the app reads it*, and a key's binding runs
only once the key has bubbled back up to the app. Typed in one burst (a fast typist, a paste,
a text expander, a loaded machine), `n` and the note after it are all handed to the main
screen before `n` has opened the editor: the note's letters act as main-screen keys and the
note is lost. The same happens to a query typed right after `/`.

`KeyGate` hands keys over one at a time: the next key waits until the one before it has been
handled all the way up (a `KeyHandled` marker follows it through the same queues, twice, so
what its handling posted, such as the lookup bar's `Submitted`, is handled first too), and
until the screen on top has mounted and taken its focus. Keys that wait are kept in order;
nothing is dropped. Typed at a human pace nothing ever waits.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from time import monotonic
from typing import TYPE_CHECKING, Any

from textual import events
from textual.message import Message

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode
    from textual.screen import Screen
    from textual.timer import Timer

STALE_AFTER = 2.0
"""Seconds after which a key still not known handled (its widget went away, say) stops
holding the keys after it."""

WATCH_EVERY = 0.02
"""How often the gate looks for a key whose widget went away while it was handled."""


class KeyHandled(Message):
    """Follows a key through the queues it went through; back at the app, the key is done."""

    def __init__(self, number: int, hop: int) -> None:
        super().__init__()
        self.number = number
        self.hop = hop


Dispatch = Callable[[events.Event], Awaitable[None]]
"""Hands an input event to the app's own handling (Textual's `App.on_event`)."""


class KeyGate:
    """Holds keys (and pastes) back until the screen they were typed for can take them.

    Args:
        app: The app whose input it orders.
        dispatch: Textual's own handling of an input event.
    """

    def __init__(self, app: App[Any], dispatch: Dispatch) -> None:
        self.app = app
        self.dispatch = dispatch
        self.held: deque[events.Event] = deque()
        self._number = 0
        self._target: DOMNode | None = None
        """Where the key in flight was handed (None: no key in flight)."""
        self._since = 0.0
        self._waiting_for: Screen[object] | None = None
        self._watch: Timer | None = None
        self._releasing = False

    @property
    def busy(self) -> bool:
        return self._target is not None or bool(self.held) or not self._screen_ready()

    async def offer(self, event: events.Event) -> None:
        """A key or paste from the terminal: handled now, or kept until its turn."""
        self.held.append(event)
        await self.release()

    async def handled(self, message: KeyHandled) -> None:
        """A marker came back to the app."""
        message.stop()
        if message.number != self._number or self._target is None:
            return
        target = self._target
        if message.hop == 1 and target.is_attached:
            # Once more through the same queues: what handling the key posted there (the
            # lookup bar's Submitted, say) is handled before the next key is handed over.
            target.post_message(KeyHandled(message.number, 2))
            return
        self._target = None
        await self.release()

    async def release(self) -> None:
        """Hand over the kept keys, in order, while the screen can take them."""
        if self._releasing:
            return
        self._releasing = True
        try:
            while self.held and self._target is None and self._screen_ready():
                event = self.held.popleft()
                await self.dispatch(event)
                if event.is_forwarded:  # handed to a widget: wait until it has been handled
                    self._follow()
        finally:
            self._releasing = False
        if self.held or self._target is not None:
            self._start_watching()

    def _follow(self) -> None:
        app = self.app
        target: DOMNode = app.focused or app.screen
        self._number += 1
        self._since = monotonic()
        if target.post_message(KeyHandled(self._number, 1)):
            self._target = target

    def _screen_ready(self) -> bool:
        """Whether the screen on top has mounted (and so taken its focus)."""
        screen = self.app.screen
        if screen.is_mounted:
            return True
        if self._waiting_for is not screen:
            self._waiting_for = screen
            asyncio.get_running_loop().create_task(self._when_mounted(screen))
        return False

    async def _when_mounted(self, screen: Screen[object]) -> None:
        # The private event is the one Textual's own AwaitMount waits for (Textual is pinned).
        await screen._mounted_event.wait()
        # After the screen's on_mount has run; its `focus()` calls were queued on the app
        # before this, so the keys go to the widget it focused.
        self.app.call_later(self.release)

    def _start_watching(self) -> None:
        if self._watch is None:
            self._watch = self.app.set_interval(WATCH_EVERY, self._check, name="key-gate")

    def _check(self) -> None:
        """A key whose widget went away before it was handled (a dialog closed) never comes
        back: stop waiting for it."""
        target = self._target
        if target is not None and (
            not target.is_attached or monotonic() - self._since > STALE_AFTER
        ):
            self._target = None
        if not self.busy and self._watch is not None:
            self._watch.stop()
            self._watch = None
        if self.held and self._target is None:
            self.app.call_later(self.release)
