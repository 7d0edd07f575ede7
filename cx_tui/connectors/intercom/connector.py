"""`IntercomConnector`: the lookup, details, writes and admin parts over one workspace."""

from __future__ import annotations

from typing import ClassVar

from cx_tui.connectors.base import Capability, Option
from cx_tui.connectors.intercom.admin import CAPABILITIES, IntercomAdmin
from cx_tui.connectors.intercom.details import IntercomDetails
from cx_tui.connectors.intercom.options import OPTIONS
from cx_tui.connectors.intercom.search import IntercomLookup
from cx_tui.connectors.intercom.writes import NO_NEW_TICKETS, IntercomWrites
from cx_tui.models import TargetKind


class IntercomConnector(IntercomLookup, IntercomDetails, IntercomWrites, IntercomAdmin):
    """One Intercom workspace: see the package docstring for its options and parts; the
    template (`kit.VendorConnector`) for its constructor."""

    type_name: ClassVar[str] = "intercom"
    display_name: ClassVar[str] = "Intercom"
    note_limit: ClassVar[int] = 60_000
    settle_default: ClassVar[float] = 10.0
    """Intercom: the marker is looked for in the contact's notes or the conversation's parts
    (reads, not search; Intercom documents only search as lagging "a few minutes"), so 10 s
    covers a write still being committed when its answer was lost."""
    capabilities: ClassVar[Capability] = CAPABILITIES
    options: ClassVar[tuple[Option, ...]] = OPTIONS
    no_recent_count: ClassVar[str] = (
        "its conversation search takes a tag's id, not its name, and mapping names to ids "
        "(GET /tags) is not done yet"
    )
    unsupported_targets: ClassVar[dict[TargetKind, str]] = {TargetKind.NEW_TICKET: NO_NEW_TICKETS}
