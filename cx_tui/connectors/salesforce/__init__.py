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

from cx_tui.connectors.base import Capability, Option
from cx_tui.connectors.kit.template import CheckFailed, CheckReport, VendorConnector
from cx_tui.connectors.salesforce import admin, details, search
from cx_tui.connectors.salesforce.api import Api, limiter, vendor
from cx_tui.connectors.salesforce.auth import Session
from cx_tui.connectors.salesforce.hooks import Budget
from cx_tui.connectors.salesforce.options import OPTIONS, Settings
from cx_tui.connectors.salesforce.records import Reader
from cx_tui.connectors.salesforce.writes import Writer

if TYPE_CHECKING:
    from datetime import datetime

    import httpx

    from cx_tui.identity import Query
    from cx_tui.models import ContactPoint, Details, Match, NoteReceipt, NoteTarget, Person
    from cx_tui.models.records import CallLog


class SalesforceConnector(VendorConnector[Mapping[str, Any]]):
    """One Salesforce org (Sales Cloud / Service Cloud) through its REST API; the template
    (`kit.VendorConnector`) for its constructor. The secret is the connected app's consumer
    secret (with `client_id`) or a ready access token."""

    type_name: ClassVar[str] = "salesforce"
    display_name: ClassVar[str] = "Salesforce"
    vendor_name: ClassVar[str] = "Salesforce"
    capabilities: ClassVar[Capability] = admin.CAPABILITIES
    options: ClassVar[tuple[Option, ...]] = OPTIONS
    no_recent_count: ClassVar[str] = (
        "cx-tui reads no tags from its Cases (they are counted in the helpdesk)"
    )
    note_limit: ClassVar[int] = 31_000
    settle_default: ClassVar[float] = 5.0
    """Salesforce: the marker is looked for with SOQL, which reads committed records at once
    (only SOSL search is indexed with a lag), so 5 s covers a write still being committed."""
    """A Task Description holds 32,000 characters; room is left for the marker."""

    def configure(self) -> None:
        self.config = Settings.read(self.settings)
        self.base_url = self.config.base_url
        budget = Budget()
        self.vendor = vendor(self.name, self.config, budget)
        self._limiter = limiter(self.vendor, self.config, self.secret)
        self.session = Session(
            self.vendor,
            self.base_url,
            self.config.client_id,
            self.secret,
            self.config.api_version,
            transport=self._transport,
        )
        self.api = Api(self._client(), self.session, self._limiter, budget)
        self._writer = Writer(self.api, self._reader())
        self._missing: list[str] = []

    def auth(self) -> httpx.Auth:
        """The session: a client-credentials token, fetched again when it expires."""
        return self.session

    def _reader(self) -> Reader:
        return Reader(
            self.name,
            self.config.base_url,
            self.region,
            self.config.email_fields,
            self.config.plan_field,
        )

    async def search(self, query: Query) -> Sequence[Mapping[str, Any]]:
        """One SOSL search for Contacts, Leads and (by phone) Accounts; see `search`."""
        return await search.search(self.api, self.config, query)

    def confirm(self, candidate: Mapping[str, Any], query: Query, now: datetime) -> Match | None:  # noqa: ARG002 - the reader stamps its own time
        return search.confirm(self._reader(), query, candidate)

    async def get_details(self, match: Match) -> Details:
        """Account, cases with comments, tasks: one composite round trip; see `details`."""
        return await details.get_details(self.api, self._reader(), match)

    async def find_marker(self, target: NoteTarget, key: str) -> NoteReceipt | None:
        return await self._writer.find_note(target, key)

    async def write_note(self, target: NoteTarget, stored: str, key: str) -> NoteReceipt:  # noqa: ARG002 - the marker is in `stored`
        """A completed Task, an internal CaseComment, or a new Case; see `writes`."""
        return await self._writer.write_note(target, stored)

    async def add_call(self, target: NoteTarget, call: CallLog, *, key: str) -> NoteReceipt:
        """A call Task (`TaskSubtype = 'Call'`); see `writes`."""
        return await self._writer.add_call(target, call, key)

    async def create_person(
        self, name: str | None, contact_points: Sequence[ContactPoint]
    ) -> Person:
        """A Contact, or a Lead when `create_as = "lead"`."""
        return await self._writer.create_person(name, contact_points, self.config.create_as)

    async def check_identity(self, report: CheckReport) -> None:
        report.who = await admin.identity(self.api)

    async def check_scopes(self, report: CheckReport) -> None:
        """Describe the objects: what the user may read and create."""
        report.permissions, report.capabilities, self._missing = await admin.rights(
            self.api, self.capabilities
        )
        report.details.append(self.api.budget.describe())
        if not report.capabilities & Capability.LOOKUP_PHONE:
            raise CheckFailed(self.check_summary(report))

    def check_summary(self, report: CheckReport) -> str:
        summary = f"signed in as {report.who}"
        return summary + ("; cannot " + ", ".join(self._missing) if self._missing else "")

    async def aclose(self) -> None:
        await super().aclose()
        await self.session.aclose()


CONNECTOR = SalesforceConnector
