"""One Zendesk account: its address, credentials, limiter, links, and the requests all parts use.

`ZendeskAccount` is the base the lookup, details, writes and admin parts build on.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final
from urllib.parse import parse_qs, urlsplit

from cx_tui.connectors.base import ConnectorError, Unavailable
from cx_tui.connectors.kit import (
    HeaderAuth,
    RetryPolicy,
    Vendor,
    VendorConnector,
    basic,
    basic_value,
    bearer,
    collect,
    expect_dict,
    expect_dicts,
    text_or_none,
)
from cx_tui.connectors.kit.ahead import ReadAhead
from cx_tui.connectors.kit.bounded import BoundedDict
from cx_tui.connectors.kit.fields import FieldMap
from cx_tui.connectors.zendesk.hooks import HOOKS
from cx_tui.secrets import secret_set_command

if TYPE_CHECKING:
    pass

LIMIT_PER_MINUTE: Final = 200
MAX_KNOWN_USERS: Final = 1000
MAX_KNOWN_ORGS: Final = 200
"""Users' organization ids and side-loaded organizations kept (the oldest go first)."""
"""Until Zendesk's `X-Rate-Limit` header says the account's own limit: the smallest plan's."""

UserCandidate = tuple[dict[str, Any], list[dict[str, Any]]]
"""A user found by search, with their identities (secondary emails and phones)."""


def next_page(page: Mapping[str, Any]) -> str | None:
    """The page number in an offset-paginated answer's `next_page` URL (never the URL itself:
    requests stay on the configured host)."""
    url = page.get("next_page")
    if not isinstance(url, str) or not url:
        return None
    values = parse_qs(urlsplit(url).query).get("page", [])
    return values[0] if values and values[0].isdigit() else None


class ZendeskAccount(VendorConnector[UserCandidate]):
    """The plumbing of one Zendesk Support account."""

    vendor_name: ClassVar[str] = "Zendesk"

    def configure(self) -> None:
        name = self.name
        self.subdomain: str | None = self.settings.get("subdomain")
        configured = self.settings.get("base_url")
        if self.subdomain is None and configured is None:
            raise ConnectorError(
                f'{name}: a zendesk connector needs `subdomain` ("acme" for acme.zendesk.com) '
                "or `base_url` in its [[connectors]] table",
                title="Not configured",
            )
        site = f"https://{self.subdomain}.zendesk.com" if self.subdomain else None
        self.base_url = str(configured or site).rstrip("/")
        self.agent_url: str = site or self.base_url
        self.email: str | None = self.settings.get("email")
        self.plan_field: str = self.option("plan_field")
        self.fields: FieldMap = self.option("fields")
        command = secret_set_command(name)
        if self.email:
            auth_hint = (
                f"check that `email` ({self.email}) is the agent the API token belongs to, and "
                f"run `{command}` with a valid API token"
            )
        else:
            auth_hint = (
                f"run `{command}` with a valid OAuth access token (for an API token, also set "
                "`email` to the agent's address)"
            )
        self.vendor = Vendor(
            name="Zendesk",
            host=self.host_of(self.base_url),
            reach_hint="check `base_url`" if configured else "check `subdomain`",
            auth_hint=auth_hint,
            scope_hint="the token's user needs an agent role that may see these users and "
            "tickets and add private comments",
            hooks=HOOKS,
        )
        self._limiter = self.account_limiter(LIMIT_PER_MINUTE, 60.0, label="Zendesk")
        self._organizations: dict[str, str | None] = BoundedDict(MAX_KNOWN_USERS)
        """Each user's organization id, as the lookup read it (the details need not ask)."""
        self._organization_records: dict[str, dict[str, Any]] = BoundedDict(MAX_KNOWN_ORGS)
        """Organizations side-loaded by the user search, by id (the details read no other)."""
        self._ahead: ReadAhead[
            tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, str]] | None
        ] = ReadAhead()
        """A requester's tickets searched by email beside the user search (`ahead.py`)."""

    def auth(self) -> HeaderAuth:
        """API-token auth (`Basic {email}/token:{token}`) with `email`, else OAuth `Bearer`."""
        return basic(f"{self.email}/token", self.secret) if self.email else bearer(self.secret)

    def secret_values(self) -> tuple[str, ...]:
        # Whatever a vendor or proxy could quote back: the token, and the header value built
        # from it (base64 of "email/token:TOKEN" is what actually travels).
        values = [self.secret, base64.b64encode(self.secret.encode()).decode("ascii")]
        if self.email:
            values.append(basic_value(f"{self.email}/token", self.secret))
        return tuple(values)

    async def _get(self, path: str, policy: RetryPolicy, **params: str | int) -> dict[str, Any]:
        data = await self._client().get(
            path, limiter=self._limiter, params=params or None, policy=policy
        )
        return expect_dict(data, "Zendesk", "an answer")

    async def _send(
        self, method: str, path: str, body: Any, policy: RetryPolicy, what: str, **extra: Any
    ) -> dict[str, Any]:
        """A write: not idempotent, so sent again only when Zendesk certainly did nothing."""
        reply = await self._client().request(
            method, path, json_body=body, limiter=self._limiter, policy=policy, safe=False, **extra
        )
        return expect_dict(reply.data, "Zendesk", what)

    def _user_url(self, user_id: str) -> str:
        return f"{self.agent_url}/agent/users/{user_id}"

    def _ticket_url(self, ticket_id: str) -> str:
        return f"{self.agent_url}/agent/tickets/{ticket_id}"

    def _no_account(self) -> Unavailable:
        return Unavailable(
            f"no Zendesk account answers at {self.vendor.host}: {self.vendor.reach_hint}"
        )

    async def _search(
        self,
        query: str,
        policy: RetryPolicy,
        *,
        limit: int,
        per_page: int,
        names: dict[str, str] | None = None,
        **params: str | int,
    ) -> list[dict[str, Any]]:
        """Results of `GET /api/v2/search` (offset pages of `per_page`), at most `limit`.

        `names`, when given, collects the side-loaded users and groups of each page
        (`user:<id>`/`group:<id>` -> name; ask for them with `include=tickets(users,groups)`).
        """
        per_page = min(100, per_page)

        async def fetch(page: str | None) -> dict[str, Any]:
            extra: dict[str, str | int] = {"page": page} if page else {}
            return await self._get(
                "/api/v2/search", policy, query=query, per_page=per_page, **params, **extra
            )

        def results(page: dict[str, Any]) -> list[dict[str, Any]]:
            if names is not None:
                names.update(sideloaded_names(page))
            return expect_dicts(page.get("results"), "Zendesk", "search results", "a search result")

        return await collect(
            fetch, next_page, results, max_pages=-(-limit // per_page), limit=limit
        )


def sideloaded_names(page: Mapping[str, Any]) -> dict[str, str]:
    """`user:<id>`/`group:<id>` -> name, from a page's `users` and `groups` side-loads."""
    found: dict[str, str] = {}
    for kind in ("users", "groups"):
        items = page.get(kind)
        for item in items if isinstance(items, list) else ():
            if isinstance(item, Mapping) and (name := text_or_none(item.get("name"))):
                found[f"{kind[:-1]}:{item.get('id')}"] = name
    return found
