"""Per-part degradation: each part of a source's details fails alone.

    parts = Parts("HubSpot")
    companies, notes = await gather_all(
        parts.read("companies", self._companies(...), ()),
        parts.read("notes", self._activities(...), []),
    )
    return Details(companies=companies, ..., failed_parts=parts.failures)

A part that fails is left out (its `default`), with its reason recorded ("e-mails: HubSpot
answered 500"). What says the whole source is unusable still fails the whole source: a
rejected token (401), a rate limit (the account's budget is spent, so every part would fail),
and a host that cannot be reached (no HTTP status at all). A missing scope (403), a 4xx or 5xx
for one object type, a timeout of one request, an answer that cannot be read: one part.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from cx_tui.connectors import base
from cx_tui.connectors.base import ConnectorError
from cx_tui.models import Company, Details, Interaction, PartFailure, Ticket

T = TypeVar("T")
R = TypeVar("R")


class Parts:
    """Collects the parts of one `get_details` that failed."""

    def __init__(self, vendor_name: str) -> None:
        self.vendor_name = vendor_name
        self._failures: list[PartFailure] = []

    @property
    def failures(self) -> tuple[PartFailure, ...]:
        return tuple(self._failures)

    async def read(
        self,
        part: str,
        awaitable: Awaitable[T],
        default: T,
        *,
        reraise: tuple[type[ConnectorError], ...] = (),
    ) -> T:
        """`awaitable`'s result, or `default` when only this part failed.

        Raises:
            AuthError (401), RateLimited, Unavailable without a status: the whole source;
            `reraise`: what the caller says fails the whole source too (the person is gone).
        """
        try:
            return await awaitable
        except ConnectorError as error:
            if whole_source(error) or isinstance(error, reraise):
                raise
            self._fail(part, self.reason(error))
            return default

    def fail(self, part: str, reason: str) -> None:
        """Record that `part` is left out, in the caller's words (one reason per part)."""
        self._fail(part, reason)

    def _fail(self, part: str, reason: str) -> None:
        if all(f.part != part for f in self._failures):  # one reason per part
            self._failures.append(PartFailure(part, reason))

    def each(self, part: str, records: Iterable[R], convert: Callable[[R], T]) -> list[T]:
        """`convert` each record; when one cannot be read (junk), the part is left out."""
        try:
            return [convert(record) for record in records]
        except ConnectorError as error:
            self._fail(part, self.reason(error))
            return []

    def details(
        self,
        companies: Iterable[Company],
        tickets: Iterable[Ticket],
        interactions: Iterable[Interaction],
    ) -> Details:
        """The details read, the timeline newest first, with the parts that failed."""
        return Details(
            companies=tuple(companies),
            tickets=tuple(tickets),
            interactions=tuple(sorted(interactions, key=lambda i: i.at, reverse=True)),
            failed_parts=self.failures,
        )

    def reason(self, error: ConnectorError) -> str:
        """Why one part failed, in a few words."""
        if isinstance(error, base.AuthError):
            return f"the token may not read them ({self.vendor_name} answered 403)"
        if isinstance(error, base.Timeout):
            return f"{self.vendor_name} did not answer in time"
        if isinstance(error, base.BadResponse) and (error.status or 200) < 300:
            return f"{self.vendor_name} sent an answer cx-tui cannot read"
        if error.status is not None:
            return f"{self.vendor_name} answered {error.status}"
        if isinstance(error, base.NotFound):
            return f"{self.vendor_name} has no such record"
        return error.message


def whole_source(error: ConnectorError) -> bool:
    """Whether `error` means no part of this source can be read now."""
    if isinstance(error, base.AuthError):
        return error.status != 403
    if isinstance(error, base.RateLimited) or error.unreachable:
        return True
    return isinstance(error, base.Unavailable) and error.status is None
