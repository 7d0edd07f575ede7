"""Finding the config file, reading it, and turning its document into a `Config`.

The file's location is, in order: an explicit path (the CLI's `--config PATH`), the
`CX_TUI_CONFIG` environment variable, then `config.toml` in the platform's config directory
(`paths.config_dir()`). With no explicit location and no file there, the app runs on the
built-in demo.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cx_tui import paths
from cx_tui.config import sections
from cx_tui.config.checks import ConfigError, expected, reject_secrets, reject_unknown, table
from cx_tui.config.connectors import connectors
from cx_tui.config.insight import insight as parse_insight
from cx_tui.config.model import (
    DEFAULT_DETAILS_DEADLINE,
    DEFAULT_LOOKUP_DEADLINE,
    DEFAULT_THEME,
    Config,
)
from cx_tui.config.template import DEMO_CONNECTORS
from cx_tui.tomltext import TomlProblem, parse

if TYPE_CHECKING:
    from cx_tui.team.settings import TeamSettings

CONFIG_ENV = "CX_TUI_CONFIG"
"""Environment variable naming the config file (an explicit `--config` wins over it)."""

CONFIG_FILENAME = "config.toml"

_TOP_LEVEL_KEYS = (
    "default_region",
    "theme",
    "lookup",
    "keymap",
    "softphone",
    "calls",
    "insight",
    "connectors",
    "team",
)


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
        document = parse(text)
    except TomlProblem as exc:
        raise ConfigError(str(exc), path=file) from None
    return parse_config(document, path=file, env=environ)


def _demo_tables() -> list[dict[str, Any]]:
    return [{"name": name, "type": type_, **options} for name, type_, options in DEMO_CONNECTORS]


def demo_config(env: Mapping[str, str] | None = None) -> Config:
    """The built-in demo configuration: the `local` connector over its CRM and helpdesk data.

    Its settings go through the same validation as a file's, so they look like configured ones.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    return Config(
        path=None,
        default_region=sections.region_from_locale(environ),
        lookup_deadline=DEFAULT_LOOKUP_DEADLINE,
        details_deadline=DEFAULT_DETAILS_DEADLINE,
        theme=DEFAULT_THEME,
        keymap={},
        connectors=connectors(_demo_tables(), None),
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
    reject_secrets(document, (), path, None)
    reject_unknown(document, _TOP_LEVEL_KEYS, (), path)

    region = document.get("default_region")
    if region is None:
        default_region = sections.region_from_locale(environ)
    else:
        default_region = sections.region(region, path)

    theme = document.get("theme", DEFAULT_THEME)
    if not isinstance(theme, str) or not theme.strip():
        raise expected("theme", "a theme name", theme, path)

    lookup_deadline, details_deadline, cache_ttl = sections.lookup(
        table(document.get("lookup", {}), "lookup", path), path
    )
    dispositions = sections.dispositions(table(document.get("calls", {}), "calls", path), path)
    keymap = sections.keymap(table(document.get("keymap", {}), "keymap", path), path)
    softphone = sections.softphone(table(document.get("softphone", {}), "softphone", path), path)
    team = _team(document.get("team"), path)
    insight = parse_insight(table(document.get("insight", {}), "insight", path), path)

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
        raise expected("connectors", "an array of [[connectors]] tables", tables, path)
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
        connectors=connectors(tables, None if demo else path),
        demo=demo,
        softphone=softphone,
        cache_ttl=cache_ttl,
        dispositions=dispositions,
        team=team,
        insight=insight,
    )


def _team(value: Any, path: Path | None) -> TeamSettings | None:
    """The optional `[team]` table (issue 19; validated by `cx_tui.team.settings`)."""
    from cx_tui.team.settings import TeamSettingsError, parse_team

    try:
        return parse_team(value)
    except TeamSettingsError as error:
        raise ConfigError(error.problem, path=path, key=error.key) from None
