"""The connector contract every source (CRM, helpdesk, the local demo) implements.

A connector turns one configured account into domain objects: it finds people for a validated
query, fetches what surrounds a matched person, and writes notes back. It declares what it can
do (`capabilities`) and what it needs to be configured (`options`, as data), so the same
declaration validates the config file, documents the connector and, later, drives a set-up
screen. Errors leave a connector only as `ConnectorError` subclasses.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from cx_tui.connectors.declarations import (
    COMMON_OPTIONS as COMMON_OPTIONS,
)
from cx_tui.connectors.declarations import (
    SETTLE_OPTION as SETTLE_OPTION,
)
from cx_tui.connectors.declarations import (
    Capability as Capability,
)
from cx_tui.connectors.declarations import (
    CheckResult as CheckResult,
)
from cx_tui.connectors.declarations import (
    Option as Option,
)
from cx_tui.connectors.declarations import (
    Validator as Validator,
)
from cx_tui.connectors.declarations import (
    new_ticket_subject as new_ticket_subject,
)
from cx_tui.connectors.declarations import (
    text_validator as text_validator,
)
from cx_tui.connectors.errors import (
    AuthError as AuthError,
)
from cx_tui.connectors.errors import (
    BadResponse as BadResponse,
)
from cx_tui.connectors.errors import (
    ConnectorError as ConnectorError,
)
from cx_tui.connectors.errors import (
    InvalidInput as InvalidInput,
)
from cx_tui.connectors.errors import (
    NotFound as NotFound,
)
from cx_tui.connectors.errors import (
    RateLimited as RateLimited,
)
from cx_tui.connectors.errors import (
    Timeout as Timeout,
)
from cx_tui.connectors.errors import (
    Unavailable as Unavailable,
)
from cx_tui.connectors.errors import (
    Unsupported as Unsupported,
)

if TYPE_CHECKING:
    import httpx

    from cx_tui.identity import Query
    from cx_tui.models import (
        Assignment,
        CallLog,
        ContactPoint,
        Details,
        Match,
        NoteReceipt,
        NoteTarget,
        Person,
        RecentTickets,
        SourceRef,
    )


# --- The contract --------------------------------------------------------------------------


class Connector(ABC):
    """One configured account of a CRM or helpdesk.

    Subclasses set the class attributes and implement the abstract methods. Optional
    capabilities have safe defaults that raise `Unsupported`; a connector that overrides one
    also declares it in `capabilities`.

    Args:
        name: The account's configured name (shown to agents; the keyring user).
        settings: Validated option values (see `options`), including `base_url`.
        secret: The account's token, or None for connectors that need none.
        transport: An httpx transport for tests (`httpx.MockTransport`, respx).
    """

    type_name: ClassVar[str]
    """The config `type` that selects this connector."""
    display_name: ClassVar[str]
    capabilities: ClassVar[Capability] = Capability.NONE
    options: ClassVar[tuple[Option, ...]] = ()
    needs_secret: ClassVar[bool] = True
    note_limit: ClassVar[int] = 65_536
    """Longest note body, in characters, the source accepts."""
    no_recent_count: ClassVar[str] = "it has no search of tickets by tag and time"
    """Why the type cannot `count_recent` (shown by `cx-tui connectors`); unused when it
    declares `Capability.RECENT_TICKETS`."""

    def __init__(
        self,
        name: str,
        settings: Mapping[str, Any],
        secret: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.settings = dict(settings)
        self._secret = secret
        self._transport = transport
        self.setup()

    def setup(self) -> None:  # noqa: B027 - a safe default, not an abstract method
        """Prepare the connector from `settings` (called at the end of `__init__`, so a
        subclass needs no `__init__` of its own).

        Raises:
            ConnectorError: the settings or the secret cannot work (e.g. `AuthError`).
        """

    def __repr__(self) -> str:
        # Never the secret: reprs end up in logs and tracebacks.
        return f"<{type(self).__name__} {self.name!r}>"

    @property
    def offered(self) -> Capability:
        """What this account offers the agent: the type's `capabilities`, less what its
        settings rule out. The UI offers only these."""
        return self.capabilities

    @property
    def settle_seconds(self) -> float:
        """Seconds a write whose outcome is unknown is left to settle (the vendor commits and
        indexes it) before `find_delivery` looks for it. 0: look-ups see a write at once."""
        return 0.0

    def supports(self, capability: Capability) -> bool:
        return capability in self.offered

    @classmethod
    def all_options(cls) -> tuple[Option, ...]:
        return COMMON_OPTIONS + cls.options

    @abstractmethod
    async def find_people(self, query: Query) -> Sequence[Match]:
        """Find the people the query may mean.

        Args:
            query: A validated phone, email or name query.

        Returns:
            Matches, each with the reason it matched and a confidence; empty when nobody.

        Raises:
            ConnectorError: a subclass saying why the source could not answer.
        """

    @abstractmethod
    async def get_details(self, match: Match) -> Details:
        """Fetch what surrounds a matched person: companies, tickets with comments, interactions.

        Args:
            match: A match this connector returned.

        Returns:
            The person's details; ticket lists are capped by the connector.

        Raises:
            ConnectorError: a subclass saying why the source could not answer.
        """

    async def add_note(
        self,
        target: NoteTarget,  # noqa: ARG002 - the default refuses; overrides use them all
        text: str,  # noqa: ARG002
        idempotency_key: str,  # noqa: ARG002
    ) -> NoteReceipt:
        """Write a note to a person, an internal note on a ticket, or open a ticket with it.

        Args:
            target: The person or ticket, a record of this connector. For a
                `TargetKind.NEW_TICKET` (declare `Capability.CREATE_TICKET`), the person who
                requests the ticket: its subject is `new_ticket_subject(text, ...)`, the whole
                note its first internal (private) comment, and the receipt's `ref` the ticket.
            text: The note body, at most `note_limit` characters.
            idempotency_key: A lower-case uuid4, the same on every retry of one note; the
                same key twice never creates two notes. A source with native idempotency gets
                it as is. A source without it writes `cx-tui:<key>` into the note (the body's
                last line, or a field the vendor keeps with the note) and, before creating a
                note, searches the target's notes for that exact marker; when found it returns
                that note's receipt with `duplicate=True`. The outbox's lease ensures one
                sender per key at a time, so search-then-write is enough. A new ticket is
                looked for the same way (a field of the ticket, such as Zendesk's
                `external_id`), so one key opens at most one ticket.

        Returns:
            The created (or already existing) note.

        Raises:
            Unsupported: the source takes no notes of that kind (or opens no tickets).
            ConnectorError: a subclass saying why the note was not written.
        """
        raise Unsupported(f"{self.name} does not take notes.")

    def note_text(self, text: str) -> str:
        """The note stripped, refused (`InvalidInput`) when empty or longer than `note_limit`:
        every connector's first check in `add_note`."""
        body = text.strip()
        if not body:
            raise InvalidInput("The note is empty.")
        if len(text) > self.note_limit:
            raise InvalidInput(
                f"The note is {len(text):,} characters; {self.name} takes at most "
                f"{self.note_limit:,}."
            )
        return body

    async def find_delivery(
        self,
        target: NoteTarget,  # noqa: ARG002 - the default cannot tell; overrides use them all
        idempotency_key: str,  # noqa: ARG002
    ) -> NoteReceipt | None:
        """The receipt of what `idempotency_key` already wrote on `target`, if the source has
        it; None when it has nothing (or cannot tell: `add_note` then looks again itself).

        The outbox asks this after an attempt whose outcome is unknown, `settle_seconds` later.
        """
        return None

    async def remove_duplicates(
        self,
        target: NoteTarget,  # noqa: ARG002 - the default removes nothing
        idempotency_key: str,  # noqa: ARG002
    ) -> tuple[str, ...]:
        """Remove all but the oldest note carrying this key, where the source allows it
        safely; returns the removed record ids. Default: none (the source cannot)."""
        return ()

    def formatted_length(self, target: NoteTarget, text: str) -> int:  # noqa: ARG002
        """How many characters the note takes once formatted for this source (marker
        included). Default: the text's length. May raise the source's own refusal
        (`InvalidInput`) when the formatted note cannot fit."""
        return len(text)

    async def hand_off(
        self,
        target: NoteTarget,  # noqa: ARG002 - the default refuses; overrides use them all
        text: str,  # noqa: ARG002
        idempotency_key: str,  # noqa: ARG002
        assign: Assignment,  # noqa: ARG002
    ) -> NoteReceipt:
        """An internal note on a ticket that also assigns it (declare `Capability.ASSIGN`),
        exactly once per key like `add_note`. The default refuses; the outbox then writes
        the note alone.

        Raises:
            Unsupported: this source cannot assign tickets (nothing is sent).
        """
        raise Unsupported(f"{self.name} cannot assign a ticket from cx-tui.")

    def too_long(self, target: NoteTarget, text: str) -> str | None:
        """Why `text` is too long for this source, as `add_note` would refuse it before any
        request (the plain text against `note_limit`, then the body as formatted for the
        source), or None. For the note editor while typing, and `cx-tui note` before saving."""
        body = text.strip()
        if not body:
            return None
        if len(body) > self.note_limit:
            return f"too long for {self.name}: {len(body):,} of {self.note_limit:,} characters"
        try:
            self.formatted_length(target, body)
        except InvalidInput as refused:
            return refused.message  # the source's own words ("too long for HubSpot once...")
        return None

    async def add_call(
        self,
        target: NoteTarget,  # noqa: ARG002 - the default refuses; overrides use them all
        call: CallLog,  # noqa: ARG002
        *,
        key: str,  # noqa: ARG002
    ) -> NoteReceipt:
        """Log a call as the source's own call activity (declare `Capability.CALLS`).

        Args:
            target: The person (or ticket) the call was with or about.
            call: The call: summary, direction, duration, the wrap-up's outcome, start time
                (validated when it was made).
            key: The idempotency key, as for `add_note`: the same on every attempt.

        Raises:
            Unsupported: the source has no call activities (the outbox then writes a note, the
                nearest equivalent).
            ConnectorError: a subclass saying why the call was not logged.
        """
        raise Unsupported(f"{self.name} does not log calls.")

    async def create_person(
        self,
        name: str | None,  # noqa: ARG002 - the default refuses; overrides use them all
        contact_points: Sequence[ContactPoint],  # noqa: ARG002
    ) -> Person:
        """Create a person (contact) record, e.g. for an unknown caller.

        Args:
            name: Full name, when the agent knows it.
            contact_points: Validated phones (E.164) and emails.

        Returns:
            The created person.

        Raises:
            Unsupported: the source cannot create people.
            ConnectorError: a subclass saying why the person was not created.
        """
        raise Unsupported(f"{self.name} cannot create contacts.")

    async def add_phone(
        self,
        person: SourceRef,  # noqa: ARG002 - the default refuses; overrides use them all
        e164: str,  # noqa: ARG002
        idempotency_key: str,  # noqa: ARG002
        *,
        extension: str | None = None,  # noqa: ARG002
    ) -> NoteReceipt:
        """Add a phone number to an existing person (declare `Capability.UPDATE_PERSON`).

        Idempotent by reading: the person's record is read first, and when it already holds
        the number (compared as E.164 and extension, however it is written there) nothing is
        written and the receipt says `duplicate=True`. So the same key twice, or the same
        number attached twice, writes once.

        Args:
            person: A person record of this connector.
            e164: The number, E.164 (`+14155550132`).
            idempotency_key: The outbox's key for this write (the same on every retry).
            extension: The extension, when the line has one.

        Returns:
            A receipt whose `ref` is the person.

        Raises:
            Unsupported: the source cannot add numbers to people.
            InvalidInput: an invalid number, or another source's record (nothing is sent).
            ConnectorError: a subclass with the vendor's own words when it refused (no free
                phone field, the number belongs to someone else...).
        """
        raise Unsupported(f"{self.name} cannot add a number to a person.")

    async def count_recent(
        self,
        tag: str,  # noqa: ARG002 - the default refuses; overrides use them all
        since: datetime,  # noqa: ARG002
    ) -> RecentTickets:
        """Tickets carrying `tag` opened since `since`, from every customer (declare
        `Capability.RECENT_TICKETS`): for trouble spots, asked in the background, never on a
        lookup's critical path.

        Args:
            tag: A tag as `insight.trouble.checked_tag` lets through (lower case, no spaces or
                quotes); a connector still refuses (`InvalidInput`) what its query language
                could read as more than a tag.
            since: Aware; a source whose search is coarser filters the rest itself.

        Returns:
            The tickets (capped, newest first) with their requesters, how many match in all,
            and the problem (incident) ticket about the tag when the source has one.

        Raises:
            Unsupported: the source cannot search tickets this way (`no_recent_count` says why).
            ConnectorError: a subclass saying why the source could not answer.
        """
        raise Unsupported(f"{self.name} cannot count recent tickets: {self.no_recent_count}.")

    async def check(self) -> CheckResult:
        """Check the account: reachable, authenticated, and what the token may do."""
        return CheckResult(ok=True, summary="no check available for this connector type")

    async def aclose(self) -> None:  # noqa: B027 - a safe default, not an abstract method
        """Release connections and files."""
