"""What a validated configuration holds, and the defaults the file may leave out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

DEFAULT_LOOKUP_DEADLINE = 3.0
DEFAULT_DETAILS_DEADLINE = 5.0
MAX_DEADLINE = 60.0
DEFAULT_THEME = "cx-dark"
MAX_NAME_LENGTH = 64
DEFAULT_CACHE_TTL = 60.0
MAX_CACHE_TTL = 86_400.0
DEFAULT_DISPOSITIONS = (
    "Resolved",
    "Follow-up needed",
    "Escalated",
    "Callback requested",
    "Wrong number",
    "Voicemail left",
)
MAX_DISPOSITIONS = 30
MAX_DISPOSITION_LENGTH = 60
DEFAULT_HTTP_PORT = 8765
DEFAULT_HTTP_TOKEN_NAME = "softphone-http"
MIN_HTTP_PORT = 1024
"""Ports below this need privileges on most systems; the endpoint never does."""


if TYPE_CHECKING:
    from cx_tui.team.settings import TeamSettings


@dataclass(frozen=True, slots=True)
class ConnectorConfig:
    """One `[[connectors]]` table, validated against its connector type's options."""

    name: str
    """Shown to agents, unique (case-insensitive); also the keyring user of the account's token."""
    type: str
    """The connector type (an entry point of the `cx_tui.connectors` group), e.g. `hubspot`."""
    settings: dict[str, Any]
    """Option values after validation, with defaults filled in. Options whose default is None
    and that the file does not set are absent, so `settings.get(key, fallback)` works."""


@dataclass(frozen=True, slots=True)
class SoftphoneConfig:
    """The `[softphone]` table: how call events from a softphone or PBX reach the app.

    The control socket is always on (it is owner-only and local); the HTTP endpoint is off until
    the file turns it on. Its token is a secret: it lives in the keyring (service `cx-tui`, user
    `http_token_name`) or in `CX_TUI_SECRET_<NAME>`, never in this file.
    """

    http_enabled: bool = False
    """Whether the app listens for CTI events over HTTP on 127.0.0.1 (loopback only)."""
    http_port: int = DEFAULT_HTTP_PORT
    """The TCP port of the HTTP endpoint on 127.0.0.1 (1024 to 65535)."""
    http_token_name: str = DEFAULT_HTTP_TOKEN_NAME
    """The keyring user holding the endpoint's token; the environment variable fallback is
    derived from it (`softphone-http` -> `CX_TUI_SECRET_SOFTPHONE_HTTP`)."""


@dataclass(frozen=True, slots=True)
class InsightConfig:
    """`[insight]` (see `cx_tui.config.insight`)."""

    audit_retention_days: int = 90
    trouble_threshold: int = 3
    """Other customers with a ticket about one of the caller's themes in the last hour (at
    least) that make it a trouble spot."""


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the file (or the built-in demo) says."""

    path: Path | None
    """The file read, or None for the built-in demo."""
    default_region: str | None
    """ISO 3166-1 alpha-2 region for phone numbers typed without `+`; from the locale when the
    file does not say; None when neither says (then numbers need a leading `+`)."""
    lookup_deadline: float
    """Seconds each source gets to find the caller (a connector's `deadline` overrides it)."""
    details_deadline: float
    """Seconds each source gets to fetch the details of a matched person."""
    theme: str
    """Name of the Textual theme to start with."""
    keymap: dict[str, str]
    """Binding id → keys (comma-separated, no spaces), for `App.set_keymap`."""
    connectors: tuple[ConnectorConfig, ...]
    """The accounts to search, in file order."""
    demo: bool
    """True when the accounts are the built-in demo's: no config file exists, or the file has
    no `connectors` key (a file may set only `default_region`, say)."""
    softphone: SoftphoneConfig = SoftphoneConfig()
    """How call events reach the app (the `[softphone]` table)."""
    cache_ttl: float = DEFAULT_CACHE_TTL
    """Seconds a source's answer is reused without asking again (`[lookup] cache_ttl`; 0 turns
    the cache off). Older answers are shown at once and refreshed in the background."""
    dispositions: tuple[str, ...] = DEFAULT_DISPOSITIONS
    """The wrap-up's choices (`[calls] dispositions`)."""
    team: TeamSettings | None = None
    """The team's shared Redis (`[team]`, issue 19), or None: this machine alone."""
    insight: InsightConfig = InsightConfig()
    """The audit log's retention (`[insight]`)."""
