"""Where the `[team]` section plugs into cx-tui: the one place the rest of the app calls.

Hook points (everything else in `cx_tui.team` is reached through these):

1. `install(settings)` before any connector is built (config loading or `sources.build_engine`):
   the kit's account limiters come from Redis from then on (`kit.limiter.use_limiters`).
   `install(None)` puts the in-process limiters back: without `[team]` nothing changes.
2. `engine_parts(connectors, cache)` where the engine is built: vendor connectors behind the team
   cache, and the engine's local cache that defers to it while Redis answers.
3. `status()` for the status line ("team cache offline (...)", or None), or pass `notify=` to
   `install` to be told once when it changes.
4. `budgets()` for `cx-tui connectors`: used and remaining per account across the team.

The outbox is not among them: notes never depend on Redis (a `SharedSource.add_note` writes
through the connector first and only then invalidates).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cx_tui.connectors.kit.limiter import Limiter, use_limiters
from cx_tui.team.cache import TeamCache
from cx_tui.team.client import TeamError, TeamRedis
from cx_tui.team.health import TeamHealth
from cx_tui.team.limiter import Budget, TeamLimiter
from cx_tui.team.settings import TeamSettings, redis_password
from cx_tui.team.source import TeamResultCache, shared

if TYPE_CHECKING:
    from cx_tui.cache import ResultCache
    from cx_tui.connectors.base import Connector


@dataclass
class Team:
    """The team's Redis as this process uses it."""

    settings: TeamSettings
    redis: TeamRedis
    cache: TeamCache
    limiters: dict[tuple[str, ...], TeamLimiter] = field(default_factory=dict)

    @property
    def health(self) -> TeamHealth:
        return self.redis.health

    def limiter(self, key: tuple[str, ...], limit: int, window: float, label: str) -> Limiter:
        """The kit's `LimiterFactory`: one `TeamLimiter` per account key."""
        found = self.limiters.get(key)
        if found is None:
            found = self.limiters[key] = TeamLimiter(
                key, limit, window, label=label, team=self.redis
            )
        return found

    def engine_parts(
        self, connectors: Sequence[Connector], local: ResultCache
    ) -> tuple[list[Connector], ResultCache]:
        wrapped = [shared(c, self.cache) for c in connectors]
        names = [w.name for w, c in zip(wrapped, connectors, strict=True) if w is not c]
        return wrapped, TeamResultCache(self.health, names, local)

    async def budgets(self) -> list[Budget]:
        return [await limiter.budget() for limiter in self.limiters.values()]


_team: Team | None = None


def install(
    settings: TeamSettings | None,
    *,
    env: Mapping[str, str] | None = None,
    notify: Callable[[str], None] | None = None,
    ttl: float | None = None,
) -> Team | None:
    """Share budgets and cache through Redis per `settings` (None: this machine alone).

    Call before connectors are built: limiters already handed out stay as they were.

    Args:
        settings: The `[team]` section, or None.
        env: Where `CX_TUI_SECRET_TEAM_REDIS` is looked up (default: the process's).
        notify: Told once when Redis goes offline and once when it is back.
        ttl: Seconds a shared entry lives (default: the local cache's).
    """
    global _team
    if settings is None:
        if _team is not None:  # the in-process limiters come back; untouched otherwise
            _team = None
            use_limiters(None)
        return None
    if _team is not None and _team.settings == settings:
        if notify is not None:
            _team.health.notify = notify
        return _team
    health = TeamHealth(notify)
    redis = TeamRedis(settings, redis_password(env), health)
    cache = TeamCache(redis) if ttl is None else TeamCache(redis, ttl)
    _team = Team(settings, redis, cache)
    use_limiters(_team.limiter)
    return _team


def current() -> Team | None:
    """The installed team, or None when cx-tui runs on this machine alone."""
    return _team


def engine_parts(
    connectors: Sequence[Connector], cache: ResultCache
) -> tuple[list[Connector], ResultCache]:
    """The engine's connectors and cache: unchanged without a team, else shared."""
    if _team is None:
        return list(connectors), cache
    return _team.engine_parts(connectors, cache)


def status() -> str | None:
    """The status line's team words while Redis is offline, else None."""
    return _team.health.status if _team is not None else None


async def budgets() -> list[Budget]:
    """Each account's shared budget (empty without a team)."""
    return await _team.budgets() if _team is not None else []


async def report() -> list[str]:
    """`cx-tui connectors`' team lines: where Redis is (or why it cannot be used), then each
    account's shared budget. Empty without a team."""
    if _team is None:
        return []
    where = f"Team: Redis at {_team.settings.where}, namespace {_team.settings.namespace}"
    try:
        await _team.redis.check()
    except TeamError as error:
        return [f"Team: {error}"]
    return [where, *(budget_line(b) for b in await _team.budgets())]


def budget_line(budget: Budget) -> str:
    """`HubSpot search: 3 used, 2 left of 5 per 1 s (team)` for `cx-tui connectors`."""
    where = "team" if budget.shared else "this machine; team cache offline"
    line = (
        f"{budget.label}: {budget.used} used, {budget.remaining} left of "
        f"{budget.limit} per {budget.window:g} s ({where})"
    )
    if budget.paused_for > 0:
        line += f", paused {budget.paused_for:.1f} s"
    return line
