"""Finding people: one SOSL search, every hit confirmed locally.

Phone: `FIND {<written forms> joined by OR} IN PHONE FIELDS RETURNING Contact(...), Lead(...
WHERE IsConverted = false), Account(...)`; email: `IN EMAIL FIELDS`; name: `IN NAME FIELDS`.
Salesforce's search is only a candidate generator (it splits stored numbers into words and keeps
them as typed), so each hit must pass the kit's phone matcher or equal an email it returned. A
Contact and a Lead on one number are two candidates; an Account whose main phone matches is the
company line, a shared number the agent resolves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.kit.matching import confirm_person, match_phone
from cx_tui.connectors.kit.readers import expect_dict, expect_list
from cx_tui.connectors.salesforce.soql import field_list, find_email, find_name, find_phone
from cx_tui.models import Match, MatchReason

if TYPE_CHECKING:
    from cx_tui.connectors.salesforce.api import Api
    from cx_tui.connectors.salesforce.options import Settings
    from cx_tui.connectors.salesforce.records import Reader
    from cx_tui.identity import Query

PER_OBJECT: Final = 25
"""Records per object in one search (a switchboard number can have many)."""
CONTACT_FIELDS: Final = (
    "Id", "Name", "FirstName", "LastName", "Email", "Phone", "MobilePhone", "HomePhone",
    "OtherPhone", "AssistantPhone", "Title", "AccountId", "Account.Name", "Owner.Name",
    "LastActivityDate",
)  # fmt: skip
LEAD_FIELDS: Final = (
    "Id", "Name", "Email", "Phone", "MobilePhone", "Company", "Status", "Title", "Owner.Name",
    "LastActivityDate",
)  # fmt: skip
ACCOUNT_FIELDS: Final = ("Id", "Name", "Phone", "Type", "Website", "Owner.Name")
UNREAD_EMAIL: Final = 0.6
"""An email search hit in a field cx-tui does not read (not in `email_fields`)."""


def returning(query: Query, settings: Settings) -> list[str]:
    """The RETURNING clause's object specs for this kind of query."""
    contact = field_list((*CONTACT_FIELDS, *settings.email_fields))
    specs = [
        f"Contact({contact} LIMIT {PER_OBJECT})",
        f"Lead({field_list(LEAD_FIELDS)} WHERE IsConverted = false LIMIT {PER_OBJECT})",
    ]
    if query.phone is not None:
        plan = (settings.plan_field,) if settings.plan_field else ()
        specs.append(f"Account({field_list((*ACCOUNT_FIELDS, *plan))} LIMIT {PER_OBJECT})")
    return specs


def sosl(query: Query, settings: Settings) -> str:
    """The search for a validated query (values re-checked and escaped; refused otherwise)."""
    specs = returning(query, settings)
    if query.phone is not None:
        return find_phone(query.phone, specs)
    if query.email is not None:
        return find_email(query.email, specs)
    return find_name(query.name or "", specs)


def search_records(data: Any) -> list[Mapping[str, Any]]:
    """`searchRecords` of a search answer (API 37.0 on), or the bare list older versions sent."""
    if isinstance(data, Mapping):
        data = data.get("searchRecords")
    items = expect_list(data, "Salesforce", "search results")
    return [expect_dict(item, "Salesforce", "a search result") for item in items]


async def search(api: Api, settings: Settings, query: Query) -> list[Mapping[str, Any]]:
    """The SOSL search's hits: candidates, each still to be confirmed."""
    return search_records(await api.get("search", {"q": sosl(query, settings)}))


def confirm(reader: Reader, query: Query, record: Mapping[str, Any]) -> Match | None:
    """The hit as a match when it really is the query's person (or company line)."""
    person = reader.person(record)
    sobject = reader.sobject(record)
    if sobject == "Account":
        if query.phone is None:
            return None
        hit = match_phone(person.contact_points, query.phone, reader.region)
        if hit is None:
            return None
        detail = f"{hit.detail}; the company's main line: who is calling?"
        return Match(person, hit.reason, hit.confidence, detail)
    match = confirm_person(person, query, reader.region)
    if match is None and query.email is not None and sobject in ("Contact", "Lead"):
        # Salesforce searched every email field of the record; the one that matched is not
        # among those cx-tui reads. A candidate, less sure, and it says why.
        return Match(
            person,
            MatchReason.SECONDARY_EMAIL,
            UNREAD_EMAIL,
            "found by Salesforce's email search in another email field "
            "(name it in email_fields to confirm it)",
        )
    return match
