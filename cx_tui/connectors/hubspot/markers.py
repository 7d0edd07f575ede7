"""Finding what a delivery key already wrote in HubSpot, on a contact with any number of notes.

Three look-ups, each reading everything it needs (never only a first page):

- `find_marker` (before every write): CRM search on the note's (or call's) body,
  `CONTAINS_TOKEN` the key, limited to the target (`associations.contact` or
  `associations.ticket`), every page. One request for almost every contact.
- `find_delivery` (after the settle delay, when an attempt's outcome is unknown): that search,
  and when it finds nothing, every associated note read back (`_every_copy`): the search index
  lags ("new or updated records take a few seconds to become searchable"), and how HubSpot
  tokenises a body is not documented, so the answer that decides "write again" never rests on
  the index alone.
- `find_copies` (after an uncertain item is written): every associated note read back, oldest
  first; `remove_copy` archives one (`DELETE /crm/v3/objects/notes/{id}`), only ever a note
  carrying cx-tui's own marker.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.base import InvalidInput, NotFound, Unsupported
from cx_tui.connectors.hubspot.account import HubSpotAccount, next_after
from cx_tui.connectors.hubspot.records import activity_time, properties
from cx_tui.connectors.kit import (
    BACKGROUND,
    digits_id,
    every_item,
    expect_dicts,
    has_marker,
    record_id,
)
from cx_tui.models import NoteReceipt, TargetKind

if TYPE_CHECKING:
    from cx_tui.models import NoteTarget

MARKER_SEARCH_PAGE: Final = 100
MARKER_PAGES: Final = 100
"""Pages at most (search: 10,000 results, HubSpot's own cap; associations: 50,000 ids)."""
NO_NEW_TICKETS: Final = (
    "{name} cannot open HubSpot tickets from cx-tui: add the note to the contact or to one of "
    "their open tickets."
)
_BODY: Final[Mapping[str, str]] = {"notes": "hs_note_body", "calls": "hs_call_body"}
_ASSOCIATION: Final[Mapping[str, str]] = {"contacts": "contact", "tickets": "ticket"}


class HubSpotMarkers(HubSpotAccount):
    """Where a key's marker is looked for, and the removal of a late duplicate."""

    def _target(self, target: NoteTarget) -> tuple[str, str]:
        """(HubSpot object type, record id) of a note target of this connector."""
        if target.ref.connector != self.name:
            raise InvalidInput(
                f"That {target.kind.value} belongs to {target.ref.connector}, not {self.name}."
            )
        if target.kind is TargetKind.TICKET:
            return "tickets", digits_id(target.ref.record_id, "ticket", self.name)
        if target.kind is TargetKind.PERSON:
            return "contacts", digits_id(target.ref.record_id, "contact", self.name)
        # Never a note on the contact instead: the agent asked for a ticket.
        raise Unsupported(NO_NEW_TICKETS.format(name=self.name))

    def _link(self, target: tuple[str, str]) -> str | None:
        """The target's link, when the portal is known (`_already_written` asked for it)."""
        if self._portal is None:
            return None
        return self._portal.link("0-5" if target[0] == "tickets" else "0-1", target[1])

    async def find_marker(self, target: NoteTarget, key: str) -> NoteReceipt | None:
        return await self._already_written("notes", self._target(target), key)

    async def find_delivery(self, target: NoteTarget, idempotency_key: str) -> NoteReceipt | None:
        where = self._target(target)
        found = await self._already_written("notes", where, idempotency_key)
        if found is not None:
            return found
        copies = await self._every_copy("notes", where, idempotency_key)
        return copies[0] if copies else None

    async def find_copies(self, target: NoteTarget, key: str) -> list[NoteReceipt]:
        return await self._every_copy("notes", self._target(target), key)

    async def remove_copy(self, target: NoteTarget, copy: NoteReceipt) -> None:
        self._target(target)
        prefix, _, note_id = copy.ref.record_id.partition("-")
        if prefix != "note" or not note_id.isdigit():
            raise NotFound(f"{copy.ref.record_id} is not a HubSpot note cx-tui can remove.")
        await self._client().request(
            "DELETE", f"/crm/v3/objects/notes/{note_id}", limiter=self._limiter, policy=BACKGROUND
        )

    async def _already_written(
        self, object_type: str, target: tuple[str, str], key: str
    ) -> NoteReceipt | None:
        """The oldest note (or call) on `target` whose body the search finds with the key's
        marker, reading every page of the search."""
        await self._portal_info(BACKGROUND)
        body = _BODY[object_type]
        filters = [
            {"propertyName": body, "operator": "CONTAINS_TOKEN", "value": key},
            {
                "propertyName": f"associations.{_ASSOCIATION[target[0]]}",
                "operator": "EQ",
                "value": target[1],
            },
        ]

        async def fetch(after: str | None) -> dict[str, Any]:
            request: dict[str, Any] = {
                "filterGroups": [{"filters": filters}],
                "properties": [body, "hs_timestamp", "hs_createdate"],
                "sorts": [{"propertyName": "hs_createdate", "direction": "ASCENDING"}],
                "limit": MARKER_SEARCH_PAGE,
            }
            if after:
                request["after"] = after
            return await self._post(
                f"/crm/v3/objects/{object_type}/search", request, BACKGROUND, safe=True, search=True
            )

        def results(page: dict[str, Any]) -> list[dict[str, Any]]:
            return expect_dicts(page.get("results"), "HubSpot", object_type, "a record")

        found = await every_item(
            fetch, next_after, results, max_pages=MARKER_PAGES, what=f"HubSpot {object_type}"
        )
        receipts = self._receipts(object_type, target, found, key)
        return receipts[0] if receipts else None

    async def _every_copy(
        self, object_type: str, target: tuple[str, str], key: str
    ) -> list[NoteReceipt]:
        """Every note (or call) on `target` carrying the key's marker, oldest first, from the
        associations (every page) and batch reads: no search index involved."""
        await self._portal_info(BACKGROUND)
        ids = await self._associated(
            target[0], target[1], object_type, BACKGROUND, max_pages=MARKER_PAGES
        )
        wanted = (_BODY[object_type], "hs_timestamp", "hs_createdate")
        records = await self._batch_read(object_type, ids, wanted, BACKGROUND)
        return self._receipts(object_type, target, records, key)

    def _receipts(
        self, object_type: str, target: tuple[str, str], records: list[dict[str, Any]], key: str
    ) -> list[NoteReceipt]:
        """The records carrying the key's marker, as duplicate receipts, oldest first."""
        url = self._link(target)
        prefix = "note" if object_type == "notes" else "call"
        marked: list[tuple[int, NoteReceipt]] = []
        for record in records:
            props = properties(record)
            if not has_marker(str(props.get(_BODY[object_type]) or ""), key):
                continue
            found_id = record_id(record.get("id"), "HubSpot", f"a {prefix}")
            receipt = NoteReceipt(
                ref=self._ref(f"{prefix}-{found_id}", url, datetime.now(UTC)),
                created=activity_time(props, record),
                duplicate=True,
            )
            marked.append((int(found_id), receipt))
        # HubSpot's ids grow with creation: the lowest id is the first copy.
        marked.sort(key=lambda pair: pair[0])
        return [receipt for _, receipt in marked]
