"""`cx-tui connectors` for Intercom: sign in (GET /me), name the admin and workspace, probe
what the token may read, show the remaining rate budget.

Intercom does not list an access token's permissions; the app's permissions are set in the
Developer Hub, and a request outside them answers 401/403. So the check asks one single-item
search of each kind the connector reads and reports the ones refused. Writes are not probed
(a probe would write); a missing write permission shows when a note is delivered.
"""

from __future__ import annotations

from typing import Final

from cx_tui.connectors.base import AuthError, Capability, CheckResult, ConnectorError
from cx_tui.connectors.http import BACKGROUND
from cx_tui.connectors.intercom.client import IntercomApi
from cx_tui.connectors.intercom.options import API_VERSION

PROBES: Final = (
    (
        "/contacts/search",
        "read contacts (users and leads)",
        Capability.LOOKUP_PHONE | Capability.LOOKUP_EMAIL | Capability.LOOKUP_NAME,
    ),
    ("/conversations/search", "read conversations", Capability.TICKETS | Capability.TICKET_NOTES),
    ("/tickets/search", "read tickets", Capability.NONE),
)
_ANY = {"field": "id", "operator": "!=", "value": "0"}


async def check(api: IntercomApi, declared: Capability) -> CheckResult:
    try:
        admin = await api.admin(BACKGROUND)
    except ConnectorError as exc:
        return CheckResult(ok=False, summary=exc.message)
    who = admin.name or admin.email or f"admin {admin.id}"
    mail = f" <{admin.email}>" if admin.email and admin.name else ""
    workspace = admin.app_name or "its workspace"
    where = f" ({admin.app_id})" if admin.app_id else ""
    allowed: list[str] = []
    refused: list[str] = []
    offered = declared
    for path, what, needs in PROBES:
        try:
            await api.call(
                "POST",
                path,
                policy=BACKGROUND,
                body={"query": _ANY, "pagination": {"per_page": 1}},
                safe=True,
            )
        except AuthError:
            refused.append(what)
            offered &= ~needs
        except ConnectorError as exc:
            refused.append(f"{what} (unchecked: {exc.message})")
        else:
            allowed.append(what)
    details = [f"API version {API_VERSION} at {api.base_url}"]
    if refused:
        details.append("may not: " + "; ".join(refused))
    details.append("writes (notes) are not probed: they need the app's write permissions")
    budget = api.budget.describe()
    if budget:
        details.append(f"rate budget: {budget}")
    return CheckResult(
        ok=not refused,
        summary=f"authenticated as {who}{mail} in {workspace}{where}",
        details=tuple(details),
        permissions=tuple(allowed),
        capabilities=offered,
    )
