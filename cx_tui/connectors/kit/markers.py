"""The one delivery-marker format: `cx-tui:<idempotency key>`.

A note written to a vendor without native idempotency carries the marker (its last line, or a
field the vendor keeps with the note, such as Zendesk's ticket `external_id`), so a retry can
find the note it already wrote instead of writing it twice. The outbox makes the keys
(`cx_tui.outbox.delivery_marker`); connectors write and look for them with these helpers.
"""

from __future__ import annotations

import re
from typing import Final

from cx_tui.connectors.base import InvalidInput

MARKER_PREFIX: Final = "cx-tui:"
_KEY: Final = r"[A-Za-z0-9._:-]{1,100}"
_IDEMPOTENCY_KEY = re.compile(_KEY)
_MARKER_LINE = re.compile(rf"^\s*{re.escape(MARKER_PREFIX)}{_KEY}\s*$", re.M)


def marker(idempotency_key: str) -> str:
    """`cx-tui:<key>`, the line a note carries so that a retry finds it instead of writing again.

    Raises:
        ValueError: the key holds characters that do not belong in a marker.
    """
    if not _IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise ValueError("an idempotency key is 1 to 100 letters, digits and . _ : -")
    return f"{MARKER_PREFIX}{idempotency_key}"


def checked_marker(idempotency_key: str) -> str:
    """`marker(idempotency_key)`, refused as `InvalidInput` (nothing is sent) when bad."""
    try:
        return marker(idempotency_key)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def has_marker(text: str, idempotency_key: str) -> bool:
    """Whether `text` (a note body, HTML or plain) carries the marker of `idempotency_key`.

    The marker must stand alone: `cx-tui:abc` is not found inside `cx-tui:abcd`.
    """
    mark = re.escape(marker(idempotency_key))
    return re.search(rf"(?<![A-Za-z0-9._:-]){mark}(?![A-Za-z0-9._:-])", text) is not None


def strip_marker(text: str) -> str:
    """`text` without cx-tui's delivery marker lines (agents need not see them)."""
    return _MARKER_LINE.sub("", text).strip()
