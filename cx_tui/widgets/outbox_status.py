"""The outbox's counts, always in view: notes waiting and notes that failed.

Painted when the outbox says an item moved, and every few seconds from one cheap COUNT query
(`cx-tui note` or `outbox flush` in another terminal changes the counts too), repainted only
when a number moved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from cx_tui.delivery import Delivery

NARROW = 100
"""Below this many columns the counts read `Outbox 0 · 1 failed (b)`."""
OUTBOX_COUNTS_POLL = 3.0
"""Seconds between two reads of the outbox counts (notes another process queued or sent)."""


class OutboxStatus(Static):
    """`Outbox: 1 pending · 0 failed`; empty until `follow` is given the delivery."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__("", id=id)
        self._delivery: Delivery | None = None
        self._shown: tuple[int, int] | None = None
        self._unsubscribe: Callable[[], None] = lambda: None
        self._following = False

    def follow(self, delivery: Delivery | None) -> None:
        """Follow `delivery` (None: the store could not be opened, so there is no outbox)."""
        self._delivery = delivery
        self._following = True
        if delivery is not None:
            self._unsubscribe = delivery.subscribe(lambda _item: self.show_counts())
            self.set_interval(OUTBOX_COUNTS_POLL, self._poll)
        self.show_counts()

    def on_unmount(self) -> None:
        self._unsubscribe()

    def _poll(self) -> None:
        from cx_tui.store import StoreError

        delivery = self._delivery
        try:
            counts = delivery.counts() if delivery is not None else None
        except StoreError:
            counts = None
        if counts != self._shown:
            self.show_counts()

    def show_counts(self) -> None:
        from cx_tui.store import StoreError

        if not self._following:
            return  # the outbox is opened right after the first frame
        delivery = self._delivery
        if delivery is None:
            self.update(Text("Outbox unavailable: notes cannot be queued", style="bold red"))
            return
        try:
            pending, failed = self._shown = delivery.counts()
        except StoreError as error:
            self._shown = None
            self.update(Text(f"Outbox: {error}", style="bold red"))
            return
        # Short on a narrow terminal, so the sources beside it keep their line.
        narrow = self.app.size.width < NARROW
        text = Text("Outbox " if narrow else "Outbox: ", no_wrap=True)
        text.append(
            f"{pending}" if narrow else f"{pending} pending", style="yellow" if pending else "dim"
        )
        text.append(" · ")
        text.append(f"{failed} failed", style="bold red" if failed else "dim")
        if failed:
            text.append(" (b)" if narrow else "  (b to review)", style="dim")
        self.update(text)
