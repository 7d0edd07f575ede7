"""The app's own sections of the file: region, `[lookup]`, `[calls]`, `[keymap]`, `[softphone]`.

The `[[connectors]]` tables are checked in `cx_tui.config.connectors`.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cx_tui.config import model
from cx_tui.config.checks import (
    ConfigError,
    dotted,
    expected,
    name,
    reject_secrets,
    reject_unknown,
)
from cx_tui.keytable import BINDING_IDS
from cx_tui.tomltext import describe

_LOOKUP_KEYS = ("deadline", "details_deadline", "cache_ttl")
_CALLS_KEYS = ("dispositions",)
_SOFTPHONE_KEYS = ("http_enabled", "http_port", "http_token_name")
_LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")


def region(value: object, path: Path | None) -> str:
    """`default_region`: a region code phone number parsing supports, upper-cased."""
    wanted = "an ISO 3166-1 alpha-2 region code that phone number parsing supports"
    if not isinstance(value, str):
        raise expected("default_region", wanted, value, path)
    code = value.strip().upper()
    if code not in _supported_regions():
        raise expected("default_region", wanted, value, path)
    return code


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
            code = match.group(1).upper()
            return code if code in _supported_regions() else None
    return None


def _supported_regions() -> frozenset[str]:
    """The regions phonenumbers knows (imported on first use: it costs ~15 ms at start-up)."""
    import phonenumbers

    return frozenset(phonenumbers.SUPPORTED_REGIONS)


def deadline(value: object, key: str, path: Path | None) -> float:
    # bool is an int in Python; `deadline = true` is a mistake, not 1 second.
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
        if 0 < seconds <= model.MAX_DEADLINE:  # also refuses nan
            return seconds
    raise expected(key, f"a number of seconds > 0 and <= {model.MAX_DEADLINE:g}", value, path)


def lookup(table: Mapping[str, Any], path: Path | None) -> tuple[float, float, float]:
    """`[lookup]`: (deadline, details_deadline, cache_ttl), in seconds."""
    reject_secrets(table, ("lookup",), path, None)
    reject_unknown(table, _LOOKUP_KEYS, ("lookup",), path)
    lookup_deadline = deadline(
        table.get("deadline", model.DEFAULT_LOOKUP_DEADLINE), "lookup.deadline", path
    )
    details_deadline = deadline(
        table.get("details_deadline", model.DEFAULT_DETAILS_DEADLINE),
        "lookup.details_deadline",
        path,
    )
    cache_ttl = table.get("cache_ttl", model.DEFAULT_CACHE_TTL)
    if (
        isinstance(cache_ttl, bool)
        or not isinstance(cache_ttl, int | float)
        or not (0 <= cache_ttl <= model.MAX_CACHE_TTL)
    ):
        raise expected(
            "lookup.cache_ttl",
            f"a number of seconds from 0 (off) to {model.MAX_CACHE_TTL:g}",
            cache_ttl,
            path,
        )
    return lookup_deadline, details_deadline, float(cache_ttl)


def keymap(table: Mapping[str, Any], path: Path | None) -> dict[str, str]:
    """`[keymap]`: binding id → keys, for `App.set_keymap`."""
    wanted = 'key names separated by commas, such as "ctrl+l" or "ctrl+l,f2"'
    bindings: dict[str, str] = {}
    for binding_id, keys in table.items():
        key = dotted(("keymap",), binding_id)
        if not binding_id.strip() or any(c.isspace() for c in binding_id):
            raise ConfigError(
                "expected a binding id without spaces, such as focus-lookup", path=path, key=key
            )
        if binding_id not in BINDING_IDS:
            close = difflib.get_close_matches(binding_id, sorted(BINDING_IDS), n=1, cutoff=0.6)
            hint = f'did you mean "{close[0]}"?' if close else "the help screen (?) lists every id"
            raise ConfigError(
                f"unknown binding id {describe(binding_id)}; {hint}", path=path, key=key
            )
        if not isinstance(keys, str):
            raise expected(key, wanted, keys, path)
        # Textual splits on "," without stripping, so a space after a comma is dropped here.
        parts = [part.lstrip(" ") for part in keys.split(",")]
        if not all(part and not any(c.isspace() for c in part) for part in parts):
            raise expected(key, wanted, keys, path)
        bindings[binding_id] = ",".join(parts)
    return bindings


def softphone(table: Mapping[str, Any], path: Path | None) -> model.SoftphoneConfig:
    """`[softphone]`: the loopback HTTP endpoint for CTI events."""
    reject_secrets(table, ("softphone",), path, None)
    reject_unknown(table, _SOFTPHONE_KEYS, ("softphone",), path)
    enabled = table.get("http_enabled", False)
    if not isinstance(enabled, bool):
        raise expected("softphone.http_enabled", "true or false", enabled, path)
    port = table.get("http_port", model.DEFAULT_HTTP_PORT)
    if (
        isinstance(port, bool)
        or not isinstance(port, int)
        or not model.MIN_HTTP_PORT <= port <= 65535
    ):
        raise expected(
            "softphone.http_port", f"a port from {model.MIN_HTTP_PORT} to 65535", port, path
        )
    token_name = table.get("http_token_name", model.DEFAULT_HTTP_TOKEN_NAME)
    token_name = name(token_name, "softphone.http_token_name", path)
    return model.SoftphoneConfig(http_enabled=enabled, http_port=port, http_token_name=token_name)


def dispositions(table: Mapping[str, Any], path: Path | None) -> tuple[str, ...]:
    """`[calls] dispositions`: the wrap-up's choices, whitespace collapsed, distinct."""
    reject_unknown(table, _CALLS_KEYS, ("calls",), path)
    value = table.get("dispositions", list(model.DEFAULT_DISPOSITIONS))
    wanted = (
        f"a list of 1 to {model.MAX_DISPOSITIONS} distinct non-empty strings of at most "
        f"{model.MAX_DISPOSITION_LENGTH} characters"
    )
    if not isinstance(value, list) or not 1 <= len(value) <= model.MAX_DISPOSITIONS:
        raise expected("calls.dispositions", wanted, value, path)
    cleaned: list[str] = []
    for item in value:
        if (
            not isinstance(item, str)
            or not item.strip()
            or len(item) > model.MAX_DISPOSITION_LENGTH
        ):
            raise expected("calls.dispositions", wanted, item, path)
        text = " ".join(item.split())
        if text.casefold() in (c.casefold() for c in cleaned):
            raise expected("calls.dispositions", wanted, item, path)
        cleaned.append(text)
    return tuple(cleaned)
