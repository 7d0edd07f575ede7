"""What the lookup engine streams: past-tense facts about one lookup, and how each folds into a
profile builder (`apply_update`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Final

from cx_tui.models import Details, Match, SourceState, SourceStatus
from cx_tui.phrases import span
from cx_tui.profile import ProfileBuilder
from cx_tui.resolution import RecordKey


@dataclass(frozen=True, slots=True)
class SourceStarted:
    source: str


@dataclass(frozen=True, slots=True)
class SourceAnswered:
    """A source finished its search; `matches` may be empty (nobody)."""

    source: str
    matches: tuple[Match, ...]
    elapsed_ms: float
    cached: bool = False
    """From the cache (a refresh may follow when it was stale)."""
    stale_for: float | None = None
    """Seconds since the source gave this answer, when it is older than the cache's TTL (a
    refresh follows); None for a fresh one."""


@dataclass(frozen=True, slots=True)
class SourceHopped:
    """A source that found nobody was asked again with an identifier another source found
    (`hop`); `matches` are what it found (the profile keeps those that join the person)."""

    source: str
    matches: tuple[Match, ...]
    via: str
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class SourceFailed:
    """A source could not search: timed out, rate limited, auth failed, unreachable..."""

    source: str
    state: SourceState
    message: str
    elapsed_ms: float
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class DetailsLoaded:
    source: str
    record: RecordKey
    details: Details
    elapsed_ms: float
    cached: bool = False


@dataclass(frozen=True, slots=True)
class DetailsFailed:
    source: str
    record: RecordKey
    state: SourceState
    message: str
    retry_after: float | None = None
    """When the source was rate limited: seconds until it accepts requests again."""


@dataclass(frozen=True, slots=True)
class SourceWaiting:
    """A source's search (`record` None) or a record's details wait on the source's rate
    limit for about `seconds`: a pending state, the answer follows (`cx_tui.waiting`)."""

    source: str
    record: RecordKey | None
    limit: str
    """The limiter's label ("HubSpot search")."""
    seconds: float

    def text(self) -> str:
        """`waiting for the HubSpot search rate limit, about 4 s` (details: `details ...`)."""
        what = "waiting" if self.record is None else DETAILS_WAITING
        return f"{what} for the {self.limit} rate limit, about {math.ceil(self.seconds)} s"


DETAILS_WAITING: Final = "details waiting"


def _without_wait(status: SourceStatus) -> SourceStatus:
    """`status` without the details' wait its message ends with (their answer came)."""
    if not status.waiting:
        return status
    message = status.message.removesuffix(status.waiting).removesuffix("; ")
    return replace(status, message=message, waiting="")


@dataclass(frozen=True, slots=True)
class LookupFinished:
    """Every source has answered or given up; nothing more will arrive for this lookup."""

    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class LookupCancelled:
    """A newer lookup replaced this one."""


Update = (
    SourceStarted
    | SourceAnswered
    | SourceHopped
    | SourceFailed
    | DetailsLoaded
    | DetailsFailed
    | SourceWaiting
    | LookupFinished
    | LookupCancelled
)


def apply_update(builder: ProfileBuilder, update: Update) -> None:
    """Fold one update into a profile builder."""
    if isinstance(update, SourceAnswered):
        builder.add_matches(update.source, update.matches)
        state = SourceState.FOUND if update.matches else SourceState.NOBODY
        age = update.stale_for
        builder.set_status(
            SourceStatus(
                update.source,
                state,
                "" if age is None else f"from cache, {span(timedelta(seconds=age))} ago",
                matches=len(update.matches),
                elapsed_ms=update.elapsed_ms,
            )
        )
    elif isinstance(update, SourceHopped):
        from cx_tui.hop import join_hop

        if join_hop(builder, update.source, update.matches, update.via):
            builder.set_status(
                SourceStatus(
                    update.source,
                    SourceState.FOUND,
                    f"through {update.via}",
                    matches=len(builder.matches.get(update.source, ())),
                    elapsed_ms=update.elapsed_ms,
                )
            )
    elif isinstance(update, SourceFailed):
        builder.set_status(
            SourceStatus(
                update.source,
                update.state,
                update.message,
                elapsed_ms=update.elapsed_ms,
                retry_after=update.retry_after,
            )
        )
    elif isinstance(update, DetailsLoaded):
        builder.add_details(update.record, update.details)
        current = builder.status.get(update.source)
        if current is not None and current.waiting:
            current = _without_wait(current)
            builder.set_status(current)
        if current is not None and update.details.failed_parts:
            # One part failed alone: the rest is shown, the part named with its reason.
            builder.set_status(replace(current, failed_parts=update.details.failed_parts))
    elif isinstance(update, SourceWaiting):
        _apply_wait(builder, update)
    elif isinstance(update, DetailsFailed):
        current = builder.status.get(update.source)
        if current is not None:
            builder.set_status(
                SourceStatus(
                    current.source,
                    current.state,
                    f"details unavailable: {update.message}",
                    matches=current.matches,
                    elapsed_ms=current.elapsed_ms,
                    retry_after=update.retry_after,
                )
            )


def _apply_wait(builder: ProfileBuilder, update: SourceWaiting) -> None:
    if update.record is None:
        builder.set_status(SourceStatus(update.source, SourceState.SEARCHING, update.text()))
        return
    current = builder.status.get(update.source)
    if current is not None and not current.state.is_failure:
        kept = _without_wait(current).message
        waiting = update.text()
        message = f"{kept}; {waiting}" if kept else waiting
        builder.set_status(replace(current, message=message, waiting=waiting))
