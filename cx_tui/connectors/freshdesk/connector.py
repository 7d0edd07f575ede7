"""`FreshdeskConnector`: the lookup, details, writes, admin and recent-count parts."""

from __future__ import annotations

from typing import ClassVar

from cx_tui.connectors.base import Capability, Option
from cx_tui.connectors.freshdesk.admin import TICKET_WORK, FreshdeskAdmin
from cx_tui.connectors.freshdesk.details import FreshdeskDetails
from cx_tui.connectors.freshdesk.options import NOTE_LIMIT, OPTIONS
from cx_tui.connectors.freshdesk.recent import FreshdeskRecent
from cx_tui.connectors.freshdesk.search import FreshdeskLookup
from cx_tui.connectors.freshdesk.writes import NO_PERSON_NOTES, FreshdeskWrites
from cx_tui.models import TargetKind


class FreshdeskConnector(
    FreshdeskLookup, FreshdeskDetails, FreshdeskWrites, FreshdeskAdmin, FreshdeskRecent
):
    """One Freshdesk account, as the agent whose API key is the secret.

    Args:
        name: The configured name (the keyring user of the API key).
        settings: Validated options (`domain` or `base_url`, `plan_field`), plus
            `default_region` from the app for numbers stored without a country code.
        secret: The agent's API key (HTTP Basic user name).
        transport: An httpx transport for tests.

    Raises:
        AuthError: no API key.
        ConnectorError: neither `domain` nor `base_url`.
    """

    type_name: ClassVar[str] = "freshdesk"
    display_name: ClassVar[str] = "Freshdesk"
    note_limit: ClassVar[int] = NOTE_LIMIT
    settle_default: ClassVar[float] = 10.0
    """Freshdesk: the marker is looked for in the ticket's conversations (a list read, not the
    search index, which Freshdesk says lags), so a committed note shows at once; 10 s covers a
    write still being committed when its answer was lost."""
    capabilities: ClassVar[Capability] = (
        Capability.LOOKUP_PHONE
        | Capability.LOOKUP_EMAIL
        | Capability.CREATE_CONTACT
        | Capability.ASSIGN
        | TICKET_WORK
        | Capability.RECENT_TICKETS
    )
    options: ClassVar[tuple[Option, ...]] = OPTIONS
    unsupported_targets: ClassVar[dict[TargetKind, str]] = {TargetKind.PERSON: NO_PERSON_NOTES}
