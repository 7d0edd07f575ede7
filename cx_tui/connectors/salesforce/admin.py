"""`cx-tui connectors` for a Salesforce org: sign in, name the user, check permissions, budget.

Signs in (client credentials, or the given token), asks `GET /services/oauth2/userinfo` who the
token acts as, describes Contact, Lead, Account, Case, CaseComment and Task in one composite
call (what the user may read and create), and reports the daily API budget from the answers'
`Sforce-Limit-Info` header.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.base import Capability
from cx_tui.connectors.kit.retry import BACKGROUND

if TYPE_CHECKING:
    from cx_tui.connectors.salesforce.api import Api

OBJECTS: Final = ("Contact", "Lead", "Account", "Case", "CaseComment", "Task")
NEEDS: Final = (
    (Capability.LOOKUP, "Contact", "read"),
    (Capability.TICKETS, "Case", "read"),
    (Capability.PERSON_NOTES | Capability.CALLS, "Task", "create"),
    (Capability.TICKET_NOTES, "CaseComment", "create"),
    (Capability.CREATE_TICKET, "Case", "create"),
    (Capability.CREATE_CONTACT, "Contact", "create"),
)


CAPABILITIES: Final = functools.reduce(operator.or_, (needed for needed, _, _ in NEEDS))
"""What the connector does when its user may read and create all it needs."""


async def identity(api: Api) -> str:
    """Sign in; who the token acts as, and the API version."""
    version = await api.session.ready()
    who = await api.get("/services/oauth2/userinfo", policy=BACKGROUND)
    return f"{_user(who)} (API v{version})"


async def rights(api: Api, declared: Capability) -> tuple[tuple[str, ...], Capability, list[str]]:
    """What the user may do with each object (one composite describe): the permissions to
    show, the capabilities left of `declared`, and what it cannot do ("create Case")."""
    path = await api.path("sobjects")
    body = {
        "allOrNone": False,
        "compositeRequest": [
            {"method": "GET", "url": f"{path}/{name}/describe", "referenceId": name}
            for name in OBJECTS
        ],
    }
    answer = await api.post("composite", body, BACKGROUND, safe=True)
    granted: dict[str, set[str]] = {}
    for item in answer.get("compositeResponse") or []:
        if not isinstance(item, Mapping):
            continue
        described = item.get("body") if item.get("httpStatusCode") == 200 else None
        rights: set[str] = set()
        if isinstance(described, Mapping):
            if described.get("queryable"):
                rights.add("read")
            if described.get("createable"):
                rights.add("create")
        granted[str(item.get("referenceId"))] = rights
    permissions = tuple(
        f"{name}: {', '.join(sorted(granted.get(name) or {'no access'}))}" for name in OBJECTS
    )
    allowed = declared
    missing = []
    for capability, sobject, right in NEEDS:
        if right not in granted.get(sobject, set()):
            allowed &= ~capability
            missing.append(f"{right} {sobject}")
    return permissions, allowed, missing


def _user(who: Any) -> str:
    if not isinstance(who, Mapping):
        return "an unknown user"
    name = who.get("name")
    login = who.get("preferred_username")
    if isinstance(name, str) and isinstance(login, str):
        return f"{name} <{login}>"
    return str(name or login or who.get("user_id") or "an unknown user")
