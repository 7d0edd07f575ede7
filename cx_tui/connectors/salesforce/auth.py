"""Signing in: the OAuth 2.0 client-credentials flow, the token kept in memory only.

`POST {base_url}/services/oauth2/token` with `grant_type=client_credentials`, the connected
app's consumer key and secret; the answer's `access_token` is sent as `Bearer` until Salesforce
answers 401 `INVALID_SESSION_ID`, then a new token is fetched and the request sent again, once.
Without a consumer key the secret itself is the bearer token (minted some other way), and a 401
is final. The API version (`api_version`, else the newest `GET /services/data` lists) is read
once per process, alongside the first token.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from typing import Any, Final

import httpx

from cx_tui.connectors.base import AuthError, BadResponse, ConnectorError
from cx_tui.connectors.kit.client import Pool
from cx_tui.connectors.kit.errors import clean_detail, error_for_exception
from cx_tui.connectors.salesforce.hooks import error_code

TOKEN_PATH: Final = "/services/oauth2/token"
VERSIONS_PATH: Final = "/services/data"


class Session(httpx.Auth):
    """The account's access token and API version, shared by all its requests.

    Args:
        vendor: The kit's `Vendor` (names and hints for errors).
        base_url: The org's My Domain URL.
        client_id: The consumer key, or None when `secret` is a ready access token.
        secret: The consumer secret (or the access token).
        version: The configured API version, or None for the newest.
        transport: An httpx transport for tests.
    """

    requires_response_body = True

    def __init__(
        self,
        vendor: Any,
        base_url: str,
        client_id: str | None,
        secret: str,
        version: str | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._vendor = vendor
        self._client_id = client_id
        self._secret = secret
        self._token: str | None = None if client_id else secret
        self._version = version
        self._http = Pool(base_url, transport=transport)
        self._lock = asyncio.Lock()
        self.tokens_fetched = 0
        self.user_url: str | None = None
        """The identity URL of the user the token acts as (`id` in the token answer)."""

    def __repr__(self) -> str:
        return "<Session ***>"

    @property
    def refreshes(self) -> bool:
        return self._client_id is not None

    async def aclose(self) -> None:
        await self._http.aclose()

    async def ready(self) -> str:
        """Token and API version, fetched together the first time; returns the version."""
        if self._token is None or self._version is None:
            await asyncio.gather(self.token(), self.version())
        return await self.version()

    async def version(self) -> str:
        if self._version is None:
            async with self._lock:
                if self._version is None:
                    self._version = await self._newest_version()
        return self._version

    async def token(self, *, failed: str | None = None) -> str:
        """The current token; a new one when `failed` is the current one (it was refused)."""
        if self._token is not None and self._token != failed:
            return self._token
        if not self.refreshes:
            raise self._refused("the access token was refused")
        async with self._lock:
            if self._token is None or self._token == failed:
                self._token = await self._fetch_token()
        return self._token

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401 or not self.refreshes:
            return
        await response.aread()
        if error_code(_json(response.content)) != "INVALID_SESSION_ID":
            return
        # The token expired or was revoked: one new token, one more try.
        request.headers["Authorization"] = f"Bearer {await self.token(failed=token)}"
        yield request

    async def _post_form(self, path: str, form: dict[str, str]) -> httpx.Response:
        try:
            return await self._http().post(path, data=form)
        except httpx.HTTPError as exc:
            raise error_for_exception(self._vendor, exc) from None

    async def _fetch_token(self) -> str:
        assert self._client_id is not None
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._secret,
        }
        response = await self._post_form(TOKEN_PATH, form)
        data = _json(response.content)
        if response.status_code != 200 or not isinstance(data, dict):
            detail = ""
            if isinstance(data, dict):
                detail = f"{data.get('error', '')}: {data.get('error_description', '')}"
            raise self._refused(
                clean_detail(detail.strip(": "), [self._secret]) or str(response.status_code)
            )
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise BadResponse("Salesforce sent a token answer without an access_token")
        self.tokens_fetched += 1
        self.user_url = data.get("id") if isinstance(data.get("id"), str) else None
        return token

    async def _newest_version(self) -> str:
        try:
            response = await self._http().get(VERSIONS_PATH)
        except httpx.HTTPError as exc:
            raise error_for_exception(self._vendor, exc) from None
        data = _json(response.content)
        versions = []
        if response.status_code == 200 and isinstance(data, list):
            for item in data:
                text = item.get("version") if isinstance(item, dict) else None
                if isinstance(text, str) and text.replace(".", "", 1).isdigit():
                    versions.append(text)
        if not versions:
            raise BadResponse(
                f"Salesforce listed no API versions at {VERSIONS_PATH} ({response.status_code}); "
                "set api_version in the config, or check base_url"
            )
        return max(versions, key=lambda v: tuple(int(p) for p in v.split(".")))

    def _refused(self, said: str) -> ConnectorError:
        return AuthError(f"Salesforce refused to sign in ({said}): {self._vendor.auth_hint}")


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None
