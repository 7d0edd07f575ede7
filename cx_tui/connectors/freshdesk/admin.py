"""`cx-tui connectors` for Freshdesk: who the API key acts as, what it may not do, the budget."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from cx_tui.connectors.base import AuthError, Capability, CheckResult, ConnectorError, NotFound
from cx_tui.connectors.http import BACKGROUND, text_or_none

if TYPE_CHECKING:
    from cx_tui.connectors.freshdesk.connector import FreshdeskConnector


async def check(fd: FreshdeskConnector) -> CheckResult:
    """`GET /api/v2/agents/me`, then one ticket listing (the agent's ticket scope)."""
    try:
        me = await fd.get("/api/v2/agents/me", BACKGROUND)
    except NotFound:
        return CheckResult(
            ok=False,
            summary=f"no Freshdesk account answers at {fd.vendor.host}: {fd.vendor.reach_hint}",
        )
    except ConnectorError as error:
        return CheckResult(ok=False, summary=error.message)
    if not isinstance(me, Mapping):
        return CheckResult(ok=False, summary="Freshdesk sent no agent for this API key")
    contact = me.get("contact")
    person = contact if isinstance(contact, Mapping) else {}
    who = text_or_none(person.get("name")) or "an unnamed agent"
    address = text_or_none(person.get("email"))
    if address:
        who += f" <{address}>"
    kind = "occasional agent" if me.get("occasional") is True else "agent"
    raw_scope = me.get("ticket_scope")
    scopes = {1: "all tickets", 2: "group tickets", 3: "own tickets"}
    scope = (
        scopes.get(raw_scope, "unknown scope") if isinstance(raw_scope, int) else "unknown scope"
    )
    permissions = (kind, f"ticket scope: {scope}")
    details: list[str] = []
    allowed = fd.capabilities
    if scope != "all tickets":
        details.append(
            f"may not see every ticket ({scope}): a caller's tickets outside it stay hidden"
        )
    try:
        await fd.get("/api/v2/tickets", BACKGROUND, per_page=1)
    except AuthError as error:
        details.append(f"may not list tickets: {error.message}")
        allowed &= ~(Capability.TICKETS | Capability.TICKET_NOTES | Capability.CREATE_TICKET)
    except ConnectorError as error:
        details.append(f"listing tickets failed: {error.message}")
    budget = fd.budget.describe()
    if budget:
        details.append(budget)
    return CheckResult(
        ok=True,
        summary=f"authenticated as {who}, {kind}, on {fd.vendor.host}",
        details=tuple(details),
        permissions=permissions,
        capabilities=allowed,
    )
