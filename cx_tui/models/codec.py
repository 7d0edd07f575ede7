"""Domain models to JSON and back, for the caches: no pickle, nothing but known types.

The one codec of cached answers: the lookup cache's rows in the store (`cx_tui.cache`,
`store.result_cache`) and the team's Redis entries (`team.cache`). Only the dataclasses and
enums of `cx_tui.models` are written or read; anything else is refused on the way in
(`TypeError`) and treated as a miss on the way out (`CodecError`), so a cached entry (a Redis
value, a row in the store) can never make cx-tui build an object of its choosing. Tuples come
back as tuples (the models are immutable), datetimes keep their time zone.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from datetime import datetime
from typing import Any, Final

from cx_tui import models

FORMAT: Final = "2"
"""Part of every cache key (and of every row in the store): a new layout gets new keys, so
agents on two versions never read each other's entries, and a row an older cx-tui wrote is a
miss."""

_CLASSES: Final[dict[str, type]] = {
    name: value
    for name, value in vars(models).items()
    if isinstance(value, type)
    and value.__module__.startswith(f"{models.__name__}.")  # the package's own modules
    and (dataclasses.is_dataclass(value) or issubclass(value, enum.Enum))
}


class CodecError(ValueError):
    """An entry cx-tui cannot read back (another version wrote it, or it is not ours)."""


def _plain(value: Any) -> Any:
    # Enums first: a StrEnum is also a str.
    if isinstance(value, enum.Enum):
        return {"$e": type(value).__name__, "v": value.value}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    cls = type(value)
    if dataclasses.is_dataclass(value) and _CLASSES.get(cls.__name__) is cls:
        fields = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$t": cls.__name__, **fields}
    raise TypeError(f"the cache does not store {cls.__name__}")


def dumps(value: Any) -> str:
    """JSON for a model, a tuple of models, or plain values."""
    return json.dumps(_plain(value), separators=(",", ":"), ensure_ascii=False)


def _built(data: Any) -> Any:
    if isinstance(data, list):
        return tuple(_built(item) for item in data)
    if not isinstance(data, dict):
        return data
    if "$dt" in data:
        return datetime.fromisoformat(str(data["$dt"]))
    if "$e" in data:
        cls = _CLASSES.get(str(data["$e"]))
        if cls is None or not issubclass(cls, enum.Enum):
            raise CodecError(f"unknown enum {data['$e']!r}")
        return cls(data["v"])
    name = data.get("$t")
    cls = _CLASSES.get(str(name))
    if cls is None or not dataclasses.is_dataclass(cls):
        raise CodecError(f"unknown type {name!r}")
    fields = {k: _built(v) for k, v in data.items() if k != "$t"}
    return cls(**fields)


def loads(text: str | bytes) -> Any:
    """What `dumps` wrote, rebuilt.

    Raises:
        CodecError: not JSON, or a type or field cx-tui does not know.
    """
    try:
        return _built(json.loads(text))
    except CodecError:
        raise
    except (ValueError, TypeError) as error:
        raise CodecError(f"unreadable cache entry ({type(error).__name__})") from None
