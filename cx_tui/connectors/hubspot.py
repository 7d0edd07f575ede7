"""The `hubspot` connector: contacts, companies, tickets and activities in HubSpot (CRM v3/v4).

Configuration (`type = "hubspot"`): the token is a private-app or OAuth access token, sent as
`Authorization: Bearer` and stored in the keyring under the connector's name. Options:
`base_url` (default `https://api.hubapi.com`), `portal_id` and `app_domain` (for deep links;
fetched once from `GET /account-info/v3/details` when `portal_id` is absent) and
`plan_property` (a contact or company property that holds the customer's plan).

**Finding people.** One `POST /crm/v3/objects/contacts/search` per lookup. HubSpot compares
`phone` and `mobilephone` as the strings people typed, so a phone lookup asks for the number's
common written forms (`IN`) plus HubSpot's own calculated properties (national digits, E.164);
an email lookup asks `email` and the `;`-separated `hs_additional_emails`. Every result is then
confirmed here, with `identity.compare_phone` or the folded email, and dropped when it does not
really match. HubSpot's limits are checked before sending: at most 5 filter groups, 6 filters per
group and 18 in total (stricter than the documented 10/25, in case an account is on the older
limits), `limit` at most 200; search goes through its own limiter (5 requests per second per
account), everything else through the burst limiter (100 per 10 seconds, the smallest tier).

**Details.** Companies and tickets through v4 associations plus batch reads; the contact's most
recent notes, calls and emails for the timeline; internal notes of open tickets as the tickets'
(private) comments, which feed "already tried". HubSpot tickets have pipeline stages, not
statuses: a stage whose pipeline metadata says `ticketState: CLOSED` is `closed`; of the open
stages, the pipeline's first is `new`, one labelled "waiting on contact/customer" is `pending`,
one labelled "... hold" is `hold`, others are `open`. Without pipeline access, the default
support pipeline's stage ids are used (1 new, 2 waiting on contact, 3 waiting on us, 4 closed).
Priorities LOW, MEDIUM, HIGH, URGENT become low, normal, high, urgent. A part of the details the
token may not read (a 403: no `tickets` scope, say) is left out rather than failing the rest;
`cx-tui connectors` lists the missing scopes.

**Writing.** A note is `POST /crm/v3/objects/notes` associated to the contact (type 202) or to
a ticket (type 228); a call log is `POST /crm/v3/objects/calls` (194 to a contact, 220 to a
ticket) through `add_call`. HubSpot has no idempotency key, so each carries the outbox's marker
line (`cx-tui:<key>`), and before writing, the target's most recent notes (or calls) are read
back: when one carries the marker, its receipt is returned with `duplicate=True`. Opening a
ticket (`TargetKind.NEW_TICKET`) is refused (`Unsupported`), never written as a contact note.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

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
from cx_tui.connectors.http import (
    BACKGROUND,
    LOOKUP,
    HttpClient,
    RateLimiter,
    RetryPolicy,
    Vendor,
    bearer,
    email_point,
    expect_dict,
    expect_list,
    fingerprint,
    gather_all,
    html_to_text,
    marker,
    match_phone,
    name_matches,
    observe_rate_headers,
    pages,
    parse_time,
    phone_point,
    record_id,
    shared_limiter,
    shorten,
    strip_marker,
    text_or_none,
    text_to_html,
)
from cx_tui.identity import (
    QueryError,
    fold_email,
    normalize_email,
    normalize_name,
    phone_e164,
)
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

    from cx_tui.identity import PhoneQuery, Query

API_URL: Final = "https://api.hubapi.com"
APP_DOMAIN: Final = "app.hubspot.com"

MAX_FILTER_GROUPS: Final = 5
MAX_FILTERS_PER_GROUP: Final = 6
MAX_FILTERS: Final = 18
MAX_SEARCH_LIMIT: Final = 200
SEARCH_PAGE: Final = 100
MAX_SEARCH_PAGES: Final = 3
MAX_MATCHES: Final = 50
"""Contacts considered per lookup (a switchboard number can have many)."""
MAX_PHONE_FORMS: Final = 12
SEARCH_RATE: Final = (5, 1.0)
"""Search requests per second per account (current docs; the changelog once said 4)."""
BURST_RATE: Final = (100, 10.0)
"""Other requests per 10 seconds per account: the smallest tier (Free/Starter)."""

BATCH_READ: Final = 100
ASSOCIATION_PAGE: Final = 500
MAX_ASSOCIATION_PAGES: Final = 4
MAX_COMPANIES: Final = 10
MAX_TICKETS: Final = 100
MAX_TICKETS_WITH_NOTES: Final = 10
"""Open tickets whose internal notes are read (newest first)."""
MAX_ACTIVITIES: Final = 50
"""Notes, calls and emails each, most recent first (by id: HubSpot ids grow over time)."""
MAX_MARKER_SCAN: Final = 100
"""Most recent notes (or calls) of a target searched for a delivery marker before writing."""
NOTE_BODY_LIMIT: Final = 65_536
"""`hs_note_body` holds at most 65,536 characters (doc)."""
MAX_SUMMARY: Final = 2000
OWNER_LOOKUP_TIMEOUT: Final = 1.0

NOTE_TO_CONTACT: Final = 202
NOTE_TO_TICKET: Final = 228
CALL_TO_CONTACT: Final = 194
CALL_TO_TICKET: Final = 220

CALL_OUTCOMES: Final[Mapping[str, str]] = {
    "busy": "9d9162e7-6cf3-4944-bf63-4dff82258764",
    "connected": "f240bbac-87c9-4f6e-bf70-924b57d47db7",
    "left live message": "a4c4c377-d246-4b32-a13b-75a56a4cd0ff",
    "left voicemail": "b2cf5968-551e-4856-9783-52b3da59a7d0",
    "no answer": "73a0d17f-1163-4015-bdd5-ec830791da20",
    "wrong number": "17b47fee-58de-441e-a44c-c6300d46f273",
}
"""HubSpot's default call outcomes (`hs_call_disposition` takes their internal ids)."""

CONTACT_PROPERTIES: Final = (
    "firstname",
    "lastname",
    "email",
    "hs_additional_emails",
    "phone",
    "mobilephone",
    "company",
    "jobtitle",
    "lifecyclestage",
    "hubspot_owner_id",
    "hs_timezone",
    "hs_language",
    "notes_last_contacted",
    "notes_last_updated",
)
TICKET_PROPERTIES: Final = (
    "subject",
    "content",
    "hs_pipeline",
    "hs_pipeline_stage",
    "hs_ticket_priority",
    "createdate",
    "hs_lastmodifieddate",
    "closed_date",
)
NOTE_PROPERTIES: Final = ("hs_timestamp", "hs_note_body", "hs_createdate")
CALL_PROPERTIES: Final = (
    "hs_timestamp",
    "hs_call_title",
    "hs_call_body",
    "hs_call_direction",
    "hs_call_duration",
    "hs_call_disposition",
)
EMAIL_PROPERTIES: Final = (
    "hs_timestamp",
    "hs_email_subject",
    "hs_email_text",
    "hs_email_direction",
)

DEFAULT_STAGES: Final[Mapping[str, TicketStatus]] = {
    "1": TicketStatus.NEW,
    "2": TicketStatus.PENDING,
    "3": TicketStatus.OPEN,
    "4": TicketStatus.CLOSED,
}
"""The default support pipeline: New, Waiting on contact, Waiting on us, Closed."""
PRIORITIES: Final[Mapping[str, Priority]] = {
    "LOW": Priority.LOW,
    "MEDIUM": Priority.NORMAL,
    "HIGH": Priority.HIGH,
    "URGENT": Priority.URGENT,
}
NEEDED_SCOPES: Final[Mapping[str, str]] = {
    "crm.objects.contacts.read": "find people",
    "crm.objects.contacts.write": "write notes and call logs",
    "crm.objects.companies.read": "show companies",
    "tickets": "show tickets",
}
OPTIONAL_SCOPES: Final[Mapping[str, str]] = {
    "crm.objects.owners.read": "show contact owners",
    "sales-email-read": "show email bodies on the timeline",
}
SCOPE_CAPABILITIES: Final[Mapping[str, Capability]] = {
    "crm.objects.contacts.read": Capability.LOOKUP_PHONE
    | Capability.LOOKUP_EMAIL
    | Capability.LOOKUP_NAME,
    "crm.objects.contacts.write": Capability.PERSON_NOTES
    | Capability.TICKET_NOTES
    | Capability.CALLS
    | Capability.CREATE_CONTACT,
    "tickets": Capability.TICKETS | Capability.TICKET_NOTES,
}
"""What a token without the scope cannot do (`cx-tui connectors` shows what is left)."""

_PHONE_CHARS = re.compile(r"[0-9 +().\-]{4,40}")
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_PROPERTY = re.compile(r"[a-z][a-z0-9_]{0,99}")


# --- Options -----------------------------------------------------------------------------------


def _validate_portal_id(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError("expected the portal (hub) id, a positive whole number such as 4512345")
    return value


def _validate_app_domain(value: Any) -> str:
    host = value.strip().lower() if isinstance(value, str) else ""
    if not _HOST.fullmatch(host):
        raise ValueError('expected a host name such as "app.hubspot.com" or "app-eu1.hubspot.com"')
    return host


def _validate_property(value: Any) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not _PROPERTY.fullmatch(name):
        raise ValueError('expected a HubSpot property internal name such as "plan_tier"')
    return name


# --- The search request ------------------------------------------------------------------------


def phone_forms(phone: PhoneQuery) -> list[str]:
    """The written forms of a number a HubSpot `phone` field commonly holds, canonical first."""
    groups = re.split(r"[ \-]", phone.international_formatted.split(" ", 1)[-1])
    cc = str(phone.country_code)
    forms = [
        *phone.candidate_forms(),
        "-".join(groups),
        ".".join(groups),
        " ".join(groups),
        f"+{cc} {' '.join(groups)}",
        f"+{cc} {phone.national_formatted}",
        f"{cc}-{'-'.join(groups)}",
    ]
    return list(dict.fromkeys(f for f in forms if f))[:MAX_PHONE_FORMS]


def _checked_phone(phone: PhoneQuery) -> PhoneQuery:
    """Re-validate a phone query's parts (defence in depth: they reach the vendor)."""
    if not (
        re.fullmatch(r"\+\d{6,15}", phone.e164)
        and re.fullmatch(r"\d{4,15}", phone.national_digits)
        and _PHONE_CHARS.fullmatch(phone.national_formatted)
        and _PHONE_CHARS.fullmatch(phone.international_formatted)
    ):
        raise InvalidInput("That phone number holds characters cx-tui will not send to HubSpot.")
    return phone


def checked_email(email: str) -> str:
    """The email as `identity.normalize_email` would return it, or `InvalidInput`."""
    try:
        normalized = normalize_email(email)
    except QueryError as exc:
        raise InvalidInput(exc.message) from None
    if normalized != email:
        raise InvalidInput("That email address is not in its normalised form.")
    return email


def checked_name(name: str) -> str:
    """The name as `identity.normalize_name` would return it, or `InvalidInput`."""
    if len(name) > 100:
        raise InvalidInput("That name is too long to look up.")
    try:
        normalized = normalize_name(name)
    except QueryError as exc:
        raise InvalidInput(exc.message) from None
    if normalized != name:
        raise InvalidInput("That name is not in its normalised form.")
    return name


def search_request(
    query: Query, properties: Sequence[str], *, limit: int = SEARCH_PAGE
) -> dict[str, Any]:
    """The body of `POST /crm/v3/objects/contacts/search` for a validated query.

    Raises:
        InvalidInput: a value that does not validate, or a body beyond HubSpot's limits.
    """
    body: dict[str, Any]
    if query.phone is not None:
        phone = _checked_phone(query.phone)
        forms = phone_forms(phone)
        body = {
            "filterGroups": [
                {"filters": [{"propertyName": "phone", "operator": "IN", "values": forms}]},
                {"filters": [{"propertyName": "mobilephone", "operator": "IN", "values": forms}]},
                _eq("hs_searchable_calculated_phone_number", phone.national_digits),
                _eq("hs_searchable_calculated_mobile_number", phone.national_digits),
                _eq("hs_calculated_phone_number", phone.e164),
            ]
        }
    elif query.email is not None:
        email = checked_email(query.email)
        body = {
            "filterGroups": [
                _eq("email", email),
                {
                    "filters": [
                        {
                            "propertyName": "hs_additional_emails",
                            "operator": "CONTAINS_TOKEN",
                            "value": email,
                        }
                    ]
                },
            ]
        }
    elif query.name is not None:
        body = {"query": checked_name(query.name)}
    else:
        raise InvalidInput("Nothing to look up.")
    body["properties"] = list(properties)
    body["limit"] = limit
    check_search_limits(body)
    return body


def _eq(prop: str, value: str) -> dict[str, Any]:
    return {"filters": [{"propertyName": prop, "operator": "EQ", "value": value}]}


def check_search_limits(body: Mapping[str, Any]) -> None:
    """Refuse a search body beyond HubSpot's limits before it is sent.

    Raises:
        InvalidInput: too many filter groups or filters, or `limit` above 200.
    """
    groups = body.get("filterGroups", [])
    per_group = [len(group.get("filters", [])) for group in groups]
    if (
        len(groups) > MAX_FILTER_GROUPS
        or any(n > MAX_FILTERS_PER_GROUP for n in per_group)
        or sum(per_group) > MAX_FILTERS
        or int(body.get("limit", 0)) > MAX_SEARCH_LIMIT
    ):
        raise InvalidInput(
            "This search is beyond HubSpot's limits (5 filter groups, 6 filters per group, "
            "18 filters, 200 results)."
        )


def _next_after(page: Mapping[str, Any]) -> str | None:
    paging = page.get("paging")
    nxt = paging.get("next") if isinstance(paging, Mapping) else None
    after = nxt.get("after") if isinstance(nxt, Mapping) else None
    return after if isinstance(after, str) and after else None


def _digits(value: str, what: str, source: str) -> str:
    if not value.isdigit():
        raise NotFound(f"There is no {what} {value!r} in {source}.")
    return value


# --- Reading HubSpot records -----------------------------------------------------------------


def _props(record: Mapping[str, Any]) -> dict[str, Any]:
    props = record.get("properties")
    if not isinstance(props, dict):
        raise BadResponse("HubSpot sent a record without properties")
    return props


def _timezone(value: Any) -> str | None:
    """HubSpot's `hs_timezone` ("america_slash_los_angeles") as an IANA name, when it is one."""
    text = text_or_none(value)
    if text is None:
        return None
    if "/" in text:
        candidate = text
    else:
        parts = text.split("_slash_")
        candidate = "/".join("_".join(w.capitalize() for w in p.split("_")) for p in parts)
    try:
        ZoneInfo(candidate)
    except (ValueError, KeyError, OSError):
        return None
    return candidate


def _stage_status(label: str, state: str, first: bool) -> TicketStatus:
    if state.upper() == "CLOSED":
        return TicketStatus.CLOSED
    folded = label.casefold()
    if "waiting on contact" in folded or "waiting on customer" in folded:
        return TicketStatus.PENDING
    if "hold" in folded:
        return TicketStatus.HOLD
    return TicketStatus.NEW if first else TicketStatus.OPEN


def pipeline_statuses(data: Any) -> dict[tuple[str, str], TicketStatus]:
    """(pipeline id, stage id) → status, from `GET /crm/v3/pipelines/tickets`."""
    mapping: dict[tuple[str, str], TicketStatus] = {}
    pipelines = expect_list(
        expect_dict(data, "HubSpot", "pipelines").get("results"), "HubSpot", "pipelines"
    )
    for pipeline in pipelines:
        if not isinstance(pipeline, Mapping):
            continue
        pipeline_id = str(pipeline.get("id", ""))
        listed = expect_list(pipeline.get("stages"), "HubSpot", "pipeline stages")
        stages = [s for s in listed if isinstance(s, Mapping)]
        stages.sort(key=lambda s: _order(s.get("displayOrder")))
        for index, stage in enumerate(stages):
            metadata = stage.get("metadata")
            state = metadata.get("ticketState", "") if isinstance(metadata, Mapping) else ""
            mapping[(pipeline_id, str(stage.get("id", "")))] = _stage_status(
                str(stage.get("label", "")), str(state or ""), index == 0
            )
    return mapping


def _order(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _ticket_status(
    props: Mapping[str, Any], stages: Mapping[tuple[str, str], TicketStatus] | None
) -> TicketStatus:
    pipeline = str(props.get("hs_pipeline") or "")
    stage = str(props.get("hs_pipeline_stage") or "")
    if stages is not None and (pipeline, stage) in stages:
        return stages[(pipeline, stage)]
    if pipeline in ("", "0") and stage in DEFAULT_STAGES:
        return DEFAULT_STAGES[stage]
    return TicketStatus.CLOSED if text_or_none(props.get("closed_date")) else TicketStatus.OPEN


def _duration(milliseconds: Any) -> str | None:
    try:
        seconds = round(int(str(milliseconds)) / 1000)
    except ValueError:
        return None
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


@dataclass(frozen=True, slots=True)
class _Portal:
    portal_id: str
    app_domain: str

    def link(self, object_type_id: str, record: str) -> str:
        return (
            f"https://{self.app_domain}/contacts/{self.portal_id}/record/{object_type_id}/{record}"
        )


# --- The connector -----------------------------------------------------------------------------


class HubSpotConnector(Connector):
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
    capabilities: ClassVar[Capability] = (
        Capability.LOOKUP_PHONE
        | Capability.LOOKUP_EMAIL
        | Capability.LOOKUP_NAME
        | Capability.TICKETS
        | Capability.PERSON_NOTES
        | Capability.TICKET_NOTES
        | Capability.CALLS
        | Capability.CREATE_CONTACT
    )
    options: ClassVar[tuple[Option, ...]] = (
        Option(
            "portal_id",
            "Portal id",
            "The HubSpot account (hub) id, for links that open records in HubSpot. Default: "
            "asked once from GET /account-info/v3/details.",
            type=int,
            validator=_validate_portal_id,
        ),
        Option(
            "app_domain",
            "App domain",
            'Where HubSpot\'s web app runs for this account, e.g. "app-eu1.hubspot.com" for an '
            "EU account. Default: what the account reports, else app.hubspot.com.",
            validator=_validate_app_domain,
        ),
        Option(
            "plan_property",
            "Plan property",
            "Internal name of the contact or company property that holds the customer's plan "
            '(e.g. "plan_tier"). Default: none.',
            validator=_validate_property,
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
            raise AuthError(f"No HubSpot token for {name}: run `{secret_set_command(name)}`.")
        self._token = secret
        configured = self.settings.get("base_url")
        self.base_url: str = str(configured or API_URL).rstrip("/")
        # Never a user:password@ the URL may carry: the host is shown in messages.
        host = urlsplit(self.base_url).netloc.rpartition("@")[2] or self.base_url
        region = self.settings.get("default_region")
        self.region: str | None = region if isinstance(region, str) and region else None
        plan = self.settings.get("plan_property")
        self.plan_property: str | None = None if plan is None else _validate_property(plan)
        self.vendor = Vendor(
            name="HubSpot",
            host=host,
            reach_hint="check `base_url`" if configured else "check the network connection",
            auth_hint=f"run `{secret_set_command(name)}` with a valid private-app or OAuth "
            "access token",
            scope_hint="add the missing scopes to the private app (Settings > Integrations > "
            f"Private Apps), then run `{secret_set_command(name)}` if HubSpot issued a new token",
        )
        account = ("hubspot", host, fingerprint(secret))
        self._search_limiter: RateLimiter = shared_limiter(
            (*account, "search"), *SEARCH_RATE, label="HubSpot search"
        )
        self._limiter: RateLimiter = shared_limiter(
            (*account, "burst"), *BURST_RATE, label="HubSpot"
        )
        self._http: HttpClient | None = None
        portal_id = self.settings.get("portal_id")
        app_domain = self.settings.get("app_domain")
        self._app_domain: str | None = None if app_domain is None else str(app_domain)
        self._portal: _Portal | None = (
            _Portal(str(_validate_portal_id(portal_id)), self._app_domain or APP_DOMAIN)
            if portal_id is not None
            else None
        )
        self._portal_unknowable = False
        self._owners: dict[str, str | None] = {}
        self._owners_denied = False
        self._stages: dict[tuple[str, str], TicketStatus] | None = None
        self._stages_tried = False

    # --- plumbing ------------------------------------------------------------------------

    def _client(self) -> HttpClient:
        if self._http is None:
            self._http = HttpClient(
                self.vendor,
                self.base_url,
                bearer(self._token),
                secrets=(self._token,),
                transport=self._transport,
                on_headers=partial(observe_rate_headers, account=self._limiter),
            )
        return self._http

    async def aclose(self) -> None:
        """Close the HTTP connections (they reopen on next use)."""
        if self._http is not None:
            await self._http.aclose()

    def _ref(self, record: str, url: str | None, now: datetime) -> SourceRef:
        return SourceRef(self.name, record, url, now)

    async def _get(self, path: str, policy: RetryPolicy, **params: str | int) -> dict[str, Any]:
        data = await self._client().get(
            path, limiter=self._limiter, params=params or None, policy=policy
        )
        return expect_dict(data, "HubSpot", "an answer")

    async def _post(
        self, path: str, body: Any, policy: RetryPolicy, *, safe: bool, search: bool = False
    ) -> dict[str, Any]:
        reply = await self._client().request(
            "POST",
            path,
            json_body=body,
            limiter=self._search_limiter if search else self._limiter,
            policy=policy,
            safe=safe,
        )
        return expect_dict(reply.data, "HubSpot", "an answer")

    async def _portal_info(self, policy: RetryPolicy) -> _Portal | None:
        """The portal id and app domain for deep links (asked once; None when unknowable)."""
        if self._portal is not None or self._portal_unknowable:
            return self._portal
        try:
            data = await self._get("/account-info/v3/details", policy)
        except (AuthError, NotFound):
            self._portal_unknowable = True
            return None
        except ConnectorError:
            return None  # try again on the next lookup
        portal_id = data.get("portalId")
        if not isinstance(portal_id, int | str) or not str(portal_id).isdigit():
            self._portal_unknowable = True
            return None
        domain = str(data.get("uiDomain") or "").lower()
        app = self._app_domain or (domain if _HOST.fullmatch(domain) else APP_DOMAIN)
        self._portal = _Portal(str(portal_id), app)
        return self._portal

    # --- lookup --------------------------------------------------------------------------

    def _plan(self, props: Mapping[str, Any]) -> str | None:
        return text_or_none(props.get(self.plan_property)) if self.plan_property else None

    @property
    def contact_properties(self) -> tuple[str, ...]:
        extra = (self.plan_property,) if self.plan_property else ()
        return tuple(dict.fromkeys((*CONTACT_PROPERTIES, *extra)))

    async def find_people(self, query: Query) -> list[Match]:
        """Find contacts by phone (any stored format), email (primary or additional) or name.

        Args:
            query: A validated query; its values are re-validated before use.

        Returns:
            The contacts that really match, confirmed client-side, most confident first.

        Raises:
            InvalidInput: a value that could change the search's meaning (nothing is sent).
            AuthError, RateLimited, Unavailable, Timeout, BadResponse: see `connectors.http`.
        """
        body = search_request(query, self.contact_properties)
        contacts, portal = await gather_all(self._search(body), self._portal_info(LOOKUP))
        now = datetime.now(UTC)
        found: list[tuple[Match, str | None]] = []
        for contact in contacts:
            record = expect_dict(contact, "HubSpot", "a contact")
            match = self._confirm(record, query, portal, now)
            if match is not None:
                found.append((match, text_or_none(_props(record).get("hubspot_owner_id"))))
        matches = await self._with_owners(found)
        matches.sort(key=lambda m: (-m.confidence, m.person.name or "", m.person.ref.record_id))
        return matches

    async def _search(self, body: dict[str, Any]) -> list[Any]:
        async def fetch(after: str | None) -> dict[str, Any]:
            page = dict(body, after=after) if after else body
            return await self._post(
                "/crm/v3/objects/contacts/search", page, LOOKUP, safe=True, search=True
            )

        found: list[Any] = []
        async with contextlib.aclosing(
            pages(fetch, _next_after, max_pages=MAX_SEARCH_PAGES)
        ) as results:
            async for page in results:
                found += expect_list(page.get("results"), "HubSpot", "search results")
                if len(found) >= MAX_MATCHES:
                    break
        return found[:MAX_MATCHES]

    def _confirm(
        self, contact: Mapping[str, Any], query: Query, portal: _Portal | None, now: datetime
    ) -> Match | None:
        person = self._person(contact, portal, now)
        if query.phone is not None:
            hit = match_phone(person.contact_points, query.phone, self.region)
            return None if hit is None else Match(person, hit.reason, hit.confidence, hit.detail)
        if query.email is not None:
            wanted = fold_email(query.email)
            for point in person.contact_points:
                if point.kind is ContactKind.EMAIL and point.value == wanted:
                    stored = point.raw or point.value
                    if point.label == "primary":
                        return Match(
                            person, MatchReason.PRIMARY_EMAIL, 1.0, f"stored as '{stored}'"
                        )
                    return Match(
                        person,
                        MatchReason.SECONDARY_EMAIL,
                        0.9,
                        f"stored as '{stored}' (an additional email)",
                    )
            return None
        if query.name is not None and name_matches(query.name, person.name):
            return Match(person, MatchReason.NAME, 0.4, f"name '{person.name}'")
        return None

    def _person(self, contact: Mapping[str, Any], portal: _Portal | None, now: datetime) -> Person:
        contact_id = record_id(contact.get("id"), "HubSpot", "a contact")
        props = _props(contact)
        points: list[ContactPoint] = []
        primary = text_or_none(props.get("email"))
        if primary:
            points.append(email_point(primary, label="primary"))
        for extra in str(props.get("hs_additional_emails") or "").split(";"):
            if extra.strip():
                points.append(email_point(extra.strip(), label="secondary"))
        for prop, label in (("phone", "phone"), ("mobilephone", "mobile")):
            raw = text_or_none(props.get(prop))
            if raw:
                points.append(phone_point(raw, self.region, label=label))
        unique = list({p.key: p for p in reversed(points)}.values())[::-1]
        name = " ".join(
            part
            for part in (text_or_none(props.get("firstname")), text_or_none(props.get("lastname")))
            if part
        )
        tags = []
        stage = text_or_none(props.get("lifecyclestage"))
        if stage:
            tags.append(f"lifecycle: {stage}")
        times = [parse_time(props.get(p)) for p in ("notes_last_contacted", "notes_last_updated")]
        known = [t for t in times if t is not None]
        return Person(
            ref=self._ref(contact_id, portal.link("0-1", contact_id) if portal else None, now),
            name=name or None,
            contact_points=tuple(unique),
            company=text_or_none(props.get("company")),
            title=text_or_none(props.get("jobtitle")),
            plan=self._plan(props),
            timezone=_timezone(props.get("hs_timezone")),
            language=text_or_none(props.get("hs_language")),
            tags=tuple(tags),
            last_contact=max(known) if known else None,
        )

    async def _with_owners(self, found: list[tuple[Match, str | None]]) -> list[Match]:
        """Add each contact's owner as a tag ("owner: Jane Doe"), when the token may read it.

        Owner names are cached; an owner that takes too long is left out of this lookup.
        """
        if not self._owners_denied:
            wanted = [
                owner
                for owner in dict.fromkeys(o for _, o in found if o and o.isdigit())
                if owner not in self._owners
            ][:5]
            if wanted:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        gather_all(*(self._owner(o) for o in wanted)), OWNER_LOOKUP_TIMEOUT
                    )
        result = []
        for match, owner in found:
            owner_name = self._owners.get(owner) if owner else None
            if owner_name:
                person = replace(match.person, tags=(*match.person.tags, f"owner: {owner_name}"))
                match = replace(match, person=person)
            result.append(match)
        return result

    async def _owner(self, owner_id: str) -> None:
        if not owner_id.isdigit():
            return
        try:
            data = await self._get(f"/crm/v3/owners/{owner_id}", LOOKUP)
        except AuthError:
            self._owners_denied = True
            return
        except NotFound:
            self._owners[owner_id] = None
            return
        except ConnectorError:
            return
        name = " ".join(
            p
            for p in (text_or_none(data.get("firstName")), text_or_none(data.get("lastName")))
            if p
        )
        self._owners[owner_id] = name or text_or_none(data.get("email"))

    # --- details -------------------------------------------------------------------------

    async def get_details(self, match: Match) -> Details:
        """The contact's companies, tickets (with their internal notes) and recent activity.

        Args:
            match: A match this connector returned.

        Returns:
            Up to 10 companies; up to 100 tickets (the 10 most recently updated open ones with
            their notes as private comments); the 50 most recent notes, calls and emails each.
            A part the token may not read (403) is left out.

        Raises:
            NotFound: the match is not a HubSpot contact of this account.
            AuthError, RateLimited, Unavailable, Timeout, BadResponse: see `connectors.http`.
        """
        ref = match.person.ref
        if ref.connector != self.name:
            raise NotFound(f"{ref.connector} record {ref.record_id} is not in {self.name}.")
        contact_id = _digits(ref.record_id, "contact", self.name)
        now = datetime.now(UTC)
        portal = await self._portal_info(LOOKUP)
        contact_url = portal.link("0-1", contact_id) if portal else None
        companies, (tickets, note_tickets), notes, calls, emails = await gather_all(
            self._optional(self._companies(contact_id, portal, now), ()),
            self._optional(self._tickets(contact_id, portal, now), ((), {})),
            self._optional(self._activities(contact_id, "notes", NOTE_PROPERTIES), []),
            self._optional(self._activities(contact_id, "calls", CALL_PROPERTIES), []),
            self._optional(self._activities(contact_id, "emails", EMAIL_PROPERTIES), []),
        )
        interactions = [
            *(self._note(n, note_tickets, contact_url, now) for n in notes),
            *(self._call(c, contact_url, now) for c in calls),
            *(self._email(e, contact_url, now) for e in emails),
        ]
        interactions.sort(key=lambda i: i.at, reverse=True)
        return Details(companies=companies, tickets=tickets, interactions=tuple(interactions))

    @staticmethod
    async def _optional(awaitable: Any, default: Any) -> Any:
        # A missing scope (403) hides one part; 401, rate limits and outages fail the lookup.
        try:
            return await awaitable
        except AuthError as error:
            if error.status == 403:
                return default
            raise

    async def _associated(
        self,
        from_type: str,
        from_id: str,
        to_type: str,
        policy: RetryPolicy = LOOKUP,
        *,
        max_pages: int = MAX_ASSOCIATION_PAGES,
    ) -> list[str]:
        """Ids of the `to_type` records associated with one record (v4), newest (highest) first."""

        async def fetch(after: str | None) -> dict[str, Any]:
            params: dict[str, str | int] = {"limit": ASSOCIATION_PAGE}
            if after:
                params["after"] = after
            return await self._get(
                f"/crm/v4/objects/{from_type}/{from_id}/associations/{to_type}", policy, **params
            )

        ids: list[str] = []
        async with contextlib.aclosing(pages(fetch, _next_after, max_pages=max_pages)) as found:
            async for page in found:
                for item in expect_list(page.get("results"), "HubSpot", "associations"):
                    value = item.get("toObjectId") if isinstance(item, Mapping) else None
                    ids.append(record_id(value, "HubSpot", "an association"))
        return sorted(set(ids), key=int, reverse=True)

    async def _batch_read(
        self,
        object_type: str,
        ids: Sequence[str],
        properties: Sequence[str],
        policy: RetryPolicy = LOOKUP,
    ) -> list[dict[str, Any]]:
        """Records by id, `BATCH_READ` per request (HubSpot's batch read limit)."""
        records: list[dict[str, Any]] = []
        for start in range(0, len(ids), BATCH_READ):
            chunk = ids[start : start + BATCH_READ]
            data = await self._post(
                f"/crm/v3/objects/{object_type}/batch/read",
                {"properties": list(properties), "inputs": [{"id": i} for i in chunk]},
                policy,
                safe=True,
            )
            for item in expect_list(data.get("results"), "HubSpot", f"{object_type}"):
                records.append(expect_dict(item, "HubSpot", f"a record of {object_type}"))
        return records

    async def _companies(
        self, contact_id: str, portal: _Portal | None, now: datetime
    ) -> tuple[Company, ...]:
        ids = (await self._associated("contacts", contact_id, "companies"))[:MAX_COMPANIES]
        if not ids:
            return ()
        properties = ("name", "domain", *((self.plan_property,) if self.plan_property else ()))
        companies = []
        for record in await self._batch_read("companies", ids, properties):
            company_id = record_id(record.get("id"), "HubSpot", "a company")
            props = _props(record)
            companies.append(
                Company(
                    ref=self._ref(
                        f"company-{company_id}",
                        portal.link("0-2", company_id) if portal else None,
                        now,
                    ),
                    name=text_or_none(props.get("name")) or f"Company {company_id}",
                    domain=text_or_none(props.get("domain")),
                    plan=text_or_none(props.get(self.plan_property))
                    if self.plan_property
                    else None,
                )
            )
        return tuple(companies)

    async def _pipeline_stages(self) -> dict[tuple[str, str], TicketStatus] | None:
        if not self._stages_tried:
            try:
                self._stages = pipeline_statuses(
                    await self._get("/crm/v3/pipelines/tickets", LOOKUP)
                )
                self._stages_tried = True
            except (AuthError, NotFound):
                self._stages_tried = True
            except ConnectorError:
                pass  # try again next time; the default stages serve meanwhile
        return self._stages

    async def _tickets(
        self, contact_id: str, portal: _Portal | None, now: datetime
    ) -> tuple[tuple[Ticket, ...], dict[str, str]]:
        """The contact's tickets, and which of the notes read belong to which open ticket."""
        ids = (await self._associated("contacts", contact_id, "tickets"))[:MAX_TICKETS]
        if not ids:
            return (), {}
        records, stages = await gather_all(
            self._batch_read("tickets", ids, TICKET_PROPERTIES), self._pipeline_stages()
        )
        tickets = [self._ticket(record, stages, portal, now) for record in records]
        open_ones = sorted((t for t in tickets if t.is_open), key=lambda t: t.updated, reverse=True)
        with_notes = open_ones[:MAX_TICKETS_WITH_NOTES]
        note_lists = await gather_all(*(self._ticket_notes(t, now) for t in with_notes))
        comments = {t.ref.record_id: notes for t, notes in zip(with_notes, note_lists, strict=True)}
        note_tickets = {
            c.ref.record_id.removeprefix("note-"): ticket_id
            for ticket_id, notes in comments.items()
            for c in notes
        }
        result = [
            replace(t, comments=comments[t.ref.record_id]) if t.ref.record_id in comments else t
            for t in tickets
        ]
        return tuple(result), note_tickets

    def _ticket(
        self,
        record: Mapping[str, Any],
        stages: Mapping[tuple[str, str], TicketStatus] | None,
        portal: _Portal | None,
        now: datetime,
    ) -> Ticket:
        ticket_id = record_id(record.get("id"), "HubSpot", "a ticket")
        props = _props(record)
        created = parse_time(props.get("createdate")) or parse_time(record.get("createdAt"))
        updated = parse_time(props.get("hs_lastmodifieddate")) or parse_time(
            record.get("updatedAt")
        )
        if created is None:
            raise BadResponse(f"HubSpot sent ticket {ticket_id} without a creation time")
        priority = str(props.get("hs_ticket_priority") or "").upper()
        return Ticket(
            ref=self._ref(ticket_id, portal.link("0-5", ticket_id) if portal else None, now),
            subject=text_or_none(props.get("subject")) or f"Ticket {ticket_id}",
            status=_ticket_status(props, stages),
            created=created,
            updated=updated or created,
            priority=PRIORITIES.get(priority),
        )

    async def _ticket_notes(self, ticket: Ticket, now: datetime) -> tuple[Comment, ...]:
        ids = (await self._associated("tickets", ticket.ref.record_id, "notes", max_pages=1))[
            :MAX_ACTIVITIES
        ]
        records = await self._batch_read("notes", ids, NOTE_PROPERTIES) if ids else []
        comments = []
        for record in records:
            note_id = record_id(record.get("id"), "HubSpot", "a note")
            props = _props(record)
            at = _when(props, record)
            comments.append(
                Comment(
                    ref=self._ref(f"note-{note_id}", ticket.ref.url, now),
                    body=strip_marker(html_to_text(str(props.get("hs_note_body") or ""))),
                    public=False,
                    created=at,
                )
            )
        comments.sort(key=lambda c: c.created)
        return tuple(comments)

    async def _activities(
        self, contact_id: str, object_type: str, properties: Sequence[str]
    ) -> list[dict[str, Any]]:
        ids = (await self._associated("contacts", contact_id, object_type))[:MAX_ACTIVITIES]
        return await self._batch_read(object_type, ids, properties) if ids else []

    def _note(
        self,
        record: Mapping[str, Any],
        note_tickets: Mapping[str, str],
        url: str | None,
        now: datetime,
    ) -> Interaction:
        note_id = record_id(record.get("id"), "HubSpot", "a note")
        props = _props(record)
        text = strip_marker(html_to_text(str(props.get("hs_note_body") or "")))
        return Interaction(
            ref=self._ref(f"note-{note_id}", url, now),
            channel=Channel.NOTE,
            direction=Direction.INTERNAL,
            at=_when(props, record),
            summary=text[:MAX_SUMMARY] or "(empty note)",
            ticket_id=note_tickets.get(note_id),
        )

    def _call(self, record: Mapping[str, Any], url: str | None, now: datetime) -> Interaction:
        call_id = record_id(record.get("id"), "HubSpot", "a call")
        props = _props(record)
        inbound = str(props.get("hs_call_direction") or "").upper() == "INBOUND"
        parts = [
            text_or_none(props.get("hs_call_title")) or ("Inbound call" if inbound else "Call")
        ]
        duration = _duration(props.get("hs_call_duration"))
        if duration:
            parts.append(duration)
        body = strip_marker(html_to_text(str(props.get("hs_call_body") or "")))
        if body:
            parts.append(shorten(body, 300))
        return Interaction(
            ref=self._ref(f"call-{call_id}", url, now),
            channel=Channel.CALL,
            direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
            at=_when(props, record),
            summary=" · ".join(parts),
        )

    def _email(self, record: Mapping[str, Any], url: str | None, now: datetime) -> Interaction:
        email_id = record_id(record.get("id"), "HubSpot", "an email")
        props = _props(record)
        inbound = str(props.get("hs_email_direction") or "").upper() == "INCOMING_EMAIL"
        subject = text_or_none(props.get("hs_email_subject")) or "(no subject)"
        text = text_or_none(props.get("hs_email_text"))
        return Interaction(
            ref=self._ref(f"email-{email_id}", url, now),
            channel=Channel.EMAIL,
            direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
            at=_when(props, record),
            summary=f"{subject} — {shorten(text, 200)}" if text else subject,
        )

    # --- writes --------------------------------------------------------------------------

    def _target(self, target: NoteTarget) -> tuple[str, str]:
        """(HubSpot object type, record id) of a note target of this connector."""
        if target.ref.connector != self.name:
            raise InvalidInput(
                f"That {target.kind.value} belongs to {target.ref.connector}, not {self.name}."
            )
        if target.kind is TargetKind.TICKET:
            return "tickets", _digits(target.ref.record_id, "ticket", self.name)
        if target.kind is TargetKind.PERSON:
            return "contacts", _digits(target.ref.record_id, "contact", self.name)
        # Never a note on the contact instead: the agent asked for a ticket.
        raise Unsupported(
            f"{self.name} cannot open HubSpot tickets from cx-tui: add the note to the contact "
            "or to one of their open tickets."
        )

    def _body(self, text: str, idempotency_key: str) -> str:
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
        html_body = f"<p>{text_to_html(body)}</p><p>{mark}</p>"
        if len(html_body) > NOTE_BODY_LIMIT:
            # Escaping (< becomes &lt;) can push a note that fits as text over HubSpot's limit.
            raise InvalidInput(
                f"The note is too long for HubSpot once formatted ({len(html_body):,} of "
                f"{NOTE_BODY_LIMIT:,} characters); shorten it."
            )
        return html_body

    async def _already_written(
        self,
        object_type: str,
        target: tuple[str, str],
        body_property: str,
        idempotency_key: str,
        url: str | None,
    ) -> NoteReceipt | None:
        """The receipt of a note (or call) that already carries this key's marker, if any."""
        mark = marker(idempotency_key)
        ids = await self._associated(target[0], target[1], object_type, BACKGROUND, max_pages=1)
        recent = ids[:MAX_MARKER_SCAN]
        if not recent:
            return None
        properties = (body_property, "hs_timestamp", "hs_createdate")
        for record in await self._batch_read(object_type, recent, properties, BACKGROUND):
            props = _props(record)
            if mark in str(props.get(body_property) or ""):
                found_id = record_id(record.get("id"), "HubSpot", "a note")
                prefix = "note" if object_type == "notes" else "call"
                return NoteReceipt(
                    ref=self._ref(f"{prefix}-{found_id}", url, datetime.now(UTC)),
                    created=_when(props, record),
                    duplicate=True,
                )
        return None

    async def _create(
        self,
        object_type: str,
        properties: Mapping[str, str],
        target: tuple[str, str],
        association: int,
        url: str | None,
    ) -> NoteReceipt:
        body = {
            "properties": dict(properties),
            "associations": [
                {
                    "to": {"id": target[1]},
                    "types": [
                        {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": association}
                    ],
                }
            ],
        }
        # Not idempotent: sent again only when HubSpot certainly did nothing (429, no connection).
        data = await self._post(f"/crm/v3/objects/{object_type}", body, BACKGROUND, safe=False)
        created_id = record_id(data.get("id"), "HubSpot", f"the new {object_type[:-1]}")
        prefix = "note" if object_type == "notes" else "call"
        now = datetime.now(UTC)
        return NoteReceipt(
            ref=self._ref(f"{prefix}-{created_id}", url, now),
            created=parse_time(data.get("createdAt")) or now,
        )

    async def _link_for(self, target: tuple[str, str]) -> str | None:
        portal = await self._portal_info(BACKGROUND)
        if portal is None:
            return None
        return portal.link("0-5" if target[0] == "tickets" else "0-1", target[1])

    async def add_note(self, target: NoteTarget, text: str, idempotency_key: str) -> NoteReceipt:
        """Write a note on a contact, or on a ticket, at most once per idempotency key.

        Args:
            target: A contact or ticket of this connector.
            text: Plain text (kept line by line); at most `note_limit` characters.
            idempotency_key: The outbox's key; the note's last line is `cx-tui:<key>`.

        Returns:
            The note's receipt; `duplicate` when a note with this key already existed.

        Raises:
            Unsupported: a new ticket (cx-tui does not open HubSpot tickets; nothing is sent).
            InvalidInput: an empty or too long note, a bad key, another source's target.
            NotFound: the contact or ticket does not exist.
            AuthError: the token may not write notes (`crm.objects.contacts.write`).
            RateLimited, Unavailable, Timeout, BadResponse: see `connectors.http`.
        """
        where = self._target(target)
        html_body = self._body(text, idempotency_key)
        url = await self._link_for(where)
        found = await self._already_written("notes", where, "hs_note_body", idempotency_key, url)
        if found is not None:
            return found
        properties = {"hs_timestamp": _iso(datetime.now(UTC)), "hs_note_body": html_body}
        association = NOTE_TO_TICKET if where[0] == "tickets" else NOTE_TO_CONTACT
        return await self._create("notes", properties, where, association, url)

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
        """Log a call on a contact (or a ticket) as a HubSpot call engagement, at most once.

        Args:
            target: A contact or ticket of this connector.
            body: What the call was about (plain text).
            duration_s: How long it lasted, in seconds.
            direction: "inbound" or "outbound".
            disposition: A call outcome: busy, connected, left live message, left voicemail,
                no answer, wrong number, or an outcome id of the account. Other text is kept
                in the body as "Outcome: ...".
            at: When the call happened (default: now).
            idempotency_key: The outbox's key; the body's last line is `cx-tui:<key>`.

        Returns:
            The call's receipt; `duplicate` when a call with this key already existed.

        Raises:
            InvalidInput: a bad value (nothing is sent).
            AuthError, NotFound, RateLimited, Unavailable, Timeout, BadResponse: as `add_note`.
        """
        where = self._target(target)
        properties: dict[str, str] = {"hs_call_status": "COMPLETED"}
        text = body.strip()
        if direction is not None:
            if direction.lower() not in ("inbound", "outbound"):
                raise InvalidInput('A call direction is "inbound" or "outbound".')
            properties["hs_call_direction"] = direction.upper()
            properties["hs_call_title"] = f"{direction.capitalize()} call"
        if duration_s is not None:
            if isinstance(duration_s, bool) or not 0 <= float(duration_s) < 86_400:
                raise InvalidInput("A call lasts between 0 seconds and a day.")
            properties["hs_call_duration"] = str(round(float(duration_s) * 1000))
        if disposition is not None and disposition.strip():
            outcome = self._outcome(disposition)
            if outcome is not None:
                properties["hs_call_disposition"] = outcome
            else:
                text = f"{text}\nOutcome: {' '.join(disposition.split())}".strip()
        when = at or datetime.now(UTC)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        properties["hs_timestamp"] = _iso(when)
        properties["hs_call_body"] = self._body(text or "Call", idempotency_key)
        url = await self._link_for(where)
        found = await self._already_written("calls", where, "hs_call_body", idempotency_key, url)
        if found is not None:
            return found
        association = CALL_TO_TICKET if where[0] == "tickets" else CALL_TO_CONTACT
        return await self._create("calls", properties, where, association, url)

    @staticmethod
    def _outcome(disposition: str) -> str | None:
        folded = " ".join(disposition.replace("_", " ").split()).casefold()
        if folded in CALL_OUTCOMES:
            return CALL_OUTCOMES[folded]
        if re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", folded):
            return folded
        return None

    async def create_person(
        self, name: str | None, contact_points: Sequence[ContactPoint]
    ) -> Person:
        """Create a contact with a name, the first email (others as additional emails) and up
        to two phones (`phone`, then `mobilephone`).

        Raises:
            InvalidInput: nothing to create, or an invalid phone or email.
            BadResponse: HubSpot refused it (a 409 when the email belongs to another contact).
            AuthError, RateLimited, Unavailable, Timeout: see `connectors.http`.
        """
        clean = " ".join(name.split()) if name else ""
        if not clean and not contact_points:
            raise InvalidInput("A new contact needs a name, a phone number or an email.")
        first, _, last = clean.rpartition(" ") if " " in clean else (clean, "", "")
        properties: dict[str, str] = {}
        if first:
            properties["firstname"] = first
        if last:
            properties["lastname"] = last
        emails = [checked_email(p.value) for p in contact_points if p.kind is ContactKind.EMAIL]
        phones = []
        for point in contact_points:
            if point.kind is ContactKind.PHONE:
                if phone_e164(point.value, self.region) is None:
                    raise InvalidInput(f"'{point.value}' is not a valid phone number.")
                phones.append(point.display())
        if emails:
            properties["email"] = emails[0]
        if len(emails) > 1:
            properties["hs_additional_emails"] = ";".join(emails[1:])
        for prop, value in zip(("phone", "mobilephone"), phones, strict=False):
            properties[prop] = value
        data = await self._post(
            "/crm/v3/objects/contacts", {"properties": properties}, BACKGROUND, safe=False
        )
        if not isinstance(data.get("properties"), dict):
            data = {**data, "properties": properties}
        portal = await self._portal_info(BACKGROUND)
        return self._person(data, portal, datetime.now(UTC))

    # --- admin ---------------------------------------------------------------------------

    async def check(self) -> CheckResult:
        """Authenticate, read the account, search one contact, and list the token's scopes.

        Returns:
            ok with the portal and what works; not ok with what is wrong and what to do.
        """
        details: list[str] = []
        try:
            account = await self._get("/account-info/v3/details", BACKGROUND)
        except AuthError as error:
            if error.status != 403:
                return CheckResult(ok=False, summary=error.message)
            account = {}
            details.append("the token may not read the account details (links need portal_id)")
        except ConnectorError as error:
            return CheckResult(ok=False, summary=error.message)
        portal = text_or_none(account.get("portalId"))
        if portal and self._portal is None:
            domain = str(account.get("uiDomain") or "").lower()
            self._portal = _Portal(
                portal, self._app_domain or (domain if _HOST.fullmatch(domain) else APP_DOMAIN)
            )
        scopes = await self._scopes()
        permissions: tuple[str, ...] = ()
        allowed: Capability | None = None
        if scopes is not None:
            permissions = tuple(sorted(scopes))
            for scope, why in {**NEEDED_SCOPES, **OPTIONAL_SCOPES}.items():
                if scope not in scopes:
                    details.append(f"cannot {why}: the token lacks the {scope} scope")
            allowed = self.capabilities
            for scope, needs_it in SCOPE_CAPABILITIES.items():
                if scope not in scopes:
                    allowed &= ~needs_it
        try:
            await self._post(
                "/crm/v3/objects/contacts/search",
                {"limit": 1, "properties": ["email"]},
                BACKGROUND,
                safe=True,
                search=True,
            )
        except ConnectorError as error:
            return CheckResult(
                ok=False,
                summary=error.message,
                details=tuple(details),
                permissions=permissions,
                capabilities=allowed,
            )
        where = f"portal {portal}" if portal else "HubSpot"
        if account.get("uiDomain"):
            where += f" ({account['uiDomain']})"
        missing = [s for s in NEEDED_SCOPES if scopes is not None and s not in scopes]
        summary = f"authenticated to {where}; contacts can be searched"
        if missing:
            summary += f"; missing scopes: {', '.join(missing)}"
        return CheckResult(
            ok=True,
            summary=summary,
            details=tuple(details),
            permissions=permissions,
            capabilities=allowed,
        )

    async def _scopes(self) -> set[str] | None:
        """The scopes of a private-app token (None for other tokens or when HubSpot won't say).

        The token goes in the request body of the private-apps endpoint, never in a URL (the
        OAuth token-info endpoint takes it in the path, so it is not used).
        """
        if not self._token.startswith("pat-"):
            return None
        try:
            data = await self._post(
                "/oauth/v2/private-apps/get/access-token-info",
                {"tokenKey": self._token},
                BACKGROUND,
                safe=True,
            )
        except ConnectorError:
            return None
        scopes = data.get("scopes")
        if not isinstance(scopes, list):
            return None
        return {s for s in scopes if isinstance(s, str)}


def _when(props: Mapping[str, Any], record: Mapping[str, Any]) -> datetime:
    when = (
        parse_time(props.get("hs_timestamp"))
        or parse_time(props.get("hs_createdate"))
        or parse_time(record.get("createdAt"))
    )
    if when is None:
        raise BadResponse("HubSpot sent an activity without a time")
    return when


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
