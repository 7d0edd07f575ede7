"""The one error hierarchy a connector raises: `ConnectorError(message, title)` and its kinds.

HTTP answers become these in one place (`kit/errors.py`); nothing else leaves a connector."""

from __future__ import annotations


class ConnectorError(Exception):
    """A source could not do what was asked. `message` is written for the agent or admin."""

    title = "Source error"

    def __init__(
        self, message: str, title: str | None = None, *, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        """The HTTP status the vendor answered with, when there was one (a 400 is final, a
        garbled 200 is worth retrying)."""
        self.outcome_unknown = False
        """Set on a failed write the vendor may nevertheless have saved (a timeout or a lost
        connection after the body went out, a 5xx, a garbled success): the outbox waits the
        connector's `settle_seconds` and looks for the note before sending it again."""
        self.unreachable = False
        """Set when the host itself could not be reached (not one request failing): every other
        part of the same source would fail too, so details stop asking (`kit.parts`)."""
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message


class AuthError(ConnectorError):
    """The credentials were refused, or lack a permission."""

    title = "Authentication failed"


class RateLimited(ConnectorError):
    """The vendor asked us to slow down."""

    title = "Rate limited"

    def __init__(
        self,
        message: str,
        retry_after: float | None = None,
        title: str | None = None,
        *,
        status: int | None = 429,
    ) -> None:
        super().__init__(message, title, status=status)
        self.retry_after = retry_after


class NotFound(ConnectorError):
    """The record (ticket, person) does not exist in the source."""

    title = "Not found"


class Unavailable(ConnectorError):
    """The source cannot be reached or is failing (network error, 5xx, unreadable local file)."""

    title = "Unavailable"


class Timeout(ConnectorError):
    """The source did not answer within its deadline."""

    title = "Timed out"


class BadResponse(ConnectorError):
    """The source answered with something we cannot use (wrong shape, too large, invalid)."""

    title = "Unexpected response"


class Unsupported(ConnectorError):
    """The connector does not offer this capability."""

    title = "Not supported"


class InvalidInput(ConnectorError):
    """A value was refused before any request (it could change a vendor query's meaning)."""

    title = "Refused input"
