"""The one config error, and the checks every section of the file shares.

Every problem is one `ConfigError` whose message names the file, the key (a dotted path such as
`lookup.deadline` or `connectors[2] ("Acme HubSpot").subdomain`, where connectors are counted
from 1 in file order) and what was expected against what was found.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cx_tui.config.model import MAX_NAME_LENGTH
from cx_tui.secrets import env_var_name, secret_set_command
from cx_tui.tomltext import closest, describe, quote, shown_key

# Key names (lower-cased, without separators) that hold credentials, and endings that do:
# `api_token`, `client_secret` and `refresh_token` are secrets; `token_url` is not.
_SECRET_KEYS = frozenset({"token", "apikey", "password", "passwd", "secret", "accesstoken"})
_SECRET_SUFFIXES = ("token", "apikey", "password", "passwd", "secret")


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


def expected(key: str, wanted: str, found: object, path: Path | None) -> ConfigError:
    """`KEY: expected WANTED, got FOUND` (the found value shortened, never a secret's)."""
    return ConfigError(f"expected {wanted}, got {describe(found)}", path=path, key=key)


def label(index: int, name: str | None = None) -> str:
    """How messages point at a connector: `connectors[2] ("Acme HubSpot")`, counted from 1."""
    return f"connectors[{index}]" if name is None else f"connectors[{index}] ({quote(name)})"


def dotted(prefix: tuple[str, ...], key: str) -> str:
    return ".".join([*prefix, shown_key(key)])


def suggestion(key: str, valid: tuple[str, ...] | list[str]) -> str:
    close = closest(key, valid)
    if close:
        return close
    return "valid keys are " + ", ".join(valid) if valid else "no keys are valid here"


def reject_unknown(
    table: Mapping[str, Any], valid: tuple[str, ...], prefix: tuple[str, ...], path: Path | None
) -> None:
    for key in table:
        if key not in valid:
            raise ConfigError(
                f"unknown key; {suggestion(key, valid)}", path=path, key=dotted(prefix, key)
            )


def _is_secret_key(key: str) -> bool:
    squashed = re.sub(r"[^a-z0-9]", "", key.lower())
    return squashed in _SECRET_KEYS or squashed.endswith(_SECRET_SUFFIXES)


def where_secrets_go(connector_name: str | None) -> tuple[str, str]:
    """(the `cx-tui secret set` command, the environment variable) for a connector's token."""
    if connector_name is None:
        return 'cx-tui secret set "NAME"', "CX_TUI_SECRET_<NAME>"
    return secret_set_command(connector_name), env_var_name(connector_name)


def reject_secrets(
    table: Mapping[str, Any],
    prefix: tuple[str, ...],
    path: Path | None,
    connector_name: str | None = None,
) -> None:
    """Refuse a credential in the file, without ever repeating its value."""
    for key in table:
        if not _is_secret_key(key):
            continue
        command, variable = where_secrets_go(connector_name)
        raise ConfigError(
            "secrets do not belong in the config file; remove this key and store the token in "
            f"the keyring with `{command}`, or set the environment variable {variable}",
            path=path,
            key=dotted(prefix, key),
        )


def table(value: object, key: str, path: Path | None) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise expected(key, f"a [{key}] table", value, path)
    return value


def name(value: object, key: str, path: Path | None) -> str:
    """A connector's (or a keyring entry's) name: 1 to MAX_NAME_LENGTH printable characters."""
    wanted = f"a name of 1 to {MAX_NAME_LENGTH} printable characters"
    if not isinstance(value, str):
        raise expected(key, wanted, value, path)
    cleaned = value.strip()
    if not cleaned or len(cleaned) > MAX_NAME_LENGTH or not cleaned.isprintable():
        raise expected(key, wanted, value, path)
    return cleaned
