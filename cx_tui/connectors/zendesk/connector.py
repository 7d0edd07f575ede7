"""`ZendeskConnector`: the lookup, details, writes and admin parts over one account."""

from __future__ import annotations

from typing import ClassVar

from cx_tui.connectors.base import Capability, Option
from cx_tui.connectors.zendesk.admin import ZendeskAdmin
from cx_tui.connectors.zendesk.options import OPTIONS
from cx_tui.connectors.zendesk.recent import ZendeskRecent
from cx_tui.connectors.zendesk.writes import NO_PERSON_NOTES, ZendeskWrites
from cx_tui.models import TargetKind


class ZendeskConnector(ZendeskWrites, ZendeskRecent, ZendeskAdmin):
    """One Zendesk Support account.

    Args:
        name: The configured name (the keyring user of the token).
        settings: Validated options, plus `default_region` from the app.
        secret: The API token (with `email`) or an OAuth access token.
        transport: An httpx transport for tests.

    Raises:
        AuthError: no token.
        ConnectorError: neither `subdomain` nor `base_url` is configured.
    """

    type_name: ClassVar[str] = "zendesk"
    display_name: ClassVar[str] = "Zendesk Support"
    note_limit: ClassVar[int] = 64_000
    settle_default: ClassVar[float] = 20.0
    """Zendesk: "the search index lags by a few minutes" (search API docs), so markers are never
    looked for by search: a ticket's comments and `GET /api/v2/tickets?external_id=` are read
    directly. 20 s covers a ticket update still being applied when its answer was lost."""
    capabilities: ClassVar[Capability] = (
        Capability.LOOKUP
        | Capability.TICKETS
        | Capability.TICKET_NOTES
        | Capability.CREATE_CONTACT
        | Capability.CREATE_TICKET
        | Capability.ASSIGN
        | Capability.UPDATE_PERSON
        | Capability.RECENT_TICKETS
    )
    options: ClassVar[tuple[Option, ...]] = OPTIONS
    unsupported_targets: ClassVar[dict[TargetKind, str]] = {TargetKind.PERSON: NO_PERSON_NOTES}
