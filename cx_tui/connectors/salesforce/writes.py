"""Writing back, exactly once: Tasks, CaseComments, Cases, Contacts and Leads.

- A note on a person: a completed Task (`TaskSubtype = 'Task'`) on the Contact or Lead
  (`WhoId`), or on the Account (`WhatId`) for the company line.
- A note on a case: a `CaseComment` with `IsPublished = false` (internal).
- A call log: a Task with `TaskSubtype = 'Call'`, `CallType`, `CallDurationInSeconds`,
  `CallDisposition`, `Status = 'Completed'` and `ActivityDate`.
- A new case: a `Case` with `ContactId`, the note's first line its Subject, the note its
  Description.
- An unknown caller: a Contact, or a Lead when `create_as = "lead"`.

Salesforce has no idempotency key. Each write carries the outbox's marker line (`cx-tui:<key>`)
in its body, and a retry looks for it first. Long text areas (`Description`, `CommentBody`)
cannot be filtered in SOQL, so the target's Tasks, CaseComments or Cases are read, newest first,
batch after batch (`nextRecordsUrl`) until the marker is found or every one was read: never
only the newest few, since records created in the same second (an import, a flow) come in any
order; a call log also carries the marker in `CallObject` (a
filterable text field CTI systems use for the call's id), so it is found by an exact match.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import aclosing
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.base import (
    BadResponse,
    InvalidInput,
    RateLimited,
    Unsupported,
    new_ticket_subject,
)
from cx_tui.connectors.kit.markers import checked_marker, has_marker
from cx_tui.connectors.kit.readers import parse_time, shorten, text_or_none
from cx_tui.connectors.kit.retry import BACKGROUND
from cx_tui.connectors.salesforce.soql import RECORD_ID, id_literal, soql_literal
from cx_tui.models import ContactKind, ContactPoint, NoteReceipt, Person, TargetKind

if TYPE_CHECKING:
    from cx_tui.connectors.salesforce.api import Api
    from cx_tui.connectors.salesforce.records import Reader
    from cx_tui.models import CallLog, NoteTarget

SCAN: Final = 50_000
"""Records of a target read back at most when looking for a marker; beyond, the look-up
refuses (a partial read must never decide "not there, write it")."""
SUBJECT: Final = 255
LOW_BUDGET_WAIT: Final = 60.0


def _kind(record_id: str) -> str:
    return {"003": "Contact", "00Q": "Lead", "001": "Account", "500": "Case"}.get(record_id[:3], "")


def _body(text: str, mark: str) -> str:
    return f"{text.rstrip()}\n\n{mark}"


def _subject(text: str, fallback: str) -> str:
    try:
        return new_ticket_subject(text, SUBJECT)
    except ValueError:
        return fallback


def _spend_check(api: Api) -> None:
    if api.budget.low:
        raise RateLimited(
            f"Salesforce: {api.budget.describe()}; background writes wait so agents keep "
            "their lookups",
            retry_after=LOW_BUDGET_WAIT,
        )


class Writer:
    """Writes for one account; `reader` makes the receipts' links."""

    def __init__(self, api: Api, reader: Reader) -> None:
        self.api = api
        self.reader = reader

    async def _find(self, soql: str, field: str, key: str) -> Mapping[str, Any] | None:
        """The first row whose `field` carries the key's marker, reading batch after batch."""
        read = 0
        async with aclosing(self.api.query_pages(soql, BACKGROUND)) as pages:
            async for rows in pages:
                for row in rows:
                    if has_marker(str(row.get(field) or ""), key):
                        return row
                read += len(rows)
                if read > SCAN:
                    raise BadResponse(
                        f"Salesforce: more than {SCAN:,} records to check for a delivery "
                        "marker; cx-tui cannot check them all"
                    )
        return None

    async def _create(self, sobject: str, body: Mapping[str, Any]) -> str:
        answer = await self.api.post(f"sobjects/{sobject}", dict(body), BACKGROUND)
        new_id = answer.get("id")
        if answer.get("success") is False or not isinstance(new_id, str):
            raise BadResponse(f"Salesforce did not create the {sobject}: {answer.get('errors')}")
        if not RECORD_ID.fullmatch(new_id):
            raise BadResponse(f"Salesforce sent a {sobject} id cx-tui cannot use")
        return new_id

    def _receipt(
        self, sobject: str, record_id: str, row: Mapping[str, Any] | None = None
    ) -> NoteReceipt:
        created = parse_time(row.get("CreatedDate")) if row else None
        return NoteReceipt(
            self.reader.ref(sobject, record_id),
            created or datetime.now(UTC),
            duplicate=row is not None,
        )

    def _place(self, target: NoteTarget) -> tuple[str, str, str]:
        """Where a note on `target` lives: its sObject, its text field and the SOQL condition
        that finds the target's own (ids checked; `Unsupported` for a lead's new case)."""
        target_id = target.ref.record_id
        kind = _kind(target_id)
        if target.kind is TargetKind.TICKET:
            if kind != "Case":
                raise InvalidInput("That ticket is not a Salesforce case id.")
            return "CaseComment", "CommentBody", f"ParentId = {id_literal(target_id)}"
        if target.kind is TargetKind.NEW_TICKET:
            if kind != "Contact":
                raise Unsupported(
                    "Salesforce opens cases for contacts; convert the lead (or pick a contact) "
                    "first."
                )
            return "Case", "Description", f"ContactId = {id_literal(target_id)}"
        if kind not in ("Contact", "Lead", "Account"):
            raise InvalidInput("That person is not a Salesforce Contact, Lead or Account id.")
        who = "WhatId" if kind == "Account" else "WhoId"
        return "Task", "Description", f"{who} = {id_literal(target_id)} AND TaskSubtype = 'Task'"

    async def find_note(self, target: NoteTarget, key: str) -> NoteReceipt | None:
        """The note (Task, CaseComment or Case) this key already wrote on `target`, if any."""
        sobject, field, where = self._place(target)
        _spend_check(self.api)
        found = await self._find(
            f"SELECT Id, {field}, CreatedDate FROM {sobject} WHERE {where} "
            f"ORDER BY CreatedDate DESC LIMIT {SCAN + 1}",
            field,
            key,
        )
        return self._receipt(sobject, str(found["Id"]), found) if found else None

    async def write_note(self, target: NoteTarget, stored: str) -> NoteReceipt:
        """A completed Task, an internal CaseComment, or a new Case holding `stored`."""
        sobject, _, _ = self._place(target)
        target_id = target.ref.record_id
        body: dict[str, Any]
        if sobject == "CaseComment":
            body = {"ParentId": target_id, "CommentBody": stored, "IsPublished": False}
        elif sobject == "Case":
            body = {
                "ContactId": target_id,
                "Subject": _subject(stored, "Call"),
                "Description": stored,
                "Origin": "Phone",
            }
        else:
            body = {
                ("WhatId" if _kind(target_id) == "Account" else "WhoId"): target_id,
                "Subject": _subject(stored, "Note"),
                "Description": stored,
                "Status": "Completed",
                "TaskSubtype": "Task",
                "ActivityDate": datetime.now(UTC).date().isoformat(),
            }
        return self._receipt(sobject, await self._create(sobject, body))

    async def add_call(self, target: NoteTarget, call: CallLog, key: str) -> NoteReceipt:
        mark = checked_marker(key)
        target_id = target.ref.record_id
        kind = _kind(target_id)
        if kind not in ("Contact", "Lead", "Account", "Case"):
            raise InvalidInput("That is not a Salesforce Contact, Lead, Account or Case id.")
        _spend_check(self.api)
        found = await self._find(
            f"SELECT Id, CallObject, CreatedDate FROM Task WHERE CallObject = "
            f"{soql_literal(mark)} LIMIT 1",
            "CallObject",
            key,
        )
        if found:
            return self._receipt("Task", str(found["Id"]), found)
        call_type = {"inbound": "Inbound", "outbound": "Outbound"}.get(call.direction or "")
        when = (call.started or datetime.now(UTC)).astimezone(UTC)
        task: dict[str, Any] = {
            ("WhoId" if kind in ("Contact", "Lead") else "WhatId"): target_id,
            "Subject": shorten(f"Call: {_subject(call.summary, 'Call')}", SUBJECT),
            "Description": _body(call.summary, mark),
            "TaskSubtype": "Call",
            "Type": "Call",
            "Status": "Completed",
            "ActivityDate": when.date().isoformat(),
            "CallObject": mark,
        }
        if call_type:
            task["CallType"] = call_type
        if call.duration_s is not None:
            task["CallDurationInSeconds"] = round(call.duration_s)
        if call.outcome:
            task["CallDisposition"] = shorten(call.outcome, SUBJECT)
        return self._receipt("Task", await self._create("Task", task))

    async def create_person(
        self, name: str | None, points: Sequence[ContactPoint], create_as: str
    ) -> Person:
        words = (name or "").split()
        body: dict[str, Any] = {"LastName": words[-1] if words else "Unknown caller"}
        if len(words) > 1:
            body["FirstName"] = " ".join(words[:-1])
        phones = [p.value for p in points if p.kind is ContactKind.PHONE]
        emails = [p.value for p in points if p.kind is ContactKind.EMAIL]
        if phones:
            body["Phone"] = phones[0]
        if len(phones) > 1:
            body["MobilePhone"] = phones[1]
        if emails:
            body["Email"] = emails[0]
        if create_as == "Lead":
            body["Company"] = "Unknown"
        for value in body.values():
            if not isinstance(value, str) or len(value) > 80 or not value.isprintable():
                raise InvalidInput("That name, phone or email cannot be stored in Salesforce.")
        new_id = await self._create(create_as, body)
        record = {
            "attributes": {"type": create_as},
            "Id": new_id,
            "Name": text_or_none(" ".join(words)) or body["LastName"],
            **{k: v for k, v in body.items() if k in ("Phone", "MobilePhone", "Email")},
        }
        if create_as == "Lead":
            record["Company"] = body["Company"]
        return self.reader.person(record)
