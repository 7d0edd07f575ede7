"""`cx-tui connectors` for HubSpot: the account, the token's scopes, and a one-result search."""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping
from typing import Any, Final

from cx_tui.connectors.base import AuthError, Capability, ConnectorError, NotFound
from cx_tui.connectors.hubspot.account import HubSpotAccount
from cx_tui.connectors.kit import BACKGROUND, CheckFailed, CheckReport, text_or_none

NEEDED_SCOPES: Final[Mapping[str, str]] = {
    "crm.objects.contacts.read": "find people or set call outcomes",
    "crm.objects.contacts.write": "write notes and call logs",
    "crm.objects.companies.read": "show companies",
    "tickets": "show tickets",
}
OPTIONAL_SCOPES: Final[Mapping[str, str]] = {
    "crm.objects.owners.read": "show contact owners",
    "sales-email-read": "show email bodies on the timeline",
}
SCOPE_CAPABILITIES: Final[Mapping[str, Capability]] = {
    "crm.objects.contacts.read": Capability.LOOKUP,
    "crm.objects.contacts.write": Capability.PERSON_NOTES
    | Capability.TICKET_NOTES
    | Capability.CALLS
    | Capability.CREATE_CONTACT
    | Capability.UPDATE_PERSON,
    "tickets": Capability.TICKETS | Capability.TICKET_NOTES,
}
"""What a token without the scope cannot do (`cx-tui connectors` shows what is left)."""
CAPABILITIES: Final = functools.reduce(operator.or_, SCOPE_CAPABILITIES.values())
"""What the connector does with a token that has every scope it asks for."""


class HubSpotAdmin(HubSpotAccount):
    """The template's `check()` steps."""

    _account: dict[str, Any]
    _missing: list[str]

    async def check_identity(self, report: CheckReport) -> None:
        """Read the account details (portal id, app domain); a 403 only costs the links."""
        self._account = {}
        try:
            self._account = await self._get("/account-info/v3/details", BACKGROUND)
        except AuthError as error:
            if error.status != 403:
                raise CheckFailed(error.message) from None
            report.details.append(
                "the token may not read the account details (links need portal_id)"
            )
        portal = text_or_none(self._account.get("portalId"))
        if portal and self._portal is None:
            self._adopt_portal(portal, self._account.get("uiDomain"))
        report.who = f"portal {portal}" if portal else "HubSpot"
        if self._account.get("uiDomain"):
            report.who += f" ({self._account['uiDomain']})"

    async def check_scopes(self, report: CheckReport) -> None:
        """List the token's scopes, what is missing, and what the token therefore allows."""
        scopes = await self._scopes()
        self._missing = []
        if scopes is None:
            return
        report.permissions = tuple(sorted(scopes))
        for scope, why in {**NEEDED_SCOPES, **OPTIONAL_SCOPES}.items():
            if scope not in scopes:
                report.details.append(f"cannot {why}: the token lacks the {scope} scope")
        allowed = self.capabilities
        for scope, needs_it in SCOPE_CAPABILITIES.items():
            if scope not in scopes:
                allowed &= ~needs_it
        report.capabilities = allowed
        self._missing = [s for s in NEEDED_SCOPES if s not in scopes]

    async def check_access(self, report: CheckReport) -> None:  # noqa: ARG002
        """Search one contact."""
        await self._post(
            "/crm/v3/objects/contacts/search",
            {"limit": 1, "properties": ["email"]},
            BACKGROUND,
            safe=True,
            search=True,
        )

    async def check_fields(self, report: CheckReport) -> None:
        """Ask HubSpot for each mapped property (`GET /crm/v3/properties/{object}/{name}`)."""
        for mapped in self.fields.fields:
            object_type = "companies" if mapped.relation == "company" else "contacts"
            try:
                await self._get(f"/crm/v3/properties/{object_type}/{mapped.field}", BACKGROUND)
            except NotFound:
                report.details.append(
                    f"fields.{mapped.label} = {mapped.written!r}: HubSpot has no {object_type} "
                    "property of that internal name; it is left off the card"
                )
            except AuthError:
                report.details.append(
                    f"fields.{mapped.label} = {mapped.written!r}: the token may not read "
                    f"{object_type} properties (crm.schemas.{object_type}.read); "
                    "not checked"
                )

    def check_summary(self, report: CheckReport) -> str:
        summary = f"authenticated to {report.who}; contacts can be searched"
        if self._missing:
            summary += f"; missing scopes: {', '.join(self._missing)}"
        return summary

    async def _scopes(self) -> set[str] | None:
        """The scopes of a private-app token (None for other tokens or when HubSpot won't say).

        The token goes in the request body of the private-apps endpoint, never in a URL (the
        OAuth token-info endpoint takes it in the path, so it is not used).
        """
        if not self.secret.startswith("pat-"):
            return None
        try:
            data = await self._post(
                "/oauth/v2/private-apps/get/access-token-info",
                {"tokenKey": self.secret},
                BACKGROUND,
                safe=True,
            )
        except ConnectorError:
            return None
        scopes = data.get("scopes")
        if not isinstance(scopes, list):
            return None
        return {s for s in scopes if isinstance(s, str)}
