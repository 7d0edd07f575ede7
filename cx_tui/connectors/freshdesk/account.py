"""One Freshdesk account: its address, API key, budget, links, and the requests all parts use.

`FreshdeskAccount` is the base the lookup, details, writes and admin parts build on; it holds
nothing but plumbing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from cx_tui.connectors.base import ConnectorError, NotFound
from cx_tui.connectors.freshdesk.hooks import HOOKS, Budget, next_page
from cx_tui.connectors.freshdesk.options import LIMIT_PER_MINUTE, PER_PAGE
from cx_tui.connectors.freshdesk.records import Site
from cx_tui.connectors.kit import (
    BACKGROUND,
    LOOKUP,
    Reply,
    RetryPolicy,
    Vendor,
    VendorConnector,
    basic,
    basic_value,
    collect,
    expect_dict,
    expect_dicts,
)
from cx_tui.secrets import secret_set_command

if TYPE_CHECKING:
    import httpx

    from cx_tui.connectors.kit import Limiter
    from cx_tui.models import SourceRef

Page = tuple[list[dict[str, Any]], int | None]
"""One page of a list: its items and the next page's number (None on the last)."""


class FreshdeskAccount(VendorConnector[dict[str, Any]]):
    """The plumbing of one Freshdesk account, as the agent whose API key is the secret."""

    vendor_name: ClassVar[str] = "Freshdesk"

    def configure(self) -> None:
        domain = self.settings.get("domain")
        configured = self.settings.get("base_url")
        if domain is None and configured is None:
            raise ConnectorError(
                f"{self.name}: a freshdesk connector needs `domain` "
                '("acme" for acme.freshdesk.com) or `base_url` in its [[connectors]] table',
                title="Not configured",
            )
        site = f"https://{domain}.freshdesk.com" if domain else None
        self.base_url = str(configured or site).rstrip("/")
        self.site = Site(
            connector=self.name,
            agent_url=site or self.base_url,
            region=self.region,
            plan_field=self.option("plan_field"),
        )
        self.vendor = Vendor(
            name="Freshdesk",
            host=self.host_of(self.base_url),
            reach_hint="check `base_url`" if configured else "check `domain`",
            auth_hint=f"run `{secret_set_command(self.name)}` with the API key from the agent's "
            "Profile settings",
            scope_hint="the API key's agent needs a role that may view these contacts and "
            "tickets and add private notes",
            hooks=HOOKS,
        )
        self.budget = Budget()
        self._limiter = self.account_limiter(LIMIT_PER_MINUTE, 60.0, label="Freshdesk")

    def auth(self) -> httpx.Auth:
        # The API key is the user name; the password is ignored ("X" by convention).
        return basic(self.secret, "X")

    def secret_values(self) -> tuple[str, ...]:
        return (self.secret, basic_value(self.secret, "X"))

    def on_headers(self) -> Callable[[httpx.Headers, Limiter], None]:
        def observe(headers: httpx.Headers, limiter: Limiter) -> None:
            self.budget.record(headers)
            HOOKS.observe(headers, limiter)

        return observe

    def own_record(self, ref: SourceRef, what: str) -> str:
        """The kit's check, and ASCII digits only: `str.isdigit` also takes fullwidth or
        Arabic-Indic digits, which would reach the URL path as they are."""
        record = super().own_record(ref, what)
        if not (record.isascii() and record.isdigit()):
            raise NotFound(f"There is no {what} {record!r} in {self.name}.")
        return record

    def _prefetch(self, contact: Mapping[str, Any], tickets: Page | None) -> None:
        """Start reading the details of a contact the lookup found (`details.py` does; here
        nothing). `tickets`: the first page of their tickets when already read."""

    async def _get(self, path: str, policy: RetryPolicy = LOOKUP, **params: str | int) -> Any:
        return await self._client().get(
            path, limiter=self._limiter, params=params or None, policy=policy
        )

    async def _write(self, path: str, body: Mapping[str, Any], what: str) -> dict[str, Any]:
        """POST `body` once (sent again only when Freshdesk certainly did nothing)."""
        reply = await self._client().request(
            "POST", path, json_body=body, limiter=self._limiter, policy=BACKGROUND, safe=False
        )
        return expect_dict(reply.data, "Freshdesk", what)

    async def _get_or_none(self, path: str, policy: RetryPolicy = LOOKUP) -> Any:
        """The record at `path`, or None when Freshdesk has none (404)."""
        try:
            return await self._get(path, policy)
        except NotFound:
            return None

    async def _page(
        self, path: str, page: int, *, policy: RetryPolicy = LOOKUP, **params: str | int
    ) -> Page:
        """One page (`PER_PAGE` items) of a `Link`-paginated list."""
        reply: Reply = await self._client().request(
            "GET",
            path,
            limiter=self._limiter,
            params={**params, "per_page": PER_PAGE, "page": page},
            policy=policy,
        )
        return expect_dicts(reply.data, "Freshdesk", "a list", "a list item"), next_page(
            reply.headers
        )

    async def _paged(
        self,
        path: str,
        *,
        policy: RetryPolicy = LOOKUP,
        max_pages: int,
        first: Page | None = None,
        **params: str | int,
    ) -> list[dict[str, Any]]:
        """The items of a list, at most `max_pages` pages; `first` is page 1 when already read
        (only the pages its `Link` announces are then asked)."""

        async def fetch(cursor: str | None) -> Page:
            if cursor is None and first is not None:
                return first
            return await self._page(path, int(cursor or 1), policy=policy, **params)

        def cursor(page: Page) -> str | None:
            return None if page[1] is None else str(page[1])

        return await collect(fetch, cursor, lambda page: page[0], max_pages=max_pages)
