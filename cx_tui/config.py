"""The configuration file: which accounts to search, and how the app behaves.

The file is TOML. Its location is, in order: an explicit path (the CLI's `--config PATH`), the
`CX_TUI_CONFIG` environment variable, then `config.toml` in the platform's config directory
(`paths.config_dir()`). With no explicit location and no file there, the app runs on the
built-in demo: two `local` connectors over seeded data.

Every problem is one `ConfigError` whose message names the file, the key (a dotted path such as
`lookup.deadline` or `connectors[2] ("Acme HubSpot").subdomain`, where connectors are counted
from 1 in file order) and what was expected against what was found. Tokens never belong here:
a secret-looking key is refused, with the ways to store it (see `cx_tui.secrets`), and its value
is never repeated.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cx_tui import paths
from cx_tui.connectors import registry
from cx_tui.keytable import BINDING_IDS
from cx_tui.secrets import env_var_name, secret_set_command

if TYPE_CHECKING:
    from cx_tui.connectors.base import Connector, Option, Validator

CONFIG_ENV = "CX_TUI_CONFIG"
"""Environment variable naming the config file (an explicit `--config` wins over it)."""

CONFIG_FILENAME = "config.toml"

DEFAULT_LOOKUP_DEADLINE = 3.0
DEFAULT_DETAILS_DEADLINE = 5.0
MAX_DEADLINE = 60.0
DEFAULT_THEME = "cx-dark"
MAX_NAME_LENGTH = 64

_TOP_LEVEL_KEYS = (
    "default_region",
    "theme",
    "lookup",
    "keymap",
    "softphone",
    "calls",
    "connectors",
)
_LOOKUP_KEYS = ("deadline", "details_deadline", "cache_ttl")
_CALLS_KEYS = ("dispositions",)
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
_SOFTPHONE_KEYS = ("http_enabled", "http_port", "http_token_name")

DEFAULT_HTTP_PORT = 8765
DEFAULT_HTTP_TOKEN_NAME = "softphone-http"
MIN_HTTP_PORT = 1024
"""Ports below this need privileges on most systems; the endpoint never does."""
_CONNECTOR_KEYS = ("name", "type")
_LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")

# Key names (lower-cased, without separators) that hold credentials, and endings that do:
# `api_token`, `client_secret` and `refresh_token` are secrets; `token_url` is not.
_SECRET_KEYS = frozenset({"token", "apikey", "password", "passwd", "secret", "accesstoken"})
_SECRET_SUFFIXES = ("token", "apikey", "password", "passwd", "secret")

_MAX_SHOWN = 40
"""Found values longer than this are shortened in messages."""


# --- Errors ------------------------------------------------------------------------------


class ConfigError(Exception):
    """The configuration cannot be used. `str(error)` is one line written for the admin.

    Attributes:
        path: The file at fault, or None for the built-in demo configuration.
        key: Dotted path of the key at fault, or None for the file as a whole.
        problem: What was expected and what was found.
    """

    def __init__(self, problem: str, *, path: Path | None = None, key: str | None = None) -> None:
        self.path = path
        self.key = key
        self.problem = problem
        where = str(path) if path is not None else "built-in demo configuration"
        parts = [where] if key is None else [where, key]
        super().__init__(": ".join([*parts, problem]))


# --- Configuration objects ---------------------------------------------------------------


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


DEMO_CONNECTORS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("Demo CRM", "local", {"dataset": "crm"}),
    ("Demo Helpdesk", "local", {"dataset": "helpdesk"}),
)
"""(name, type, options) of the accounts the app runs on when there is no config file."""


CONFIG_TEMPLATE = """\
# cx-tui configuration (TOML).
#
# Tokens never go in this file. Store each connector's token in the system keyring with
#     cx-tui secret set "CONNECTOR NAME"
# or, on a host without a keyring, in the environment variable CX_TUI_SECRET_<NAME>: the
# connector name upper-cased, every other character an underscore ("Acme HubSpot" ->
# CX_TUI_SECRET_ACME_HUBSPOT).

# Region (ISO 3166-1 alpha-2 code) for phone numbers typed without a leading +.
# When absent it comes from the locale (LC_ALL, LC_MESSAGES, then LANG).
# default_region = "<two-letter code>"

# Theme to start with.
theme = "cx-dark"

[lookup]
# Seconds each source gets to find the caller before it shows as timed out (> 0, at most 60).
deadline = 3.0
# Seconds each source gets to fetch tickets, companies and history for a matched caller.
details_deadline = 5.0
# Seconds a source's answer is reused for a repeat lookup (0 = off); older answers are shown
# at once and refreshed in the background.
cache_ttl = 60.0

[calls]
# The wrap-up's dispositions, in the order the agent sees them.
dispositions = [
    "Resolved", "Follow-up needed", "Escalated", "Callback requested", "Wrong number",
    "Voicemail left",
]

[keymap]
# Override a key binding by its id; separate several keys with commas.
# "focus-lookup" = "ctrl+l"

[softphone]
# Call events reach the running app through its control socket (`cx-tui ring NUMBER`), always
# on. A PBX bridge can also POST them to http://127.0.0.1:<http_port>/cti, once enabled here.
# The endpoint's token is a secret: store it with
#     cx-tui secret set softphone-http
# or set CX_TUI_SECRET_SOFTPHONE_HTTP. Never put it in this file.
http_enabled = false
http_port = 8765
# http_token_name = "softphone-http"   # the keyring user of the token

# One [[connectors]] table per account to search. `name` and `type` are required; every type
# also accepts `base_url` (a sandbox, a proxy, a self-hosted instance) and `deadline` (seconds,
# overriding [lookup] deadline for this source). The other keys depend on the type.

# The local demo data: a CRM and a helpdesk stored on this machine.
[[connectors]]
name = "Demo CRM"
type = "local"
dataset = "crm"

[[connectors]]
name = "Demo Helpdesk"
type = "local"
dataset = "helpdesk"

# A HubSpot account; its token (a private-app access token) goes in the keyring:
#     cx-tui secret set "Acme HubSpot"
# [[connectors]]
# name = "Acme HubSpot"
# type = "hubspot"
# deadline = 2.5
"""
"""A commented example configuration; it loads as it is (on the local demo data)."""


# --- Locating and loading ----------------------------------------------------------------


def default_config_path() -> Path:
    """Where the config file is looked for when neither `--config` nor `CX_TUI_CONFIG` says."""
    return paths.config_dir() / CONFIG_FILENAME


def resolve_config_path(
    path: str | Path | None = None, env: Mapping[str, str] | None = None
) -> Path:
    """The config file to use: `path`, else `CX_TUI_CONFIG`, else the default location."""
    return _resolve(path, os.environ if env is None else env)[0]


def _resolve(path: str | Path | None, env: Mapping[str, str]) -> tuple[Path, str | None]:
    """(the file, what named it: "--config", "CX_TUI_CONFIG", or None for the default)."""
    if path is not None:
        return Path(path).expanduser(), "--config"
    from_env = env.get(CONFIG_ENV, "")
    if from_env:
        return Path(from_env).expanduser(), CONFIG_ENV
    return default_config_path(), None


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate the configuration.

    Args:
        path: An explicit file (the CLI's `--config`); wins over `CX_TUI_CONFIG`.
        env: The environment for `CX_TUI_CONFIG` and the locale (default: `os.environ`).

    Returns:
        The configuration; the built-in demo (`demo=True`) when no location was given and no
        file exists at the default one.

    Raises:
        ConfigError: the file named cannot be read or parsed, or something in it is invalid.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    file, named_by = _resolve(path, environ)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        if named_by is None:
            return demo_config(environ)
        raise ConfigError(f"no such file (named by {named_by})", path=file) from None
    except IsADirectoryError:
        raise ConfigError("expected a TOML file, found a directory", path=file) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"cannot read the file ({reason})", path=file) from None
    try:
        # utf-8-sig: editors on Windows may start the file with a byte order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"expected UTF-8 text, found an invalid byte at line {line}", path=file
        ) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line L, column C)".
        raise ConfigError(f"invalid TOML: {exc}", path=file) from None
    return parse_config(document, path=file, env=environ)


def _demo_tables() -> list[dict[str, Any]]:
    return [{"name": name, "type": type_, **options} for name, type_, options in DEMO_CONNECTORS]


def demo_config(env: Mapping[str, str] | None = None) -> Config:
    """The built-in demo configuration: the `local` connector over its CRM and helpdesk data.

    Its settings go through the same validation as a file's, so they look like configured ones.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    connectors = _connectors(_demo_tables(), None)
    return Config(
        path=None,
        default_region=region_from_locale(environ),
        lookup_deadline=DEFAULT_LOOKUP_DEADLINE,
        details_deadline=DEFAULT_DETAILS_DEADLINE,
        theme=DEFAULT_THEME,
        keymap={},
        connectors=connectors,
        demo=True,
    )


def parse_config(
    document: Mapping[str, Any], *, path: Path | None = None, env: Mapping[str, str] | None = None
) -> Config:
    """Validate a parsed TOML document (what `tomllib` returns) into a `Config`.

    Raises:
        ConfigError: the first problem found, naming `path` and the key.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    _reject_secrets(document, (), path, None)
    _reject_unknown(document, _TOP_LEVEL_KEYS, (), path)

    region = document.get("default_region")
    if region is None:
        default_region = region_from_locale(environ)
    else:
        default_region = _region(region, path)

    theme = document.get("theme", DEFAULT_THEME)
    if not isinstance(theme, str) or not theme.strip():
        raise _expected("theme", "a theme name", theme, path)

    lookup = _table(document.get("lookup", {}), "lookup", path)
    _reject_secrets(lookup, ("lookup",), path, None)
    _reject_unknown(lookup, _LOOKUP_KEYS, ("lookup",), path)
    lookup_deadline = _deadline(
        lookup.get("deadline", DEFAULT_LOOKUP_DEADLINE), "lookup.deadline", path
    )
    details_deadline = _deadline(
        lookup.get("details_deadline", DEFAULT_DETAILS_DEADLINE), "lookup.details_deadline", path
    )

    cache_ttl = lookup.get("cache_ttl", DEFAULT_CACHE_TTL)
    if (
        isinstance(cache_ttl, bool)
        or not isinstance(cache_ttl, int | float)
        or not (0 <= cache_ttl <= MAX_CACHE_TTL)
    ):
        raise _expected(
            "lookup.cache_ttl",
            f"a number of seconds from 0 (off) to {MAX_CACHE_TTL:g}",
            cache_ttl,
            path,
        )
    dispositions = _dispositions(_table(document.get("calls", {}), "calls", path), path)

    keymap = _keymap(_table(document.get("keymap", {}), "keymap", path), path)
    softphone = _softphone(_table(document.get("softphone", {}), "softphone", path), path)

    # No `connectors` key at all: the file tunes the app (a region, a theme) and the accounts
    # are the demo's. An explicit empty list is a mistake, reported below.
    demo = "connectors" not in document
    tables = _demo_tables() if demo else document["connectors"]
    if isinstance(tables, Mapping):
        raise ConfigError(
            "expected an array of tables, each written [[connectors]] (double brackets), "
            "found a single [connectors] table",
            path=path,
            key="connectors",
        )
    if not isinstance(tables, list):
        raise _expected("connectors", "an array of [[connectors]] tables", tables, path)
    if not tables:
        raise ConfigError(
            "no connectors configured; add a [[connectors]] table with a name and a type "
            "for each account to search (or remove the `connectors` key to run on the built-in "
            "demo sources)",
            path=path,
            key="connectors",
        )
    return Config(
        path=path,
        default_region=default_region,
        lookup_deadline=lookup_deadline,
        details_deadline=details_deadline,
        theme=theme.strip(),
        keymap=keymap,
        connectors=_connectors(tables, None if demo else path),
        demo=demo,
        softphone=softphone,
        cache_ttl=float(cache_ttl),
        dispositions=dispositions,
    )


def region_from_locale(env: Mapping[str, str] | None = None) -> str | None:
    """The region of the user's locale: `en_GB.UTF-8` → `GB`; `C`, `POSIX` or unset → None.

    As in POSIX, the first of LC_ALL, LC_MESSAGES and LANG that is set (non-empty) decides.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    for var in _LOCALE_VARS:
        value = environ.get(var, "")
        if value:
            match = re.match(r"[A-Za-z]{2,3}[_-]([A-Za-z]{2})(?:[.@]|$)", value)
            if match is None:
                return None
            region = match.group(1).upper()
            return region if region in _supported_regions() else None
    return None


# --- Validation helpers ------------------------------------------------------------------


def _describe(value: object) -> str:
    """A found value as the admin wrote it, shortened: `"fast"`, `true`, `0`, `a table`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _quote(value if len(value) <= _MAX_SHOWN else value[: _MAX_SHOWN - 1] + "…")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"  # dates and times


def _quote(text: str) -> str:
    """`text` in double quotes, escaped as in TOML so it stays on one line."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped) + '"'


def _label(index: int, name: str | None = None) -> str:
    """How messages point at a connector: `connectors[2] ("Acme HubSpot")`, counted from 1."""
    return f"connectors[{index}]" if name is None else f"connectors[{index}] ({_quote(name)})"


def _expected(key: str, expected: str, found: object, path: Path | None) -> ConfigError:
    return ConfigError(f"expected {expected}, got {_describe(found)}", path=path, key=key)


def _dotted(prefix: tuple[str, ...], key: str) -> str:
    shown = key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _describe(key)
    return ".".join([*prefix, shown])


def _suggestion(key: str, valid: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    if close:
        return f'did you mean "{close[0]}"?'
    return "valid keys are " + ", ".join(valid) if valid else "no keys are valid here"


def _reject_unknown(
    table: Mapping[str, Any], valid: tuple[str, ...], prefix: tuple[str, ...], path: Path | None
) -> None:
    for key in table:
        if key not in valid:
            raise ConfigError(
                f"unknown key; {_suggestion(key, valid)}", path=path, key=_dotted(prefix, key)
            )


def _is_secret_key(key: str) -> bool:
    squashed = re.sub(r"[^a-z0-9]", "", key.lower())
    return squashed in _SECRET_KEYS or squashed.endswith(_SECRET_SUFFIXES)


def _reject_secrets(
    table: Mapping[str, Any],
    prefix: tuple[str, ...],
    path: Path | None,
    connector_name: str | None = None,
) -> None:
    """Refuse a credential in the file, without ever repeating its value."""
    for key in table:
        if not _is_secret_key(key):
            continue
        if connector_name is None:
            command, variable = 'cx-tui secret set "NAME"', "CX_TUI_SECRET_<NAME>"
        else:
            command, variable = secret_set_command(connector_name), env_var_name(connector_name)
        raise ConfigError(
            "secrets do not belong in the config file; remove this key and store the token in "
            f"the keyring with `{command}`, or set the environment variable {variable}",
            path=path,
            key=_dotted(prefix, key),
        )


def _table(value: object, key: str, path: Path | None) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _expected(key, f"a [{key}] table", value, path)
    return value


def _region(value: object, path: Path | None) -> str:
    expected = "an ISO 3166-1 alpha-2 region code that phone number parsing supports"
    if not isinstance(value, str):
        raise _expected("default_region", expected, value, path)
    region = value.strip().upper()
    if region not in _supported_regions():
        raise _expected("default_region", expected, value, path)
    return region


def _deadline(value: object, key: str, path: Path | None) -> float:
    # bool is an int in Python; `deadline = true` is a mistake, not 1 second.
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
        if 0 < seconds <= MAX_DEADLINE:  # also refuses nan
            return seconds
    raise _expected(key, f"a number of seconds > 0 and <= {MAX_DEADLINE:g}", value, path)


def _keymap(table: Mapping[str, Any], path: Path | None) -> dict[str, str]:
    expected = 'key names separated by commas, such as "ctrl+l" or "ctrl+l,f2"'
    keymap: dict[str, str] = {}
    for binding_id, keys in table.items():
        key = _dotted(("keymap",), binding_id)
        if not binding_id.strip() or any(c.isspace() for c in binding_id):
            raise ConfigError(
                "expected a binding id without spaces, such as focus-lookup", path=path, key=key
            )
        if binding_id not in BINDING_IDS:
            close = difflib.get_close_matches(binding_id, sorted(BINDING_IDS), n=1, cutoff=0.6)
            hint = f'did you mean "{close[0]}"?' if close else "the help screen (?) lists every id"
            raise ConfigError(
                f"unknown binding id {_describe(binding_id)}; {hint}", path=path, key=key
            )
        if not isinstance(keys, str):
            raise _expected(key, expected, keys, path)
        # Textual splits on "," without stripping, so a space after a comma is dropped here.
        parts = [part.lstrip(" ") for part in keys.split(",")]
        if not all(part and not any(c.isspace() for c in part) for part in parts):
            raise _expected(key, expected, keys, path)
        keymap[binding_id] = ",".join(parts)
    return keymap


def _softphone(table: Mapping[str, Any], path: Path | None) -> SoftphoneConfig:
    _reject_secrets(table, ("softphone",), path, None)
    _reject_unknown(table, _SOFTPHONE_KEYS, ("softphone",), path)
    enabled = table.get("http_enabled", False)
    if not isinstance(enabled, bool):
        raise _expected("softphone.http_enabled", "true or false", enabled, path)
    port = table.get("http_port", DEFAULT_HTTP_PORT)
    if isinstance(port, bool) or not isinstance(port, int) or not MIN_HTTP_PORT <= port <= 65535:
        raise _expected("softphone.http_port", f"a port from {MIN_HTTP_PORT} to 65535", port, path)
    token_name = table.get("http_token_name", DEFAULT_HTTP_TOKEN_NAME)
    token_name = _name(token_name, "softphone.http_token_name", path)
    return SoftphoneConfig(http_enabled=enabled, http_port=port, http_token_name=token_name)


def _dispositions(table: Mapping[str, Any], path: Path | None) -> tuple[str, ...]:
    _reject_unknown(table, _CALLS_KEYS, ("calls",), path)
    value = table.get("dispositions", list(DEFAULT_DISPOSITIONS))
    expected = (
        f"a list of 1 to {MAX_DISPOSITIONS} distinct non-empty strings of at most "
        f"{MAX_DISPOSITION_LENGTH} characters"
    )
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_DISPOSITIONS:
        raise _expected("calls.dispositions", expected, value, path)
    cleaned: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip() or len(item) > MAX_DISPOSITION_LENGTH:
            raise _expected("calls.dispositions", expected, item, path)
        text = " ".join(item.split())
        if text.casefold() in (c.casefold() for c in cleaned):
            raise _expected("calls.dispositions", expected, item, path)
        cleaned.append(text)
    return tuple(cleaned)


# --- Connectors --------------------------------------------------------------------------


def _connectors(tables: list[Any], path: Path | None) -> tuple[ConnectorConfig, ...]:
    configs: list[ConnectorConfig] = []
    by_name: dict[str, str] = {}
    by_env: dict[str, str] = {}
    by_file: dict[Path, str] = {}
    for index, table in enumerate(tables, start=1):
        config = _connector(index, table, path)
        label = _label(index, config.name)
        folded = config.name.casefold()
        if folded in by_name:
            raise ConfigError(
                f"duplicate name: {by_name[folded]} has the same name (names are compared "
                "ignoring case, since each names a keyring entry)",
                path=path,
                key=f"{label}.name",
            )
        variable = env_var_name(config.name)
        if variable in by_env:
            raise ConfigError(
                f"both this connector and {by_env[variable]} would take their token from "
                f"{variable}; choose names that differ in letters or digits",
                path=path,
                key=f"{label}.name",
            )
        by_name[folded] = by_env[variable] = label
        if config.type == "local":
            _claim_database_file(config, label, by_file, path)
        configs.append(config)
    return tuple(configs)


def _claim_database_file(
    config: ConnectorConfig, label: str, by_file: dict[Path, str], path: Path | None
) -> None:
    """Refuse a second `local` source on a file another one already uses."""
    from cx_tui.connectors.local import database_path

    file = database_path(config.name, config.settings).resolve()
    if file in by_file:
        # Without `path`, the file comes from the name (see `local.default_path`).
        key = "path" if "path" in config.settings else "name"
        raise ConfigError(
            f"the same database file as {by_file[file]} ({file}): one file would be searched "
            "twice, each record shown as two people; give each local connector its own `path`",
            path=path,
            key=f"{label}.{key}",
        )
    by_file[file] = label


def _connector(index: int, table: object, path: Path | None) -> ConnectorConfig:
    label = _label(index)
    if not isinstance(table, Mapping):
        raise _expected(label, "a [[connectors]] table", table, path)

    name = table.get("name")
    # Secrets first, before any message could quote a value.
    if isinstance(name, str) and name.strip():
        _reject_secrets(table, (_label(index, name.strip()),), path, name.strip())
    else:
        _reject_secrets(table, (label,), path)
    if name is None:
        raise ConfigError(
            f"missing; every connector needs a name (1 to {MAX_NAME_LENGTH} characters)",
            path=path,
            key=f"{label}.name",
        )
    name = _name(name, f"{label}.name", path)
    label = _label(index, name)

    type_name = table.get("type")
    if type_name is None:
        known = ", ".join(registry.available_types()) or "none are installed"
        raise ConfigError(
            f"missing; every connector needs a type (known types: {known})",
            path=path,
            key=f"{label}.type",
        )
    if not isinstance(type_name, str):
        raise _expected(f"{label}.type", "a connector type name", type_name, path)
    cls = _connector_class(type_name, f"{label}.type", path)

    options = {option.name: option for option in cls.all_options()}
    valid = (*_CONNECTOR_KEYS, *options)
    settings: dict[str, Any] = {}
    for key, value in table.items():
        if key in _CONNECTOR_KEYS:
            continue
        option = options.get(key)
        if option is None:
            raise ConfigError(
                f"unknown key for connector type {type_name}; {_suggestion(key, valid)}",
                path=path,
                key=f"{label}.{_dotted((), key)}",
            )
        settings[key] = _option_value(option, value, f"{label}.{key}", path, name)
    for option in options.values():
        if option.name in settings:
            continue
        if option.required:
            raise ConfigError(
                f"missing; {type_name} connectors need it: {option.label} "
                f"({option.expected()}): {option.description}",
                path=path,
                key=f"{label}.{option.name}",
            )
        if option.default is not None:
            settings[option.name] = option.default
    return ConnectorConfig(name=name, type=type_name, settings=settings)


def _name(value: object, key: str, path: Path | None) -> str:
    expected = f"a name of 1 to {MAX_NAME_LENGTH} printable characters"
    if not isinstance(value, str):
        raise _expected(key, expected, value, path)
    name = value.strip()
    if not name or len(name) > MAX_NAME_LENGTH or not name.isprintable():
        raise _expected(key, expected, value, path)
    return name


def _connector_class(type_name: str, key: str, path: Path | None) -> type[Connector]:
    try:
        return registry.connector_class(type_name)
    except registry.UnknownConnectorType as exc:
        known = exc.known
        close = difflib.get_close_matches(type_name, known, n=1)
        hint = f'did you mean "{close[0]}"? ' if close else ""
        listed = ", ".join(known) if known else "none are installed"
        raise ConfigError(
            f"unknown connector type {_describe(type_name)}; {hint}known types: {listed}",
            path=path,
            key=key,
        ) from None
    except Exception as exc:
        # A plugin that fails to import is reported like any other config problem; its own
        # package is what needs fixing, so say what failed rather than show a traceback.
        raise ConfigError(
            f"the {type_name} connector could not be loaded ({type(exc).__name__}: {exc}); "
            "reinstall the package that provides it",
            path=path,
            key=key,
        ) from exc


class _CredentialInValue(ValueError):
    """A value holds a credential: refused with this message, and never quoted."""


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url(value: str) -> str:
    scheme_end = value.find("://")
    authority = re.split(r"[/?#]", value[scheme_end + 3 :], maxsplit=1)[0]
    if scheme_end >= 0 and "@" in authority:
        # Checked on the raw text, before anything could quote the value back.
        raise _CredentialInValue(
            "a user name or password in the URL is refused: it would be sent with every request "
            "and shown wherever the address is; remove it from the URL"
        )
    try:
        parts = urlsplit(value)
        host = parts.hostname
        _ = parts.port  # raises on a port that is not a number from 0 to 65535
    except ValueError:
        raise ValueError("an http:// or https:// URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError("an http:// or https:// URL")
    if parts.scheme == "http" and not _is_loopback(host):
        raise ValueError(
            "an https:// URL (http:// only for a loopback address such as http://127.0.0.1:8080: "
            "over plain http the token would cross the network unencrypted)"
        )
    return value.rstrip("/")


def _positive_deadline(value: float) -> float:
    if not 0 < value <= MAX_DEADLINE:
        raise ValueError(f"a number of seconds > 0 and <= {MAX_DEADLINE:g}")
    return value


_COMMON_VALIDATORS: dict[str, Validator] = {"base_url": _url, "deadline": _positive_deadline}
"""Checks for COMMON_OPTIONS, which declare no validator of their own."""


def _option_value(
    option: Option, value: object, key: str, path: Path | None, connector_name: str | None = None
) -> Any:
    expected = option.expected()
    if option.type is float:
        # An integer is a fine number of seconds; a bool is not (it is an int in Python).
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _expected(key, expected, value, path)
        value = float(value)
    elif option.type is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _expected(key, expected, value, path)
    elif not isinstance(value, option.type):
        raise _expected(key, expected, value, path)
    validator = option.validator or _COMMON_VALIDATORS.get(option.name)
    if validator is None:
        return value
    try:
        return validator(value)
    except _CredentialInValue as exc:
        if connector_name is None:
            command, variable = 'cx-tui secret set "NAME"', "CX_TUI_SECRET_<NAME>"
        else:
            command, variable = secret_set_command(connector_name), env_var_name(connector_name)
        raise ConfigError(
            f"{exc}, and store the token with `{command}` or in the environment variable "
            f"{variable}",
            path=path,
            key=key,
        ) from None
    except ValueError as exc:
        wanted = re.sub(r"^expected\s+", "", str(exc)) or expected
        raise _expected(key, wanted, value, path) from None


def _supported_regions() -> frozenset[str]:
    """The regions phonenumbers knows (imported on first use: it costs ~15 ms at start-up)."""
    import phonenumbers

    return frozenset(phonenumbers.SUPPORTED_REGIONS)
