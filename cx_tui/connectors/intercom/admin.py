"""`cx-tui connectors` for Intercom: sign in (GET /me), name the admin and workspace, probe
what the token may read, show the remaining rate budget.

Intercom does not list an access token's permissions; the app's permissions are set in the
Developer Hub, and a request outside them answers 401/403. So the check asks one single-item
search of each kind the connector reads and reports the ones refused. Writes are not probed
(a probe would write); a missing write permission shows when a note is delivered.
"""

from __future__ import annotations

from typing import Final

from cx_tui.connectors.base import AuthError, Capability, ConnectorError
from cx_tui.connectors.intercom.account import IntercomAccount
from cx_tui.connectors.intercom.options import API_VERSION
from cx_tui.connectors.kit import BACKGROUND, CheckFailed, CheckReport

READS: Final = Capability.LOOKUP
WRITES: Final = Capability.PERSON_NOTES | Capability.TICKET_NOTES | Capability.CREATE_CONTACT
CAPABILITIES: Final = READS | Capability.TICKETS | WRITES
"""What the connector does with an app that has every permission it asks for."""
PROBES: Final = (
    ("/contacts/search", "read contacts (users and leads)", READS),
    ("/conversations/search", "read conversations", Capability.TICKETS | Capability.TICKET_NOTES),
    ("/tickets/search", "read tickets", Capability.NONE),
)
_ANY: Final = {"field": "id", "operator": "!=", "value": "0"}


class IntercomAdmin(IntercomAccount):
    """The template's `check()` steps."""

    _refused: list[str]

    async def check_identity(self, report: CheckReport) -> None:
        """GET /me: the admin the token acts as, and its workspace."""
        try:
            admin = await self.admin(BACKGROUND)
        except ConnectorError as error:
            raise CheckFailed(error.message) from None
        who = admin.name or admin.email or f"admin {admin.id}"
        mail = f" <{admin.email}>" if admin.email and admin.name else ""
        where = f" ({admin.app_id})" if admin.app_id else ""
        report.who = f"{who}{mail} in {admin.app_name or 'its workspace'}{where}"
        report.details.append(f"API version {API_VERSION} at {self.base_url}")

    async def check_scopes(self, report: CheckReport) -> None:
        """One single-item search per kind read: what is refused is what the app may not."""
        allowed: list[str] = []
        self._refused = []
        offered = self.capabilities
        for path, what, needs in PROBES:
            try:
                body = {"query": _ANY, "pagination": {"per_page": 1}}
                await self._call("POST", path, BACKGROUND, body=body, safe=True)
            except AuthError:
                self._refused.append(what)
                offered &= ~needs
            except ConnectorError as exc:
                self._refused.append(f"{what} (unchecked: {exc.message})")
            else:
                allowed.append(what)
        if self._refused:
            report.details.append("may not: " + "; ".join(self._refused))
        report.details.append(
            "writes (notes) are not probed: they need the app's write permissions"
        )
        report.permissions = tuple(allowed)
        report.capabilities = offered

    async def check_access(self, report: CheckReport) -> None:
        """The probes were the access check: say the budget they left, fail if any was refused."""
        budget = self.memory.budget.describe()
        if budget:
            report.details.append(f"rate budget: {budget}")
        if self._refused:
            raise CheckFailed(self.check_summary(report))

    def check_summary(self, report: CheckReport) -> str:
        return f"authenticated as {report.who}"
