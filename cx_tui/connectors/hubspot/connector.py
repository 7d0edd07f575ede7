"""`HubSpotConnector`: the lookup, details, writes and admin parts over one account."""

from __future__ import annotations

from typing import ClassVar

from cx_tui.connectors.base import Capability, Option
from cx_tui.connectors.hubspot.admin import CAPABILITIES, HubSpotAdmin
from cx_tui.connectors.hubspot.details import HubSpotDetails
from cx_tui.connectors.hubspot.markers import NO_NEW_TICKETS
from cx_tui.connectors.hubspot.options import OPTIONS
from cx_tui.connectors.hubspot.search import HubSpotLookup
from cx_tui.connectors.hubspot.writes import NOTE_BODY_LIMIT, HubSpotWrites
from cx_tui.models import TargetKind


class HubSpotConnector(HubSpotLookup, HubSpotDetails, HubSpotWrites, HubSpotAdmin):
    """One HubSpot account (portal).

    Args:
        name: The configured name (the keyring user of the token).
        settings: Validated options, plus `default_region` from the app for stored numbers
            written without a country code.
        secret: The private-app or OAuth access token.
        transport: An httpx transport for tests.

    Raises:
        AuthError: no token.
    """

    type_name: ClassVar[str] = "hubspot"
    display_name: ClassVar[str] = "HubSpot CRM"
    note_limit: ClassVar[int] = NOTE_BODY_LIMIT - 200
    """Room is kept for the delivery marker and the HTML line breaks."""
    settle_default: ClassVar[float] = 30.0
    """HubSpot: "New or updated records take a few seconds to become searchable" (CRM search
    guide). The marker is found by search first, so an unknown outcome waits 30 s, then the
    search and, failing it, every associated note read back (`hubspot.markers`)."""
    capabilities: ClassVar[Capability] = CAPABILITIES
    options: ClassVar[tuple[Option, ...]] = OPTIONS
    no_recent_count: ClassVar[str] = (
        "a CRM here: cx-tui reads no ticket tags from it (they are counted in the helpdesk)"
    )
    unsupported_targets: ClassVar[dict[TargetKind, str]] = {TargetKind.NEW_TICKET: NO_NEW_TICKETS}
