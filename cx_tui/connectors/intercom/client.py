"""Plumbing of one Intercom workspace: the HTTP client with the pinned `Intercom-Version`,
the account's limiter fed by Intercom's headers, the admin the token acts as (GET /me), and
cursor pages (`pages.next.starting_after`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

import httpx

from cx_tui.connectors.base import BadResponse, RateLimited
from cx_tui.connectors.http import (
    LOOKUP,
    HttpClient,
    RateLimiter,
    RetryPolicy,
    Vendor,
    bearer,
    expect_dict,
    expect_list,
    fingerprint,
    shared_limiter,
    text_or_none,
)
from cx_tui.connectors.intercom.hooks import Budget
from cx_tui.connectors.intercom.options import API_VERSION, LIMIT_PER_WINDOW, WINDOW_S

NAME: Final = "Intercom"
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def checked_id(value: str, what: str) -> str:
    """An Intercom id fit for a URL path (letters, digits, `_`, `-`), else `ValueError`."""
    if not _ID.fullmatch(value):
        raise ValueError(f"'{value}' is not an Intercom {what} id")
    return value


def record_id(value: Any, vendor: str, what: str) -> str:
    """An Intercom id (a string such as "6762f0d01bb69f9f2193bb7d", or a number) fit for a
    URL path; anything else is a `BadResponse`."""
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not _ID.fullmatch(text):
        raise BadResponse(f"{vendor} sent {what} without a usable id")
    return text


@dataclass(frozen=True, slots=True)
class Admin:
    """Who the token acts as, and its workspace."""

    id: str
    name: str | None
    email: str | None
    app_id: str | None
    app_name: str | None
    region: str | None


class IntercomApi:
    """One workspace's HTTP plumbing.

    Args:
        account: The connector's configured name (for messages and the limiter key).
        base_url: The API host.
        token: The access token.
        auth_hint: What to do when the token is refused.
        transport: An httpx transport for tests.
    """

    def __init__(
        self,
        account: str,
        base_url: str,
        token: str,
        *,
        auth_hint: str,
        reach_hint: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        host = urlsplit(self.base_url).netloc.rpartition("@")[2] or self.base_url
        self.vendor = Vendor(
            name=NAME,
            host=host,
            reach_hint=reach_hint,
            auth_hint=auth_hint,
            scope_hint="give the app the permissions cx-tui needs in Intercom's Developer Hub "
            "(read users and companies, read conversations, read tickets, write conversations, "
            "write users for notes)",
        )
        self.budget = Budget()
        self.limiter: RateLimiter = shared_limiter(
            ("intercom", host, fingerprint(token)), LIMIT_PER_WINDOW, WINDOW_S, label=NAME
        )
        self._http = HttpClient(
            self.vendor,
            self.base_url,
            bearer(token),
            secrets=(token,),
            transport=transport,
            on_headers=self.budget.observe,
        )
        self._admin: Admin | None = None
        self.account = account

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(
        self,
        method: str,
        path: str,
        *,
        policy: RetryPolicy = LOOKUP,
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
        safe: bool | None = None,
    ) -> dict[str, Any]:
        """One request with the pinned version; its JSON object answer.

        Raises:
            RateLimited: with the wait Intercom's reset header names when it sent no
                `Retry-After`.
            ConnectorError: as `HttpClient.request`.
        """
        try:
            reply = await self._http.request(
                method,
                path,
                limiter=self.limiter,
                params=params,
                json_body=body,
                headers={"Intercom-Version": API_VERSION},
                policy=policy,
                safe=safe,
            )
        except RateLimited as exc:
            if exc.retry_after is None and (wait := self.budget.wait()) is not None:
                raise RateLimited(
                    f"{NAME} is rate limiting cx-tui (429); try again in {max(1, round(wait))} s",
                    retry_after=wait,
                ) from None
            raise
        return expect_dict(reply.data, NAME, "an answer")

    async def search(
        self,
        path: str,
        query: Mapping[str, Any],
        key: str,
        *,
        per_page: int,
        max_pages: int,
        policy: RetryPolicy = LOOKUP,
    ) -> list[dict[str, Any]]:
        """The items of a POST .../search, following `pages.next.starting_after`."""
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(max_pages):
            pagination: dict[str, Any] = {"per_page": per_page}
            if cursor:
                pagination["starting_after"] = cursor
            page = await self.call(
                "POST",
                path,
                policy=policy,
                body={"query": query, "pagination": pagination},
                safe=True,
            )
            for item in expect_list(page.get(key), NAME, f"{key} of a search"):
                found.append(expect_dict(item, NAME, f"one of the {key}"))
            cursor = next_cursor(page)
            if not cursor:
                break
        return found

    async def admin(self, policy: RetryPolicy = LOOKUP) -> Admin:
        """GET /me, once per process: the admin notes are written as, and the workspace."""
        if self._admin is None:
            me = await self.call("GET", "/me", policy=policy)
            app = me.get("app") if isinstance(me.get("app"), Mapping) else {}
            assert isinstance(app, Mapping)
            self._admin = Admin(
                id=record_id(me.get("id"), NAME, "the admin"),
                name=text_or_none(me.get("name")),
                email=text_or_none(me.get("email")),
                app_id=text_or_none(app.get("id_code")),
                app_name=text_or_none(app.get("name")),
                region=text_or_none(app.get("region")),
            )
        return self._admin


def next_cursor(page: Mapping[str, Any]) -> str | None:
    """`pages.next.starting_after`, or None on the last page."""
    pages = page.get("pages")
    if not isinstance(pages, Mapping):
        return None
    following = pages.get("next")
    if isinstance(following, Mapping):
        return text_or_none(following.get("starting_after"))
    return None


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
