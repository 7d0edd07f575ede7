"""A call log as the outbox keeps it: the item's text is the summary, its payload the rest.

The payload (JSON) holds `direction`, `duration_s`, `outcome` and `started` (ISO 8601 with an
offset), each left out when unknown. Items queued before `CallLog` named the outcome
`disposition` and the start `at`: they read the same, so a call queued before an upgrade is
still delivered.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from cx_tui.models import CallLog

EARLIER_NAMES: Final[Mapping[str, str]] = {"outcome": "disposition", "started": "at"}
"""What items queued by earlier versions call these payload values."""


def call_payload(call: CallLog) -> dict[str, Any]:
    """The payload of a call's outbox item (its summary is the item's text)."""
    values = {
        "direction": call.direction,
        "duration_s": call.duration_s,
        "outcome": call.outcome,
        "started": None if call.started is None else call.started.isoformat(),
    }
    return {name: value for name, value in values.items() if value is not None}


def call_log(summary: str, payload: Mapping[str, Any] | None) -> CallLog:
    """The call a call item holds, queued by this version or an earlier one.

    Raises:
        ValueError: a value no call can have (the message says which).
    """
    payload = payload or {}

    def value(name: str) -> Any:
        found = payload.get(name)
        return (
            payload.get(EARLIER_NAMES[name]) if found is None and name in EARLIER_NAMES else found
        )

    started, outcome = value("started"), value("outcome")
    try:
        moment = None if started is None else datetime.fromisoformat(str(started))
    except ValueError:
        raise ValueError(f"A call's start is an ISO 8601 time, not {started!r}.") from None
    return CallLog(
        summary,
        direction=value("direction"),
        duration_s=value("duration_s"),
        outcome=None if outcome is None else str(outcome),
        started=moment,
    )
