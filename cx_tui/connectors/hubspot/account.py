"""One HubSpot account: its address, token, limiters, deep links, and the requests all parts use.

`HubSpotAccount` is the base the lookup, details, writes and admin parts build on (see the
package docstring); it holds nothing but plumbing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Final

from cx_tui.connectors.base import AuthError, ConnectorError, NotFound
from cx_tui.connectors.hubspot.hooks import HOOKS, observe_rate_headers
from cx_tui.connectors.hubspot.options import API_URL, APP_DOMAIN, HOST
from cx_tui.connectors.hubspot.records import Reader
from cx_tui.connectors.kit import (
    BACKGROUND,
    LOOKUP,
    Limiter,
    RetryPolicy,
    Vendor,
    VendorConnector,
    batches,
    collect,
    expect_dict,
    expect_dicts,
    expect_list,
    gather_all,
    in_batches,
    record_id,
)
from cx_tui.connectors.kit.ahead import ReadAhead
from cx_tui.connectors.kit.fields import FieldMap
from cx_tui.models import TicketStatus
from cx_tui.secrets import secret_set_command

if TYPE_CHECKING:
    from datetime import datetime

    import httpx

SEARCH_RATE: Final = (5, 1.0)
"""Search requests per second per account (current docs; the changelog once said 4)."""
BURST_RATE: Final = (100, 10.0)
"""Other requests per 10 seconds per account: the smallest tier (Free/Starter)."""
BATCH_READ: Final = 100
BATCH_LINKS: Final = 1000
"""Records per v4 batch associations read (HubSpot's limit)."""
ASSOCIATION_PAGE: Final = 500
MAX_ASSOCIATION_PAGES: Final = 4


@dataclass(frozen=True, slots=True)
class Portal:
    """Where a record opens in HubSpot's web app."""

    portal_id: str
    app_domain: str

    def link(self, object_type_id: str, record: str) -> str:
        return (
            f"https://{self.app_domain}/contacts/{self.portal_id}/record/{object_type_id}/{record}"
        )


def _link_ids(links: Any) -> list[str]:
    return [
        record_id(
            item.get("toObjectId") if isinstance(item, Mapping) else None,
            "HubSpot",
            "an association",
        )
        for item in expect_list(links, "HubSpot", "associations")
    ]


def next_after(page: Mapping[str, Any]) -> str | None:
    """The `paging.next.after` cursor of a HubSpot page, or None."""
    paging = page.get("paging")
    nxt = paging.get("next") if isinstance(paging, Mapping) else None
    after = nxt.get("after") if isinstance(nxt, Mapping) else None
    return after if isinstance(after, str) and after else None


class HubSpotAccount(VendorConnector[dict[str, Any]]):
    """The plumbing of one HubSpot account (portal)."""

    vendor_name: ClassVar[str] = "HubSpot"

    def configure(self) -> None:
        name = self.name
        configured = self.settings.get("base_url")
        self.base_url = str(configured or API_URL).rstrip("/")
        self.plan_property: str | None = self.option("plan_property")
        self.fields: FieldMap = self.option("fields")
        self.vendor = Vendor(
            name="HubSpot",
            host=self.host_of(self.base_url),
            reach_hint="check `base_url`" if configured else "check the network connection",
            auth_hint=f"run `{secret_set_command(name)}` with a valid private-app or OAuth "
            "access token",
            scope_hint="add the missing scopes to the private app (Settings > Integrations > "
            f"Private Apps), then run `{secret_set_command(name)}` if HubSpot issued a new token",
            hooks=HOOKS,
        )
        self._search_limiter = self.account_limiter(
            *SEARCH_RATE, bucket="search", label="HubSpot search"
        )
        self._limiter = self.account_limiter(*BURST_RATE, bucket="burst", label="HubSpot")
        portal_id = self.option("portal_id")
        self._app_domain: str | None = self.option("app_domain")
        self._portal: Portal | None = (
            Portal(str(portal_id), self._app_domain or APP_DOMAIN)
            if portal_id is not None
            else None
        )
        self._portal_unknowable = False
        self._stages: dict[tuple[str, str], TicketStatus] | None = None
        self._stages_tried = False
        self._ahead: ReadAhead[tuple[str, dict[str, list[str]]] | None] = ReadAhead()
        """Contacts' associated ids read beside an email search, by email (`ahead.py`)."""

    def _reader(self, now: datetime) -> Reader:
        """Reads records as of `now`, with the portal known so far (for links)."""
        return Reader(self.name, self.region, self.plan_property, self._portal, now, self.fields)

    def on_headers(self) -> Callable[[httpx.Headers, Limiter], None]:
        # Search answers carry the account's burst headers too: they go to the burst limiter.
        return partial(observe_rate_headers, account=self._limiter)

    async def _get(self, path: str, policy: RetryPolicy, **params: str | int) -> dict[str, Any]:
        data = await self._client().get(
            path, limiter=self._limiter, params=params or None, policy=policy
        )
        return expect_dict(data, "HubSpot", "an answer")

    async def _post(
        self, path: str, body: Any, policy: RetryPolicy, *, safe: bool, search: bool = False
    ) -> dict[str, Any]:
        reply = await self._client().request(
            "POST",
            path,
            json_body=body,
            limiter=self._search_limiter if search else self._limiter,
            policy=policy,
            safe=safe,
        )
        return expect_dict(reply.data, "HubSpot", "an answer")

    async def _patch(self, path: str, body: Any) -> dict[str, Any]:
        """A PATCH that sets properties: sending it twice is harmless (the same values)."""
        reply = await self._client().request(
            "PATCH", path, json_body=body, limiter=self._limiter, policy=BACKGROUND, safe=True
        )
        return expect_dict(reply.data, "HubSpot", "an answer")

    def _adopt_portal(self, portal_id: str, ui_domain: Any) -> Portal:
        domain = str(ui_domain or "").lower()
        app = self._app_domain or (domain if HOST.fullmatch(domain) else APP_DOMAIN)
        self._portal = Portal(portal_id, app)
        return self._portal

    async def _portal_info(self, policy: RetryPolicy) -> Portal | None:
        """The portal id and app domain for deep links (asked once; None when unknowable)."""
        if self._portal is not None or self._portal_unknowable:
            return self._portal
        try:
            data = await self._get("/account-info/v3/details", policy)
        except (AuthError, NotFound):
            self._portal_unknowable = True
            return None
        except ConnectorError:
            return None  # try again on the next lookup
        portal_id = data.get("portalId")
        if not isinstance(portal_id, int | str) or not str(portal_id).isdigit():
            self._portal_unknowable = True
            return None
        return self._adopt_portal(str(portal_id), data.get("uiDomain"))

    async def _associated(
        self,
        from_type: str,
        from_id: str,
        to_type: str,
        policy: RetryPolicy = LOOKUP,
        *,
        max_pages: int = MAX_ASSOCIATION_PAGES,
    ) -> list[str]:
        """Ids of the `to_type` records associated with one record (v4), newest (highest) first."""

        async def fetch(after: str | None) -> dict[str, Any]:
            params: dict[str, str | int] = {"limit": ASSOCIATION_PAGE}
            if after:
                params["after"] = after
            return await self._get(
                f"/crm/v4/objects/{from_type}/{from_id}/associations/{to_type}", policy, **params
            )

        def ids(page: dict[str, Any]) -> list[str]:
            return _link_ids(page.get("results"))

        found = await collect(fetch, next_after, ids, max_pages=max_pages)
        return sorted(set(found), key=int, reverse=True)

    async def _links(
        self, from_type: str, from_ids: Sequence[str], to_type: str, policy: RetryPolicy = LOOKUP
    ) -> dict[str, list[str]]:
        """Ids of the `to_type` records associated with each of `from_ids`, newest (highest)
        first: one v4 batch read per `BATCH_LINKS` ids.

        A record with more than one page of associations is completed with `_associated`.
        Records without any are missing from the answer (HubSpot lists them as errors of a 207).
        """
        found: dict[str, list[str]] = {}
        more: list[str] = []
        for chunk in batches(from_ids, BATCH_LINKS):
            data = await self._post(
                f"/crm/v4/associations/{from_type}/{to_type}/batch/read",
                {"inputs": [{"id": i} for i in chunk]},
                policy,
                safe=True,
            )
            for result in expect_dicts(data.get("results"), "HubSpot", "associations", "a link"):
                source = expect_dict(result.get("from"), "HubSpot", "an association's source")
                from_id = record_id(source.get("id"), "HubSpot", "an association's source")
                found[from_id] = _link_ids(result.get("to"))
                if next_after(result):
                    more.append(from_id)
        if more:
            complete = await gather_all(*(self._associated(from_type, i, to_type) for i in more))
            found.update(zip(more, complete, strict=True))
        return {k: sorted(set(v), key=int, reverse=True) for k, v in found.items()}

    async def _batch_read(
        self,
        object_type: str,
        ids: Sequence[str],
        properties: Sequence[str],
        policy: RetryPolicy = LOOKUP,
    ) -> list[dict[str, Any]]:
        """Records by id, `BATCH_READ` per request (HubSpot's batch read limit)."""

        async def read(chunk: Sequence[str]) -> list[dict[str, Any]]:
            data = await self._post(
                f"/crm/v3/objects/{object_type}/batch/read",
                {"properties": list(properties), "inputs": [{"id": i} for i in chunk]},
                policy,
                safe=True,
            )
            return expect_dicts(
                data.get("results"), "HubSpot", object_type, f"a record of {object_type}"
            )

        return await in_batches(ids, BATCH_READ, read)
