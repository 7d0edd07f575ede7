"""The `zendesk` connector: end users, organizations, tickets and comments in Zendesk Support.

Configuration (`type = "zendesk"`): `subdomain` (`acme` for acme.zendesk.com) or `base_url`;
`email`, the agent's address, for API-token auth (`Basic {email}/token:{token}`); without it
the secret is sent as an OAuth `Bearer` token. `plan_field` names the user or organization
field that holds the customer's plan (default `plan`).

**Finding people.** Zendesk's search language has no escaping, so queries are built only from
validated parts and refused (`InvalidInput`) before any request otherwise: a phone becomes
`type:user phone:*<national digits>` (digits only; the leading `*` matches any stored format,
as Zendesk documents), an email `type:user email:<address>` (re-validated: no spaces, quotes,
colons or `*`), a name `type:user name:"<name>"` (letters, spaces, `.`, `'` and `-` only). Each
candidate's identities (`/api/v2/users/{id}/identities`) supply secondary emails and phones,
and the match is confirmed client-side; a user whose numbers and addresses do not really match
is dropped. `shared_phone_number` marks the user's phone as shared (a switchboard).

**Details.** The organization (the company, its plan and VIP tag); the person's open tickets
(`status<solved`, newest first, up to 100) and the 20 most recently updated solved or closed
ones, with status, priority and tags; the comments of the 10 most recently updated open tickets
and 3 others, private ones included (they feed "already tried"). The timeline holds each
ticket's creation and its public replies, with the channel from the ticket's `via.channel`.

**Writing.** An internal note on a ticket is `PUT /api/v2/tickets/{id}` with a private comment.
Zendesk keeps no notes on people, so a note to a person is refused (`Unsupported`) with what to
do instead; the user's single `notes` field is not used (it is overwritten as a whole, so two
agents writing at once would lose one note). A note to a new ticket (`TargetKind.NEW_TICKET`,
the user as requester) is `POST /api/v2/tickets`: the note's first line is the subject (cut to
150 characters), the whole note the first comment, private. Zendesk comments have no
idempotency key: each note ends with the outbox's marker line (`cx-tui:<key>`), and the
ticket's latest comments are read back before writing; a new ticket carries the marker as its
`external_id` (and an `Idempotency-Key` header), and `GET /api/v2/tickets?external_id=` is
asked first, so a retry returns the ticket already opened.
"""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Final
from urllib.parse import parse_qs, urlsplit

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
    Unavailable,
    Unsupported,
    new_ticket_subject,
)
from cx_tui.connectors.kit import (
    BACKGROUND,
    LOOKUP,
    HeaderAuth,
    HttpClient,
    Limiter,
    RetryPolicy,
    Vendor,
    VendorHooks,
    bearer,
    email_point,
    expect_dict,
    expect_list,
    fingerprint,
    first_error_item,
    gather_all,
    header_int,
    marker,
    match_phone,
    name_matches,
    pages,
    parse_time,
    pause_when_spent,
    phone_point,
    record_id,
    shared_limiter,
    shorten,
    strip_marker,
    text_or_none,
)
from cx_tui.identity import QueryError, fold_email, normalize_email, normalize_name, phone_e164
from cx_tui.models import (
    Channel,
    Comment,
    Company,
    ContactKind,
    ContactPoint,
    Details,
    Direction,
    Interaction,
    Match,
    MatchReason,
    NoteReceipt,
    NoteTarget,
    Person,
    Priority,
    SourceRef,
    TargetKind,
    Ticket,
    TicketStatus,
)
from cx_tui.secrets import secret_set_command

if TYPE_CHECKING:
    import httpx

    from cx_tui.identity import Query

SEARCH_PAGE: Final = 25
"""Users per search page; at most two pages are read."""
MAX_CANDIDATES: Final = 20
"""Users whose identities are read per lookup (a shared number can have many)."""
MAX_OPEN_TICKETS: Final = 100
MAX_OTHER_TICKETS: Final = 20
MAX_OPEN_WITH_COMMENTS: Final = 10
MAX_OTHER_WITH_COMMENTS: Final = 3
COMMENT_PAGE: Final = 100
"""Comments read per ticket, the most recent."""
MAX_SUBJECT: Final = 150
MAX_SUMMARY: Final = 500
LIMIT_PER_MINUTE: Final = 200
"""Until Zendesk's `X-Rate-Limit` header says the account's own limit: the smallest plan's."""

_SUBDOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_FIELD = re.compile(r"[A-Za-z0-9_]{1,64}")
# Zendesk search syntax: `field:value`, `"phrase"`, `*`, `-negation`, `<`/`>`, spaces. A value
# that holds any of these (or a control character) could change the query's meaning.
_SEARCH_SYNTAX = re.compile(r"[\s\"\\:*<>()]")
_NAME = re.compile(r"[^\W\d_](?:[^\W\d_]|[ .'-])*")

_CHANNELS: Final[Mapping[str, Channel]] = {
    "email": Channel.EMAIL,
    "voice": Channel.CALL,
    "phone": Channel.CALL,
    "phone_call_inbound": Channel.CALL,
    "phone_call_outbound": Channel.CALL,
    "voicemail": Channel.CALL,
    "chat": Channel.CHAT,
    "native_messaging": Channel.CHAT,
    "messaging": Channel.CHAT,
    "sms": Channel.CHAT,
    "whatsapp": Channel.CHAT,
    "any_channel": Channel.CHAT,
    "twitter": Channel.SOCIAL,
    "twitter_dm": Channel.SOCIAL,
    "facebook": Channel.SOCIAL,
    "facebook_post": Channel.SOCIAL,
    "facebook_message": Channel.SOCIAL,
    "instagram_dm": Channel.SOCIAL,
}
"""Zendesk `via.channel` → timeline channel; anything else (web, mobile, api, rule) is web."""


class ZendeskHooks(VendorHooks):
    """Zendesk's error bodies and rate-limit headers."""

    def error_detail(self, data: Any) -> str:
        """`{"error": "...", "description": "..."}`, `{"error": {"title", "message"}}`, or
        JSON:API style `{"errors": [{"title", "detail"}]}`."""
        if not isinstance(data, Mapping):
            return super().error_detail(data)
        parts = [
            value
            for key in ("message", "description")
            if isinstance(value := data.get(key), str) and value.strip()
        ]
        error = data.get("error")
        if isinstance(error, str) and error.strip() and not parts:
            parts.append(error)
        elif isinstance(error, Mapping):
            parts += [
                value
                for key in ("title", "message")
                if isinstance(value := error.get(key), str) and value.strip()
            ]
        if not parts:
            parts.append(first_error_item(data.get("errors")))
        return " ".join(parts)

    def observe(self, headers: httpx.Headers, limiter: Limiter) -> None:
        """`X-Rate-Limit` (the account's per-minute limit), `X-Rate-Limit-Remaining` and, on
        ticketing endpoints, `ratelimit-remaining` / `ratelimit-reset` (seconds)."""
        limit = header_int(headers, "x-rate-limit")
        if limit is not None and limiter.window == 60.0:
            limiter.set_limit(limit)
        remaining = header_int(headers, "x-rate-limit-remaining")
        if remaining is None:
            remaining = header_int(headers, "ratelimit-remaining")
        pause_when_spent(limiter, remaining, headers, default=60.0)


HOOKS: Final = ZendeskHooks()


# --- Options -----------------------------------------------------------------------------------


def _validate_subdomain(value: Any) -> str:
    text = value.strip().lower() if isinstance(value, str) else ""
    text = re.sub(r"^https?://", "", text).rstrip("/")
    text = text.removesuffix(".zendesk.com")
    if not _SUBDOMAIN.fullmatch(text):
        raise ValueError('expected the Zendesk subdomain, e.g. "acme" for acme.zendesk.com')
    return text


def _validate_email(value: Any) -> str:
    try:
        return normalize_email(value if isinstance(value, str) else "")
    except QueryError:
        raise ValueError(
            'expected the email address of the agent the API token belongs to, e.g. "ana@acme.com"'
        ) from None


def _validate_field(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not _FIELD.fullmatch(text):
        raise ValueError('expected the key of a user or organization field, e.g. "plan"')
    return text


# --- Queries (built only from validated parts) ---------------------------------------------------


def _safe_email(email: str) -> str:
    try:
        normalized = normalize_email(email)
    except QueryError as exc:
        raise InvalidInput(exc.message) from None
    if normalized != email or _SEARCH_SYNTAX.search(email):
        raise InvalidInput("That email address holds characters Zendesk's search would misread.")
    return email


def _safe_digits(digits: str) -> str:
    if not re.fullmatch(r"\d{4,15}", digits):
        raise InvalidInput("A phone lookup in Zendesk takes 4 to 15 digits, nothing else.")
    return digits


def _safe_name(name: str) -> str:
    try:
        normalized = normalize_name(name)
    except QueryError as exc:
        raise InvalidInput(exc.message) from None
    if normalized != name or len(name) > 100 or not _NAME.fullmatch(name):
        raise InvalidInput("A name lookup in Zendesk takes letters, spaces, . ' and - only.")
    return name


def user_search_query(query: Query) -> str:
    """The Zendesk search query for a validated lookup.

    Raises:
        InvalidInput: a value that could change the query's meaning (nothing is sent).
    """
    if query.phone is not None:
        return f"type:user phone:*{_safe_digits(query.phone.national_digits)}"
    if query.email is not None:
        return f"type:user email:{_safe_email(query.email)}"
    if query.name is not None:
        return f'type:user name:"{_safe_name(query.name)}"'
    raise InvalidInput("Nothing to look up.")


def _id(value: str, what: str, source: str) -> str:
    if not value.isdigit():
        raise NotFound(f"There is no {what} {value!r} in {source}.")
    return value


def _next_page(page: Mapping[str, Any]) -> str | None:
    """The page number in an offset-paginated answer's `next_page` URL (never the URL itself:
    requests stay on the configured host)."""
    url = page.get("next_page")
    if not isinstance(url, str) or not url:
        return None
    values = parse_qs(urlsplit(url).query).get("page", [])
    return values[0] if values and values[0].isdigit() else None


# --- Reading Zendesk records ---------------------------------------------------------------------


def _status(value: Any) -> TicketStatus:
    try:
        return TicketStatus(str(value))
    except ValueError:
        raise BadResponse(
            f"Zendesk sent a ticket status cx-tui does not know ({value!r})"
        ) from None


def _priority(value: Any) -> Priority | None:
    try:
        return None if value is None else Priority(str(value))
    except ValueError:
        return None


def _tags(value: Any) -> tuple[str, ...]:
    return tuple(str(t) for t in value if isinstance(t, str)) if isinstance(value, list) else ()


def _channel(via: Any) -> Channel:
    channel = via.get("channel") if isinstance(via, Mapping) else None
    return _CHANNELS.get(str(channel or ""), Channel.WEB)


def _time(value: Any, what: str) -> datetime:
    parsed = parse_time(value)
    if parsed is None:
        raise BadResponse(f"Zendesk sent {what} without a usable time")
    return parsed


# --- The connector -------------------------------------------------------------------------------


class ZendeskConnector(Connector):
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
    capabilities: ClassVar[Capability] = (
        Capability.LOOKUP_PHONE
        | Capability.LOOKUP_EMAIL
        | Capability.LOOKUP_NAME
        | Capability.TICKETS
        | Capability.TICKET_NOTES
        | Capability.CREATE_CONTACT
        | Capability.CREATE_TICKET
    )
    options: ClassVar[tuple[Option, ...]] = (
        Option(
            "subdomain",
            "Subdomain",
            'The account\'s Zendesk subdomain: "acme" for acme.zendesk.com. Needed unless '
            "base_url is set.",
            validator=_validate_subdomain,
        ),
        Option(
            "email",
            "Agent email",
            "The email address of the agent the API token belongs to (API-token auth). Leave "
            "it out when the secret is an OAuth access token.",
            validator=_validate_email,
        ),
        Option(
            "plan_field",
            "Plan field",
            "Key of the user field (or organization field) that holds the customer's plan.",
            default="plan",
            validator=_validate_field,
        ),
    )

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
            raise AuthError(f"No Zendesk token for {name}: run `{secret_set_command(name)}`.")
        subdomain = self.settings.get("subdomain")
        configured = self.settings.get("base_url")
        if subdomain is None and configured is None:
            raise ConnectorError(
                f'{name}: a zendesk connector needs `subdomain` ("acme" for acme.zendesk.com) '
                "or `base_url` in its [[connectors]] table",
                title="Not configured",
            )
        self.subdomain: str | None = None if subdomain is None else _validate_subdomain(subdomain)
        site = f"https://{self.subdomain}.zendesk.com" if self.subdomain else None
        self.base_url: str = str(configured or site).rstrip("/")
        self.agent_url: str = site or self.base_url
        # Never a user:password@ the URL may carry: the host is shown in messages.
        host = urlsplit(self.base_url).netloc.rpartition("@")[2] or self.base_url
        email = self.settings.get("email")
        self.email: str | None = None if email is None else _validate_email(email)
        region = self.settings.get("default_region")
        self.region: str | None = region if isinstance(region, str) and region else None
        self.plan_field: str = _validate_field(self.settings.get("plan_field") or "plan")
        command = secret_set_command(name)
        if self.email:
            auth_hint = (
                f"check that `email` ({self.email}) is the agent the API token belongs to, and "
                f"run `{command}` with a valid API token"
            )
            basic = base64.b64encode(f"{self.email}/token:{secret}".encode()).decode("ascii")
            self._auth: httpx.Auth = HeaderAuth("Basic " + basic)
        else:
            auth_hint = (
                f"run `{command}` with a valid OAuth access token (for an API token, also set "
                "`email` to the agent's address)"
            )
            self._auth = bearer(secret)
            basic = None
        # Whatever a vendor or proxy could quote back: the token, and the header value built
        # from it (base64 of "email/token:TOKEN" is what actually travels).
        self._secrets = tuple(
            value
            for value in (secret, base64.b64encode(secret.encode()).decode("ascii"), basic)
            if value
        )
        self.vendor = Vendor(
            name="Zendesk",
            host=host,
            reach_hint="check `base_url`" if configured else "check `subdomain`",
            auth_hint=auth_hint,
            scope_hint="the token's user needs an agent role that may see these users and "
            "tickets and add private comments",
            hooks=HOOKS,
        )
        self._limiter: Limiter = shared_limiter(
            ("zendesk", host, fingerprint(secret)), LIMIT_PER_MINUTE, 60.0, label="Zendesk"
        )
        self._http: HttpClient | None = None
        self._organizations: dict[str, str | None] = {}

    # --- plumbing ------------------------------------------------------------------------

    def _client(self) -> HttpClient:
        if self._http is None:
            self._http = HttpClient(
                self.vendor,
                self.base_url,
                self._auth,
                secrets=self._secrets,
                transport=self._transport,
            )
        return self._http

    async def aclose(self) -> None:
        """Close the HTTP connections (they reopen on next use)."""
        if self._http is not None:
            await self._http.aclose()

    async def _get(self, path: str, policy: RetryPolicy, **params: str | int) -> dict[str, Any]:
        data = await self._client().get(
            path, limiter=self._limiter, params=params or None, policy=policy
        )
        return expect_dict(data, "Zendesk", "an answer")

    def _ref(self, record: str, url: str | None, now: datetime) -> SourceRef:
        return SourceRef(self.name, record, url, now)

    def _user_url(self, user_id: str) -> str:
        return f"{self.agent_url}/agent/users/{user_id}"

    def _ticket_url(self, ticket_id: str) -> str:
        return f"{self.agent_url}/agent/tickets/{ticket_id}"

    def _no_account(self) -> Unavailable:
        return Unavailable(
            f"no Zendesk account answers at {self.vendor.host}: {self.vendor.reach_hint}"
        )

    async def _search(
        self, query: str, policy: RetryPolicy, *, limit: int, per_page: int, **params: str | int
    ) -> list[dict[str, Any]]:
        """Results of `GET /api/v2/search` (offset pages of `per_page`), at most `limit`."""
        per_page = min(100, per_page)

        async def fetch(page: str | None) -> dict[str, Any]:
            extra: dict[str, str | int] = {"page": page} if page else {}
            return await self._get(
                "/api/v2/search", policy, query=query, per_page=per_page, **params, **extra
            )

        found: list[dict[str, Any]] = []
        max_pages = -(-limit // per_page)
        async with contextlib.aclosing(pages(fetch, _next_page, max_pages=max_pages)) as results:
            async for page in results:
                for item in expect_list(page.get("results"), "Zendesk", "search results"):
                    found.append(expect_dict(item, "Zendesk", "a search result"))
                if len(found) >= limit:
                    break
        return found[:limit]

    # --- lookup --------------------------------------------------------------------------

    async def find_people(self, query: Query) -> list[Match]:
        """Find end users (and agents) by phone, email or name, confirmed client-side.

        Args:
            query: A validated query; its parts are re-validated before they reach Zendesk's
                search language.

        Returns:
            The users that really match, most confident first.

        Raises:
            InvalidInput: a value that could change the query's meaning (nothing is sent).
            Unavailable: the host cannot be reached or has no Zendesk account.
            AuthError, RateLimited, Timeout, BadResponse: see `connectors.http`.
        """
        search = user_search_query(query)
        try:
            results = await self._search(
                search, LOOKUP, limit=2 * SEARCH_PAGE, per_page=SEARCH_PAGE
            )
        except NotFound:
            raise self._no_account() from None
        users = [r for r in results if r.get("result_type", "user") == "user"][:MAX_CANDIDATES]
        identities = await gather_all(*(self._identities(u) for u in users))
        now = datetime.now(UTC)
        matches = []
        for user, found in zip(users, identities, strict=True):
            match = self._confirm(user, found, query, now)
            if match is not None:
                matches.append(match)
        matches.sort(key=lambda m: (-m.confidence, m.person.name or "", m.person.ref.record_id))
        return matches

    async def _identities(self, user: Mapping[str, Any]) -> list[dict[str, Any]]:
        user_id = record_id(user.get("id"), "Zendesk", "a user")
        try:
            data = await self._get(f"/api/v2/users/{user_id}/identities", LOOKUP)
        except NotFound:
            return []  # deleted since the search index saw it
        return [
            expect_dict(i, "Zendesk", "an identity")
            for i in expect_list(data.get("identities"), "Zendesk", "identities")
        ]

    def _confirm(
        self,
        user: Mapping[str, Any],
        identities: Sequence[Mapping[str, Any]],
        query: Query,
        now: datetime,
    ) -> Match | None:
        person = self._person(user, identities, now)
        if query.phone is not None:
            hit = match_phone(person.contact_points, query.phone, self.region)
            return None if hit is None else Match(person, hit.reason, hit.confidence, hit.detail)
        if query.email is not None:
            wanted = fold_email(query.email)
            for point in person.contact_points:
                if point.kind is ContactKind.EMAIL and point.value == wanted:
                    stored = point.raw or point.value
                    if point.label == "primary":
                        detail = f"stored as '{stored}'"
                        return Match(person, MatchReason.PRIMARY_EMAIL, 1.0, detail)
                    detail = f"stored as '{stored}' (a secondary identity)"
                    return Match(person, MatchReason.SECONDARY_EMAIL, 0.9, detail)
            return None
        if query.name is not None and name_matches(query.name, person.name):
            return Match(person, MatchReason.NAME, 0.4, f"name '{person.name}'")
        return None

    def _person(
        self, user: Mapping[str, Any], identities: Sequence[Mapping[str, Any]], now: datetime
    ) -> Person:
        user_id = record_id(user.get("id"), "Zendesk", "a user")
        shared = user.get("shared_phone_number") is True
        points: list[ContactPoint] = []
        primary = text_or_none(user.get("email"))
        if primary:
            points.append(email_point(primary, label="primary"))
        phone = text_or_none(user.get("phone"))
        if phone:
            points.append(phone_point(phone, self.region, label="phone", shared=shared))
        for identity in identities:
            value = text_or_none(identity.get("value"))
            if value is None:
                continue
            if identity.get("type") == "email":
                label = "primary" if identity.get("primary") is True else "secondary"
                points.append(email_point(value, label=label))
            elif identity.get("type") == "phone_number":
                same = phone is not None and "".join(filter(str.isdigit, value)) == "".join(
                    filter(str.isdigit, phone)
                )
                points.append(
                    phone_point(value, self.region, label="phone", shared=shared and same)
                )
        unique: dict[tuple[str, str, str], ContactPoint] = {}
        for point in points:
            known = unique.get(point.key)
            # The user record's own primary email wins over the same address as an identity.
            if known is None or (point.shared and not known.shared):
                unique[point.key] = point
        organization = user.get("organization_id")
        if isinstance(organization, int) and not isinstance(organization, bool):
            self._organizations[user_id] = str(organization)
        user_fields = user.get("user_fields")
        plan = (
            text_or_none(user_fields.get(self.plan_field))
            if isinstance(user_fields, Mapping)
            else None
        )
        tags = _tags(user.get("tags"))
        return Person(
            ref=self._ref(user_id, self._user_url(user_id), now),
            name=text_or_none(user.get("name")),
            contact_points=tuple(unique.values()),
            plan=plan,
            timezone=text_or_none(user.get("iana_time_zone")),
            language=text_or_none(user.get("locale")),
            vip=True if "vip" in (t.casefold() for t in tags) else None,
            tags=tags,
        )

    # --- details -------------------------------------------------------------------------

    async def get_details(self, match: Match) -> Details:
        """The user's organization, tickets (open first) with comments, and ticket activity.

        Args:
            match: A match this connector returned.

        Returns:
            See the module docstring for what is read and the caps.

        Raises:
            NotFound: the user does not exist (or is not a record of this connector).
            AuthError, RateLimited, Unavailable, Timeout, BadResponse: see `connectors.http`.
        """
        ref = match.person.ref
        if ref.connector != self.name:
            raise NotFound(f"{ref.connector} record {ref.record_id} is not in {self.name}.")
        user_id = _id(ref.record_id, "user", self.name)
        now = datetime.now(UTC)
        if user_id not in self._organizations:
            user = expect_dict(
                (await self._get(f"/api/v2/users/{user_id}", LOOKUP)).get("user"),
                "Zendesk",
                "a user",
            )
            organization = user.get("organization_id")
            self._organizations[user_id] = (
                str(organization) if isinstance(organization, int) else None
            )
        organization_id = self._organizations.get(user_id)
        company, open_tickets, other_tickets = await gather_all(
            self._organization(organization_id, now),
            self._search(
                f"type:ticket requester:{user_id} status<solved",
                LOOKUP,
                limit=MAX_OPEN_TICKETS,
                per_page=MAX_OPEN_TICKETS // 2,
                sort_by="updated_at",
                sort_order="desc",
            ),
            self._search(
                f"type:ticket requester:{user_id} status>hold",
                LOOKUP,
                limit=MAX_OTHER_TICKETS,
                per_page=MAX_OTHER_TICKETS,
                sort_by="updated_at",
                sort_order="desc",
            ),
        )
        raw = [
            t for t in [*open_tickets, *other_tickets] if t.get("result_type", "ticket") == "ticket"
        ]
        raw = list({record_id(t.get("id"), "Zendesk", "a ticket"): t for t in raw}.values())
        open_raw = [t for t in raw if _status(t.get("status")).is_open]
        other_raw = [t for t in raw if not _status(t.get("status")).is_open]
        with_comments = [
            *open_raw[:MAX_OPEN_WITH_COMMENTS],
            *other_raw[:MAX_OTHER_WITH_COMMENTS],
        ]
        comment_lists = await gather_all(*(self._comments(t) for t in with_comments))
        comments = {
            record_id(t.get("id"), "Zendesk", "a ticket"): c
            for t, c in zip(with_comments, comment_lists, strict=True)
        }
        tickets: list[Ticket] = []
        interactions: list[Interaction] = []
        for item in raw:
            ticket_id = record_id(item.get("id"), "Zendesk", "a ticket")
            found, users = comments.get(ticket_id, ([], {}))
            ticket = self._ticket(item, found, users, now)
            tickets.append(ticket)
            interactions += self._activity(item, ticket, found, now)
        interactions.sort(key=lambda i: i.at, reverse=True)
        return Details(
            companies=(company,) if company is not None else (),
            tickets=tuple(tickets),
            interactions=tuple(interactions),
        )

    async def _organization(self, organization_id: str | None, now: datetime) -> Company | None:
        if organization_id is None:
            return None
        try:
            data = await self._get(f"/api/v2/organizations/{organization_id}", LOOKUP)
        except NotFound:
            return None
        org = expect_dict(data.get("organization"), "Zendesk", "an organization")
        listed = expect_list(org.get("domain_names"), "Zendesk", "organization domains")
        domains = [d for d in listed if isinstance(d, str)]
        fields = org.get("organization_fields")
        tags = _tags(org.get("tags"))
        return Company(
            ref=self._ref(
                f"org-{organization_id}",
                f"{self.agent_url}/agent/organizations/{organization_id}",
                now,
            ),
            name=text_or_none(org.get("name")) or f"Organization {organization_id}",
            domain=domains[0] if domains else None,
            plan=text_or_none(fields.get(self.plan_field)) if isinstance(fields, Mapping) else None,
            vip="vip" in (t.casefold() for t in tags),
        )

    async def _comments(
        self, ticket: Mapping[str, Any], policy: RetryPolicy = LOOKUP
    ) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """The ticket's most recent comments (oldest first) and their authors' names."""
        ticket_id = record_id(ticket.get("id"), "Zendesk", "a ticket")
        try:
            data = await self._get(
                f"/api/v2/tickets/{ticket_id}/comments",
                policy,
                include="users",
                sort="-created_at",
                **{"page[size]": COMMENT_PAGE},
            )
        except NotFound:
            return [], {}
        found = [
            expect_dict(c, "Zendesk", "a comment")
            for c in expect_list(data.get("comments"), "Zendesk", "comments")
        ]
        found.sort(key=lambda c: str(c.get("created_at", "")))
        users = {
            str(u.get("id")): str(u.get("name"))
            for u in expect_list(data.get("users"), "Zendesk", "users")
            if isinstance(u, Mapping) and text_or_none(u.get("name"))
        }
        return found, users

    def _ticket(
        self,
        item: Mapping[str, Any],
        comments: Sequence[Mapping[str, Any]],
        users: Mapping[str, str],
        now: datetime,
    ) -> Ticket:
        ticket_id = record_id(item.get("id"), "Zendesk", "a ticket")
        url = self._ticket_url(ticket_id)
        created = _time(item.get("created_at"), f"ticket {ticket_id}")
        return Ticket(
            ref=self._ref(ticket_id, url, now),
            subject=text_or_none(item.get("subject")) or f"Ticket {ticket_id}",
            status=_status(item.get("status")),
            created=created,
            updated=parse_time(item.get("updated_at")) or created,
            priority=_priority(item.get("priority")),
            tags=_tags(item.get("tags")),
            comments=tuple(self._comment(c, users, url, now) for c in comments),
        )

    def _comment(
        self, comment: Mapping[str, Any], users: Mapping[str, str], url: str, now: datetime
    ) -> Comment:
        comment_id = record_id(comment.get("id"), "Zendesk", "a comment")
        body = text_or_none(comment.get("plain_body")) or text_or_none(comment.get("body")) or ""
        return Comment(
            ref=self._ref(f"comment-{comment_id}", url, now),
            body=strip_marker(body),
            public=comment.get("public") is not False,
            created=_time(comment.get("created_at"), f"comment {comment_id}"),
            author=users.get(str(comment.get("author_id"))),
        )

    def _activity(
        self,
        item: Mapping[str, Any],
        ticket: Ticket,
        comments: Sequence[Mapping[str, Any]],
        now: datetime,
    ) -> list[Interaction]:
        """The ticket's opening and its public replies (the description, written when the ticket
        was opened, is the opening)."""
        requester = item.get("requester_id")
        channel = _channel(item.get("via"))
        opened_by_customer = item.get("submitter_id") in (None, requester)
        items = [
            Interaction(
                ref=self._ref(f"ticket-{ticket.ref.record_id}-created", ticket.ref.url, now),
                channel=channel,
                direction=Direction.INBOUND if opened_by_customer else Direction.OUTBOUND,
                at=ticket.created,
                summary=f"Opened: {ticket.subject}",
                ticket_id=ticket.ref.record_id,
            )
        ]
        for comment in comments:
            if comment.get("public") is False:
                continue
            at = _time(comment.get("created_at"), "a comment")
            if abs((at - ticket.created).total_seconds()) < 2:
                continue  # the description: the ticket's opening above
            comment_id = record_id(comment.get("id"), "Zendesk", "a comment")
            body = text_or_none(comment.get("plain_body")) or text_or_none(comment.get("body"))
            items.append(
                Interaction(
                    ref=self._ref(f"comment-{comment_id}", ticket.ref.url, now),
                    channel=channel,
                    direction=(
                        Direction.INBOUND
                        if comment.get("author_id") == requester
                        else Direction.OUTBOUND
                    ),
                    at=at,
                    summary=shorten(strip_marker(body or ""), MAX_SUMMARY) or "(empty reply)",
                    ticket_id=ticket.ref.record_id,
                )
            )
        return items

    # --- writes --------------------------------------------------------------------------

    async def add_note(self, target: NoteTarget, text: str, idempotency_key: str) -> NoteReceipt:
        """Add an internal note (a private comment) to a ticket, or open a ticket with it, at
        most once per key.

        Args:
            target: A ticket of this connector, or (`TargetKind.NEW_TICKET`) the user who
                requests a new ticket. A person is refused: Zendesk keeps no notes on people.
            text: Plain text, at most `note_limit` characters. A new ticket's subject is its
                first line (cut to `MAX_SUBJECT` characters); the whole text is its first
                comment, private.
            idempotency_key: The outbox's key; the comment's last line is `cx-tui:<key>`, a
                new ticket's `external_id` is `cx-tui:<key>`.

        Returns:
            The comment's receipt, or the new ticket's (its agent-interface link); `duplicate`
            when the ticket already had the comment, or the key had already opened a ticket.

        Raises:
            Unsupported: the target is a person.
            InvalidInput: an empty or too long note, a bad key, another source's target.
            NotFound: the ticket does not exist.
            BadResponse: Zendesk refused the new ticket (a 422 names the field).
            AuthError, RateLimited, Unavailable, Timeout: see `connectors.http`.
        """
        if target.ref.connector != self.name:
            raise InvalidInput(
                f"That {target.kind.value} belongs to {target.ref.connector}, not {self.name}."
            )
        if target.kind is TargetKind.PERSON:
            raise Unsupported(
                "Zendesk keeps no notes on people: add the note to one of their tickets as an "
                "internal note, or open a new ticket with it."
            )
        body = text.strip()
        if not body:
            raise InvalidInput("The note is empty.")
        if len(text) > self.note_limit:
            raise InvalidInput(
                f"The note is {len(text):,} characters; {self.name} takes at most "
                f"{self.note_limit:,}."
            )
        try:
            mark = marker(idempotency_key)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        if target.kind is TargetKind.NEW_TICKET:
            ticket, opened = await self._open_ticket(
                target.ref,
                new_ticket_subject(body, MAX_SUBJECT),
                body,
                public=False,
                priority=None,
                idempotency_key=idempotency_key,
            )
            return NoteReceipt(ref=ticket.ref, created=ticket.created, duplicate=not opened)
        ticket_id = _id(target.ref.record_id, "ticket", self.name)
        url = self._ticket_url(ticket_id)
        existing, _ = await self._comments({"id": int(ticket_id)}, BACKGROUND)
        for comment in existing:
            stored = " ".join(str(comment.get(k) or "") for k in ("body", "plain_body"))
            if mark in stored:
                found_id = record_id(comment.get("id"), "Zendesk", "a comment")
                return NoteReceipt(
                    ref=self._ref(f"comment-{found_id}", url, datetime.now(UTC)),
                    created=_time(comment.get("created_at"), "a comment"),
                    duplicate=True,
                )
        reply = await self._client().request(
            "PUT",
            f"/api/v2/tickets/{ticket_id}",
            json_body={"ticket": {"comment": {"body": f"{body}\n\n{mark}", "public": False}}},
            limiter=self._limiter,
            policy=BACKGROUND,
            safe=False,
        )
        data = expect_dict(reply.data, "Zendesk", "the updated ticket")
        audit = data.get("audit")
        now = datetime.now(UTC)
        comment_id: str | None = None
        created = now
        if isinstance(audit, Mapping):
            created = parse_time(audit.get("created_at")) or now
            for event in expect_list(audit.get("events"), "Zendesk", "audit events"):
                if isinstance(event, Mapping) and event.get("type") == "Comment":
                    comment_id = record_id(event.get("id"), "Zendesk", "the new comment")
        record = f"comment-{comment_id}" if comment_id else f"ticket-{ticket_id}-note"
        return NoteReceipt(ref=self._ref(record, url, now), created=created)

    async def create_ticket(
        self,
        requester: Person | SourceRef,
        subject: str,
        body: str,
        *,
        public: bool = False,
        priority: Priority | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        """Open a ticket for a new issue, requested by a person of this account.

        The note editor reaches this through `add_note` with a `TargetKind.NEW_TICKET`.

        Args:
            requester: The person (or their record reference) in this Zendesk.
            subject: One line, at most 150 characters.
            body: The first comment.
            public: Whether the first comment is public (the requester is notified). Default:
                an internal note, so nothing reaches the customer unplanned.
            priority: low, normal, high or urgent.
            idempotency_key: With a key, a ticket already opened with it (found by its
                `external_id`, `cx-tui:<key>`) is returned instead of opening another.

        Returns:
            The ticket, as Zendesk stored it.

        Raises:
            InvalidInput: an empty subject or body, or a requester of another source.
            BadResponse: Zendesk refused it (a 422 names the field).
            AuthError, RateLimited, Unavailable, Timeout: see `connectors.http`.
        """
        ticket, _ = await self._open_ticket(
            requester,
            subject,
            body,
            public=public,
            priority=priority,
            idempotency_key=idempotency_key,
        )
        return ticket

    async def _open_ticket(
        self,
        requester: Person | SourceRef,
        subject: str,
        body: str,
        *,
        public: bool,
        priority: Priority | None,
        idempotency_key: str | None,
    ) -> tuple[Ticket, bool]:
        """`create_ticket`, also saying whether this call opened the ticket (False: the key
        had already opened it, and nothing was sent)."""
        ref = requester.ref if isinstance(requester, Person) else requester
        if ref.connector != self.name:
            raise InvalidInput(f"That person belongs to {ref.connector}, not {self.name}.")
        requester_id = _id(ref.record_id, "user", self.name)
        title = " ".join(subject.split())
        if not title or len(title) > MAX_SUBJECT:
            raise InvalidInput(f"A ticket needs a subject of 1 to {MAX_SUBJECT} characters.")
        text = body.strip()
        if not text or len(text) > self.note_limit:
            raise InvalidInput(
                f"A ticket needs a description of 1 to {self.note_limit:,} characters."
            )
        ticket: dict[str, Any] = {
            "subject": title,
            "comment": {"body": text, "public": public},
            "requester_id": int(requester_id),
        }
        if priority is not None:
            ticket["priority"] = Priority(priority).value
        headers: dict[str, str] = {}
        if idempotency_key is not None:
            try:
                mark = marker(idempotency_key)
            except ValueError as exc:
                raise InvalidInput(str(exc)) from None
            ticket["external_id"] = mark
            headers["Idempotency-Key"] = idempotency_key
            found = await self._get("/api/v2/tickets", BACKGROUND, external_id=mark)
            existing = expect_list(found.get("tickets"), "Zendesk", "tickets")
            if existing:
                item = expect_dict(existing[0], "Zendesk", "a ticket")
                return self._ticket(item, [], {}, datetime.now(UTC)), False
        reply = await self._client().request(
            "POST",
            "/api/v2/tickets",
            json_body={"ticket": ticket},
            headers=headers or None,
            limiter=self._limiter,
            policy=BACKGROUND,
            safe=False,
        )
        data = expect_dict(reply.data, "Zendesk", "the new ticket")
        item = expect_dict(data.get("ticket"), "Zendesk", "the new ticket")
        return self._ticket(item, [], {}, datetime.now(UTC)), True

    async def create_person(
        self, name: str | None, contact_points: Sequence[ContactPoint]
    ) -> Person:
        """Create an end user with a name, the first email and the first phone.

        Raises:
            InvalidInput: nothing to create, or an invalid phone or email.
            BadResponse: Zendesk refused it (a 422 when the email is already in use).
            AuthError, RateLimited, Unavailable, Timeout: see `connectors.http`.
        """
        emails = [_safe_email(p.value) for p in contact_points if p.kind is ContactKind.EMAIL]
        phones = []
        for point in contact_points:
            if point.kind is ContactKind.PHONE:
                if phone_e164(point.value, self.region) is None:
                    raise InvalidInput(f"'{point.value}' is not a valid phone number.")
                phones.append(point.display())
        clean = " ".join(name.split()) if name else ""
        if not clean and not emails and not phones:
            raise InvalidInput("A new user needs a name, a phone number or an email.")
        user: dict[str, Any] = {"name": clean or (emails or phones)[0], "role": "end-user"}
        if emails:
            user["email"] = emails[0]
        if phones:
            user["phone"] = phones[0]
        reply = await self._client().request(
            "POST",
            "/api/v2/users",
            json_body={"user": user},
            limiter=self._limiter,
            policy=BACKGROUND,
            safe=False,
        )
        data = expect_dict(reply.data, "Zendesk", "the new user")
        created = expect_dict(data.get("user"), "Zendesk", "the new user")
        return self._person(created, [], datetime.now(UTC))

    # --- admin ---------------------------------------------------------------------------

    async def check(self) -> CheckResult:
        """Authenticate as the token's user, check its role, and try a ticket search.

        Returns:
            ok with who the token acts as; not ok with what is wrong and what to do.
        """
        try:
            data = await self._get("/api/v2/users/me", BACKGROUND)
        except NotFound:
            return CheckResult(ok=False, summary=self._no_account().message)
        except ConnectorError as error:
            return CheckResult(ok=False, summary=error.message)
        me = data.get("user")
        if not isinstance(me, Mapping):
            return CheckResult(ok=False, summary="Zendesk sent no user for this token")
        role = str(me.get("role") or "")
        who = text_or_none(me.get("name")) or "an unnamed user"
        address = text_or_none(me.get("email"))
        if address:
            who += f" <{address}>"
        if me.get("id") is None or role not in ("agent", "admin"):
            what = "anonymous" if me.get("id") is None else f"{who}, an {role or 'unknown role'}"
            return CheckResult(
                ok=False,
                summary=f"Zendesk accepted the request as {what}: cx-tui needs an agent or admin "
                f"token. {self.vendor.auth_hint[0].upper()}{self.vendor.auth_hint[1:]}.",
                permissions=(role,) if role else (),
            )
        details = []
        if me.get("custom_role_id") is not None:
            details.append(
                f"custom role {me['custom_role_id']}: it must allow viewing all tickets of "
                "these customers and adding private comments"
            )
        try:
            count = await self._get("/api/v2/search/count", BACKGROUND, query="type:ticket")
        except ConnectorError as error:
            return CheckResult(
                ok=False,
                summary=f"authenticated as {who} ({role}), but searching failed: {error.message}",
                permissions=(role,),
            )
        total = count.get("count")
        if isinstance(total, int):
            details.append(f"{total:,} tickets searchable")
        return CheckResult(
            ok=True,
            summary=f"authenticated as {who} ({role}) on {self.vendor.host}",
            details=tuple(details),
            permissions=(role,),
        )
