"""The `freshdesk` connector: contacts, companies, tickets and conversations in Freshdesk.

Configuration (`type = "freshdesk"`): `domain` (`acme` for https://acme.freshdesk.com) or
`base_url`; the secret is the agent's API key, sent as HTTP Basic with the key as user name and
`X` as password. `plan_field` names the company (or contact) custom field with the plan.

**Finding people.** Freshdesk's contact filters compare the stored string exactly, so a phone is
asked as `GET /api/v2/contacts?phone=` and `?mobile=` in its commonest written forms, and in
one filter-language search (`/api/v2/search/contacts?query="phone:'..' OR mobile:'..'"`)
covering every form; an email is `?email=` (which also matches secondary emails). Values are
re-validated; one holding a quote or a backslash is refused before any request. Each candidate's
full record (`GET /api/v2/contacts/{id}`, the only answer with `other_emails`) is read and the
match confirmed client-side. Name lookups are not offered (Freshdesk's filters have no name).

**Details.** The company (`GET /api/v2/companies/{id}`, custom fields for the plan); the
person's tickets through `GET /api/v2/tickets?requester_id=` (updated first, up to 300): open,
pending and custom (on-hold) statuses first, then up to 20 resolved or closed; each of the 10
most recent open tickets' and 3 others' conversations (paginated), private notes included
("already tried"). `due_by` / `fr_due_by` give the SLA due time.

**Writing** (`writes.py`): a private note, a new ticket, a new contact.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from cx_tui.connectors.base import (
    AuthError,
    BadResponse,
    Capability,
    CheckResult,
    Connector,
    ConnectorError,
    InvalidInput,
    NotFound,
    Option,
    Unsupported,
)
from cx_tui.connectors.freshdesk import admin, records, search, writes
from cx_tui.connectors.freshdesk.hooks import Budget, next_page, observer
from cx_tui.connectors.freshdesk.options import (
    LIMIT_PER_MINUTE,
    MAX_CANDIDATES,
    MAX_CLOSED_TICKETS,
    MAX_CLOSED_WITH_CONVERSATIONS,
    MAX_CONVERSATION_PAGES,
    MAX_OPEN_WITH_CONVERSATIONS,
    MAX_TICKET_PAGES,
    NOTE_LIMIT,
    OPTIONS,
    PER_PAGE,
    validate_domain,
    validate_field,
)
from cx_tui.connectors.http import (
    LOOKUP,
    HeaderAuth,
    HttpClient,
    RateLimiter,
    RetryPolicy,
    Vendor,
    expect_dict,
    expect_list,
    fingerprint,
    gather_all,
    match_phone,
    record_id,
    shared_limiter,
)
from cx_tui.identity import fold_email
from cx_tui.models import (
    ContactPoint,
    Details,
    Interaction,
    Match,
    MatchReason,
    NoteReceipt,
    NoteTarget,
    Person,
    Priority,
    SourceRef,
    Ticket,
)
from cx_tui.secrets import secret_set_command

if TYPE_CHECKING:
    import httpx

    from cx_tui.identity import Query


class FreshdeskConnector(Connector):
    """One Freshdesk account, as the agent whose API key is the secret."""

    type_name: ClassVar[str] = "freshdesk"
    display_name: ClassVar[str] = "Freshdesk"
    note_limit: ClassVar[int] = NOTE_LIMIT
    capabilities: ClassVar[Capability] = (
        Capability.LOOKUP_PHONE
        | Capability.LOOKUP_EMAIL
        | Capability.TICKETS
        | Capability.TICKET_NOTES
        | Capability.CREATE_CONTACT
        | Capability.CREATE_TICKET
    )
    options: ClassVar[tuple[Option, ...]] = OPTIONS

    def __init__(
        self,
        name: str,
        settings: Mapping[str, Any],
        secret: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(name, settings, secret, transport=transport)
        command = secret_set_command(name)
        if not secret:
            raise AuthError(f"No Freshdesk API key for {name}: run `{command}`.")
        domain = self.settings.get("domain")
        configured = self.settings.get("base_url")
        if domain is None and configured is None:
            raise ConnectorError(
                f'{name}: a freshdesk connector needs `domain` ("acme" for acme.freshdesk.com) '
                "or `base_url` in its [[connectors]] table",
                title="Not configured",
            )
        self.domain = None if domain is None else validate_domain(domain)
        site = f"https://{self.domain}.freshdesk.com" if self.domain else None
        self.base_url = str(configured or site).rstrip("/")
        host = urlsplit(self.base_url).netloc.rpartition("@")[2] or self.base_url
        region = self.settings.get("default_region")
        self.site = records.Site(
            connector=name,
            agent_url=site or self.base_url,
            region=region if isinstance(region, str) and region else None,
            plan_field=validate_field(self.settings.get("plan_field") or "plan"),
        )
        basic = base64.b64encode(f"{secret}:X".encode()).decode("ascii")
        self._auth = HeaderAuth("Basic " + basic)
        self._secrets = (secret, basic)
        self.vendor = Vendor(
            name="Freshdesk",
            host=host,
            reach_hint="check `base_url`" if configured else "check `domain`",
            auth_hint=f"run `{command}` with the API key from the agent's Profile settings",
            scope_hint="the API key's agent needs a role that may view these contacts and "
            "tickets and add private notes",
        )
        self.budget = Budget()
        self._limiter: RateLimiter = shared_limiter(
            ("freshdesk", host, fingerprint(secret)), LIMIT_PER_MINUTE, 60.0, label="Freshdesk"
        )
        self._http: HttpClient | None = None
        self._companies: dict[str, str | None] = {}

    # --- plumbing ------------------------------------------------------------------------

    def client(self) -> HttpClient:
        if self._http is None:
            self._http = HttpClient(
                self.vendor,
                self.base_url,
                self._auth,
                secrets=self._secrets,
                transport=self._transport,
                on_headers=observer(self.budget),
            )
        return self._http

    @property
    def limiter(self) -> RateLimiter:
        return self._limiter

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def get(self, path: str, policy: RetryPolicy, **params: str | int) -> Any:
        return await self.client().get(
            path, limiter=self._limiter, params=params or None, policy=policy
        )

    async def paged(
        self, path: str, policy: RetryPolicy, *, max_pages: int, **params: str | int
    ) -> list[dict[str, Any]]:
        """Every item of a `Link`-paginated list, at most `max_pages` pages of `PER_PAGE`."""
        found: list[dict[str, Any]] = []
        page: int | None = 1
        for _ in range(max_pages):
            if page is None:
                break
            reply = await self.client().request(
                "GET",
                path,
                limiter=self._limiter,
                params={**params, "per_page": PER_PAGE, "page": page},
                policy=policy,
            )
            items = expect_list(reply.data, "Freshdesk", "a list")
            found += [expect_dict(i, "Freshdesk", "a list item") for i in items]
            page = next_page(reply.headers)
        return found

    def own_id(self, ref: SourceRef, what: str) -> str:
        if ref.connector != self.name:
            raise InvalidInput(f"That {what} belongs to {ref.connector}, not {self.name}.")
        if not ref.record_id.isdigit():
            raise NotFound(f"{self.name} has no {what} '{ref.record_id}'.")
        return ref.record_id

    # --- lookup --------------------------------------------------------------------------

    async def find_people(self, query: Query) -> list[Match]:
        """Contacts whose phone, mobile or email really is the query's, most confident first.

        Raises:
            InvalidInput: a value that could change a query's meaning (nothing is sent).
            Unsupported: a name lookup.
            AuthError, RateLimited, Unavailable, Timeout, BadResponse: see `connectors.http`.
        """
        if query.phone is not None:
            forms = search.phone_forms(query.phone)
            query_text = search.phone_query(forms)
            asks = [
                self.get("/api/v2/contacts", LOOKUP, **{field: form})
                for form in forms[: search.MAX_FILTER_FORMS]
                for field in ("phone", "mobile")
            ]
            lists = await gather_all(*asks, self._search(query_text))
        elif query.email is not None:
            email = search.checked_email(query.email)
            lists = (await self.get("/api/v2/contacts", LOOKUP, email=email),)
        else:
            raise Unsupported("Freshdesk's contact filters cannot look a person up by name.")
        candidates: dict[str, dict[str, Any]] = {}
        for found in lists:
            for item in expect_list(found, "Freshdesk", "contacts"):
                contact = expect_dict(item, "Freshdesk", "a contact")
                candidates.setdefault(
                    record_id(contact.get("id"), "Freshdesk", "a contact"), contact
                )
        chosen = list(candidates.values())[:MAX_CANDIDATES]
        full = await gather_all(*(self._full(c) for c in chosen))
        now = datetime.now(UTC)
        matches = [m for c in full if c is not None if (m := self._confirm(c, query, now))]
        matches.sort(key=lambda m: (-m.confidence, m.person.name or "", m.person.ref.record_id))
        return matches

    async def _search(self, query_text: str) -> list[Any]:
        """Filter-language results; a search the account refuses or lacks adds nothing (the
        exact filters asked beside it still answer)."""
        try:
            data = await self.get("/api/v2/search/contacts", LOOKUP, query=query_text)
        except (BadResponse, NotFound):
            return []
        return expect_list(
            expect_dict(data, "Freshdesk", "search").get("results"), "Freshdesk", "search results"
        )

    async def _full(self, contact: Mapping[str, Any]) -> dict[str, Any] | None:
        """The contact's own record (with `other_emails`), or None when it is gone."""
        contact_id = record_id(contact.get("id"), "Freshdesk", "a contact")
        try:
            data = await self.get(f"/api/v2/contacts/{contact_id}", LOOKUP)
        except NotFound:
            return None
        full = expect_dict(data, "Freshdesk", "a contact")
        company = full.get("company_id")
        self._companies[contact_id] = str(company) if isinstance(company, int) else None
        return full

    def _confirm(self, contact: Mapping[str, Any], query: Query, now: datetime) -> Match | None:
        person = records.person(self.site, contact, now)
        if query.phone is not None:
            hit = match_phone(person.contact_points, query.phone, self.site.region)
            return None if hit is None else Match(person, hit.reason, hit.confidence, hit.detail)
        if query.email is not None:
            wanted = fold_email(query.email)
            for address, label in records.emails_of(contact):
                if fold_email(address) == wanted:
                    if label == "primary":
                        return Match(
                            person, MatchReason.PRIMARY_EMAIL, 1.0, f"stored as '{address}'"
                        )
                    return Match(
                        person,
                        MatchReason.SECONDARY_EMAIL,
                        0.9,
                        f"stored as '{address}' (another email of the contact)",
                    )
        return None

    # --- details -------------------------------------------------------------------------

    async def get_details(self, match: Match) -> Details:
        """The company, the tickets (open first) with conversations, and ticket activity."""
        contact_id = self.own_id(match.person.ref, "contact")
        if contact_id not in self._companies:
            await self._full({"id": int(contact_id)})
        now = datetime.now(UTC)
        company, tickets = await gather_all(
            self._company(self._companies.get(contact_id), now),
            self.paged(
                "/api/v2/tickets",
                LOOKUP,
                max_pages=MAX_TICKET_PAGES,
                requester_id=contact_id,
                order_by="updated_at",
                order_type="desc",
            ),
        )
        open_raw = [t for t in tickets if records.status(t.get("status")).is_open]
        closed_raw = [t for t in tickets if not records.status(t.get("status")).is_open]
        closed_raw = closed_raw[:MAX_CLOSED_TICKETS]
        chosen = [
            *open_raw[:MAX_OPEN_WITH_CONVERSATIONS],
            *closed_raw[:MAX_CLOSED_WITH_CONVERSATIONS],
        ]
        conv_lists = await gather_all(*(self.conversations(t.get("id")) for t in chosen))
        convs = {
            record_id(t.get("id"), "Freshdesk", "a ticket"): c
            for t, c in zip(chosen, conv_lists, strict=True)
        }
        made: list[Ticket] = []
        timeline: list[Interaction] = []
        for item in [*open_raw, *closed_raw]:
            found = convs.get(record_id(item.get("id"), "Freshdesk", "a ticket"), [])
            ticket = records.ticket(self.site, item, found, now)
            made.append(ticket)
            timeline += records.activity(self.site, item, ticket, found, now)
        timeline.sort(key=lambda i: i.at, reverse=True)
        return Details(
            companies=(company,) if company is not None else (),
            tickets=tuple(made),
            interactions=tuple(timeline),
        )

    async def _company(self, company_id: str | None, now: datetime) -> Any:
        if company_id is None:
            return None
        try:
            data = await self.get(f"/api/v2/companies/{company_id}", LOOKUP)
        except NotFound:
            return None
        return records.company(self.site, expect_dict(data, "Freshdesk", "a company"), now)

    async def conversations(
        self, ticket_id: Any, policy: RetryPolicy = LOOKUP, *, max_pages: int = 0
    ) -> list[dict[str, Any]]:
        """A ticket's conversations, oldest first ([] when the ticket is gone)."""
        tid = record_id(ticket_id, "Freshdesk", "a ticket")
        try:
            return await self.paged(
                f"/api/v2/tickets/{tid}/conversations",
                policy,
                max_pages=max_pages or MAX_CONVERSATION_PAGES,
            )
        except NotFound:
            return []

    # --- writes and admin (see writes.py, admin.py) --------------------------------------

    async def add_note(self, target: NoteTarget, text: str, idempotency_key: str) -> NoteReceipt:
        """A private note on a ticket, or a new ticket with the note, at most once per key."""
        return await writes.add_note(self, target, text, idempotency_key)

    async def create_ticket(
        self,
        requester: Person | SourceRef,
        subject: str,
        body: str,
        *,
        public: bool = False,  # noqa: ARG002 - a Freshdesk description is the ticket's own text
        priority: Priority | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        """Open a ticket requested by a contact of this account (see `writes.open_ticket`)."""
        ticket, _ = await writes.open_ticket(
            self, requester, subject, body, priority=priority, idempotency_key=idempotency_key
        )
        return ticket

    async def create_person(
        self, name: str | None, contact_points: Sequence[ContactPoint]
    ) -> Person:
        """Create a contact with a name, the first email and the first phone."""
        return await writes.create_person(self, name, contact_points)

    async def check(self) -> CheckResult:
        """Sign in as the key's agent, say what it may not do and the rate budget left."""
        return await admin.check(self)
