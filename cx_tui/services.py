"""What the screens work with, made by the app and handed to each screen's constructor.

Headless (no Textual): the store, the lookup engine, the outbox's delivery, the calls, the
phone region, drafts and the lookup history, plus the few config values the screens read.

Made on first use: before the first frame only the config is read (issue 7's start-up budget);
the app calls `start` right after it, and whoever needs a service earlier makes it then.
A store that cannot be opened is not fatal: the app runs without history and drafts on disk,
and `report` tells the agent why.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from cx_tui.models import ProfileState

if TYPE_CHECKING:
    from cx_tui.call_flow import CallFlow
    from cx_tui.calls import CallTracker
    from cx_tui.config import Config
    from cx_tui.connectors.kit.explain import Explanation
    from cx_tui.delivery import Delivery
    from cx_tui.identity import Query
    from cx_tui.insight.trouble import DeskLookup
    from cx_tui.insight.trouble_watch import TroubleReport, TroubleWatch
    from cx_tui.lookup import LookupEngine
    from cx_tui.lookup_history import RecentCaller
    from cx_tui.models import Candidate, ConfirmedLink, NoteTarget, Profile
    from cx_tui.softphone.events import CallEvent
    from cx_tui.softphone.service import SoftphoneService
    from cx_tui.store import Store, StoreError


def summarise(profile: Profile) -> str:
    """A few words for the history: who it was, or why nobody."""
    if profile.state is ProfileState.RESOLVED:
        return profile.value("name") or "unnamed person"
    if profile.state is ProfileState.AMBIGUOUS:
        count = len(profile.candidates)
        return f"{count} candidates" if count != 1 else "1 candidate to confirm"
    if any(status.state.is_failure for status in profile.sources.values()):
        return "not found; some sources could not be searched"
    return "nobody found"


def desk_today(store: Store) -> list[DeskLookup]:
    """The callers this desk looked up since local midnight, with their theme tags (for
    trouble spots; empty when the store cannot be read)."""
    from cx_tui import phrases
    from cx_tui.insight.trouble import DeskLookup
    from cx_tui.store import StoreError

    midnight = phrases.now_utc().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        records = store.lookups_since(midnight)
    except StoreError:
        return []
    return [
        DeskLookup(r.query, frozenset(r.theme_tags), frozenset(r.records))
        for r in records
        if r.theme_tags
    ]


Report = Callable[[str], None]
"""Shows the agent a problem with the local store (the message says what and why)."""


class Services:
    """The app's headless half.

    Args:
        config: The loaded configuration.
        engine: A ready engine (tests); default: built from `config` on first use.
        on_call_event: Receives the softphone's events (in the event loop's thread).
        report: Shows a local store problem to the agent.
    """

    def __init__(
        self,
        config: Config,
        *,
        engine: LookupEngine | None = None,
        on_call_event: Callable[[CallEvent], None] = lambda _event: None,
        report: Report = lambda _message: None,
    ) -> None:
        self.config = config
        if engine is not None:
            self.engine = engine
        self.on_call_event = on_call_event
        self.report = report
        self.store_problem: str | None = None
        """Why the store could not be opened (None: it opened, or was not tried yet)."""
        self.drafts: dict[str, str] = {}
        """Drafts in memory too, so nothing is lost even when the store cannot be written."""
        self.masked = False
        """The mask is on: screens show `insight.redact.redact(profile)` (toggled by `x`)."""

    @property
    def dispositions(self) -> Sequence[str]:
        return self.config.dispositions

    @property
    def keymap(self) -> dict[str, str]:
        return self.config.keymap

    # --- made on first use ------------------------------------------------------------------

    @cached_property
    def store(self) -> Store | None:
        """The local store; None when it cannot be opened (`store_problem` says why)."""
        from cx_tui.store import Store, StoreError

        try:
            return Store()
        except StoreError as error:
            self.store_problem = str(error)
            return None

    @cached_property
    def engine(self) -> LookupEngine:
        from cx_tui.sources import build_engine

        store = self.store
        if store is None:
            return build_engine(self.config)
        return build_engine(
            self.config,
            links=store.confirmed_links,
            remembered=store.remembered,
            cache_rows=store,
        )

    @cached_property
    def trouble(self) -> TroubleWatch:
        """Counts the caller's theme tags across other customers' recent tickets (its cache
        lives as long as the app)."""
        from cx_tui.insight.trouble_watch import TroubleWatch

        threshold = self.config.insight.trouble_threshold
        return TroubleWatch(self.engine.connectors, threshold=threshold)

    async def trouble_spots(self, profile: Profile) -> TroubleReport:
        """The caller's trouble spots: the helpdesks' counts and this desk's lookups today."""
        desk = [] if self.store is None else desk_today(self.store)
        return await self.trouble.look(profile, desk)

    def watch_team(self, notify: Callable[[str], None]) -> None:
        """Tell `notify` once when the team's Redis goes offline ("team cache offline ...")
        and once when it is back; nothing without `[team]`."""
        from cx_tui.team import wiring as team

        if self.config.team is None:
            return
        _ = self.engine  # building the engine installs the team
        shared = team.current()
        if shared is not None:
            shared.health.notify = notify

    @cached_property
    def delivery(self) -> Delivery | None:
        """The outbox and its background worker (None without a store: nothing is queued)."""
        from cx_tui.delivery import Delivery

        return Delivery(self.store, self.engine) if self.store is not None else None

    @cached_property
    def region(self) -> str | None:
        """The region for phone numbers typed without +."""
        from cx_tui.sources import region_for

        return region_for(self.config)

    @cached_property
    def calls(self) -> CallTracker:
        from cx_tui.calls import CallTracker

        return CallTracker(self.store)

    @cached_property
    def call_flow(self) -> CallFlow:
        from cx_tui.call_flow import CallFlow
        from cx_tui.note_targets import note_choices

        return CallFlow(self, lambda profile: note_choices(profile, self.engine))

    @cached_property
    def softphone(self) -> SoftphoneService:
        from cx_tui.softphone.service import SoftphoneService

        return SoftphoneService(
            self.config.softphone, self.on_call_event, default_region=self.region
        )

    # --- life cycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Open the store, deliver what an earlier run left in the outbox, build the engine."""
        if self.store is None and self.store_problem:
            self.report(self.store_problem)
        if self.delivery is not None:
            self.delivery.start()  # notes left from an earlier run go out first
        _ = self.engine  # built now, not on the agent's first Enter

    async def start_softphone(self) -> list[str]:
        """Listen for the softphone; returns the problems to show (none: all listening)."""
        return await self.softphone.start()

    async def aclose(self) -> None:
        """Stop and close only what was made."""
        made = self.__dict__
        if "softphone" in made:
            await self.softphone.stop()
        if made.get("delivery") is not None:
            await made["delivery"].stop()
        if "engine" in made:
            await self.engine.aclose()
        if made.get("store") is not None:
            made["store"].close()

    # --- drafts, history and notes ----------------------------------------------------------

    def _failed(self, error: StoreError) -> None:
        self.report(str(error))

    def draft(self, key: str) -> str:
        """The draft note for a caller: from memory, else from the store (survives a crash)."""
        from cx_tui.store import StoreError

        if key in self.drafts:
            return self.drafts[key]
        if self.store is not None:
            try:
                return self.store.draft(key) or ""
            except StoreError as error:
                self._failed(error)
        return ""

    def keep_draft(self, key: str, text: str) -> None:
        """Keep `text` as the draft under `key` (blank text: forget the draft)."""
        from cx_tui.store import StoreError

        if text.strip():
            self.drafts[key] = text
        else:
            self.drafts.pop(key, None)
        if self.store is None:
            return
        try:
            if text.strip():
                self.store.save_draft(key, text)
            else:
                self.store.clear_draft(key)
        except StoreError as error:
            self._failed(error)

    def record_lookup(self, query: Query, profile: Profile) -> None:
        """Add a finished lookup to the history (with the caller's theme tags: the trouble
        spots of the next callers count it)."""
        from cx_tui.insight.trouble import tags_to_count
        from cx_tui.store import StoreError

        self._audit(query, profile)
        if self.store is None:
            return
        person = profile.matches[0].person if profile.state is ProfileState.RESOLVED else None
        try:
            self.store.record_lookup(
                query.text,
                query.kind.value,
                profile.state.value,
                person_name=summarise(profile),
                person_key=person.ref.key if person else None,
                theme_tags=tags_to_count(profile) if person else (),
                records=[m.person.ref.key for m in profile.matches] if person else (),
            )
        except StoreError as error:
            self._failed(error)

    def _audit(self, query: Query, profile: Profile) -> None:
        """Into the audit log: who looked whom up, and what the screen showed."""
        from cx_tui.audit import record

        if self.masked:
            from cx_tui.insight.redact import redact

            profile = redact(profile)
        retention = self.config.insight.audit_retention_days
        try:
            record(retention, query.text, profile, where="screen", masked=self.masked)
        except OSError as error:
            self.report(f"The audit log could not be written: {error}")

    def recent(self) -> list[RecentCaller]:
        """Earlier lookups, newest first, one row per caller (`lookup_history.group_recent`)."""
        from cx_tui.lookup_history import group_recent
        from cx_tui.store import StoreError

        if self.store is None:
            return []
        try:
            return group_recent(self.store.lookups(), self.region, self.store.confirmed_links())
        except StoreError as error:
            self._failed(error)
            return []

    # --- who a number or email belongs to ------------------------------------------------

    def remember_pick(self, query: Query, candidate: Candidate) -> ConfirmedLink | None:
        """The agent picked `candidate` for `query`: keep it as a confirmed link (by whom,
        when), so the next lookup of that number or email knows (None: a name, or no store)."""
        from cx_tui.identity import link_point
        from cx_tui.phrases import current_user
        from cx_tui.store import StoreError

        point = link_point(query)
        if point is None or self.store is None:
            return None
        keys = [m.person.ref.key for m in candidate.matches]
        try:
            return self.store.remember(point, keys, current_user())
        except StoreError as error:
            self._failed(error)
            return None

    async def explain(self, query: Query) -> list[Explanation]:
        """What each source searches for `query` and why each candidate is kept or not."""
        from cx_tui.explaining import explain

        return await explain(self.engine, query)

    def forget_link(self, query: Query) -> bool:
        """Forget who `query`'s number or email belongs to; False when nothing was kept."""
        from cx_tui.identity import link_point
        from cx_tui.store import StoreError

        point = link_point(query)
        if point is None or self.store is None:
            return False
        try:
            return self.store.forget(point)
        except StoreError as error:
            self._failed(error)
            return False

    async def deliver_note(
        self, text: str, targets: Sequence[NoteTarget]
    ) -> AsyncIterator[tuple[NoteTarget, str, str]]:
        """Save a note through the outbox, yielding each target's state as it changes.

        Raises:
            StoreError, OutboxError: nothing was saved; the editor keeps the text.
        """
        if self.delivery is None:
            from cx_tui.outbox import OutboxError

            raise OutboxError(
                f"the local store could not be opened ({self.store_problem}), so notes "
                "cannot be queued safely"
            )
        async for update in self.delivery.send(text, targets):
            yield update
