"""The `salesforce` connector: Contacts, Leads, Accounts, Cases and Tasks of one org.

Modules: `options` (the config contract), `auth` (client-credentials token, in memory only),
`hooks` (error bodies, 403 rate limit, `Sforce-Limit-Info`), `soql` (escaped SOSL/SOQL from
validated values), `api` (the account's client), `records` (JSON to models), `search`
(find people), `details` (one composite round trip), `writes` (exactly-once writes) and `admin`
(`cx-tui connectors`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from cx_tui.connectors.base import Capability, CheckResult, Connector, Option
from cx_tui.connectors.salesforce import admin, details, search
from cx_tui.connectors.salesforce.api import Api
from cx_tui.connectors.salesforce.options import OPTIONS, Settings
from cx_tui.connectors.salesforce.records import Reader
from cx_tui.connectors.salesforce.writes import Writer

if TYPE_CHECKING:
    from datetime import datetime

    import httpx

    from cx_tui.identity import Query
    from cx_tui.models import ContactPoint, Details, Match, NoteReceipt, NoteTarget, Person


class SalesforceConnector(Connector):
    """One Salesforce org (Sales Cloud / Service Cloud) through its REST API."""

    type_name: ClassVar[str] = "salesforce"
    display_name: ClassVar[str] = "Salesforce"
    capabilities: ClassVar[Capability] = (
        Capability.LOOKUP_PHONE
        | Capability.LOOKUP_EMAIL
        | Capability.LOOKUP_NAME
        | Capability.TICKETS
        | Capability.PERSON_NOTES
        | Capability.TICKET_NOTES
        | Capability.CALLS
        | Capability.CREATE_CONTACT
        | Capability.CREATE_TICKET
    )
    options: ClassVar[tuple[Option, ...]] = OPTIONS
    note_limit: ClassVar[int] = 31_000
    """A Task Description holds 32,000 characters; room is left for the marker."""

    def __init__(
        self,
        name: str,
        settings: Mapping[str, Any],
        secret: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(name, settings, secret, transport=transport)
        self.config = Settings.read(self.settings)
        region = self.settings.get("default_region")
        self.region = region if isinstance(region, str) and region else None
        self.api = Api(name, self.config, secret or "", transport=transport)
        self._writer = Writer(self.api, self._reader())

    def _reader(self) -> Reader:
        return Reader(
            self.name,
            self.config.base_url,
            self.region,
            self.config.email_fields,
            self.config.plan_field,
        )

    async def find_people(self, query: Query) -> Sequence[Match]:
        """Find Contacts, Leads and (by phone) Accounts, confirmed locally; see `search`."""
        return await search.find_people(self.api, self._reader(), self.config, query)

    async def get_details(self, match: Match) -> Details:
        """Account, cases with comments, tasks: one composite round trip; see `details`."""
        return await details.get_details(self.api, self._reader(), match)

    async def add_note(self, target: NoteTarget, text: str, idempotency_key: str) -> NoteReceipt:
        """A completed Task, an internal CaseComment, or a new Case; see `writes`."""
        return await self._writer.add_note(target, text, idempotency_key)

    async def add_call(
        self,
        target: NoteTarget,
        *,
        body: str,
        duration_s: float | None = None,
        direction: str | None = None,
        disposition: str | None = None,
        at: datetime | None = None,
        idempotency_key: str,
    ) -> NoteReceipt:
        """A call Task (`TaskSubtype = 'Call'`); see `writes`."""
        return await self._writer.add_call(
            target,
            body=body,
            duration_s=duration_s,
            direction=direction,
            disposition=disposition,
            at=at,
            key=idempotency_key,
        )

    async def create_person(
        self, name: str | None, contact_points: Sequence[ContactPoint]
    ) -> Person:
        """A Contact, or a Lead when `create_as = "lead"`."""
        return await self._writer.create_person(name, contact_points, self.config.create_as)

    async def check(self) -> CheckResult:
        """Sign in, name the user, describe permissions, report the API budget."""
        return await admin.check(self.api, self.capabilities)

    async def aclose(self) -> None:
        await self.api.aclose()


CONNECTOR = SalesforceConnector
