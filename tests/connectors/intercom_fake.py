"""A test double of the Intercom REST API (version 2.15), shaped by Intercom's own OpenAPI
description (`shared/vendor-specs/intercom/api.intercom.io.yaml`, `info.version: '2.15'`).

What it emulates, and where each behaviour comes from:

- **Auth** (spec `bearerAuth`): `Authorization: Bearer <token>`; anything else is a 401
  `{"type": "error.list", "request_id", "errors": [{"code": "unauthorized", "message":
  "Access Token Invalid"}]}` (the spec's 401 example on every path). Error codes follow the
  "Error codes" reference (developers.intercom.com/docs/references/2.17/rest-api/errors/
  error-codes): `unauthorized`, `forbidden`, `api_plan_restricted`, `not_found`,
  `parameter_invalid`, `parameter_not_found`, `rate_limit_exceeded`, `server_error`,
  `service_unavailable`, `conflict`.
- **Version**: every request is logged with its `Intercom-Version` header (spec parameter on every
  operation; `intercom_version` enum, default '2.15'); tests assert the connector pins it.
- **Rate limits** ("Rate Limiting", developers.intercom.com/docs/references/2.17/rest-api/errors/
  rate-limiting): authenticated answers carry `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
  `X-RateLimit-Reset` (a UNIX timestamp); they are "not sent when the request has no valid
  credentials". The limit is per 10-second window (1000/min shown as 167 per window; the
  community answer "166 operations per 10 seconds", community.intercom.com/api-webhooks-23/
  what-is-the-current-api-rate-limit-218). Over it: 429 with code `rate_limit_exceeded`,
  "Exceeded rate limit of 167 in 10_seconds". The docs name no `Retry-After`; the reset header
  is the documented wait.
- **Contact search** (spec `SearchContacts`, POST /contacts/search): `{"query", "pagination"}`;
  a query is a filter `{field, operator, value}` or a group `{operator: AND|OR, value: [...]}`;
  at most 2 levels of nesting and 15 filters per group (spec "Nesting & Limitations"), else 400.
  String operators `=`, `!=`, `IN`, `NIN`, `~`, `!~`, `^`, `$` (spec "Accepted Operators"); `phone`
  is a plain `String` field (spec "Accepted Fields"): no normalisation is documented, so `=` is an
  exact string compare and `$` a plain ends-with on the stored string (a number stored as
  "+1 (415) 555-0132" does not end with "4155550132"). Intercom's help centre says the inbox
  strips `( ) -` and spaces when it *matches SMS/WhatsApp* to a profile (intercom.com/help/en/
  articles/6311200-customer-phone-numbers), which says nothing about the search API: the double
  keeps the stored string. Email: no case rule is documented (unverified); the double compares
  emails case-insensitively and the connector sends the address lowercased, then confirms
  locally. Users and leads are both contacts; with no `role` filter both come back.
  Results are `contact_list` (`type: list`, `data`, `total_count`, `pages`) with 50 per page by
  default, `pagination.per_page` at most 150 (pagination guide, developers.intercom.com/docs/
  build-an-integration/learn-more/rest-apis/pagination), and `pages.next.starting_after` when
  more remain (spec `cursor_pages` / `starting_after_paging`).
- **Search lag** (spec "Contact Creation Delay": "If a contact has recently been created, there is
  a possibility that it will not yet be available when searching ... This delay can take a few
  minutes."): contacts made through POST /contacts stay out of search until `reindex()`.
  Merged contacts are excluded (spec "Merged Contacts"); `merged` ones here likewise.
- **Conversations** (spec `searchConversations`, `retrieveConversation`, `replyConversation`):
  search on `contact_ids`, `source.author.email` (spec "Accepted Fields"; nested fields are
  read by their dotted path; no case rule is documented, so it is compared like `email`),
  `state` (open, closed, snoozed), `open`, `id`; 20 per page by default,
  at most 150; search results carry no parts ("only returned when Retrieving a Conversation").
  GET returns `conversation_parts` (`conversation_part.list`); a part's `part_type` "note" is an
  internal note. `display_as=plaintext` strips the HTML. POST .../reply with
  `{"message_type": "note", "type": "admin", "admin_id", "body"}` adds a note part and answers
  the conversation with only the new part (spec "Admin Reply with a Note" example).
  `sla_applied` is `{type: conversation_sla_summary, sla_name, sla_status}`; the spec documents
  no due or breach time for it.
- **Tickets** (spec `searchTickets`): search on `contact_ids`, `state` (ticket state category:
  submitted, in_progress, waiting_on_customer, resolved), `open`; `ticket.list` with `tickets`.
- **Notes** (spec `listNotes`, `createNote`): GET /contacts/{id}/notes is a `note_list`, newest
  first, paged by `page`/`per_page` (the official SDK's `ListContactNotesRequest`, intercom-client
  on npm); POST takes `{"body", "admin_id"}` and stores the body as HTML paragraphs (the spec's
  example turns "Hello" into "<p>Hello</p>"); an unknown admin is a 404 "Resource Not Found", an
  unknown contact a 404 "User Not Found" (spec examples).
- **Companies** (spec `listCompaniesForAContact`): `{"type": "list", "data": [company...],
  "pages", "total_count"}` (the spec's example uses `data`; its schema says `companies`).
- **Tags** (spec `listTags`, GET /tags): every tag of the workspace, `{"type": "list", "data":
  [{"type": "tag", "id", "name"}]}`. A contact's `tags` (spec `contact_tags`) holds only
  `addressable_list` references (`type`, `id`, `url`), at most 10, with `has_more`; names come
  from GET /tags or GET /contacts/{id}/tags.
- **Me** (spec `identifyAdmin`): the admin plus `app.id_code`, the workspace id that inbox links
  use (`https://app.intercom.com/a/apps/{id_code}/conversations/{id}` is the `conversation_web`
  link Intercom puts in its own webhook payloads).
"""

from __future__ import annotations

import base64
import html
import itertools
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from tests.connectors.vendor_fakes import NOW, Call, FakeApi, Resp

INTERCOM_TOKEN = "dG9rOmFiY2RlZjEyXzM0NTZfNDU2N185ODc2XzEyMzQ1Njc4OTA6MToy"
INTERCOM_VERSION = "2.15"
APP_ID = "ecahpwf5"
ADMIN_ID = "991267459"
T0 = int(NOW.timestamp())

STRING_OPS = frozenset({"=", "!=", "IN", "NIN", "~", "!~", "^", "$"})
CONTACT_FIELDS = frozenset({"id", "role", "name", "email", "email_domain", "phone", "external_id"})
CONVERSATION_FIELDS = frozenset(
    {"id", "contact_ids", "state", "open", "priority", "source.author.email"}
)
TICKET_FIELDS = frozenset({"id", "contact_ids", "state", "open", "category"})


def error(status: int, code: str, message: str, **headers: str) -> Resp:
    """Intercom's documented error body (spec schema `error`)."""
    body = {
        "type": "error.list",
        "request_id": str(uuid.UUID(int=status)),
        "errors": [{"code": code, "message": message}],
    }
    return Resp(status, body, headers=dict(headers))


def as_html(text: str) -> str:
    """A plain-text note as Intercom stores it: escaped paragraphs ("Hello" → "<p>Hello</p>")."""
    if text.lstrip().startswith("<"):
        return text
    return "".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n"))


def plain(body: str | None) -> str | None:
    if body is None:
        return None
    return html.unescape(re.sub(r"<[^>]+>", " ", body)).strip()


def _cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    decoded = base64.b64decode(cursor.encode()).decode()
    if not decoded.startswith("offset:"):
        raise ValueError(cursor)
    return int(decoded.split(":", 1)[1])


class QueryError(ValueError):
    """A search body Intercom refuses with a 400."""


def check_query(node: Any, fields: frozenset[str], depth: int = 0) -> None:
    """Refuse what Intercom refuses: unknown fields/operators, >2 nesting, >15 per group."""
    if not isinstance(node, Mapping):
        raise QueryError("query must be an object")
    if "field" in node:
        if node["field"] not in fields:
            raise QueryError(f"{node['field']!r} is not a searchable field")
        if node.get("operator") not in STRING_OPS:
            raise QueryError(f"operator {node.get('operator')!r} is not supported here")
        value = node.get("value")
        if node["operator"] in ("IN", "NIN"):
            if not isinstance(value, list):
                raise QueryError("IN and NIN take an array")
        elif not isinstance(value, str | bool | int) or isinstance(value, list):
            raise QueryError("value must be a string, integer or boolean")
        return
    if node.get("operator") not in ("AND", "OR"):
        raise QueryError(f"operator {node.get('operator')!r} is not AND or OR")
    children = node.get("value")
    if not isinstance(children, list) or not children:
        raise QueryError("AND/OR take a non-empty array")
    if depth >= 2:
        raise QueryError("a query nests at most 2 levels")
    if len(children) > 15:
        raise QueryError("at most 15 filters per AND or OR group")
    for child in children:
        check_query(child, fields, depth + 1)


def matches(record_value: Any, op: str, wanted: Any, *, fold: bool = False) -> bool:
    """One filter on one stored value (a list value matches when any element does)."""
    if isinstance(record_value, list):
        if op in ("!=", "NIN", "!~"):
            return all(matches(v, op, wanted, fold=fold) for v in record_value)
        return any(matches(v, op, wanted, fold=fold) for v in record_value)
    if isinstance(record_value, bool) or isinstance(wanted, bool):
        result = str(record_value).lower() == str(wanted).lower()
        return result if op == "=" else not result if op == "!=" else False
    have = "" if record_value is None else str(record_value)

    def norm(s: Any) -> str:
        return str(s).casefold() if fold else str(s)

    if op == "=":
        return record_value is not None and norm(have) == norm(wanted)
    if op == "!=":
        return norm(have) != norm(wanted)
    if op == "IN":
        return record_value is not None and norm(have) in [norm(w) for w in wanted]
    if op == "NIN":
        return norm(have) not in [norm(w) for w in wanted]
    if op == "~":
        return record_value is not None and norm(wanted) in norm(have)
    if op == "!~":
        return norm(wanted) not in norm(have)
    if op == "^":
        return record_value is not None and norm(have).startswith(norm(wanted))
    if op == "$":
        return record_value is not None and norm(have).endswith(norm(wanted))
    raise AssertionError(op)


def evaluate(node: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    if "field" in node:
        field_name = node["field"]
        value: Any = record
        for step in field_name.split("."):  # "source.author.email" reads nested objects
            value = value.get(step) if isinstance(value, Mapping) else None
        return matches(value, node["operator"], node["value"], fold=field_name.endswith("email"))
    results = (evaluate(child, record) for child in node["value"])
    return all(results) if node["operator"] == "AND" else any(results)


class IntercomFake(FakeApi):
    """Contacts (users and leads), companies, tags, notes, conversations and tickets of one
    Intercom workspace, behind Intercom's auth, rate-limit headers and error bodies."""

    def __init__(
        self, token: str = INTERCOM_TOKEN, *, app_id: str = APP_ID, rate_limit: int = 167
    ) -> None:
        super().__init__()
        self.token = token
        self.app_id = app_id
        self.rate_limit = rate_limit
        self.remaining = rate_limit
        self.reset_at = int(time.time()) + 10
        self.contacts: dict[str, dict[str, Any]] = {}
        self.unindexed: set[str] = set()
        self.merged: set[str] = set()
        self.companies: dict[str, dict[str, Any]] = {}
        self.contact_companies: dict[str, list[str]] = {}
        self.tags: dict[str, dict[str, Any]] = {}
        self.contact_tags: dict[str, list[str]] = {}
        self.notes: dict[str, list[dict[str, Any]]] = {}
        self.conversations: dict[str, dict[str, Any]] = {}
        self.tickets: dict[str, dict[str, Any]] = {}
        self.notes_paging = "pages"
        """"pages" (page/per_page, as the SDK documents) or "cursor" (pages.next.starting_after)."""
        self.admin: dict[str, Any] = {
            "type": "admin",
            "id": ADMIN_ID,
            "email": "ana.agent@acme.example",
            "name": "Ana Agent",
            "email_verified": True,
            "app": {
                "type": "app",
                "id_code": app_id,
                "name": "Acme Support",
                "created_at": T0 - 86_400 * 900,
                "secure": False,
                "identity_verification": False,
                "timezone": "America/Los_Angeles",
                "region": "US",
            },
            "avatar": {"type": "avatar", "image_url": None},
            "has_inbox_seat": True,
        }
        self._ids = itertools.count(1_000)
        r = self.route
        r("GET", r"/me", self._me)
        r("POST", r"/contacts/search", self._search_contacts)
        r("POST", r"/contacts", self._create_contact)
        r("GET", r"/contacts/(\w+)", self._contact)
        r("GET", r"/contacts/(\w+)/companies", self._companies_of)
        r("GET", r"/contacts/(\w+)/tags", self._tags_of)
        r("GET", r"/tags", self._all_tags)
        r("GET", r"/contacts/(\w+)/notes", self._notes_of)
        r("POST", r"/contacts/(\w+)/notes", self._create_note)
        r("POST", r"/conversations/search", self._search_conversations)
        r("GET", r"/conversations/(\w+)", self._conversation)
        r("POST", r"/conversations/(\w+)/reply", self._reply)
        r("POST", r"/tickets/search", self._search_tickets)
        r("GET", r"/tickets/(\w+)", self._ticket)
        r("POST", r"/tickets/(\w+)/reply", self._ticket_reply)
        for method in ("GET", "POST", "PUT", "DELETE"):
            r(method, r"/.*", self._unknown)

    # --- cross-cutting -------------------------------------------------------------------

    def authorize(self, call: Call) -> Resp | None:
        if call.headers.get("authorization") != f"Bearer {self.token}":
            return error(401, "unauthorized", "Access Token Invalid")
        if self.remaining <= 0:
            return error(
                429,
                "rate_limit_exceeded",
                f"Exceeded rate limit of {self.rate_limit} in 10_seconds",
                **self._limit_headers(),
            )
        self.remaining -= 1
        return None

    def handle(self, call: Call) -> Resp:
        resp = super().handle(call)
        if resp.status != 401 and "X-RateLimit-Limit" not in resp.headers:
            resp = Resp(
                resp.status,
                resp.body,
                headers={**resp.headers, **self._limit_headers()},
                raw=resp.raw,
                delay=resp.delay,
            )
        return resp

    def _limit_headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(max(self.remaining, 0)),
            "X-RateLimit-Reset": str(self.reset_at),
        }

    def exhaust(self, reset_in: float = 1.0) -> None:
        """Spend the window's budget: the next requests get 429 until `refill()`."""
        self.remaining = 0
        self.reset_at = int(time.time() + reset_in)

    def refill(self) -> None:
        self.remaining = self.rate_limit

    def reindex(self) -> None:
        """The search index catches up with contacts created through the API."""
        self.unindexed.clear()

    def _unknown(self, call: Call, _: re.Match[str]) -> Resp:
        return error(404, "not_found", "Resource Not Found")

    # --- arranging -------------------------------------------------------------------------

    def add_contact(
        self,
        contact_id: str,
        name: str | None,
        email: str | None = None,
        phone: str | None = None,
        *,
        role: str = "user",
        external_id: str | None = None,
        custom_attributes: Mapping[str, Any] | None = None,
        created_at: int | None = None,
    ) -> dict[str, Any]:
        created = created_at or T0 - 86_400 * 200
        contact: dict[str, Any] = {
            "type": "contact",
            "id": contact_id,
            "workspace_id": self.app_id,
            "external_id": external_id,
            "role": role,
            "email": email,
            "email_domain": email.split("@", 1)[1] if email else None,
            "phone": phone,
            "name": name,
            "avatar": None,
            "owner_id": None,
            "social_profiles": {"type": "list", "data": []},
            "has_hard_bounced": False,
            "marked_email_as_spam": False,
            "unsubscribed_from_emails": False,
            "created_at": created,
            "updated_at": created + 3_600,
            "signed_up_at": created if role == "user" else None,
            "last_seen_at": T0 - 86_400,
            "last_replied_at": T0 - 86_400 * 2,
            "last_contacted_at": T0 - 86_400 * 3,
            "last_email_opened_at": None,
            "last_email_clicked_at": None,
            "language_override": None,
            "browser": "chrome",
            "browser_version": "120.0",
            "browser_language": "en-US",
            "os": "Mac OS X",
            "location": {
                "type": "location",
                "country": "United States",
                "region": "California",
                "city": "San Francisco",
                "country_code": "USA",
                "continent_code": "NA",
            },
            "custom_attributes": dict(custom_attributes or {}),
        }
        self.contacts[contact_id] = contact
        return contact

    def add_company(
        self,
        company_id: str,
        name: str,
        *,
        plan: str | None = None,
        custom_attributes: Mapping[str, Any] | None = None,
        contacts: Sequence[str] = (),
    ) -> None:
        self.companies[company_id] = {
            "type": "company",
            "company_id": f"ext-{company_id}",
            "id": company_id,
            "app_id": self.app_id,
            "name": name,
            "remote_created_at": T0 - 86_400 * 800,
            "created_at": T0 - 86_400 * 800,
            "updated_at": T0 - 86_400 * 10,
            "last_request_at": T0 - 86_400,
            "monthly_spend": 450,
            "session_count": 120,
            "user_count": 12,
            "size": 80,
            "website": f"https://{name.lower().replace(' ', '')}.example",
            "industry": "Software",
            "tags": {"type": "tag.list", "tags": []},
            "segments": {"type": "segment.list", "segments": []},
            "plan": {"type": "plan", "id": "269315", "name": plan} if plan else {},
            "custom_attributes": dict(custom_attributes or {}),
        }
        for contact_id in contacts:
            self.contact_companies.setdefault(contact_id, []).append(company_id)

    def tag_contact(self, contact_id: str, tag_id: str, name: str) -> None:
        self.tags[tag_id] = {"type": "tag", "id": tag_id, "name": name}
        self.contact_tags.setdefault(contact_id, []).append(tag_id)

    def add_note(
        self, contact_id: str, body: str, *, created_at: int | None = None
    ) -> dict[str, Any]:
        note = {
            "type": "note",
            "id": str(next(self._ids)),
            "created_at": created_at or T0,
            "contact": {"type": "contact", "id": contact_id},
            "author": self._author(),
            "body": as_html(body),
        }
        self.notes.setdefault(contact_id, []).append(note)
        return note

    def add_conversation(
        self,
        conversation_id: str,
        contact_id: str,
        title: str | None,
        state: str = "open",
        *,
        priority: str = "not_priority",
        tags: Sequence[str] = (),
        sla: tuple[str, str | None] | None = None,
        created_at: int | None = None,
        updated_at: int | None = None,
        first_message: str = "<p>Hello, I need help</p>",
        source_type: str = "conversation",
    ) -> dict[str, Any]:
        created = created_at or T0 - 86_400 * 3
        contact = self.contacts.get(contact_id, {})
        conversation = {
            "type": "conversation",
            "id": conversation_id,
            "title": title,
            "created_at": created,
            "updated_at": updated_at or created + 7_200,
            "waiting_since": created + 3_600 if state == "open" else None,
            "snoozed_until": T0 + 86_400 if state == "snoozed" else None,
            "source": {
                "type": source_type,
                "id": str(next(self._ids)),
                "delivered_as": "customer_initiated",
                "subject": "",
                "body": first_message,
                "author": {
                    "type": "user",
                    "id": contact_id,
                    "name": contact.get("name"),
                    "email": contact.get("email"),
                },
                "attachments": [],
                "url": None,
                "redacted": False,
            },
            "contacts": {
                "type": "contact.list",
                "contacts": [
                    {
                        "type": "contact",
                        "id": contact_id,
                        "external_id": contact.get("external_id"),
                    }
                ],
            },
            "first_contact_reply": {"created_at": created, "type": "conversation", "url": None},
            "admin_assignee_id": int(ADMIN_ID),
            "team_assignee_id": 5017691,
            "open": state != "closed",
            "state": state,
            "read": True,
            "tags": {
                "type": "tag.list",
                "tags": [
                    {"type": "tag", "id": str(900 + i), "name": name} for i, name in enumerate(tags)
                ],
            },
            "priority": priority,
            "sla_applied": (
                {"type": "conversation_sla_summary", "sla_name": sla[0], "sla_status": sla[1]}
                if sla
                else None
            ),
            "statistics": None,
            "conversation_rating": None,
            "teammates": None,
            "custom_attributes": {},
            "topics": {},
            "ticket": None,
            "linked_objects": {"type": "list", "data": [], "total_count": 0, "has_more": False},
            "ai_agent": None,
            "ai_agent_participated": False,
            "_parts": [],
        }
        self.conversations[conversation_id] = conversation
        return conversation

    def add_part(
        self,
        conversation_id: str,
        part_type: str,
        body: str,
        *,
        author_type: str = "admin",
        created_at: int | None = None,
    ) -> dict[str, Any]:
        conversation = self.conversations[conversation_id]
        if author_type == "admin":
            author = self._author()
        else:
            contact_id = conversation["contacts"]["contacts"][0]["id"]
            contact = self.contacts.get(contact_id, {})
            author = {
                "type": "user",
                "id": contact_id,
                "name": contact.get("name"),
                "email": contact.get("email"),
            }
        stamp = created_at or T0 - 3_600
        part = {
            "type": "conversation_part",
            "id": str(next(self._ids)),
            "part_type": part_type,
            "body": as_html(body),
            "created_at": stamp,
            "updated_at": stamp,
            "notified_at": stamp,
            "assigned_to": None,
            "author": author,
            "attachments": [],
            "external_id": None,
            "redacted": False,
            "metadata": {},
            "email_message_metadata": None,
            "state": conversation["state"],
            "tags": [],
            "event_details": None,
            "app_package_code": None,
        }
        conversation["_parts"].append(part)
        return part

    def add_ticket(
        self,
        ticket_id: str,
        contact_id: str,
        title: str,
        state: str = "submitted",
        *,
        created_at: int | None = None,
        updated_at: int | None = None,
    ) -> dict[str, Any]:
        created = created_at or T0 - 86_400 * 5
        labels = {
            "submitted": "Submitted",
            "in_progress": "In progress",
            "waiting_on_customer": "Waiting on customer",
            "resolved": "Resolved",
        }
        ticket = {
            "type": "ticket",
            "id": ticket_id,
            "ticket_id": str(next(self._ids)),
            "category": "Customer",
            "ticket_attributes": {"_default_title_": title, "_default_description_": None},
            "ticket_state": {
                "type": "ticket_state",
                "id": str(8000 + list(labels).index(state)),
                "category": state,
                "internal_label": labels[state],
                "external_label": labels[state],
            },
            "ticket_type": {"type": "ticket_type", "id": "100", "name": "Bug report"},
            "contacts": {
                "type": "contact.list",
                "contacts": [{"type": "contact", "id": contact_id, "external_id": None}],
            },
            "admin_assignee_id": ADMIN_ID,
            "team_assignee_id": "0",
            "created_at": created,
            "updated_at": updated_at or created + 3_600,
            "open": state != "resolved",
            "snoozed_until": None,
            "linked_objects": {"type": "list", "data": [], "total_count": 0, "has_more": False},
            "ticket_parts": {"type": "ticket_part.list", "ticket_parts": [], "total_count": 0},
            "is_shared": True,
        }
        self.tickets[ticket_id] = ticket
        return ticket

    def _author(self) -> dict[str, Any]:
        return {
            "type": "admin",
            "id": self.admin["id"],
            "name": self.admin["name"],
            "email": self.admin["email"],
            "away_mode_enabled": False,
            "away_mode_reassign": False,
        }

    # --- shaping ---------------------------------------------------------------------------

    def _contact_out(self, contact: Mapping[str, Any]) -> dict[str, Any]:
        cid = contact["id"]
        listing = {"type": "list", "has_more": False}
        tags = [
            {"type": "tag", "id": t, "url": f"/tags/{t}"} for t in self.contact_tags.get(cid, [])
        ]
        notes = [
            {"type": "note", "id": n["id"], "url": f"/notes/{n['id']}"}
            for n in self.notes.get(cid, [])[-10:]
        ]
        companies = [
            {"type": "company", "id": c, "url": f"/companies/{c}"}
            for c in self.contact_companies.get(cid, [])
        ]
        return {
            **contact,
            "tags": {
                **listing,
                "data": tags[:10],
                "url": f"/contacts/{cid}/tags",
                "total_count": len(tags),
            },
            "notes": {
                **listing,
                "data": notes,
                "url": f"/contacts/{cid}/notes",
                "total_count": len(self.notes.get(cid, [])),
            },
            "companies": {
                **listing,
                "data": companies[:10],
                "url": f"/contacts/{cid}/companies",
                "total_count": len(companies),
            },
        }

    def _page(
        self, call: Call, pool: list[dict[str, Any]], default: int, key: str, kind: str
    ) -> Resp:
        pagination = (call.json or {}).get("pagination") or {}
        per_page = int(pagination.get("per_page") or default)
        if not 1 <= per_page <= 150:
            return error(400, "parameter_invalid", "per_page must be between 1 and 150")
        try:
            start = _offset(pagination.get("starting_after"))
        except (ValueError, UnicodeDecodeError):
            return error(400, "parameter_invalid", "starting_after is invalid")
        total_pages = max(1, -(-len(pool) // per_page)) if pool else 0
        pages: dict[str, Any] = {
            "type": "pages",
            "page": start // per_page + 1,
            "per_page": per_page,
            "total_pages": total_pages,
        }
        if start + per_page < len(pool):
            pages["next"] = {"per_page": per_page, "starting_after": _cursor(start + per_page)}
        return Resp(
            200,
            {
                "type": kind,
                key: pool[start : start + per_page],
                "total_count": len(pool),
                "pages": pages,
            },
        )

    def _query(self, call: Call, fields: frozenset[str]) -> Mapping[str, Any] | Resp:
        body = call.json
        if not isinstance(body, Mapping) or "query" not in body:
            return error(400, "parameter_not_found", "query is a required parameter")
        try:
            check_query(body["query"], fields)
        except QueryError as exc:
            return error(400, "parameter_invalid", str(exc))
        return body["query"]

    # --- routes ----------------------------------------------------------------------------

    def _me(self, call: Call, _: re.Match[str]) -> Resp:
        return Resp(200, self.admin)

    def _search_contacts(self, call: Call, _: re.Match[str]) -> Resp:
        query = self._query(call, CONTACT_FIELDS)
        if isinstance(query, Resp):
            return query
        pool = [
            self._contact_out(c)
            for cid, c in self.contacts.items()
            if cid not in self.unindexed and cid not in self.merged and evaluate(query, c)
        ]
        return self._page(call, pool, 50, "data", "list")

    def _create_contact(self, call: Call, _: re.Match[str]) -> Resp:
        body = call.json or {}
        role = body.get("role", "user")
        if not any(body.get(k) for k in ("email", "external_id", "role")):
            return error(400, "parameter_not_found", "email, external_id or role is required")
        for existing in self.contacts.values():
            if body.get("email") and existing["email"] == body["email"] and role == "user":
                return error(
                    409,
                    "conflict",
                    f"A contact matching those details already exists with id={existing['id']}",
                )
        contact_id = uuid.UUID(int=next(self._ids)).hex[:24]
        contact = self.add_contact(
            contact_id,
            body.get("name"),
            body.get("email"),
            body.get("phone"),
            role=role,
            external_id=body.get("external_id"),
            created_at=T0,
        )
        self.unindexed.add(contact_id)
        return Resp(200, self._contact_out(contact))

    def _contact(self, call: Call, match: re.Match[str]) -> Resp:
        contact = self.contacts.get(match.group(1))
        if contact is None or match.group(1) in self.merged:
            return error(404, "not_found", "User Not Found")
        return Resp(200, self._contact_out(contact))

    def _companies_of(self, call: Call, match: re.Match[str]) -> Resp:
        cid = match.group(1)
        if cid not in self.contacts:
            return error(404, "not_found", "User Not Found")
        data = [self.companies[c] for c in self.contact_companies.get(cid, [])]
        return Resp(
            200,
            {
                "type": "list",
                "data": data,
                "pages": {
                    "type": "pages",
                    "next": None,
                    "page": 1,
                    "per_page": 50,
                    "total_pages": 1,
                },
                "total_count": len(data),
            },
        )

    def _tags_of(self, call: Call, match: re.Match[str]) -> Resp:
        cid = match.group(1)
        if cid not in self.contacts:
            return error(404, "not_found", "User Not Found")
        return Resp(
            200, {"type": "list", "data": [self.tags[t] for t in self.contact_tags.get(cid, [])]}
        )

    def _all_tags(self, call: Call, _: re.Match[str]) -> Resp:
        """GET /tags (spec `listTags`): every tag of the workspace, `{"type": "list", "data"}`."""
        return Resp(200, {"type": "list", "data": list(self.tags.values())})

    def _notes_of(self, call: Call, match: re.Match[str]) -> Resp:
        cid = match.group(1)
        if cid not in self.contacts:
            return error(404, "not_found", "User Not Found")
        notes = sorted(self.notes.get(cid, []), key=lambda n: n["created_at"], reverse=True)
        per_page = int(call.params.get("per_page") or 50)
        if not 1 <= per_page <= 150:
            return error(400, "parameter_invalid", "per_page must be between 1 and 150")
        if self.notes_paging == "cursor":
            start = _offset(call.params.get("starting_after"))
        else:
            start = (int(call.params.get("page") or 1) - 1) * per_page
        more = start + per_page < len(notes)
        next_page: Any = None
        if more and self.notes_paging == "cursor":
            next_page = {"per_page": per_page, "starting_after": _cursor(start + per_page)}
        elif more:
            next_page = (
                f"https://api.intercom.io/contacts/{cid}/notes"
                f"?per_page={per_page}&page={start // per_page + 2}"
            )
        return Resp(
            200,
            {
                "type": "list",
                "data": notes[start : start + per_page],
                "total_count": len(notes),
                "pages": {
                    "type": "pages",
                    "next": next_page,
                    "page": start // per_page + 1,
                    "per_page": per_page,
                    "total_pages": max(1, -(-len(notes) // per_page)),
                },
            },
        )

    def _create_note(self, call: Call, match: re.Match[str]) -> Resp:
        cid = match.group(1)
        body = call.json or {}
        if cid not in self.contacts:
            return error(404, "not_found", "User Not Found")
        if not body.get("body"):
            return error(400, "parameter_not_found", "body is a required parameter")
        if "admin_id" in body and str(body["admin_id"]) != self.admin["id"]:
            return error(404, "not_found", "Resource Not Found")
        return Resp(200, self.add_note(cid, str(body["body"])))

    def _search_conversations(self, call: Call, _: re.Match[str]) -> Resp:
        query = self._query(call, CONVERSATION_FIELDS)
        if isinstance(query, Resp):
            return query
        pool = []
        for conversation in self.conversations.values():
            view = {
                **conversation,
                "contact_ids": [c["id"] for c in conversation["contacts"]["contacts"]],
            }
            if evaluate(query, view):
                pool.append({k: v for k, v in conversation.items() if not k.startswith("_")})
        pool.sort(key=lambda c: c["updated_at"], reverse=True)
        return self._page(call, pool, 20, "conversations", "conversation.list")

    def _conversation(self, call: Call, match: re.Match[str]) -> Resp:
        conversation = self.conversations.get(match.group(1))
        if conversation is None:
            return error(404, "not_found", "Resource Not Found")
        parts = conversation["_parts"][-500:]
        if call.params.get("display_as") == "plaintext":
            parts = [{**p, "body": plain(p["body"])} for p in parts]
        out = {k: v for k, v in conversation.items() if not k.startswith("_")}
        out["conversation_parts"] = {
            "type": "conversation_part.list",
            "conversation_parts": parts,
            "total_count": len(parts),
        }
        return Resp(200, out)

    def _reply(self, call: Call, match: re.Match[str]) -> Resp:
        conversation = self.conversations.get(match.group(1))
        body = call.json or {}
        if conversation is None:
            return error(404, "not_found", "Resource Not Found")
        if body.get("message_type") not in ("comment", "note", "quick_reply"):
            return error(400, "parameter_invalid", "message_type is invalid")
        if body.get("type") != "admin" or not body.get("admin_id"):
            return error(400, "parameter_not_found", "admin_id is a required parameter")
        if str(body["admin_id"]) != self.admin["id"]:
            return error(404, "not_found", "Resource Not Found")
        if not body.get("body"):
            return error(400, "parameter_not_found", "Body is required")
        part = self.add_part(
            conversation["id"], str(body["message_type"]), str(body["body"]), created_at=T0
        )
        out = {k: v for k, v in conversation.items() if not k.startswith("_")}
        out["conversation_parts"] = {
            "type": "conversation_part.list",
            "conversation_parts": [part],
            "total_count": 1,
        }
        return Resp(200, out)

    def _search_tickets(self, call: Call, _: re.Match[str]) -> Resp:
        query = self._query(call, TICKET_FIELDS)
        if isinstance(query, Resp):
            return query
        pool = []
        for ticket in self.tickets.values():
            view = {
                **ticket,
                "contact_ids": [c["id"] for c in ticket["contacts"]["contacts"]],
                "state": ticket["ticket_state"]["category"],
            }
            if evaluate(query, view):
                pool.append(ticket)
        pool.sort(key=lambda t: t["updated_at"], reverse=True)
        return self._page(call, pool, 20, "tickets", "ticket.list")

    def _ticket(self, call: Call, match: re.Match[str]) -> Resp:
        ticket = self.tickets.get(match.group(1))
        if ticket is None:
            return error(404, "ticket_not_found", "Ticket not found")
        return Resp(200, ticket)

    def _ticket_reply(self, call: Call, match: re.Match[str]) -> Resp:
        """POST /tickets/{id}/reply: answers with the new part itself (spec `ticket_reply`)."""
        ticket = self.tickets.get(match.group(1))
        body = call.json or {}
        if ticket is None:
            return error(404, "ticket_not_found", "Ticket not found")
        if body.get("type") != "admin" or str(body.get("admin_id")) != self.admin["id"]:
            return error(400, "parameter_invalid", "admin_id is invalid")
        if body.get("message_type") not in ("comment", "note") or not body.get("body"):
            return error(400, "parameter_invalid", "message_type and body are required")
        part = {
            "type": "ticket_part",
            "id": str(next(self._ids)),
            "part_type": body["message_type"],
            "body": as_html(str(body["body"])),
            "created_at": T0,
            "updated_at": T0,
            "author": self._author(),
            "attachments": [],
            "redacted": False,
        }
        parts = ticket["ticket_parts"]
        parts["ticket_parts"].append(part)
        parts["total_count"] = len(parts["ticket_parts"])
        return Resp(200, part)
