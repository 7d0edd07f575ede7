"""`[insight]`: the audit log's retention, and when a theme is a trouble spot.

```toml
[insight]
audit_retention_days = 90     # audit files older than this are deleted (1-3650)
trouble_threshold = 3         # other customers in the last hour that make a trouble spot (1-1000)
```
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cx_tui.config.checks import expected, reject_unknown
from cx_tui.config.model import InsightConfig

_KEYS = {
    "audit_retention_days": (1, 3650),
    "trouble_threshold": (1, 1000),
}


def insight(table: Mapping[str, Any], path: Path | None) -> InsightConfig:
    reject_unknown(table, tuple(_KEYS), ("insight",), path)
    values: dict[str, int] = {}
    for key, (low, high) in _KEYS.items():
        if key not in table:
            continue
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise expected(f"insight.{key}", f"a whole number from {low} to {high}", value, path)
        values[key] = value
    return InsightConfig(**values)
