"""A tiny third-party connector, packaged as an outside author would ship one.

It reads people from a JSON file (`path` option) and answers lookups by phone or email. It uses
only cx-tui's public contract (`cx_tui.connectors.base`, `cx_tui.models`, `cx_tui.identity`) and
registers through the `cx_tui.connectors` entry-point group; nothing under `cx_tui/` names it.
`tests/test_plugin.py` installs it the way pip would (a `.dist-info` with `entry_points.txt`) and
looks a caller up through `cx-tui lookup`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from cx_tui.connectors.base import Capability, Connector, Option
from cx_tui.identity import Query, QueryKind
from cx_tui.models import (
    ContactKind,
    ContactPoint,
    Details,
    Match,
    MatchReason,
    Person,
    SourceRef,
)
from cx_tui.source_values import compare_phone, fold_email, phone_e164

_CONFIDENCE = {
    MatchReason.EXACT_E164: 1.0,
    MatchReason.NATIONAL_DIGITS: 0.9,
    MatchReason.SUFFIX: 0.5,
}


def _path(value: Any) -> str:
    if not isinstance(value, str) or not value.endswith(".json"):
        raise ValueError("a path to a .json file")
    return value


class DirectoryConnector(Connector):
    """People from a JSON file: `[{"id", "name", "phone", "email"}]`."""

    type_name: ClassVar[str] = "directory"
    display_name: ClassVar[str] = "Staff directory (plugin)"
    capabilities: ClassVar[Capability] = Capability.LOOKUP_PHONE | Capability.LOOKUP_EMAIL
    needs_secret: ClassVar[bool] = False
    options: ClassVar[tuple[Option, ...]] = (
        Option("path", "Directory file", "The JSON file to read.", required=True, validator=_path),
    )

    def _people(self) -> list[dict[str, Any]]:
        data = json.loads(Path(self.settings["path"]).read_text(encoding="utf-8"))
        return [row for row in data if isinstance(row, dict)]

    async def find_people(self, query: Query) -> Sequence[Match]:
        found: list[Match] = []
        for row in self._people():
            reason: MatchReason | None = None
            if query.kind is QueryKind.PHONE and query.phone is not None:
                reason = compare_phone(str(row.get("phone", "")), query.phone, None)
            elif query.kind is QueryKind.EMAIL and query.email is not None:
                if fold_email(str(row.get("email", ""))) == fold_email(query.email):
                    reason = MatchReason.PRIMARY_EMAIL
            if reason is None:
                continue
            found.append(
                Match(
                    person=self._person(row),
                    reason=reason,
                    confidence=_CONFIDENCE.get(reason, 1.0),
                    detail=f"stored as {row.get('phone') or row.get('email')!r}",
                )
            )
        return found

    def _person(self, row: dict[str, Any]) -> Person:
        points: list[ContactPoint] = []
        normalised = phone_e164(str(row.get("phone", "")), None)
        if normalised is not None:
            points.append(
                ContactPoint(
                    ContactKind.PHONE, normalised[0], extension=normalised[1], raw=row["phone"]
                )
            )
        if row.get("email"):
            points.append(ContactPoint(ContactKind.EMAIL, str(row["email"])))
        return Person(
            ref=SourceRef(self.name, str(row["id"]), fetched_at=datetime.now(UTC)),
            name=row.get("name"),
            contact_points=tuple(points),
            title=row.get("title"),
        )

    async def get_details(self, match: Match) -> Details:
        return Details()
