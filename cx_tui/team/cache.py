"""A short-lived cache shared by the floor, with single-flight, on Redis.

What it holds is what each agent's local `ResultCache` holds today (the matches a search
found, the details of a person record), as JSON (`models.codec`), for the same TTL, under keys
that are digests: `<namespace>:m:<digest>` for a search (of the account, the source name and
the normalised query), `<namespace>:d:<digest>` for a record's details. No phone number,
email or name appears in a key.

Single-flight: the first agent to miss takes a lock (`SET NX PX` with its own token, released
only by its holder) and asks the vendor; the others poll for its answer every `POLL` seconds
instead of asking too, so ten agents looking up one number within a second send one request.
When the first one fails (an error is not cached), the lock goes and the next agent takes it.
While the leader waits on the account's rate limit where its agent sees it (`kit.retry.patient`),
it writes when its request goes (`<key>:wait`, the limiter's label and the time), and each
agent polling for that answer reports the same wait: its lookup shows it and keeps its deadline
from cutting the wait, as the leader's does (`cx_tui.waiting`).

A write invalidates for everyone: a note deletes that record's details and those of any
person whose tickets include it (an index per ticket, `<namespace>:r:<digest>`); a new contact
deletes every search of that source (an index per source, `<namespace>:ms:<digest>`).

An answer asked for before such a write and answered after it would put back what the write
changed: so every write to a source first counts up that source's epoch (`<namespace>:e:`),
the leader reads the epoch before it asks the vendor, and its answer is stored only while the
epoch is unchanged (checked and stored in one script, `_STORE`). A void answer still goes to
whoever asked; the next lookup asks the vendor again.

Every Redis call goes through `TeamRedis.run`, so Redis down or slow means: ask the vendor,
as without the team.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Final, TypeVar

from cx_tui.cache import DEFAULT_TTL
from cx_tui.connectors.kit import retry
from cx_tui.models import Details, Match, codec
from cx_tui.team.client import TeamRedis, TeamUnavailable

T = TypeVar("T")

POLL: Final = 0.025
"""Seconds between two looks for the answer another agent is fetching."""
LOCK_TTL: Final = 40.0
"""Seconds a fetch may hold its lock (longer than any deadline with its waits on the rate
limit, `retry.WAIT_UP_TO`; a crashed agent's lock goes)."""
SHARE_EVERY: Final = 0.2
"""Seconds between two writes of a leader's waits (a busy shared window holds it in many short
polls: each moves the followers' deadlines, so none may go unwritten for long)."""
ROUNDS: Final = 3
"""Leaders that may fail in turn before an agent asks the vendor without the lock."""
EPOCH_TTL: Final = 24 * 3600.0
"""Seconds a source's epoch outlives its last write (far beyond any fetch in flight)."""

log = logging.getLogger(__name__)


class TeamCache:
    """Matches per (account, source, query) and details per (account, source, record).

    Args:
        team: The team's Redis.
        ttl: Seconds an entry lives (the local cache's TTL); 0 shares nothing but the
            single-flight.
    """

    def __init__(self, team: TeamRedis, ttl: float = DEFAULT_TTL) -> None:
        self.team = team
        self.ttl = ttl
        self.fetches = 0
        """Times this process asked the vendor through here (the benchmark reads it)."""
        self._writes: set[asyncio.Future[None]] = set()

    def _key(self, kind: str, account: str, source: str, *parts: str) -> str:
        return self.team.key(kind, codec.FORMAT, account, source, *parts)

    async def matches(
        self,
        account: str,
        source: str,
        query_key: str,
        fetch: Callable[[], Awaitable[tuple[Match, ...]]],
    ) -> tuple[Match, ...]:
        """The team's answer to this search, fetching it (once for the team) when missing."""
        key = self._key("m", account, source, query_key)
        index = (self._key("ms", account, source),)
        value = await self._single_flight(key, self._epoch(account, source), fetch, index)
        if not isinstance(value, tuple) or not all(isinstance(m, Match) for m in value):
            raise codec.CodecError("a search entry that is not a list of matches")
        return value

    async def details(
        self, account: str, source: str, record_id: str, fetch: Callable[[], Awaitable[Details]]
    ) -> Details:
        """The team's details of one person record, fetching them once for the team."""
        key = self._key("d", account, source, record_id)

        def indexes(details: Any) -> tuple[str, ...]:
            tickets = details.tickets if isinstance(details, Details) else ()
            return tuple(self._key("r", account, source, t.ref.record_id) for t in tickets)

        value = await self._single_flight(key, self._epoch(account, source), fetch, indexes)
        if not isinstance(value, Details):
            raise codec.CodecError("a details entry that is not details")
        return value

    async def invalidate_record(self, account: str, source: str, record_id: str) -> None:
        """A record was written to: forget it, and every person whose tickets include it."""
        details = self._key("d", account, source, record_id)
        index = self._key("r", account, source, record_id)
        epoch = self._epoch(account, source)

        async def forget(redis: Any) -> None:
            await self._count_up(redis, epoch)  # first: no answer from before lands after
            members = await redis.smembers(index)
            await redis.delete(details, index, *members)

        await self._quietly(forget)

    async def invalidate_source(self, account: str, source: str) -> None:
        """A person was added to a source: forget its searches (someone may match now)."""
        index = self._key("ms", account, source)
        epoch = self._epoch(account, source)

        async def forget(redis: Any) -> None:
            await self._count_up(redis, epoch)
            members = await redis.smembers(index)
            await redis.delete(index, *members)

        await self._quietly(forget)

    def _epoch(self, account: str, source: str) -> str:
        """The key counting the writes to a source (see the module's docstring)."""
        return self._key("e", account, source)

    @staticmethod
    async def _count_up(redis: Any, epoch: str) -> None:
        pipe = redis.pipeline(transaction=True)
        pipe.incr(epoch)
        pipe.pexpire(epoch, int(EPOCH_TTL * 1000))
        await pipe.execute()

    async def _quietly(self, call: Callable[[Any], Awaitable[None]]) -> None:
        try:
            await self.team.run(call)
        except TeamUnavailable:
            # Entries expire within the TTL anyway; the writer's own cache is cleared locally.
            log.info("team cache offline: an invalidation waits for the entries to expire")

    # --- single-flight -------------------------------------------------------------------

    async def _single_flight(
        self,
        key: str,
        epoch: str,
        fetch: Callable[[], Awaitable[Any]],
        indexes: Iterable[str] | Callable[[Any], Iterable[str]],
    ) -> Any:
        for _ in range(ROUNDS):
            try:
                found = await self._read(key)
                if found is not None:
                    return found
                token = secrets.token_hex(8)
                locked, seen = await self._lock(key, epoch, token)
                if locked:
                    return await self._lead(key, (epoch, seen), token, fetch, indexes)
                found = await self._wait(key)
                if found is not None:
                    return found
            except TeamUnavailable:
                break
        self.fetches += 1
        return await fetch()

    async def _read(self, key: str) -> Any:
        raw = await self.team.run(lambda r: r.get(key))
        if raw is None:
            return None
        try:
            return codec.loads(raw)
        except codec.CodecError:
            return None

    async def _lock(self, key: str, epoch: str, token: str) -> tuple[bool, Any]:
        """Take the fetch's lock; with it, the source's epoch as the fetch starts."""
        ms = int(LOCK_TTL * 1000)

        async def lock(redis: Any) -> tuple[bool, Any]:
            pipe = redis.pipeline(transaction=True)
            pipe.set(key + ":lock", token, nx=True, px=ms)
            pipe.get(epoch)
            locked, seen = await pipe.execute()
            return bool(locked), seen

        return await self.team.run(lock)

    async def _lead(
        self,
        key: str,
        epoch: tuple[str, Any],
        token: str,
        fetch: Callable[[], Awaitable[Any]],
        indexes: Iterable[str] | Callable[[Any], Iterable[str]],
    ) -> Any:
        try:
            self.fetches += 1
            shown = retry.wait_report()
            if shown is None:
                value = await fetch()
            else:
                with retry.patient(self._sharing(key, shown)):
                    value = await fetch()
        except BaseException:
            await self._unlock(key, token)
            raise
        where = tuple(indexes(value) if callable(indexes) else indexes)
        try:
            await self.team.run(lambda r: self._store(r, key, epoch, token, value, where))
        except TeamUnavailable:
            pass
        return value

    async def _store(
        self,
        redis: Any,
        key: str,
        epoch: tuple[str, Any],
        token: str,
        value: Any,
        indexes: tuple[str, ...],
    ) -> None:
        """Store the answer (while the source's epoch is still the one the fetch started
        under: `epoch` is its key and that value) and release the lock."""
        ms = max(1, int(self.ttl * 1000)) if self.ttl > 0 else 0
        name, seen = epoch
        seen_text = seen.decode() if isinstance(seen, bytes) else (seen or "")
        keys = (key, key + ":lock", name, *indexes)
        await redis.eval(_STORE, len(keys), *keys, token, seen_text, codec.dumps(value), ms)

    def _sharing(self, key: str, shown: retry.WaitReport) -> retry.WaitReport:
        """`shown`, also writing each wait for the agents polling for this answer."""

        written = [0.0, 0.0]  # when the last write went, and the end it wrote

        def report(label: str, seconds: float) -> None:
            shown(label, seconds)
            now = time.monotonic()
            ends = time.time() + seconds
            if now - written[0] < SHARE_EVERY and ends < written[1] + SHARE_EVERY:
                return
            written[:] = [now, ends]
            text = json.dumps([label, ends])
            ms = int((seconds + 1.0) * 1000)  # read by followers polling every POLL seconds

            async def publish() -> None:
                with contextlib.suppress(TeamUnavailable):  # then the others see no wait
                    await self.team.run(lambda r: r.set(key + ":wait", text, px=ms))

            task = asyncio.ensure_future(publish())
            self._writes.add(task)
            task.add_done_callback(self._writes.discard)

        return report

    async def _unlock(self, key: str, token: str) -> None:
        try:
            await self.team.run(lambda r: self._release(r, key, token))
        except TeamUnavailable:
            pass  # the lock expires by itself

    @staticmethod
    async def _release(redis: Any, key: str, token: str) -> None:
        # Only our own lock: after LOCK_TTL another agent may hold it.
        await redis.eval(_RELEASE, 1, key + ":lock", token)

    async def _wait(self, key: str) -> Any:
        """Another agent is fetching: its answer, or None once its lock is gone without one."""
        give_up = time.monotonic() + LOCK_TTL
        seen: Any = None
        while time.monotonic() < give_up:
            await asyncio.sleep(POLL)

            async def look(redis: Any) -> tuple[Any, Any, Any]:
                pipe = redis.pipeline(transaction=False)
                pipe.get(key)
                pipe.exists(key + ":lock")
                pipe.get(key + ":wait")
                raw, locked, wait = await pipe.execute()
                return raw, locked, wait

            raw, locked, wait = await self.team.run(look)
            if wait is not None and wait != seen:
                seen = wait
                _report_leaders_wait(wait)
            if raw is not None:
                try:
                    return codec.loads(raw)
                except codec.CodecError:
                    return None
            if not locked:
                return None
        return None


def _report_leaders_wait(raw: Any) -> None:
    """The leader's wait (`[label, until]`, epoch seconds) as this agent's own."""
    try:
        label, until = json.loads(raw)
        retry.report_wait(str(label), float(until) - time.time())
    except (ValueError, TypeError):
        pass  # not ours to read: the wait just goes unshown


_STORE: Final = """
local now = redis.call('get', KEYS[3]) or ''
local ms = tonumber(ARGV[4])
if ms > 0 and now == ARGV[2] then
  redis.call('set', KEYS[1], ARGV[3], 'PX', ms)
  for i = 4, #KEYS do
    redis.call('sadd', KEYS[i], KEYS[1])
    redis.call('pexpire', KEYS[i], ms * 2)
  end
end
if redis.call('get', KEYS[2]) == ARGV[1] then redis.call('del', KEYS[2]) end
return 0
"""
"""KEYS: the entry, its lock, the source's epoch, the indexes; ARGV: the lock's token, the
epoch read before the fetch ('' for none), the answer, its TTL in ms (0: keep nothing)."""

_RELEASE: Final = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
