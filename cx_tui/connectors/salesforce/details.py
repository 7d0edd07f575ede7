"""Details of a matched person in one round trip: a composite of SOQL queries.

For a Contact: its Account (through the relationship fields, so no second trip for the id),
its Cases (open first, then the recently closed, each with its CaseComments; `IsPublished =
false` ones are internal and feed "already tried") and its Tasks (calls with `CallType` and
`CallDurationInSeconds`, and other activity). A Lead has Tasks only; an Account (the company
line) has its Cases and the Tasks on it. Owners' names come with the rows (`Owner.Name`).
Composite runs up to 25 subrequests, at most 5 of them queries, and counts as one API call.

Each subresponse is one part (`kit.parts`): the account ("companies"), the cases with their
comments ("cases") and the tasks ("tasks"). A part that fails alone (a subresponse's 4xx or 5xx,
a follow-on page that times out, an answer that cannot be read) is left out and named in
`failed_parts`; a part the Run As user may not read (`INVALID_FIELD`, `INVALID_TYPE`,
`INSUFFICIENT_ACCESS`: field-level security or object permissions) says so. A rejected session
(401), the org's spent allocation (`REQUEST_LIMIT_EXCEEDED`) or an unreachable host still fail
the whole source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

from cx_tui.connectors.base import BadResponse
from cx_tui.connectors.kit.pages import gather_all
from cx_tui.connectors.kit.parts import Parts
from cx_tui.connectors.kit.readers import expect_dict, expect_list
from cx_tui.connectors.salesforce.hooks import error_code, error_items
from cx_tui.connectors.salesforce.records import children
from cx_tui.connectors.salesforce.soql import field_list, id_literal
from cx_tui.models import Details

if TYPE_CHECKING:
    from cx_tui.connectors.salesforce.api import Api
    from cx_tui.connectors.salesforce.records import Reader
    from cx_tui.models import Match

CASES: Final = 20
COMMENTS: Final = 20
TASKS: Final = 50
CASE_FIELDS: Final = (
    "Id", "CaseNumber", "Subject", "Status", "Priority", "IsClosed", "Origin", "CreatedDate",
    "LastModifiedDate", "ClosedDate", "Owner.Name",
)  # fmt: skip
COMMENT_FIELDS: Final = ("Id", "CommentBody", "IsPublished", "CreatedDate", "CreatedBy.Name")
TASK_FIELDS: Final = (
    "Id", "Subject", "Description", "Status", "ActivityDate", "TaskSubtype", "Type", "CallType",
    "CallDurationInSeconds", "CallDisposition", "CreatedDate", "WhatId", "Owner.Name",
)  # fmt: skip
ACCOUNT_FIELDS: Final = ("Id", "Name", "Type", "Website")
HIDDEN: Final = frozenset(
    {"INVALID_FIELD", "INVALID_TYPE", "INSUFFICIENT_ACCESS", "INSUFFICIENT_ACCESS_OR_READONLY"}
)
PART_NAMES: Final = {"account": "companies", "cases": "cases", "tasks": "tasks"}
"""referenceId -> the part's name in `failed_parts`."""


def queries(sobject: str, record_id: str, plan_field: str | None) -> dict[str, str]:
    """referenceId -> SOQL for what surrounds one record."""
    rid = id_literal(record_id)
    account = (*ACCOUNT_FIELDS, *((plan_field,) if plan_field else ()))
    cases = (
        f"SELECT {field_list(CASE_FIELDS)}, (SELECT {field_list(COMMENT_FIELDS)} FROM "
        f"CaseComments ORDER BY CreatedDate DESC LIMIT {COMMENTS}) FROM Case WHERE "
        "{key} = " + rid + f" ORDER BY IsClosed ASC, LastModifiedDate DESC LIMIT {CASES}"
    )
    tasks = (
        f"SELECT {field_list(TASK_FIELDS)} FROM Task WHERE {{key}} = {rid} "
        f"ORDER BY CreatedDate DESC LIMIT {TASKS}"
    )
    if sobject == "Contact":
        fields = field_list(f"Account.{f}" for f in account)
        return {
            "account": f"SELECT Id, {fields} FROM Contact WHERE Id = {rid}",
            "cases": cases.replace("{key}", "ContactId"),
            "tasks": tasks.replace("{key}", "WhoId"),
        }
    if sobject == "Account":
        return {
            "account": f"SELECT {field_list(account)} FROM Account WHERE Id = {rid}",
            "cases": cases.replace("{key}", "AccountId"),
            "tasks": tasks.replace("{key}", "WhatId"),
        }
    return {"tasks": tasks.replace("{key}", "WhoId")}


async def get_details(api: Api, reader: Reader, match: Match) -> Details:
    """The account, cases (with comments) and tasks; a part that fails alone is left out.

    Raises:
        AuthError (401), RateLimited, Unavailable (unreachable): the whole source (the
        composite itself failing is all parts at once).
    """
    record_id = match.person.ref.record_id
    sobject = {"003": "Contact", "00Q": "Lead", "001": "Account"}.get(record_id[:3], "Contact")
    plan = reader.plan_field
    wanted = queries(sobject, record_id, plan)
    base = await api.path("query")
    body = {
        "allOrNone": False,
        "compositeRequest": [
            {"method": "GET", "url": base + "?" + _q(soql), "referenceId": ref}
            for ref, soql in wanted.items()
        ],
    }
    answer = await api.post("composite", body, safe=True)
    results = _results(answer)
    parts = Parts("Salesforce")
    found = await gather_all(
        *(
            parts.read(PART_NAMES[ref], _rows(api, parts, ref, results.get(ref), record_id), [])
            for ref in wanted
        )
    )
    rows = dict(zip(wanted, found, strict=True))

    def account_of(row: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        account = row.get("Account") if sobject == "Contact" else row
        return [account] if isinstance(account, Mapping) and account.get("Id") else []

    accounts = [a for row in rows.get("account", []) for a in account_of(row)]
    companies = parts.each("companies", accounts, reader.company)
    tickets = parts.each(
        "cases", rows.get("cases", []), lambda r: reader.ticket(r, children(r, "CaseComments"))
    )
    interactions = parts.each("tasks", rows.get("tasks", []), reader.interaction)
    return parts.details(companies, tickets, interactions)


def _q(soql: str) -> str:
    return urlencode({"q": soql})


def _results(answer: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    items = expect_list(answer.get("compositeResponse"), "Salesforce", "a composite answer")
    out: dict[str, Mapping[str, Any]] = {}
    for item in items:
        sub = expect_dict(item, "Salesforce", "a composite subresponse")
        ref = sub.get("referenceId")
        if isinstance(ref, str):
            out[ref] = sub
    return out


async def _rows(
    api: Api, parts: Parts, ref: str, sub: Mapping[str, Any] | None, record_id: str
) -> list[Mapping[str, Any]]:
    """One subresponse's rows, following `nextRecordsUrl` once.

    Raises:
        ConnectorError: the subresponse's status mapped like a whole answer's (kit.errors).
    """
    if sub is None:
        raise BadResponse(f"Salesforce's composite answer has no '{ref}' part")
    status = sub.get("httpStatusCode")
    body = sub.get("body")
    if status != 200:
        code = error_code(body)
        if code in HIDDEN:
            said = "; ".join(str(i.get("errorCode")) for i in error_items(body))[:120]
            parts.fail(PART_NAMES[ref], f"the Run As user may not read them ({said})")
            return []
        raise api.client.error_for(status if isinstance(status, int) else 502, body)
    page = expect_dict(body, "Salesforce", f"the {ref} query of {record_id}")
    rows = [r for r in page.get("records") or [] if isinstance(r, Mapping)]
    next_url = page.get("nextRecordsUrl")
    if (
        page.get("done") is False
        and isinstance(next_url, str)
        and next_url.startswith("/services/")
    ):
        more = await api.get(next_url)
        rows += [r for r in expect_dict(more, "Salesforce", "a query page").get("records") or []
                 if isinstance(r, Mapping)]  # fmt: skip
    return rows
