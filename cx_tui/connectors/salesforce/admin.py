"""`cx-tui connectors` for a Salesforce org: sign in, name the user, check permissions, budget.

Signs in (client credentials, or the given token), asks `GET /services/oauth2/userinfo` who the
token acts as, describes Contact, Lead, Account, Case, CaseComment and Task in one composite
call (what the user may read and create), and reports the daily API budget from the answers'
`Sforce-Limit-Info` header.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.base import Capability, CheckResult, ConnectorError
from cx_tui.connectors.kit.retry import BACKGROUND

if TYPE_CHECKING:
    from cx_tui.connectors.salesforce.api import Api

OBJECTS: Final = ("Contact", "Lead", "Account", "Case", "CaseComment", "Task")
NEEDS: Final = (
    (Capability.LOOKUP_PHONE | Capability.LOOKUP_EMAIL | Capability.LOOKUP_NAME, "Contact", "read"),
    (Capability.TICKETS, "Case", "read"),
    (Capability.PERSON_NOTES | Capability.CALLS, "Task", "create"),
    (Capability.TICKET_NOTES, "CaseComment", "create"),
    (Capability.CREATE_TICKET, "Case", "create"),
    (Capability.CREATE_CONTACT, "Contact", "create"),
)


async def check(api: Api, declared: Capability) -> CheckResult:
    try:
        version = await api.session.ready()
        who = await api.get("/services/oauth2/userinfo", policy=BACKGROUND)
        path = await api.path("sobjects")
        body = {
            "allOrNone": False,
            "compositeRequest": [
                {"method": "GET", "url": f"{path}/{name}/describe", "referenceId": name}
                for name in OBJECTS
            ],
        }
        answer = await api.post("composite", body, BACKGROUND, safe=True)
    except ConnectorError as error:
        return CheckResult(ok=False, summary=error.message)
    user = _user(who)
    rights: dict[str, set[str]] = {}
    for item in answer.get("compositeResponse") or []:
        if not isinstance(item, Mapping):
            continue
        described = item.get("body") if item.get("httpStatusCode") == 200 else None
        granted: set[str] = set()
        if isinstance(described, Mapping):
            if described.get("queryable"):
                granted.add("read")
            if described.get("createable"):
                granted.add("create")
        rights[str(item.get("referenceId"))] = granted
    permissions = tuple(
        f"{name}: {', '.join(sorted(rights.get(name) or {'no access'}))}" for name in OBJECTS
    )
    allowed = declared
    missing = []
    for capability, sobject, right in NEEDS:
        if right not in rights.get(sobject, set()):
            allowed &= ~capability
            missing.append(f"{right} {sobject}")
    ok = bool(allowed & Capability.LOOKUP_PHONE)
    summary = f"signed in as {user} (API v{version})"
    if missing:
        summary += "; cannot " + ", ".join(missing)
    return CheckResult(
        ok=ok,
        summary=summary,
        details=(api.budget.describe(),),
        permissions=permissions,
        capabilities=allowed,
    )


def _user(who: Any) -> str:
    if not isinstance(who, Mapping):
        return "an unknown user"
    name = who.get("name")
    login = who.get("preferred_username")
    if isinstance(name, str) and isinstance(login, str):
        return f"{name} <{login}>"
    return str(name or login or who.get("user_id") or "an unknown user")
