"""`cx-tui connectors` for Zendesk: who the token acts as, its role, and a ticket search."""

from __future__ import annotations

from collections.abc import Mapping

from cx_tui.connectors.base import ConnectorError, NotFound
from cx_tui.connectors.kit import BACKGROUND, CheckFailed, CheckReport, text_or_none
from cx_tui.connectors.zendesk.account import ZendeskAccount


class ZendeskAdmin(ZendeskAccount):
    """The template's `check()` steps."""

    async def check_identity(self, report: CheckReport) -> None:
        """Authenticate as the token's user; it must be an agent or an admin."""
        try:
            data = await self._get("/api/v2/users/me", BACKGROUND)
        except NotFound:
            raise CheckFailed(self._no_account().message) from None
        me = data.get("user")
        if not isinstance(me, Mapping):
            raise CheckFailed("Zendesk sent no user for this token")
        role = str(me.get("role") or "")
        who = text_or_none(me.get("name")) or "an unnamed user"
        address = text_or_none(me.get("email"))
        if address:
            who += f" <{address}>"
        report.permissions = (role,) if role else ()
        if me.get("id") is None or role not in ("agent", "admin"):
            what = "anonymous" if me.get("id") is None else f"{who}, an {role or 'unknown role'}"
            hint = self.vendor.auth_hint
            raise CheckFailed(
                f"Zendesk accepted the request as {what}: cx-tui needs an agent or admin "
                f"token. {hint[0].upper()}{hint[1:]}."
            )
        report.who = f"{who} ({role})"
        if me.get("custom_role_id") is not None:
            report.details.append(
                f"custom role {me['custom_role_id']}: it must allow viewing all tickets of "
                "these customers and adding private comments"
            )

    async def check_access(self, report: CheckReport) -> None:
        """Count the tickets the token can search."""
        try:
            count = await self._get("/api/v2/search/count", BACKGROUND, query="type:ticket")
        except ConnectorError as error:
            raise CheckFailed(
                f"authenticated as {report.who}, but searching failed: {error.message}"
            ) from None
        total = count.get("count")
        if isinstance(total, int):
            report.details.append(f"{total:,} tickets searchable")

    def check_summary(self, report: CheckReport) -> str:
        return f"authenticated as {report.who} on {self.vendor.host}"
