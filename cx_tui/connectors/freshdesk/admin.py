"""`cx-tui connectors` for Freshdesk: who the API key acts as, what it may not do, the budget."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from cx_tui.connectors.base import AuthError, Capability, ConnectorError, NotFound
from cx_tui.connectors.freshdesk.account import FreshdeskAccount
from cx_tui.connectors.kit import BACKGROUND, CheckFailed, CheckReport, text_or_none

TICKET_SCOPES: Final[Mapping[int, str]] = {
    1: "all tickets",
    2: "group tickets",
    3: "own tickets",
}
"""An agent's `ticket_scope`: global, group or restricted access."""
NAME_PRIVILEGES: Final[Mapping[str, str]] = {"agents": "manage_users", "groups": "admin_tasks"}
"""Who may list a ticket's owners (helpkit config/privileges.rb; `owners.py`)."""
TICKET_WORK: Final = Capability.TICKETS | Capability.TICKET_NOTES | Capability.CREATE_TICKET


class FreshdeskAdmin(FreshdeskAccount):
    """The template's `check()` steps: `GET /api/v2/agents/me`, then one ticket listing and
    one agent and group listing (may the key name ticket owners?)."""

    async def check_identity(self, report: CheckReport) -> None:
        try:
            me = await self._get("/api/v2/agents/me", BACKGROUND)
        except NotFound:
            raise CheckFailed(
                f"no Freshdesk account answers at {self.vendor.host}: {self.vendor.reach_hint}"
            ) from None
        if not isinstance(me, Mapping):
            raise CheckFailed("Freshdesk sent no agent for this API key")
        contact = me.get("contact")
        person = contact if isinstance(contact, Mapping) else {}
        who = text_or_none(person.get("name")) or "an unnamed agent"
        address = text_or_none(person.get("email"))
        if address:
            who += f" <{address}>"
        kind = "occasional agent" if me.get("occasional") is True else "agent"
        raw_scope = me.get("ticket_scope")
        scope = (
            TICKET_SCOPES.get(raw_scope, "unknown scope")
            if isinstance(raw_scope, int)
            else ("unknown scope")
        )
        report.who = f"{who}, {kind},"
        report.permissions = (kind, f"ticket scope: {scope}")
        if scope != "all tickets":
            report.details.append(
                f"may not see every ticket ({scope}): a caller's tickets outside it stay hidden"
            )

    async def check_access(self, report: CheckReport) -> None:
        allowed = self.capabilities
        try:
            await self._get("/api/v2/tickets", BACKGROUND, per_page=1)
        except AuthError as error:
            report.details.append(f"may not list tickets: {error.message}")
            allowed &= ~TICKET_WORK
        except ConnectorError as error:
            report.details.append(f"listing tickets failed: {error.message}")
        report.capabilities = allowed
        for kind, privilege in NAME_PRIVILEGES.items():
            try:
                await self._get(f"/api/v2/{kind}", BACKGROUND, per_page=1)
            except AuthError:
                report.details.append(
                    f"may not read {kind} (Freshdesk privilege {privilege}): tickets show no "
                    f"{kind[:-1]} names"
                )
            except ConnectorError as error:
                report.details.append(f"reading {kind} failed: {error.message}")
        budget = self.budget.describe()
        if budget:
            report.details.append(budget)

    def check_summary(self, report: CheckReport) -> str:
        return f"authenticated as {report.who} on {self.vendor.host}"
