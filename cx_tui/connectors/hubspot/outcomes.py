"""HubSpot's call outcomes: the account's list, read once, and the one a wrap-up outcome names.

A call engagement's `hs_call_disposition` takes the id of one of the account's call outcomes.
`GET /calling/v1/dispositions` lists them as `[{"id": "<uuid>", "label": "Connected"}, ...]`
(HubSpot's defaults are Busy, Connected, Left live message, Left voicemail, No answer and Wrong
number; an account may add its own). The list is read on a connector's first call log and kept;
an outcome takes the id whose label it spells, case and spacing aside (or an id of the list);
cx-tui's own default outcomes fall back to HubSpot's default labels (`DEFAULT_OUTCOMES`).

Reading the list never costs the call: when HubSpot refuses it (403: a token without the scope;
404) the connector stops asking; any other failure (an outage, a time-out) is asked again on the
next call log. Either way this call is logged without `hs_call_disposition`, and its outcome
stays in the body as text, as it always does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Final

from cx_tui.connectors.base import ConnectorError
from cx_tui.connectors.hubspot.account import HubSpotAccount
from cx_tui.connectors.kit import BACKGROUND, expect_list, text_or_none

log = logging.getLogger(__name__)

DISPOSITIONS_PATH: Final = "/calling/v1/dispositions"
SPOKEN_WITH: Final = "connected"
DEFAULT_OUTCOMES: Final = {
    "voicemail left": "left voicemail",
    "resolved": SPOKEN_WITH,
    "follow-up needed": SPOKEN_WITH,
    "escalated": SPOKEN_WITH,
    "callback requested": SPOKEN_WITH,
}
"""cx-tui's default wrap-up outcomes (`[calls] dispositions`) as HubSpot's default labels, used
only when the account has no outcome of the wrap-up's own spelling: a call resolved, escalated
or followed up was one where the agent spoke with the caller."""
REFUSED: Final = frozenset({403, 404})
"""Answers that will not change by asking again with the same token."""


def folded(text: str) -> str:
    """An outcome or label compared as HubSpot's UI shows it: case, spacing, `_` aside."""
    return " ".join(text.replace("_", " ").split()).casefold()


def outcome_ids(data: object) -> dict[str, str]:
    """The dispositions answer as {folded label or id: id}; entries without both are skipped."""
    found: dict[str, str] = {}
    for entry in expect_list(data, "HubSpot", "call outcomes"):
        if not isinstance(entry, Mapping):
            continue
        outcome_id, label = text_or_none(entry.get("id")), text_or_none(entry.get("label"))
        if outcome_id is None or label is None:
            continue
        found.setdefault(folded(label), outcome_id)
        found.setdefault(outcome_id.casefold(), outcome_id)
    return found


class HubSpotOutcomes(HubSpotAccount):
    """`_disposition`: the account's outcome id for a wrap-up outcome."""

    _outcomes: dict[str, str] | None = None
    """{folded label or id: id} once read (empty when HubSpot refused the list)."""
    _outcomes_lock: asyncio.Lock | None = None

    async def _disposition(self, outcome: str) -> str | None:
        """The id of the account's call outcome `outcome` names, or None (no such outcome,
        or the list could not be read)."""
        wanted = folded(outcome)
        if not wanted:
            return None
        ids = await self._outcome_ids()
        return ids.get(wanted) or ids.get(DEFAULT_OUTCOMES.get(wanted, ""))

    async def _outcome_ids(self) -> dict[str, str]:
        if self._outcomes is not None:
            return self._outcomes
        if self._outcomes_lock is None:
            self._outcomes_lock = asyncio.Lock()
        async with self._outcomes_lock:  # call logs sent side by side read the list once
            if self._outcomes is not None:
                return self._outcomes
            try:
                data = await self._client().get(
                    DISPOSITIONS_PATH, limiter=self._limiter, policy=BACKGROUND
                )
                self._outcomes = outcome_ids(data)
            except ConnectorError as error:
                refused = error.status in REFUSED
                log.warning(
                    "%s: call outcomes unavailable (%s); %s",
                    self.name,
                    error.message,
                    "calls are logged without one" if refused else "asking again next call",
                )
                if not refused:
                    return {}
                self._outcomes = {}
            return self._outcomes
