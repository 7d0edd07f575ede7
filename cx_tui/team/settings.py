"""The optional `[team]` section: where the team's Redis lives and which part of it is ours.

    [team]
    redis_url = "rediss://cx-redis.internal:6379/0"
    namespace = "acme-support"

The password is a secret like a connector token: keyring service `cx-tui`, user `team-redis`,
or the environment variable `CX_TUI_SECRET_TEAM_REDIS`; never in the URL (a config file is
read by many and copied around), so a URL that carries one is refused, naming the setting.
Without a `[team]` section nothing here is used and cx-tui works on one machine as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

SECRET_NAME: Final = "team-redis"
"""The keyring user (and, as `CX_TUI_SECRET_TEAM_REDIS`, the variable) of the Redis password."""
SCHEMES: Final = ("redis", "rediss")
KEYS: Final = ("redis_url", "namespace", "socket_timeout")
DEFAULT_NAMESPACE: Final = "cx-tui"
DEFAULT_SOCKET_TIMEOUT: Final = 0.1
"""Seconds any one Redis call may take before cx-tui goes on without Redis (issue 19: fall
back within 200 ms)."""


class TeamSettingsError(ValueError):
    """The `[team]` section cannot be used; the message names the setting and what was wrong."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = f"team.{key}"
        self.problem = problem
        super().__init__(f"[team] {key}: {problem}")


@dataclass(frozen=True, slots=True)
class TeamSettings:
    """A floor of agents sharing one budget and one cache per vendor account.

    Attributes:
        redis_url: `rediss://host:port/db` (TLS, preferred) or `redis://host:port/db`; no
            user or password in it.
        namespace: Separates teams that share one Redis server: every key starts with it.
        socket_timeout: Seconds one Redis call may take before cx-tui falls back to the
            local limiter and cache.
    """

    redis_url: str
    namespace: str = DEFAULT_NAMESPACE
    socket_timeout: float = DEFAULT_SOCKET_TIMEOUT

    @property
    def tls(self) -> bool:
        return self.redis_url.startswith("rediss://")

    @property
    def where(self) -> str:
        """Host and port, for messages (the URL never holds a password, so this is safe)."""
        return urlsplit(self.redis_url).netloc


def parse_team(table: Any) -> TeamSettings | None:
    """The `[team]` table of a config file as `TeamSettings` (None when there is none).

    Raises:
        TeamSettingsError: a key is unknown or a value unusable; the message names it.
    """
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise TeamSettingsError("", "expected a table with redis_url and namespace")
    for key in table:
        if key not in KEYS:
            raise TeamSettingsError(str(key), f"unknown key; [team] takes {', '.join(KEYS)}")
    url = table.get("redis_url")
    if not isinstance(url, str) or not url.strip():
        raise TeamSettingsError("redis_url", 'missing; e.g. "rediss://cx-redis.internal:6379/0"')
    namespace = table.get("namespace", DEFAULT_NAMESPACE)
    if not isinstance(namespace, str) or not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", namespace):
        raise TeamSettingsError(
            "namespace", "expected 1-64 letters, digits, '-', '_' or '.', e.g. \"acme-support\""
        )
    timeout = table.get("socket_timeout", DEFAULT_SOCKET_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 5:
        raise TeamSettingsError("socket_timeout", "expected seconds between 0 and 5, e.g. 0.1")
    return TeamSettings(check_url(url.strip()), namespace, float(timeout))


def check_url(url: str) -> str:
    """`url` if it is a Redis address without credentials, else `TeamSettingsError`."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TeamSettingsError("redis_url", "not a URL; expected redis://host:port/db") from None
    if parts.scheme not in SCHEMES:
        raise TeamSettingsError(
            "redis_url", "expected a rediss:// (TLS, preferred) or redis:// address"
        )
    if parts.password is not None or parts.username is not None or "@" in parts.netloc:
        # Never echo the URL back: it holds the password.
        raise TeamSettingsError(
            "redis_url",
            "holds a user or password; remove it from the URL and store the password with "
            f'`cx-tui secret set "{SECRET_NAME}"` (or CX_TUI_SECRET_TEAM_REDIS)',
        )
    if not parts.hostname:
        raise TeamSettingsError("redis_url", "names no host; expected redis://host:port/db")
    if port is not None and not 0 < port < 65536:
        raise TeamSettingsError("redis_url", "port out of range")
    db = parts.path.strip("/")
    if db and not db.isdigit():
        raise TeamSettingsError("redis_url", "the path must be a database number, e.g. /0")
    return url


def redis_password(env: Mapping[str, str] | None = None) -> str | None:
    """The Redis password from the keyring (`team-redis`) or `CX_TUI_SECRET_TEAM_REDIS`;
    None when neither holds one (a Redis without AUTH)."""
    from cx_tui import secrets

    try:
        return secrets.get_secret(SECRET_NAME, env)
    except secrets.SecretError:
        return None
