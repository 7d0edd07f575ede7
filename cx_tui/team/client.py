"""The team's Redis connection: one pool per event loop, every call bounded in time.

`TeamRedis.run` is the only way this package talks to Redis. It gives a call at most the
socket timeout (plus a little), turns any Redis or network trouble into `TeamUnavailable`
after telling `TeamHealth`, and refuses at once while the team is offline, so callers fall
back to their local stand-ins without waiting. Keys all start with the namespace and carry no
personal data or token in clear (`TeamRedis.key` hashes what it is given).
"""

from __future__ import annotations

import asyncio
import hashlib
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from cx_tui.team.health import TeamHealth
from cx_tui.team.settings import SECRET_NAME, TeamSettings

if TYPE_CHECKING:
    from limits.aio.strategies import MovingWindowRateLimiter
    from redis.asyncio import Redis

T = TypeVar("T")


class TeamUnavailable(Exception):
    """Redis cannot be used right now; the caller goes local. Never shown to an agent."""


class TeamError(Exception):
    """The `[team]` Redis is set up wrong (a refused password, not Redis at all); the message
    names the setting to fix."""


@dataclass
class _Conn:
    redis: Redis
    limiter: MovingWindowRateLimiter


def digest(*parts: str) -> str:
    """A one-way name for `parts` (a query, a record id, an account): no personal data in keys."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


class TeamRedis:
    """The team's Redis for this process.

    Args:
        settings: The `[team]` section.
        password: From the keyring (`team-redis`) or the environment; None for no AUTH.
        health: Shared with everything that uses this Redis.
    """

    def __init__(
        self, settings: TeamSettings, password: str | None, health: TeamHealth | None = None
    ) -> None:
        self.settings = settings
        self._password = password
        self.health = health or TeamHealth()
        self._conns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Conn] = (
            weakref.WeakKeyDictionary()
        )

    def __repr__(self) -> str:
        return f"<TeamRedis {self.settings.where} {self.settings.namespace}>"

    @property
    def budget(self) -> float:
        """Longest any one call may take before the caller goes local."""
        return self.settings.socket_timeout * 1.5

    def key(self, kind: str, *parts: str) -> str:
        """`<namespace>:<kind>:<digest of parts>`."""
        return f"{self.settings.namespace}:{kind}:{digest(*parts)}"

    def _conn(self) -> _Conn:
        # A redis.asyncio pool belongs to the loop that opened it; the CLI and tests run
        # several loops in one process, so each gets its own.
        loop = asyncio.get_running_loop()
        conn = self._conns.get(loop)
        if conn is None:
            conn = self._conns[loop] = self._open()
        return conn

    def _open(self) -> _Conn:
        from limits.aio.storage import RedisStorage
        from limits.aio.strategies import MovingWindowRateLimiter
        from redis.asyncio import ConnectionPool, Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        timeout = self.settings.socket_timeout
        pool = ConnectionPool.from_url(
            self.settings.redis_url,
            password=self._password,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            # A retry would double the wait; the next call tries again anyway.
            retry=Retry(NoBackoff(), 0),
            max_connections=64,
        )
        storage = RedisStorage(
            "async+" + self.settings.redis_url,
            implementation="redispy",
            connection_pool=pool,  # type: ignore[arg-type]  # passed through to redis-py
            key_prefix=f"{self.settings.namespace}:limits",
        )
        return _Conn(Redis(connection_pool=pool), MovingWindowRateLimiter(storage))

    async def run(self, call: Callable[[Redis], Awaitable[T]]) -> T:
        """`call(redis)`, or `TeamUnavailable` when the team is offline, Redis fails or the
        answer takes longer than `budget`."""
        return await self._bounded(lambda conn: call(conn.redis))

    async def run_limits(self, call: Callable[[MovingWindowRateLimiter], Awaitable[T]]) -> T:
        """`call(strategy)` on the `limits` moving-window strategy, bounded like `run`."""
        return await self._bounded(lambda conn: call(conn.limiter))

    async def _bounded(self, call: Callable[[_Conn], Awaitable[T]]) -> T:
        if not self.health.usable():
            raise TeamUnavailable(self.health.reason)
        try:
            result = await asyncio.wait_for(call(self._conn()), self.budget)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.health.failed(describe(error, self.settings, password=self._password is not None))
            raise TeamUnavailable(self.health.reason) from None
        self.health.answered()
        return result

    async def check(self) -> None:
        """Ping Redis once, for `cx-tui connectors` and start-up.

        Raises:
            TeamError: Redis refused the password or did not answer; the message names
                `[team] redis_url` and the `team-redis` secret.
        """
        try:
            conn = self._conn()
            await asyncio.wait_for(conn.redis.ping(), max(self.budget, 1.0))
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.health.failed(describe(error, self.settings, password=self._password is not None))
            raise TeamError(
                describe(error, self.settings, password=self._password is not None)
            ) from None
        self.health.answered()

    async def aclose(self) -> None:
        """Close this loop's connections."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        conn = self._conns.pop(loop, None)
        if conn is not None:
            await conn.redis.aclose(close_connection_pool=True)


def describe(error: BaseException, settings: TeamSettings, *, password: bool = True) -> str:
    """What went wrong with Redis, for the status line and `cx-tui connectors`: the setting
    to look at, never a password (redis-py's texts quote neither the URL nor the password)."""
    from redis import exceptions

    where = f"Redis at {settings.where} ([team] redis_url)"
    refused = isinstance(error, exceptions.AuthenticationError | exceptions.AuthorizationError)
    if (refused and not password) or "noauth" in str(error).casefold():
        return (
            f"{where} wants a password: store it as the `{SECRET_NAME}` secret "
            f'(`cx-tui secret set "{SECRET_NAME}"` or CX_TUI_SECRET_TEAM_REDIS)'
        )
    if refused:
        return (
            f"{where} refused the password: check the `{SECRET_NAME}` secret "
            f'(`cx-tui secret set "{SECRET_NAME}"` or CX_TUI_SECRET_TEAM_REDIS)'
        )
    if isinstance(error, TimeoutError | exceptions.TimeoutError):
        return f"{where} did not answer within {settings.socket_timeout * 1000:.0f} ms"
    if isinstance(error, exceptions.ConnectionError | OSError):
        return f"{where} cannot be reached"
    return f"{where} answered in a way cx-tui cannot use ({type(error).__name__})"
