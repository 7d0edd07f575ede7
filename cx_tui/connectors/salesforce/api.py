"""One Salesforce account's REST access: session, client, limiter, budget and API version.

Every request goes through the template's `HttpClient` (retry policy, limiter, error mapping)
with `Session` as its auth; paths are built from the API version the session settled on.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from cx_tui.connectors.base import BadResponse
from cx_tui.connectors.kit.client import HttpClient
from cx_tui.connectors.kit.errors import Vendor
from cx_tui.connectors.kit.limiter import Limiter, fingerprint, shared_limiter
from cx_tui.connectors.kit.readers import expect_dict
from cx_tui.connectors.kit.retry import LOOKUP, RetryPolicy
from cx_tui.connectors.salesforce.auth import Session
from cx_tui.connectors.salesforce.hooks import Budget, SalesforceHooks

if TYPE_CHECKING:
    from cx_tui.connectors.salesforce.options import Settings

REQUESTS_PER_SECOND: Final = 20
"""Client-side pace; Salesforce's own limits are the daily allocation and concurrency."""


def vendor(name: str, settings: Settings, budget: Budget) -> Vendor:
    """How errors name the org and what they tell the admin (sign-in hints by flow)."""
    return Vendor(
        name="Salesforce",
        host=urlsplit(settings.base_url).netloc or settings.base_url,
        reach_hint="check base_url (the org's My Domain URL, https://NAME.my.salesforce.com)",
        auth_hint=(
            "check client_id (the connected app's consumer key) and the consumer secret "
            f"(`cx-tui secret set {name!r}`), and that the app enables the client "
            "credentials flow with a Run As user"
            if settings.client_id
            else f"the access token expired or was revoked; mint a new one and run "
            f"`cx-tui secret set {name!r}`, or configure client_id to sign in by itself"
        ),
        scope_hint=(
            "the Run As user lacks a permission: it needs API Enabled and access to "
            "Contact, Lead, Account, Case, CaseComment and Task"
        ),
        hooks=SalesforceHooks(budget),
    )


def limiter(vendor: Vendor, settings: Settings, secret: str) -> Limiter:
    """The org's budget, shared by every connector on the same org, app and token."""
    return shared_limiter(
        ("salesforce", vendor.host, settings.client_id or "", fingerprint(secret)),
        REQUESTS_PER_SECOND,
        1.0,
        label="Salesforce",
    )


class Api:
    """REST calls for one configured org, through the connector's client (`session` its auth)."""

    def __init__(
        self, client: HttpClient, session: Session, limiter: Limiter, budget: Budget
    ) -> None:
        self.client = client
        self.session = session
        self.limiter = limiter
        self.budget = budget

    async def path(self, rest: str) -> str:
        """`/services/data/vNN.0/<rest>`, signing in first if needed."""
        version = await self.session.ready()
        return f"/services/data/v{version}/{rest.lstrip('/')}"

    async def get(
        self, rest: str, params: dict[str, str] | None = None, policy: RetryPolicy = LOOKUP
    ) -> Any:
        path = rest if rest.startswith("/services/") else await self.path(rest)
        return await self.client.get(path, limiter=self.limiter, params=params, policy=policy)

    async def post(
        self, rest: str, body: Any, policy: RetryPolicy = LOOKUP, *, safe: bool = False
    ) -> dict[str, Any]:
        reply = await self.client.request(
            "POST", await self.path(rest), limiter=self.limiter, json_body=body, policy=policy,
            safe=safe,
        )  # fmt: skip
        return expect_dict(reply.data, "Salesforce", f"the answer to {rest}")

    async def query(self, soql: str, policy: RetryPolicy = LOOKUP) -> list[dict[str, Any]]:
        """All rows of a SOQL query, following `nextRecordsUrl` (callers LIMIT their queries)."""
        rows: list[dict[str, Any]] = []
        async with aclosing(self.query_pages(soql, policy)) as pages:
            async for page in pages:
                rows += page
        return rows

    async def query_pages(
        self, soql: str, policy: RetryPolicy = LOOKUP
    ) -> AsyncGenerator[list[dict[str, Any]], None]:
        """The rows of a SOQL query batch by batch, following `nextRecordsUrl`; a caller that
        found what it wanted stops reading (inside `contextlib.aclosing`)."""
        page = expect_dict(await self.get("query", {"q": soql}, policy), "Salesforce", "a query")
        yield [r for r in page.get("records") or [] if isinstance(r, dict)]
        while page.get("done") is False and isinstance(page.get("nextRecordsUrl"), str):
            url = str(page["nextRecordsUrl"])
            if not url.startswith("/services/data/"):
                raise BadResponse("Salesforce sent a nextRecordsUrl outside its data API")
            page = expect_dict(await self.get(url, policy=policy), "Salesforce", "a query page")
            yield [r for r in page.get("records") or [] if isinstance(r, dict)]
