"""Both doors for call events, started and stopped together by the app.

    service = SoftphoneService(config.softphone, on_event, default_region=region_for(config))
    for problem in await service.start():
        notify(problem)          # the app keeps working without the door that failed
    ...
    await service.stop()

`start` never raises for an expected problem: a door that cannot open is reported as one
readable line, and the other door still opens. The HTTP token is read from the keyring (in a
thread: keyring backends block) or from `CX_TUI_SECRET_<NAME>`; it is never logged.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from cx_tui.softphone.control import ControlError, ControlServer
from cx_tui.softphone.cti_http import CtiHttpError, CtiHttpServer

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from cx_tui.config import SoftphoneConfig
    from cx_tui.softphone.events import CallEvent

MIN_TOKEN_LENGTH = 16
"""Shorter HTTP tokens are refused: anything on this machine could guess them."""


class SoftphoneService:
    """The control socket, and the loopback HTTP endpoint when `[softphone] http_enabled`.

    Args:
        settings: The `[softphone]` table (`config.softphone`).
        on_event: Receives every valid event from either door, in the event loop's thread.
        default_region: Region for numbers without `+` (`sources.region_for(config)`).
        socket_path: The control socket (default: `runtime.socket_path()`).
        env: Environment for the token's fallback variable (default: `os.environ`).
    """

    def __init__(
        self,
        settings: SoftphoneConfig,
        on_event: Callable[[CallEvent], None],
        *,
        default_region: str | None = None,
        socket_path: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.on_event = on_event
        self.default_region = default_region
        self.env = env
        self.control = ControlServer(socket_path, on_event, default_region=default_region)
        self.http: CtiHttpServer | None = None

    @property
    def http_url(self) -> str | None:
        """`http://127.0.0.1:PORT/cti` while the endpoint listens, else None."""
        return self.http.url if self.http is not None else None

    async def start(self, *, replace: bool = False) -> list[str]:
        """Open the doors; returns one line per door that could not open (empty: all open)."""
        problems: list[str] = []
        try:
            await self.control.start(replace=replace)
        except ControlError as error:
            problems.append(f"Softphone events: {error}")
        if self.settings.http_enabled:
            problem = await self._start_http()
            if problem:
                problems.append(f"Softphone HTTP endpoint off: {problem}")
        return problems

    async def _start_http(self) -> str | None:
        from cx_tui import secrets

        name = self.settings.http_token_name
        try:
            token = await asyncio.to_thread(secrets.get_secret, name, self.env)
        except secrets.SecretError as error:
            return str(error).replace("for connector", "for")
        if len(token) < MIN_TOKEN_LENGTH:
            return (
                f'the token "{name}" is shorter than {MIN_TOKEN_LENGTH} characters; store a '
                "random one (python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
            )
        server = CtiHttpServer(
            self.settings.http_port, token, self.on_event, default_region=self.default_region
        )
        try:
            await server.start()
        except CtiHttpError as error:
            return str(error)
        self.http = server
        return None

    async def stop(self) -> None:
        """Close both doors (safe to call twice, or after a failed start)."""
        if self.http is not None:
            await self.http.stop()
            self.http = None
        await self.control.stop()
