"""The domain model: what a source knows about a person, and the merged profile.

Everything here is plain data (stdlib dataclasses), so connectors, the engine, the CLI and the
UI share one vocabulary and nothing below the UI needs Textual or httpx. Connectors turn vendor
JSON into these types at their boundary; raw vendor payloads never travel further.
"""

from __future__ import annotations

from cx_tui.models.merged import (
    Candidate as Candidate,
)
from cx_tui.models.merged import (
    ConfirmedLink as ConfirmedLink,
)
from cx_tui.models.merged import (
    Conflict as Conflict,
)
from cx_tui.models.merged import (
    FieldValue as FieldValue,
)
from cx_tui.models.merged import (
    LinkUse as LinkUse,
)
from cx_tui.models.merged import (
    Profile as Profile,
)
from cx_tui.models.merged import (
    ProfileState as ProfileState,
)
from cx_tui.models.merged import (
    SourcedCompany as SourcedCompany,
)
from cx_tui.models.merged import (
    SourcedContact as SourcedContact,
)
from cx_tui.models.merged import (
    SourceState as SourceState,
)
from cx_tui.models.merged import (
    SourceStatus as SourceStatus,
)
from cx_tui.models.merged import (
    Theme as Theme,
)
from cx_tui.models.merged import (
    TriedItem as TriedItem,
)
from cx_tui.models.records import (
    Assignment as Assignment,
)
from cx_tui.models.records import (
    CallLog as CallLog,
)
from cx_tui.models.records import (
    Channel as Channel,
)
from cx_tui.models.records import (
    Comment as Comment,
)
from cx_tui.models.records import (
    Company as Company,
)
from cx_tui.models.records import (
    ContactKind as ContactKind,
)
from cx_tui.models.records import (
    ContactPoint as ContactPoint,
)
from cx_tui.models.records import (
    Details as Details,
)
from cx_tui.models.records import (
    Direction as Direction,
)
from cx_tui.models.records import (
    Evidence as Evidence,
)
from cx_tui.models.records import (
    Interaction as Interaction,
)
from cx_tui.models.records import (
    Match as Match,
)
from cx_tui.models.records import (
    MatchReason as MatchReason,
)
from cx_tui.models.records import (
    NoteReceipt as NoteReceipt,
)
from cx_tui.models.records import (
    NoteTarget as NoteTarget,
)
from cx_tui.models.records import (
    Owner as Owner,
)
from cx_tui.models.records import (
    OwnerRole as OwnerRole,
)
from cx_tui.models.records import (
    PartFailure as PartFailure,
)
from cx_tui.models.records import (
    Person as Person,
)
from cx_tui.models.records import (
    Priority as Priority,
)
from cx_tui.models.records import (
    SourceRef as SourceRef,
)
from cx_tui.models.records import (
    TargetKind as TargetKind,
)
from cx_tui.models.records import (
    Ticket as Ticket,
)
from cx_tui.models.records import (
    TicketStatus as TicketStatus,
)
from cx_tui.models.trouble import (
    RecentTicket as RecentTicket,
)
from cx_tui.models.trouble import (
    RecentTickets as RecentTickets,
)
from cx_tui.models.trouble import (
    TroubleSpot as TroubleSpot,
)
