"""Turn a validated config into live connectors and a lookup engine.

A source that cannot be set up (no token, a connector that fails to start) still takes part in
every lookup as a source that fails at once with the reason, so the agent sees why it is
missing and the other sources carry on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cx_tui.cache import ResultCache, Rows
from cx_tui.connectors import registry
from cx_tui.connectors.base import (
    AuthError,
    Capability,
    Connector,
    ConnectorError,
    Unavailable,
)
from cx_tui.lookup import LookupEngine

if TYPE_CHECKING:
    import httpx

    from cx_tui.config import Config, ConnectorConfig
    from cx_tui.identity import Query
    from cx_tui.models import ConfirmedLink, Details, Match, NoteReceipt, NoteTarget
    from cx_tui.resolution import RecordKey


class BrokenSource(Connector):
    """Stands in for a source that could not be set up; every call fails with the reason."""

    type_name = "broken"
    display_name = "Unavailable source"
    needs_secret = False

    def __init__(self, name: str, error: ConnectorError) -> None:
        super().__init__(name, {})
        self.error = error

    async def find_people(self, query: Query) -> Sequence[Match]:  # noqa: ARG002
        raise self.error

    async def get_details(self, match: Match) -> Details:  # noqa: ARG002
        raise self.error

    async def add_note(  # a note waits in the outbox until the source is set up
        self,
        target: NoteTarget,  # noqa: ARG002
        text: str,  # noqa: ARG002
        idempotency_key: str,  # noqa: ARG002
    ) -> NoteReceipt:
        raise self.error


def region_for(config: Config) -> str | None:
    """The region for numbers typed without +: the config's, else the demo data's own."""
    if config.default_region:
        return config.default_region
    if config.demo:
        from cx_tui.connectors.local import demo_region

        return demo_region()
    return None


def build_connector(
    entry: ConnectorConfig,
    *,
    default_region: str | None = None,
    env: Mapping[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Connector:
    """Create one connector, fetching its token; failures become a `BrokenSource`."""
    from cx_tui import secrets

    cls = registry.connector_class(entry.type)
    secret: str | None = None
    if cls.needs_secret:
        try:
            secret = secrets.get_secret(entry.name, env)
        except secrets.SecretError as error:
            return BrokenSource(entry.name, AuthError(str(error)))
    settings: dict[str, Any] = dict(entry.settings)
    if default_region:
        settings.setdefault("default_region", default_region)
    try:
        return cls(entry.name, settings, secret, transport=transport)
    except ConnectorError as error:
        return BrokenSource(entry.name, error)
    except Exception as error:  # a third-party connector's bug must not stop the app
        return BrokenSource(entry.name, Unavailable(f"could not start ({type(error).__name__})"))


def build_engine(
    config: Config,
    *,
    env: Mapping[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    links: Callable[[], Sequence[Sequence[RecordKey]]] | None = None,
    remembered: Callable[[str], ConfirmedLink | None] | None = None,
    cache_rows: Rows | None = None,
) -> LookupEngine:
    """A lookup engine over every configured source, with the configured deadlines.

    Args:
        links: Returns the record groups the agent confirmed are one person (the store's).
        remembered: Returns who the agent said a number or email belongs to (the store's).
        cache_rows: Where the lookup cache outlives the process (the store); None: memory.
    """
    from cx_tui.team import wiring as team

    region = region_for(config)
    # [team] (issue 19): the shared limiters must be in place before any connector exists.
    team.install(config.team, env=env)
    connectors = [
        build_connector(entry, default_region=region, env=env, transport=transport)
        for entry in config.connectors
    ]
    local = ResultCache(ttl=config.cache_ttl, rows=cache_rows)
    shared, cache = team.engine_parts(connectors, local)
    return LookupEngine(
        shared,
        deadline=config.lookup_deadline,
        details_deadline=config.details_deadline,
        links=links,
        remembered=remembered,
        cache=cache,
    )


def capability_names(capabilities: Capability) -> list[str]:
    """Readable capability names, e.g. ["lookup phone", "tickets"]."""
    return [
        (flag.name or "").lower().replace("_", " ")
        for flag in Capability
        if flag and flag in capabilities
    ]
