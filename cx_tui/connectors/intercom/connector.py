"""The Intercom connector: one workspace, found through POST /contacts/search.

See the modules beside this one: `search` (what is asked), `records` (JSON to domain
objects), `details`, `writes`, `admin`, `client` (plumbing) and `hooks` (rate limits).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from cx_tui.connectors.base import (
    AuthError,
    Capability,
    CheckResult,
    Connector,
    InvalidInput,
    NotFound,
    Option,
)
from cx_tui.connectors.http import BACKGROUND, LOOKUP, gather_all, match_phone, name_matches
from cx_tui.connectors.intercom import admin, details, writes
from cx_tui.connectors.intercom.client import IntercomApi, checked_id
from cx_tui.connectors.intercom.options import API_HOSTS, INBOX_HOSTS, OPTIONS, validate_region
from cx_tui.connectors.intercom.records import Links, person
from cx_tui.connectors.intercom.search import contact_query
from cx_tui.identity import fold_email
from cx_tui.models import ContactKind, Match, MatchReason
from cx_tui.secrets import secret_set_command

if TYPE_CHECKING:
    import httpx

    from cx_tui.identity import Query
    from cx_tui.models import ContactPoint, Details, NoteReceipt, NoteTarget, Person

SEARCH_PAGE = 50
MAX_SEARCH_PAGES = 2


class IntercomConnector(Connector):
    """One Intercom workspace.

    Args:
        name: The configured name (the keyring user of the token).
        settings: Validated options (`region`, `base_url`, `app_id`), plus `default_region`.
        secret: An Intercom access token.
        transport: An httpx transport for tests.

    Raises:
        AuthError: no token.
    """

    type_name: ClassVar[str] = "intercom"
    display_name: ClassVar[str] = "Intercom"
    note_limit: ClassVar[int] = 60_000
    capabilities: ClassVar[Capability] = (
        Capability.LOOKUP_PHONE
        | Capability.LOOKUP_EMAIL
        | Capability.LOOKUP_NAME
        | Capability.TICKETS
        | Capability.PERSON_NOTES
        | Capability.TICKET_NOTES
        | Capability.CREATE_CONTACT
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
        if not secret:
            raise AuthError(f"No Intercom token for {name}: run `{secret_set_command(name)}`.")
        self.region = validate_region(self.settings.get("region") or "us")
        configured = self.settings.get("base_url")
        base_url = str(configured or API_HOSTS[self.region])
        phone_region = self.settings.get("default_region")
        self.phone_region: str | None = phone_region if isinstance(phone_region, str) else None
        self.api = IntercomApi(
            name,
            base_url,
            secret,
            auth_hint=f"run `{secret_set_command(name)}` with a valid Intercom access token "
            "(Developer Hub → your app → Authentication)",
            reach_hint="check `base_url`" if configured else "check `region`",
            transport=transport,
        )
        self._app_id: str | None = self.settings.get("app_id")
        self.created: dict[str, tuple[float, tuple[ContactPoint, ...]]] = {}
        """Contacts this process created: Intercom's search may not list them for minutes."""

    async def aclose(self) -> None:
        await self.api.aclose()

    async def _links(self) -> Links:
        if self._app_id is None:
            try:
                self._app_id = (await self.api.admin(LOOKUP)).app_id
            except NotFound:
                self._app_id = None
        return Links(INBOX_HOSTS[self.region], self._app_id)

    def _confirm(self, found: Person, query: Query) -> Match | None:
        if query.phone is not None:
            hit = match_phone(found.contact_points, query.phone, self.phone_region)
            return None if hit is None else Match(found, hit.reason, hit.confidence, hit.detail)
        if query.email is not None:
            for point in found.contact_points:
                if point.kind is ContactKind.EMAIL and point.value == fold_email(query.email):
                    detail = f"stored as '{point.raw or point.value}'"
                    return Match(found, MatchReason.PRIMARY_EMAIL, 1.0, detail)
            return None
        if query.name is not None and name_matches(query.name, found.name):
            return Match(found, MatchReason.NAME, 0.4, f"name '{found.name}'")
        return None

    async def find_people(self, query: Query) -> list[Match]:
        """Contacts (users and leads) whose phone, email or name is the query's, confirmed
        locally; a contact this process created that Intercom's search does not list yet is
        fetched directly and said to be "not yet searchable".

        Raises:
            InvalidInput: a value that could change the query (nothing is sent).
            AuthError, RateLimited, Unavailable, Timeout, BadResponse: see `connectors.http`.
        """
        search = contact_query(query)
        contacts = await self.api.search(
            "/contacts/search",
            search,
            "data",
            per_page=SEARCH_PAGE,
            max_pages=MAX_SEARCH_PAGES,
        )
        links = await self._links()
        confirmed: list[tuple[Mapping[str, Any], Match]] = []
        for contact in contacts:
            match = self._confirm(person(contact, self.name, links, self.phone_region, ()), query)
            if match is not None:
                confirmed.append((contact, match))
        tags = await gather_all(*(details.contact_tags(self.api, c) for c, _ in confirmed))
        matches: dict[str, Match] = {}
        for (record, match), names in zip(confirmed, tags, strict=True):
            found = person(record, self.name, links, self.phone_region, names)
            matches[found.ref.record_id] = Match(
                found, match.reason, match.confidence, match.detail
            )
        for contact_id, (created_at, points) in self.created.items():
            if contact_id in matches or not self._made_for(points, query):
                continue
            try:
                contact = await self.api.call("GET", f"/contacts/{contact_id}", policy=LOOKUP)
            except NotFound:
                continue
            found = person(contact, self.name, links, self.phone_region, ())
            match = self._confirm(found, query)
            if match is not None:
                minutes = max(1, round((time.time() - created_at) / 60))
                detail = (
                    f"{match.detail}; created by cx-tui {minutes} min ago, not yet searchable "
                    "in Intercom (its search can take a few minutes to list new contacts)"
                )
                matches[contact_id] = Match(found, match.reason, match.confidence, detail)
        return sorted(
            matches.values(),
            key=lambda m: (-m.confidence, m.person.name or "", m.person.ref.record_id),
        )

    def _made_for(self, points: Sequence[ContactPoint], query: Query) -> bool:
        if query.phone is not None:
            return match_phone(points, query.phone, self.phone_region) is not None
        if query.email is not None:
            return any(p.kind is ContactKind.EMAIL and p.value == query.email for p in points)
        return False

    async def get_details(self, match: Match) -> Details:
        """Companies, open conversations and tickets first with their parts, the timeline.

        Raises:
            NotFound: the match is not a contact of this connector.
        """
        ref = match.person.ref
        if ref.connector != self.name:
            raise NotFound(f"{ref.record_id} is not a contact of {self.name}.")
        return await details.details(self.api, ref.record_id, self.name, await self._links())

    async def add_note(self, target: NoteTarget, text: str, idempotency_key: str) -> NoteReceipt:
        """A note on the contact, or an internal note on a conversation or ticket, once.

        Raises:
            InvalidInput: empty, too long, or a target of another connector.
            Unsupported: a new ticket (cx-tui does not open Intercom tickets).
        """
        if target.ref.connector != self.name:
            raise InvalidInput(
                f"That {target.kind.value} belongs to {target.ref.connector}, not {self.name}."
            )
        if len(text) > self.note_limit:
            raise InvalidInput(
                f"The note is {len(text):,} characters; {self.name} takes at most "
                f"{self.note_limit:,}."
            )
        try:
            writes.target_of(target)
            return await writes.add_note(
                self.api, self.name, await self._links(), target, text, idempotency_key
            )
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None

    async def create_person(
        self, name: str | None, contact_points: Sequence[ContactPoint]
    ) -> Person:
        """A lead with the caller's phone and email (a lead needs neither an external id nor
        an email). Remembered, so that a lookup minutes later says "not yet searchable"."""
        body: dict[str, Any] = {"role": "lead"}
        if name:
            body["name"] = name
        for point in contact_points:
            key = "phone" if point.kind is ContactKind.PHONE else "email"
            body.setdefault(key, point.value)
        data = await self.api.call("POST", "/contacts", policy=BACKGROUND, body=body, safe=False)
        created = person(data, self.name, await self._links(), self.phone_region, ())
        checked_id(created.ref.record_id, "contact")
        self.created[created.ref.record_id] = (time.time(), created.contact_points)
        return created

    async def check(self) -> CheckResult:
        return await admin.check(self.api, self.capabilities)
