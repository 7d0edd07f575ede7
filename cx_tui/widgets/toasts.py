"""Toasts of the same kind coalesce: five missed calls are one "5 missed calls" toast, not a
stack over the timeline (issue 18)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.notifications import Notification

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel


class Toasts:
    """Shows toasts by kind: while one of a kind is on screen, the next replaces it with a count.

    Args:
        app: The app that shows them.
    """

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self._shown: dict[str, tuple[Notification, int]] = {}

    def notify(
        self,
        kind: str,
        message: str,
        *,
        many: Callable[[int], str],
        severity: SeverityLevel = "information",
        timeout: float = 8.0,
    ) -> int:
        """Show `message`, or `many(count)` when toasts of `kind` are still on screen.

        Returns:
            How many events of `kind` the toast now stands for.
        """
        app = self.app
        count = 1
        previous = self._shown.get(kind)
        if previous is not None and not previous[0].has_expired:
            count = previous[1] + 1
            if previous[0] in app._notifications:
                app._unnotify(previous[0], refresh=False)
        text = message if count == 1 else many(count)
        notification = Notification(text, "", severity, timeout, markup=False)
        # Added at once, not through a message: the next one (a burst of missed calls) must
        # find this one to replace it.
        app._notifications.add(notification)
        app._refresh_notifications()
        self._shown[kind] = (notification, count)
        return count
