"""The `[[connectors]]` tables, each checked against its connector type's declared options.

This is the one place a connector's settings are validated: the type's options
(`registry.connector_options`, the same as `Connector.all_options()`, read without importing
the connector) say which keys exist, their TOML type, default, whether they are required, a
validator, and what an account must not share with another (`Option.unique`, e.g. a database
file). Nothing here knows a connector type by name.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cx_tui.config.checks import (
    ConfigError,
    dotted,
    expected,
    label,
    name,
    reject_secrets,
    suggestion,
    where_secrets_go,
)
from cx_tui.config.model import MAX_DEADLINE, MAX_NAME_LENGTH, ConnectorConfig
from cx_tui.connectors import registry
from cx_tui.secrets import env_var_name
from cx_tui.tomltext import describe

if TYPE_CHECKING:
    from cx_tui.connectors.base import Option, Validator

_CONNECTOR_KEYS = ("name", "type")


def connectors(tables: list[Any], path: Path | None) -> tuple[ConnectorConfig, ...]:
    """Every `[[connectors]]` table, in file order; names (and token variables) distinct."""
    configs: list[ConnectorConfig] = []
    by_name: dict[str, str] = {}
    by_env: dict[str, str] = {}
    claimed: dict[tuple[str, Hashable], str] = {}
    for index, raw in enumerate(tables, start=1):
        config = _connector(index, raw, path)
        where = label(index, config.name)
        folded = config.name.casefold()
        if folded in by_name:
            raise ConfigError(
                f"duplicate name: {by_name[folded]} has the same name (names are compared "
                "ignoring case, since each names a keyring entry)",
                path=path,
                key=f"{where}.name",
            )
        variable = env_var_name(config.name)
        if variable in by_env:
            raise ConfigError(
                f"both this connector and {by_env[variable]} would take their token from "
                f"{variable}; choose names that differ in letters or digits",
                path=path,
                key=f"{where}.name",
            )
        by_name[folded] = by_env[variable] = where
        _claim(config, where, claimed, path)
        configs.append(config)
    return tuple(configs)


def _claim(
    config: ConnectorConfig,
    where: str,
    claimed: dict[tuple[str, Hashable], str],
    path: Path | None,
) -> None:
    """Refuse an account that would share what one of its options gives it alone."""
    for option in registry.connector_options(config.type):
        if option.unique is None:
            continue
        resource = option.unique(config.name, config.settings)
        if isinstance(resource, os.PathLike):
            resource = Path(os.path.realpath(resource))
        if not isinstance(resource, Hashable):
            resource = repr(resource)
        owner = claimed.setdefault((option.name, resource), where)
        if owner == where:
            continue
        # An option left unset derives its value from the name, so the name is at fault.
        key = option.name if option.name in config.settings else "name"
        thing = option.label.lower()
        raise ConfigError(
            f"the same {thing} as {owner} ({resource}): both would use one {thing}, and "
            f"each record would show twice; give each connector its own `{option.name}`",
            path=path,
            key=f"{where}.{key}",
        )


def _connector(index: int, raw: object, path: Path | None) -> ConnectorConfig:
    where = label(index)
    if not isinstance(raw, Mapping):
        raise expected(where, "a [[connectors]] table", raw, path)

    given = raw.get("name")
    # Secrets first, before any message could quote a value.
    if isinstance(given, str) and given.strip():
        reject_secrets(raw, (label(index, given.strip()),), path, given.strip())
    else:
        reject_secrets(raw, (where,), path)
    if given is None:
        raise ConfigError(
            f"missing; every connector needs a name (1 to {MAX_NAME_LENGTH} characters)",
            path=path,
            key=f"{where}.name",
        )
    account = name(given, f"{where}.name", path)
    where = label(index, account)

    type_name = raw.get("type")
    if type_name is None:
        known = ", ".join(registry.available_types()) or "none are installed"
        raise ConfigError(
            f"missing; every connector needs a type (known types: {known})",
            path=path,
            key=f"{where}.type",
        )
    if not isinstance(type_name, str):
        raise expected(f"{where}.type", "a connector type name", type_name, path)
    options = {option.name: option for option in _options(type_name, f"{where}.type", path)}
    valid = (*_CONNECTOR_KEYS, *options)
    settings: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _CONNECTOR_KEYS:
            continue
        option = options.get(key)
        if option is None:
            raise ConfigError(
                f"unknown key for connector type {type_name}; {suggestion(key, valid)}",
                path=path,
                key=f"{where}.{dotted((), key)}",
            )
        settings[key] = _option_value(option, value, f"{where}.{key}", path, account)
    for option in options.values():
        if option.name in settings:
            continue
        if option.required:
            raise ConfigError(
                f"missing; {type_name} connectors need it: {option.label} "
                f"({option.expected()}): {option.description}",
                path=path,
                key=f"{where}.{option.name}",
            )
        if option.default is not None:
            settings[option.name] = option.default
    return ConnectorConfig(name=account, type=type_name, settings=settings)


def _options(type_name: str, key: str, path: Path | None) -> tuple[Option, ...]:
    try:
        return registry.connector_options(type_name)
    except registry.UnknownConnectorType as exc:
        known = exc.known
        close = difflib.get_close_matches(type_name, known, n=1)
        hint = f'did you mean "{close[0]}"? ' if close else ""
        listed = ", ".join(known) if known else "none are installed"
        raise ConfigError(
            f"unknown connector type {describe(type_name)}; {hint}known types: {listed}",
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


# --- Option values -------------------------------------------------------------------------


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
    wanted = option.expected()
    if option.type is float:
        # An integer is a fine number of seconds; a bool is not (it is an int in Python).
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise expected(key, wanted, value, path)
        value = float(value)
    elif option.type is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise expected(key, wanted, value, path)
    elif not isinstance(value, option.type):
        raise expected(key, wanted, value, path)
    validator = option.validator or _COMMON_VALIDATORS.get(option.name)
    if validator is None:
        return value
    try:
        return validator(value)
    except _CredentialInValue as exc:
        command, variable = where_secrets_go(connector_name)
        raise ConfigError(
            f"{exc}, and store the token with `{command}` or in the environment variable "
            f"{variable}",
            path=path,
            key=key,
        ) from None
    except ValueError as exc:
        said = re.sub(r"^expected\s+", "", str(exc)) or wanted
        raise expected(key, said, value, path) from None
