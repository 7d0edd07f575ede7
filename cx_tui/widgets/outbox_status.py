"""The outbox's counts, always in view: notes waiting and notes that failed.

The counts are read (one cheap COUNT query) when the outbox says an item moved and every few
seconds (`cx-tui note` or `outbox flush` in another terminal changes them too), and repainted
only when a number moved. A resize reads nothing: it only switches between the long and the
short form of the counts read last, and only when the terminal turns narrow or wide.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from cx_tui.widgets.breakpoints import is_narrow

if TYPE_CHECKING:
    from cx_tui.delivery import Delivery

OUTBOX_COUNTS_POLL = 3.0
"""Seconds between two reads of the outbox counts (notes another process queued or sent)."""


class OutboxStatus(Static):
    """`Outbox: 1 pending · 0 failed`; empty until `follow` is given the delivery. On a narrow
    terminal (`fit`): `Outbox 1 · 0 failed`, so the sources beside it keep their line."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__("", id=id)
        self._delivery: Delivery | None = None
        self._counts: tuple[int, int] | None = None
        """The counts read last and shown (None: not read yet, or the read failed)."""
        self._narrow = False
        self._unsubscribe: Callable[[], None] = lambda: None

    def follow(self, delivery: Delivery | None) -> None:
        """Follow `delivery` (None: the store could not be opened, so there is no outbox)."""
        self._delivery = delivery
        self._narrow = is_narrow(self.app.size.width)
        if delivery is None:
            self.update(Text("Outbox unavailable: notes cannot be queued", style="bold red"))
            return
        self._unsubscribe = delivery.subscribe(lambda _item: self.show_counts())
        self.set_interval(OUTBOX_COUNTS_POLL, self.show_counts)
        self.show_counts()

    def on_unmount(self) -> None:
        self._unsubscribe()

    def show_counts(self) -> None:
        """Read the counts and paint them if a number moved (the outbox changed, or its poll)."""
        from cx_tui.store import StoreError

        delivery = self._delivery
        if delivery is None:
            return  # not followed yet (the outbox opens right after the first frame), or none
        try:
            counts = delivery.counts()
        except StoreError as error:
            self._counts = None
            self.update(Text(f"Outbox: {error}", style="bold red"))
            return
        if counts != self._counts:
            self._counts = counts
            self._paint(counts)

    def fit(self, width: int) -> None:
        """The terminal is `width` columns wide: the short or the long form of the counts read
        last, repainted only when that changes. Never reads the store."""
        narrow = is_narrow(width)
        if narrow == self._narrow:
            return
        self._narrow = narrow
        if self._counts is not None:
            self._paint(self._counts)

    def _paint(self, counts: tuple[int, int]) -> None:
        pending, failed = counts
        narrow = self._narrow
        text = Text("Outbox " if narrow else "Outbox: ", no_wrap=True)
        text.append(
            f"{pending}" if narrow else f"{pending} pending", style="yellow" if pending else "dim"
        )
        text.append(" · ")
        text.append(f"{failed} failed", style="bold red" if failed else "dim")
        if failed:
            text.append(" (b)" if narrow else "  (b to review)", style="dim")
        self.update(text)
