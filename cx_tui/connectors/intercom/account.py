"""One Intercom workspace: its host, token, pinned `Intercom-Version`, limiter and rate budget,
the admin the token acts as (GET /me), inbox links, and the requests every part uses.

`IntercomAccount` is the base the lookup, details, writes and admin parts build on; it holds
nothing but plumbing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Final
from urllib.parse import parse_qsl, urlsplit

from cx_tui.connectors.base import InvalidInput, NotFound
from cx_tui.connectors.intercom.hooks import HOOKS, Budget
from cx_tui.connectors.intercom.options import (
    API_HOSTS,
    API_VERSION,
    INBOX_HOSTS,
    LIMIT_PER_WINDOW,
    WINDOW_S,
)
from cx_tui.connectors.intercom.records import ID, Links, intercom_id
from cx_tui.connectors.kit import (
    LOOKUP,
    RetryPolicy,
    Vendor,
    VendorConnector,
    collect,
    expect_dict,
    expect_dicts,
    text_or_none,
)
from cx_tui.connectors.kit.ahead import ReadAhead
from cx_tui.secrets import secret_set_command

if TYPE_CHECKING:
    import httpx

    from cx_tui.connectors.kit import Limiter
    from cx_tui.models import ContactPoint, SourceRef

NAME: Final = "Intercom"
VERSION_HEADER: Final = {"Intercom-Version": API_VERSION}
MAX_PREFETCHED: Final = 8
"""Round-one conversation searches kept for details that have not asked for them yet."""


def checked_id(value: str, what: str) -> str:
    """An id cx-tui was handed, fit for a URL path (letters, digits, `_`, `-`), else
    `InvalidInput` before any request."""
    if not ID.fullmatch(value):
        raise InvalidInput(f"'{value}' is not an Intercom {what} id.")
    return value


@dataclass(frozen=True, slots=True)
class Admin:
    """Who the token acts as, and its workspace."""

    id: str
    name: str | None
    email: str | None
    app_id: str | None
    app_name: str | None


def next_cursor(page: Mapping[str, Any]) -> str | None:
    """`pages.next.starting_after` of a search page, or None on the last page."""
    pages = page.get("pages")
    following = pages.get("next") if isinstance(pages, Mapping) else None
    return text_or_none(following.get("starting_after")) if isinstance(following, Mapping) else None


def next_page(page: Mapping[str, Any]) -> dict[str, str] | None:
    """The query of the next page of a list endpoint, which Intercom pages three ways: a
    `starting_after` cursor object, a `next` URL, or `page` < `total_pages`."""
    pages = page.get("pages")
    if not isinstance(pages, Mapping):
        return None
    following = pages.get("next")
    if isinstance(following, Mapping):
        cursor = text_or_none(following.get("starting_after"))
        return {"starting_after": cursor} if cursor else None
    if isinstance(following, str) and following:
        query = dict(parse_qsl(urlsplit(following).query))
        if "starting_after" in query:
            return {"starting_after": query["starting_after"]}
        if query.get("page", "").isdigit():
            return {"page": query["page"]}
    number, total = pages.get("page"), pages.get("total_pages")
    if isinstance(number, int) and isinstance(total, int) and number < total:
        return {"page": str(number + 1)}
    return None


@dataclass(slots=True)
class Memory:
    """What one workspace's connector keeps between calls."""

    app_id: str | None
    """The workspace id of inbox links: configured, else read from GET /me."""
    admin: asyncio.Task[Admin] | None = None
    budget: Budget = field(default_factory=Budget)
    created: dict[str, tuple[float, tuple[ContactPoint, ...]]] = field(default_factory=dict)
    """Contacts this process created: Intercom's search may not list them for minutes."""
    tag_names: dict[str, str] = field(default_factory=dict)
    tags_read_at: float = float("-inf")
    tags_denied: bool = False
    ahead: ReadAhead[list[dict[str, Any]]] = field(
        default_factory=lambda: ReadAhead(limit=MAX_PREFETCHED)
    )
    """Round one's searches of the open conversations an email started, by email; each is
    taken once by the details (`kit.ahead`)."""


class IntercomAccount(VendorConnector[dict[str, Any]]):
    """The plumbing of one Intercom workspace."""

    vendor_name: ClassVar[str] = NAME

    @cached_property
    def hosting(self) -> str:
        """The hosting region ("us", "eu", "au"): the API host unless `base_url` says, and the
        inbox host of links."""
        return str(self.option("region"))

    @cached_property
    def base_url(self) -> str:  # type: ignore[override]
        return str(self.settings.get("base_url") or API_HOSTS[self.hosting]).rstrip("/")

    @cached_property
    def vendor(self) -> Vendor:  # type: ignore[override]
        return Vendor(
            name=NAME,
            host=self.host_of(self.base_url),
            reach_hint="check `base_url`" if self.settings.get("base_url") else "check `region`",
            auth_hint=f"run `{secret_set_command(self.name)}` with a valid Intercom access "
            "token (Developer Hub → your app → Authentication)",
            scope_hint="give the app the permissions cx-tui needs in Intercom's Developer Hub "
            "(read users and companies, read tags, read conversations, read tickets, write "
            "conversations, write users for notes)",
            hooks=HOOKS,
        )

    @cached_property
    def _limiter(self) -> Limiter:  # type: ignore[override]
        return self.account_limiter(LIMIT_PER_WINDOW, WINDOW_S, label=NAME)

    @cached_property
    def memory(self) -> Memory:
        """What this connector keeps between calls."""
        return Memory(app_id=self.settings.get("app_id"))

    def on_headers(self) -> Callable[[httpx.Headers, Limiter], None]:
        def observe(headers: httpx.Headers, limiter: Limiter) -> None:
            HOOKS.observe(headers, limiter)
            self.memory.budget.record(headers)

        return observe

    def own_record(self, ref: SourceRef, what: str) -> str:
        """The id of one of this workspace's records (Intercom ids are not all digits)."""
        if ref.connector != self.name:
            raise NotFound(f"{ref.connector} record {ref.record_id} is not in {self.name}.")
        if not ID.fullmatch(ref.record_id):
            raise NotFound(f"There is no {what} {ref.record_id!r} in {self.name}.")
        return ref.record_id

    async def _call(
        self,
        method: str,
        path: str,
        policy: RetryPolicy = LOOKUP,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
        safe: bool | None = None,
    ) -> dict[str, Any]:
        """One request with the pinned version; its JSON object answer."""
        reply = await self._client().request(
            method,
            path,
            limiter=self._limiter,
            params=params,
            json_body=body,
            headers=VERSION_HEADER,
            policy=policy,
            safe=safe,
        )
        return expect_dict(reply.data, NAME, "an answer")

    async def _search(
        self,
        path: str,
        query: Mapping[str, Any],
        key: str,
        *,
        per_page: int,
        max_pages: int = 1,
        policy: RetryPolicy = LOOKUP,
    ) -> list[dict[str, Any]]:
        """The items of a POST .../search, following `pages.next.starting_after`."""

        async def fetch(cursor: str | None) -> dict[str, Any]:
            pagination: dict[str, Any] = {"per_page": per_page}
            if cursor:
                pagination["starting_after"] = cursor
            body = {"query": query, "pagination": pagination}
            return await self._call("POST", path, policy, body=body, safe=True)

        def items(page: dict[str, Any]) -> list[dict[str, Any]]:
            return expect_dicts(page.get(key), NAME, f"{key} of a search", f"one of the {key}")

        return await collect(fetch, next_cursor, items, max_pages=max_pages)

    async def admin(self, policy: RetryPolicy = LOOKUP) -> Admin:
        """GET /me, once per connector (requests asking at once share one): the admin notes are
        written as, and the workspace id inbox links use. A failure is asked again next time."""
        memory = self.memory
        if memory.admin is None or (memory.admin.done() and memory.admin.exception() is not None):
            memory.admin = asyncio.ensure_future(self._read_admin(policy))
        return await asyncio.shield(memory.admin)

    async def _read_admin(self, policy: RetryPolicy) -> Admin:
        me = await self._call("GET", "/me", policy)
        app = me.get("app")
        app = app if isinstance(app, Mapping) else {}
        return Admin(
            id=intercom_id(me.get("id"), "the admin"),
            name=text_or_none(me.get("name")),
            email=text_or_none(me.get("email")),
            app_id=text_or_none(app.get("id_code")),
            app_name=text_or_none(app.get("name")),
        )

    async def links(self) -> Links:
        """Inbox links; the workspace id comes from `app_id` or, once, from GET /me."""
        if self.memory.app_id is None:
            try:
                self.memory.app_id = (await self.admin()).app_id
            except NotFound:
                self.memory.app_id = None
        return Links(INBOX_HOSTS[self.hosting], self.memory.app_id)

    async def aclose(self) -> None:
        memory = self.memory
        if memory.admin is not None and not memory.admin.done():
            memory.admin.cancel()
        memory.ahead.close()
        await super().aclose()
