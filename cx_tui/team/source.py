"""A vendor source seen through the team cache, and an engine cache that defers to it.

`SharedSource` stands in front of one vendor connector: searches and details go through the
team cache (one request for the floor, single-flight), writes go to the connector and then
invalidate the team's entries for that person. It is built only for accounts on the kit's
`VendorConnector` (they have a base URL and a token to key the account by); the local demo
and third-party connectors are left as they are.

`TeamResultCache` is the engine's local cache with one change: while the team's Redis answers,
its reads miss, so every lookup reads the team's entries (a millisecond on the LAN) and a note
another agent wrote shows at once. It keeps storing, so when Redis goes away the local cache
is warm and takes over as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from cx_tui.cache import ResultCache, query_key
from cx_tui.connectors.base import Capability, Connector
from cx_tui.connectors.kit.limiter import fingerprint
from cx_tui.team.client import digest
from cx_tui.team.health import TeamHealth

if TYPE_CHECKING:
    from datetime import datetime

    from cx_tui.connectors.base import CheckResult
    from cx_tui.identity import Query
    from cx_tui.models import (
        Assignment,
        ContactPoint,
        Details,
        Match,
        NoteReceipt,
        NoteTarget,
        Person,
        RecentTickets,
        SourceRef,
    )
    from cx_tui.models.records import CallLog
    from cx_tui.team.cache import TeamCache

_CLASSES: dict[type[Connector], type[SharedSource]] = {}


def account_of(connector: Connector) -> str | None:
    """The digest naming a connector's vendor account (type, base URL, token fingerprint), or
    None for a connector the team does not share (no base URL or no token)."""
    from cx_tui.connectors.kit.template import VendorConnector

    if not isinstance(connector, VendorConnector):
        return None
    return digest(connector.type_name, connector.base_url, fingerprint(connector.secret))


def shared(connector: Connector, cache: TeamCache) -> Connector:
    """`connector` behind the team cache, or itself when its account is not shareable."""
    account = account_of(connector)
    if account is None or isinstance(connector, SharedSource):
        return connector
    kind = type(connector)
    cls = _CLASSES.get(kind)
    if cls is None:
        # The class attributes the engine and UI read (type, capabilities, note limit,
        # options) are the connector's own.
        cls = _CLASSES[kind] = type(
            f"Shared{kind.__name__}",
            (SharedSource,),
            {
                "type_name": kind.type_name,
                "display_name": kind.display_name,
                "capabilities": kind.capabilities,
                "options": kind.options,
                "needs_secret": kind.needs_secret,
                "note_limit": kind.note_limit,
            },
        )
    return cls(connector, cache, account)


class SharedSource(Connector):
    """One vendor connector whose reads the floor shares (see the module's docstring)."""

    type_name = "shared"
    display_name = "Shared source"

    def __init__(self, inner: Connector, cache: TeamCache, account: str) -> None:
        super().__init__(inner.name, inner.settings)
        self.inner = inner
        self.cache = cache
        self.account = account

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    def __getattr__(self, name: str) -> Any:
        # Anything else a caller reads (a vendor's own helpers) is the connector's.
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    # Every behaviour a connector may override is the inner connector's: a default of
    # `Connector` answering here instead would quietly drop a vendor's own (a hand-off's
    # assignment, the exactly-once checks, the formatted note's limit). A test holds every
    # public member of `Connector` to an override here.

    @property
    def offered(self) -> Capability:
        return self.inner.offered

    @property
    def settle_seconds(self) -> float:
        return self.inner.settle_seconds

    def note_text(self, text: str) -> str:
        return self.inner.note_text(text)

    def formatted_length(self, target: NoteTarget, text: str) -> int:
        return self.inner.formatted_length(target, text)

    def too_long(self, target: NoteTarget, text: str) -> str | None:
        return self.inner.too_long(target, text)

    async def find_delivery(self, target: NoteTarget, idempotency_key: str) -> NoteReceipt | None:
        return await self.inner.find_delivery(target, idempotency_key)

    async def count_recent(self, tag: str, since: datetime) -> RecentTickets:
        return await self.inner.count_recent(tag, since)

    async def find_people(self, query: Query) -> Sequence[Match]:
        async def fetch() -> tuple[Match, ...]:
            return tuple(await self.inner.find_people(query))

        return await self.cache.matches(self.account, self.name, query_key(query), fetch)

    async def get_details(self, match: Match) -> Details:
        async def fetch() -> Details:
            return await self.inner.get_details(match)

        record = match.person.ref.record_id
        return await self.cache.details(self.account, self.name, record, fetch)

    async def add_note(self, target: NoteTarget, text: str, idempotency_key: str) -> NoteReceipt:
        try:
            return await self.inner.add_note(target, text, idempotency_key)
        finally:
            await self.cache.invalidate_record(self.account, self.name, target.ref.record_id)

    async def add_call(self, target: NoteTarget, call: CallLog, *, key: str) -> NoteReceipt:
        try:
            return await self.inner.add_call(target, call, key=key)
        finally:
            await self.cache.invalidate_record(self.account, self.name, target.ref.record_id)

    async def hand_off(
        self, target: NoteTarget, text: str, idempotency_key: str, assign: Assignment
    ) -> NoteReceipt:
        try:
            return await self.inner.hand_off(target, text, idempotency_key, assign)
        finally:
            await self.cache.invalidate_record(self.account, self.name, target.ref.record_id)

    async def remove_duplicates(self, target: NoteTarget, idempotency_key: str) -> tuple[str, ...]:
        try:
            return await self.inner.remove_duplicates(target, idempotency_key)
        finally:
            await self.cache.invalidate_record(self.account, self.name, target.ref.record_id)

    async def add_phone(
        self,
        person: SourceRef,
        e164: str,
        idempotency_key: str,
        *,
        extension: str | None = None,
    ) -> NoteReceipt:
        try:
            return await self.inner.add_phone(person, e164, idempotency_key, extension=extension)
        finally:
            # The number is a search key too: every cached search of this source may miss it.
            await self.cache.invalidate_source(self.account, self.name)

    async def create_person(
        self, name: str | None, contact_points: Sequence[ContactPoint]
    ) -> Person:
        try:
            return await self.inner.create_person(name, contact_points)
        finally:
            await self.cache.invalidate_source(self.account, self.name)

    async def check(self) -> CheckResult:
        return await self.inner.check()

    async def aclose(self) -> None:
        await self.inner.aclose()


class TeamResultCache(ResultCache):
    """The engine's cache, reading the shared sources through to the team while its Redis
    answers (other sources, such as the local demo, keep their local cache).

    Args:
        health: The team's Redis health.
        shared: Names of the sources behind the team cache.
        local: The engine's own cache it takes the place of: its TTL, clock, store rows and
            age limit carry over (a restart offline still paints from the store).
    """

    def __init__(self, health: TeamHealth, shared: Iterable[str], local: ResultCache) -> None:
        super().__init__(local.ttl, local.clock, rows=local.rows, max_age=local.max_age)
        self.health = health
        self.shared = frozenset(shared)

    def _reads_here(self, source: str) -> bool:
        # Offline, a read that is due to try Redis again goes through, so the team rejoins.
        return not (source in self.shared and self.health.due())
