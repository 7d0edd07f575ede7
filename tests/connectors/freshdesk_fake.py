"""A test double of the Freshdesk API v2, shaped like Freshdesk's documented (and coded) answers.

What it emulates, and where each rule comes from. "helpkit" is a public copy of Freshdesk's own
Rails code, github.com/Ramesh-Veeriaperumal/freshconsult (files named below); "docs" is
https://developers.freshdesk.com/api/ as paraphrased by the sources named.

Auth and errors
- HTTP Basic with the API key as the user name and any password ("X" by convention). A bad key is
  401 `{"code": "invalid_credentials", "message": "You have to be logged in to perform this
  action."}`; an agent without the privilege gets 403 `{"code": "access_denied", ...}`
  (helpkit api/app/controllers/api_application_controller.rb `access_denied`).
- Validation failures are 400 `{"description": "Validation failed", "errors": [{"field",
  "message", "code"}]}` with codes such as `invalid_value`, `invalid_field`, `missing_field`,
  `datatype_mismatch`, `duplicate_value` (helpkit api/lib/base_error.rb; bodies seen in
  jscarle/Freshdesk.NET ErrorField.cs and kzhelyazkova/datatransfer FreshdeskErrorResponse.java).
- A missing record, or an unknown route, is a 404 with an empty body (`head :not_found` in
  api_application_controller.rb `load_object` / `route_not_found`).

Rate limits (helpkit lib/middleware/fd_api_throttler.rb)
- Every answer but a 429 carries `X-RateLimit-Total`, `X-RateLimit-Remaining` and
  `X-RateLimit-Used-CurrentRequest` (1 + the extra credits of `include=` embeds). The budget is
  account-wide. Over budget: 429, `Retry-After: <seconds>`, body `{"message": "You have exceeded
  the limit of requests per hour"}`, no rate headers. Each embed costs one more credit
  (ktsaou/freshdesk_mcp FRESHDESK_API_REFERENCE.md; API-NOTES.md).

Contacts
- `GET /api/v2/contacts?email=|phone=|mobile=|company_id=|state=` (User.contact_filter in helpkit
  app/models/user.rb): `phone` and `mobile` compare the stored string exactly (`phone = ?`), so
  "+1 415 555 0132" is not found by "+14155550132"; `email` joins `user_emails`, so a secondary
  email (other_emails) finds the contact too. A malformed email is 400 (`not_a_valid_email`,
  ContactFilterValidation). Over HTTP an unencoded `+` arrives as a space (docs: "+ becomes %2B").
- The list (and search) answer has no `other_emails`; `GET /api/v2/contacts/{id}` has it
  (api_contacts/index.json.api vs show.json.api).
- `GET /api/v2/search/contacts?query="..."` (helpkit ApiSearchConstants, Freshquery::Model,
  test/api/functional/api_search/contacts_controller_test.rb): the expression must be wrapped in
  double quotes and be at most 512 characters; terms are `field:value` with strings in single
  quotes, `AND`/`OR` (any case), parentheses, `null`; fields `active company_id twitter_id tag
  email mobile phone language time_zone created_at updated_at` (email searches every email of the
  contact); `phone`/`mobile`/`email` are not analysed (exact compare). 30 results a page,
  `page` 1..10, answer `{"results": [...], "total": N}`. A bad query is 400 with the
  "Given query is invalid..." message on field `query`. New contacts take a while to be indexed.
- `GET /api/v2/search/tickets?query="..."` (helpkit ApiSearchConstants TICKET_FIELDS; API-NOTES.md):
  the same grammar, rules and answer over tickets, fields `agent_id group_id priority status tag
  type due_by fr_due_by created_at updated_at` (`requester_id` is not searchable). Dates are
  `'yyyy-mm-dd'`, compared by day: `created_at:>'2026-12-06'` is "on or after" that day (UTC
  here); `type:'Problem'` compares the ticket type exactly; `status:2` the status number.
  Results come in id order (Freshdesk documents no order), as the list shows them (no
  description).

Tickets
- `GET /api/v2/tickets?email=` for an email no contact has is 400 `{"field": "email", "message":
  "There is no contact matching the given email", "code": "invalid_value"}` (seen in client
  code and recorded cassettes that handle exactly that body, e.g. a Freshdesk ruby client's
  spec "view_all_by_email/with_no_tickets"); it resolves the contact by any of its emails here.
- Embeds cost credits: "Each include consumes an additional 2 credits" on the ticket list
  (developers.freshdesk.com "List All Tickets", as quoted by withone.ai's Freshdesk knowledge
  page); 1 more on a single ticket's view.
- `GET /api/v2/tickets?requester_id=|email=|company_id=` with `include=requester,stats,
  description,company`, `order_by=created_at|due_by|updated_at|status`, `order_type=asc|desc`,
  `per_page` (max 100), `page`; more pages are announced by `Link: <url>; rel="next"`
  (api_application_controller.rb `add_link_header`). Without a filter only the last 30 days are
  listed. The list has no `description` unless `include=description` (ApiTicketConstants).
- Statuses 2 open, 3 pending, 4 resolved, 5 closed, 6+ custom (e.g. "Waiting on Customer");
  priorities 1 low .. 4 urgent; `due_by` and `fr_due_by` are the SLA due times.
- `GET /api/v2/tickets/{id}/conversations` is paginated the same way; each item has `body`
  (HTML), `body_text`, `private`, `incoming`, `source` (0 reply, 2 note, ...), `user_id`
  (developers.freshworks.com/freshdesk-sdk/docs/Conversation.html).
- `POST /api/v2/tickets/{id}/notes` `{"body", "private"}` (private defaults to true) answers 201
  with the note; `POST /api/v2/tickets` needs a requester (`requester_id`, `email` or `phone` with
  `name`), `subject`, `description`; `status` defaults to 2, `priority` to 1; 201 + `Location`.
- `GET /api/v2/companies/{id}` carries `custom_fields`; `GET /api/v2/agents/me` names the agent.
- A ticket's `responder_id` is its agent, `group_id` its group (null when unassigned).
  `PUT /api/v2/tickets/{id}` changes only the fields sent and answers 200 with the ticket;
  `responder_id` and `group_id` must name an agent and a group of the account, else 400
  `invalid_value` on that field (docs "Update a ticket"; the pattern of the email filter's "There
  is no contact matching the given email"). It needs the "edit ticket properties" privilege.

Agents and groups (helpkit api/app/views/api_agents/index.json.api, api_groups/index.json.api)
- `GET /api/v2/agents` (filters `email`, `mobile`, `phone`, `state`) and `GET /api/v2/agents/{id}`:
  `{"available", "occasional", "id", "ticket_scope", "signature", "type", "created_at",
  "updated_at", "last_active_at", "available_since", "contact": {"active", "email", "job_title",
  "language", "last_login_at", "mobile", "name", "phone", "time_zone", ...}}`; the id is the
  agent's user id (the ticket's `responder_id`).
- `GET /api/v2/groups` and `GET /api/v2/groups/{id}`: `{"id", "name", "description",
  "escalate_to", "unassigned_for", "business_hour_id", "created_at", "updated_at",
  "agent_ids"}`. Both lists are paginated like the others.
- Privileges (helpkit config/privileges.rb): `api_agent` index/show need "manage users" (index
  also "manage availability"), `api_group` index/show need "admin tasks"; a plain agent's key
  gets 403 access_denied (`denied` {"agents", "groups"} here).
"""

from __future__ import annotations

import base64
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from tests.connectors.vendor_fakes import NOW, Call, FakeApi, Resp, ago, iso

FRESHDESK_KEY = "fdKey1234567890abcdefXY"
FRESHDESK_DOMAIN = "acme"

QUERY_FORMAT_INVALID = (
    "Given query is invalid, expected format \"keyword:value  OPERATOR keyword:'string' "
    "OPERATOR keyword:>'yyyy-mm-dd' OPERATOR keyword:<integer\". Space is mandatory between "
    "key/value pair and operator. Please check the paranthesis if there are any."
)
SEARCH_FIELDS = frozenset(
    "active company_id twitter_id tag email mobile phone language time_zone created_at "
    "updated_at".split()
)
TICKET_SEARCH_FIELDS = frozenset(
    "agent_id group_id priority status tag type due_by fr_due_by created_at updated_at".split()
)
TICKET_INCLUDES = frozenset({"requester", "stats", "description", "company"})
ORDER_BY = frozenset({"created_at", "due_by", "updated_at", "status"})
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TICKET_FIELDS = frozenset(
    "name requester_id email phone subject type status priority description responder_id "
    "custom_fields due_by fr_due_by group_id source tags company_id product_id".split()
)
"""What `PUT /api/v2/tickets/{id}` takes; `POST /api/v2/tickets` also takes `cc_emails`."""


def fd_validation(*errors: tuple[str, str, str]) -> dict[str, Any]:
    """Freshdesk's 400 body: `{"description": "Validation failed", "errors": [...]}`."""
    return {
        "description": "Validation failed",
        "errors": [{"field": f, "message": m, "code": c} for f, m, c in errors],
    }


def fd_request_error(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}


def _bad_field(name: str) -> Resp:
    return Resp(400, fd_validation((name, "Unexpected/invalid field in request", "invalid_field")))


@dataclass
class FreshdeskFake(FakeApi):
    """Contacts, companies, tickets and conversations of one Freshdesk account."""

    key: str = FRESHDESK_KEY
    site: str = f"https://{FRESHDESK_DOMAIN}.freshdesk.com"
    contacts: dict[int, dict[str, Any]] = field(default_factory=dict)
    companies: dict[int, dict[str, Any]] = field(default_factory=dict)
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    conversations: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    unindexed: set[int] = field(default_factory=set)
    """Contacts not yet in the search index (lists and views still see them)."""
    agents: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Agents by id; the API key's own agent (`me`) is one of them."""
    groups: dict[int, dict[str, Any]] = field(default_factory=dict)
    denied: set[str] = field(default_factory=set)
    """Route names (`contacts`, `search`, `tickets`, `conversations`, `notes`, `create_ticket`,
    `update_ticket`, `create_contact`, `companies`, `me`, `agents`, `groups`) this agent may
    not use: 403 access_denied."""
    limit: int = 700
    used: int = 0
    retry_after: int = 37
    me: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(880_001)
        self.me = self.me or {
            "available": True,
            "occasional": False,
            "id": 77000001,
            "ticket_scope": 1,
            "signature": None,
            "type": "support_agent",
            "created_at": "2023-01-05T10:00:00Z",
            "updated_at": "2026-10-01T10:00:00Z",
            "contact": {
                "active": True,
                "email": "ana.agent@acme.example",
                "job_title": "Support",
                "language": "en",
                "mobile": None,
                "name": "Ana Agent",
                "phone": None,
                "time_zone": "Eastern Time (US & Canada)",
                "created_at": "2023-01-05T10:00:00Z",
                "updated_at": "2026-10-01T10:00:00Z",
            },
        }
        self.agents.setdefault(self.me["id"], self.me)
        r = self.route
        r("GET", r"/api/v2/agents/me", self._me)
        r("GET", r"/api/v2/agents", self._list_agents)
        r("GET", r"/api/v2/agents/(\d+)", self._agent)
        r("GET", r"/api/v2/groups", self._list_groups)
        r("GET", r"/api/v2/groups/(\d+)", self._group)
        r("PUT", r"/api/v2/tickets/(\d+)", self._update_ticket)
        r("GET", r"/api/v2/contacts", self._list_contacts)
        r("GET", r"/api/v2/contacts/(\d+)", self._contact)
        r("POST", r"/api/v2/contacts", self._create_contact)
        r("GET", r"/api/v2/search/contacts", self._search_contacts)
        r("GET", r"/api/v2/search/tickets", self._search_tickets)
        r("GET", r"/api/v2/companies/(\d+)", self._company)
        r("GET", r"/api/v2/tickets", self._list_tickets)
        r("GET", r"/api/v2/tickets/(\d+)", self._ticket)
        r("POST", r"/api/v2/tickets", self._create_ticket)
        r("GET", r"/api/v2/tickets/(\d+)/conversations", self._conversations)
        r("POST", r"/api/v2/tickets/(\d+)/notes", self._create_note)
        for method in ("GET", "POST", "PUT", "DELETE"):
            r(method, r"/.*", lambda call, m: Resp(404))

    # --- auth, budget, headers -----------------------------------------------------------

    def authorize(self, call: Call) -> Resp | None:
        if self.used >= self.limit:
            return Resp(
                429,
                {"message": "You have exceeded the limit of requests per hour"},
                headers={"Retry-After": str(self.retry_after)},
            )
        self.used += 1
        header = call.headers.get("authorization", "")
        user = ""
        if header.startswith("Basic "):
            try:
                user = base64.b64decode(header[6:]).decode().split(":", 1)[0]
            except (ValueError, UnicodeDecodeError):
                user = ""
        if user != self.key:
            return Resp(
                401,
                fd_request_error(
                    "invalid_credentials", "You have to be logged in to perform this action."
                ),
            )
        return None

    def handle(self, call: Call) -> Resp:
        resp = super().handle(call)
        if resp.status == 429 or "X-RateLimit-Total" in resp.headers:
            return resp
        extra = _include_credits(call)
        self.used += extra
        headers = {
            "X-RateLimit-Total": str(self.limit),
            "X-RateLimit-Remaining": str(max(self.limit - self.used, 0)),
            "X-RateLimit-Used-CurrentRequest": str(1 + extra),
            **resp.headers,
        }
        return Resp(resp.status, resp.body, headers, resp.raw, resp.delay)

    def _denied(self, name: str) -> Resp | None:
        if name in self.denied:
            return Resp(
                403,
                fd_request_error("access_denied", "You are not authorized to perform this action."),
            )
        return None

    # --- arranging -----------------------------------------------------------------------

    def add_contact(
        self,
        contact_id: int,
        name: str,
        email: str | None = None,
        *,
        phone: str | None = None,
        mobile: str | None = None,
        other_emails: Iterable[str] = (),
        company_id: int | None = None,
        indexed: bool = True,
    ) -> int:
        self.contacts[contact_id] = {
            "active": True,
            "address": None,
            "company_id": company_id,
            "description": None,
            "email": email.lower() if email else None,
            "id": contact_id,
            "job_title": None,
            "language": "en",
            "mobile": mobile,
            "name": name,
            "phone": phone,
            "time_zone": "Eastern Time (US & Canada)",
            "twitter_id": None,
            "custom_fields": {},
            "facebook_id": None,
            "created_at": "2024-03-01T09:00:00Z",
            "updated_at": "2026-11-01T09:00:00Z",
            "csat_rating": 103,
            "preferred_source": "email",
            "tags": [],
            "other_emails": [e.lower() for e in other_emails],
            "view_all_tickets": False,
            "deleted": False,
        }
        if not indexed:
            self.unindexed.add(contact_id)
        return contact_id

    def add_agent(self, agent_id: int, name: str, email: str) -> int:
        """An agent of the account, shaped like `GET /api/v2/agents/{id}`."""
        self.agents[agent_id] = {
            **{k: v for k, v in self.me.items() if k != "contact"},
            "id": agent_id,
            "last_active_at": "2026-12-01T09:00:00Z",
            "available_since": None,
            "contact": {**self.me["contact"], "name": name, "email": email, "job_title": None},
        }
        return agent_id

    def add_group(self, group_id: int, name: str, agent_ids: Iterable[int] = ()) -> int:
        """A group of agents, shaped like `GET /api/v2/groups/{id}`."""
        self.groups[group_id] = {
            "id": group_id,
            "name": name,
            "description": f"{name} team",
            "escalate_to": None,
            "unassigned_for": "30m",
            "business_hour_id": None,
            "created_at": "2023-01-05T10:00:00Z",
            "updated_at": "2026-10-01T10:00:00Z",
            "agent_ids": list(agent_ids),
        }
        return group_id

    def add_company(self, company_id: int, name: str, **custom_fields: Any) -> int:
        self.companies[company_id] = {
            "id": company_id,
            "name": name,
            "description": None,
            "note": None,
            "domains": [name.lower().replace(" ", "") + ".example"],
            "custom_fields": dict(custom_fields),
            "health_score": None,
            "account_tier": "Premium",
            "renewal_date": None,
            "industry": None,
            "created_at": "2023-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        }
        return company_id

    def add_ticket(
        self,
        ticket_id: int,
        requester_id: int,
        subject: str,
        status: int = 2,
        *,
        priority: int = 1,
        source: int = 3,
        description: str = "",
        created: str | None = None,
        updated: str | None = None,
        due_by: str | None = None,
        fr_due_by: str | None = None,
        tags: Iterable[str] = (),
        ticket_type: str | None = None,
    ) -> int:
        company_id = (self.contacts.get(requester_id) or {}).get("company_id")
        self.tickets[ticket_id] = {
            "cc_emails": [],
            "fwd_emails": [],
            "reply_cc_emails": [],
            "ticket_cc_emails": [],
            "fr_escalated": False,
            "spam": False,
            "email_config_id": None,
            "group_id": None,
            "priority": priority,
            "requester_id": requester_id,
            "responder_id": self.me["id"],
            "source": source,
            "company_id": company_id,
            "status": status,
            "subject": subject,
            "support_email": None,
            "to_emails": None,
            "product_id": None,
            "id": ticket_id,
            "type": ticket_type,
            "due_by": due_by or ago(hours=-20),
            "fr_due_by": fr_due_by or ago(hours=-4),
            "is_escalated": False,
            "custom_fields": {},
            "created_at": created or ago(days=3),
            "updated_at": updated or ago(hours=2),
            "tags": list(tags),
            "description": f"<div>{description}</div>",
            "description_text": description,
        }
        self.conversations.setdefault(ticket_id, [])
        return ticket_id

    def add_conversation(
        self,
        ticket_id: int,
        body_text: str,
        *,
        private: bool = False,
        incoming: bool = False,
        source: int | None = None,
        user_id: int | None = None,
        created: str | None = None,
    ) -> int:
        conv_id = next(self._ids)
        kind = source if source is not None else (2 if private else 0)
        self.conversations.setdefault(ticket_id, []).append(
            {
                "body": f"<div>{body_text}</div>",
                "body_text": body_text,
                "id": conv_id,
                "incoming": incoming,
                "private": private,
                "user_id": user_id or self.me["id"],
                "support_email": None,
                "source": kind,
                "category": 2,
                "ticket_id": ticket_id,
                "to_emails": [],
                "from_email": None,
                "cc_emails": [],
                "bcc_emails": [],
                "attachments": [],
                "created_at": created or ago(days=1),
                "updated_at": created or ago(days=1),
            }
        )
        return conv_id

    # --- routes --------------------------------------------------------------------------

    def _me(self, call: Call, _: re.Match[str]) -> Resp:
        return self._denied("me") or Resp(200, self.me)

    def _list_agents(self, call: Call, _: re.Match[str]) -> Resp:
        if denied := self._denied("agents"):
            return denied
        allowed = {"email", "mobile", "phone", "state", "page", "per_page"}
        if unknown := sorted(set(call.params) - allowed):
            return _bad_field(unknown[0])
        found = [
            a
            for a in sorted(self.agents.values(), key=lambda a: a["id"])
            if all(
                a["contact"].get(k) == call.params[k]
                for k in ("email", "mobile", "phone")
                if k in call.params
            )
        ]
        return self._page(call, found)

    def _agent(self, call: Call, match: re.Match[str]) -> Resp:
        if denied := self._denied("agents"):
            return denied
        agent = self.agents.get(int(match.group(1)))
        return Resp(200, agent) if agent else Resp(404)

    def _list_groups(self, call: Call, _: re.Match[str]) -> Resp:
        if denied := self._denied("groups"):
            return denied
        if unknown := sorted(set(call.params) - {"page", "per_page"}):
            return _bad_field(unknown[0])
        return self._page(call, sorted(self.groups.values(), key=lambda g: g["id"]))

    def _group(self, call: Call, match: re.Match[str]) -> Resp:
        if denied := self._denied("groups"):
            return denied
        group = self.groups.get(int(match.group(1)))
        return Resp(200, group) if group else Resp(404)

    def _update_ticket(self, call: Call, match: re.Match[str]) -> Resp:
        if denied := self._denied("update_ticket"):
            return denied
        ticket = self.tickets.get(int(match.group(1)))
        if ticket is None:
            return Resp(404)
        body = call.json or {}
        if unknown := sorted(set(body) - TICKET_FIELDS):
            return _bad_field(unknown[0])
        errors = []
        for key, known, what in (
            ("responder_id", self.agents, "agent"),
            ("group_id", self.groups, "group"),
        ):
            value = body.get(key)
            if key not in body or value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                errors.append((key, "It should be a/an Positive Integer", "datatype_mismatch"))
            elif value not in known:
                errors.append(
                    (key, f"There is no {what} matching the given {key}", "invalid_value")
                )
        if errors:
            return Resp(400, fd_validation(*errors))
        ticket.update(body)
        ticket["updated_at"] = iso(NOW, millis=False)
        return Resp(200, dict(ticket))

    def _list_contacts(self, call: Call, _: re.Match[str]) -> Resp:
        if denied := self._denied("contacts"):
            return denied
        allowed = {"email", "phone", "mobile", "company_id", "state", "page", "per_page"}
        if unknown := sorted(set(call.params) - allowed):
            return _bad_field(unknown[0])
        email = call.params.get("email")
        if email is not None and not EMAIL_RE.match(email):
            return Resp(
                400,
                fd_validation(
                    ("email", "It should be in the 'valid email' format", "invalid_value")
                ),
            )
        found = []
        for contact in sorted(self.contacts.values(), key=lambda c: c["name"]):
            if contact["deleted"]:
                continue
            if email is not None and email.lower() not in _emails(contact):
                continue
            if "phone" in call.params and contact["phone"] != call.params["phone"]:
                continue
            if "mobile" in call.params and contact["mobile"] != call.params["mobile"]:
                continue
            if (
                "company_id" in call.params
                and str(contact["company_id"]) != call.params["company_id"]
            ):
                continue
            found.append(_listed(contact))
        return self._page(call, found)

    def _contact(self, call: Call, match: re.Match[str]) -> Resp:
        if denied := self._denied("contacts"):
            return denied
        contact = self.contacts.get(int(match.group(1)))
        if contact is None or contact["deleted"]:
            return Resp(404)
        return Resp(200, contact)

    def _create_contact(self, call: Call, _: re.Match[str]) -> Resp:
        if denied := self._denied("create_contact"):
            return denied
        body = call.json or {}
        if not body.get("name"):
            return Resp(400, fd_validation(("name", "It should be a/an String", "missing_field")))
        if not any(body.get(k) for k in ("email", "phone", "mobile", "twitter_id")):
            return Resp(
                400,
                fd_validation(
                    (
                        "email",
                        "Please fill at least 1 of email, mobile, phone, "
                        "twitter_id, unique_external_id fields",
                        "missing_field",
                    )
                ),
            )
        for existing in self.contacts.values():
            if body.get("email") and str(body["email"]).lower() in _emails(existing):
                error = {
                    "field": "email",
                    "message": "It should be a unique value",
                    "code": "duplicate_value",
                    "additional_info": {"user_id": existing["id"]},
                }
                return Resp(409, {"description": "Validation failed", "errors": [error]})
        new_id = next(self._ids)
        self.add_contact(
            new_id,
            body["name"],
            body.get("email"),
            phone=body.get("phone"),
            mobile=body.get("mobile"),
            other_emails=body.get("other_emails") or (),
            company_id=body.get("company_id"),
            indexed=False,
        )
        return Resp(
            201,
            self.contacts[new_id],
            headers={"Location": f"{self.site}/api/v2/contacts/{new_id}"},
        )

    def _search_contacts(self, call: Call, _: re.Match[str]) -> Resp:
        tree = self._search_tree(call, SEARCH_FIELDS)
        if isinstance(tree, Resp):
            return tree
        found = [
            _listed(c)
            for c in sorted(self.contacts.values(), key=lambda c: c["id"])
            if not c["deleted"] and c["id"] not in self.unindexed and _matches(tree, c)
        ]
        return _search_page(call, found)

    def _search_tickets(self, call: Call, _: re.Match[str]) -> Resp:
        tree = self._search_tree(call, TICKET_SEARCH_FIELDS)
        if isinstance(tree, Resp):
            return tree
        found = [
            self._listed_ticket(t, set())
            for t in sorted(self.tickets.values(), key=lambda t: t["id"])
            if _ticket_matches(tree, t)
        ]
        return _search_page(call, found)

    def _search_tree(self, call: Call, fields: frozenset[str]) -> Any:
        """The parsed query of a search, or the 400 (403) Freshdesk answers instead."""
        if denied := self._denied("search"):
            return denied
        if unknown := sorted(set(call.params) - {"query", "page"}):
            return _bad_field(unknown[0])
        page = call.params.get("page", "1")
        if not page.isdigit() or not 1 <= int(page) <= 10:
            return Resp(
                400,
                fd_validation(
                    (
                        "page",
                        "It should be a Positive Integer less than or equal to 10",
                        "invalid_value",
                    )
                ),
            )
        query = call.params.get("query", "").strip()
        if "query" not in call.params:
            return Resp(400, fd_validation(("query", "It should be a/an String", "missing_field")))
        if len(query) < 2 or not (query.startswith('"') and query.endswith('"')):
            return Resp(400, fd_validation(("query", QUERY_FORMAT_INVALID, "invalid_value")))
        inner = query[1:-1].strip()
        if len(inner) > 512:
            return Resp(
                400,
                fd_validation(
                    (
                        "query",
                        f"Has {len(inner)} characters, it can have maximum of 512 characters",
                        "invalid_value",
                    )
                ),
            )
        try:
            return _Parser(inner, fields).parse()
        except _BadField as exc:
            return _bad_field(str(exc))
        except _BadEmail:
            return Resp(
                400,
                fd_validation(
                    ("email", "It should be in the 'valid email' format", "invalid_value")
                ),
            )
        except ValueError:
            return Resp(400, fd_validation(("query", QUERY_FORMAT_INVALID, "invalid_value")))

    def _company(self, call: Call, match: re.Match[str]) -> Resp:
        if denied := self._denied("companies"):
            return denied
        company = self.companies.get(int(match.group(1)))
        return Resp(200, company) if company else Resp(404)

    def _list_tickets(self, call: Call, _: re.Match[str]) -> Resp:
        if denied := self._denied("tickets"):
            return denied
        allowed = {
            "filter",
            "company_id",
            "requester_id",
            "email",
            "order_by",
            "order_type",
            "updated_since",
            "include",
            "page",
            "per_page",
        }
        if unknown := sorted(set(call.params) - allowed):
            return _bad_field(unknown[0])
        includes = _includes(call)
        if includes - TICKET_INCLUDES:
            return Resp(
                400,
                fd_validation(
                    (
                        "include",
                        f"It should be one of these values: '{','.join(sorted(TICKET_INCLUDES))}'",
                        "invalid_value",
                    )
                ),
            )
        order_by = call.params.get("order_by", "created_at")
        order_type = call.params.get("order_type", "desc")
        if order_by not in ORDER_BY or order_type not in ("asc", "desc"):
            field_name = "order_by" if order_by not in ORDER_BY else "order_type"
            return Resp(
                400,
                fd_validation(
                    (
                        field_name,
                        f"It should be one of these values: '{','.join(sorted(ORDER_BY))}'",
                        "invalid_value",
                    )
                ),
            )
        email = call.params.get("email")
        if email is not None and not any(
            email.lower() in _emails(c) for c in self.contacts.values()
        ):
            # helpkit TicketFilterValidation: the email must name a contact.
            return Resp(
                400,
                fd_validation(
                    ("email", "There is no contact matching the given email", "invalid_value")
                ),
            )
        pool = list(self.tickets.values())
        filtered = False
        if "requester_id" in call.params:
            filtered = True
            pool = [t for t in pool if str(t["requester_id"]) == call.params["requester_id"]]
        if "email" in call.params:
            filtered = True
            ids = {
                c["id"]
                for c in self.contacts.values()
                if call.params["email"].lower() in _emails(c)
            }
            pool = [t for t in pool if t["requester_id"] in ids]
        if "company_id" in call.params:
            filtered = True
            pool = [t for t in pool if str(t["company_id"]) == call.params["company_id"]]
        if not filtered:
            since = iso(NOW - timedelta(days=30))
            pool = [t for t in pool if t["created_at"] >= since]
        pool.sort(key=lambda t: (t[order_by], t["id"]), reverse=order_type == "desc")
        listed = [self._listed_ticket(t, includes) for t in pool]
        return self._page(call, listed)

    def _listed_ticket(self, ticket: Mapping[str, Any], includes: set[str]) -> dict[str, Any]:
        out = {k: v for k, v in ticket.items() if k not in ("description", "description_text")}
        if "description" in includes:
            out["description"] = ticket["description"]
            out["description_text"] = ticket["description_text"]
        if "requester" in includes:
            c = self.contacts.get(ticket["requester_id"]) or {}
            out["requester"] = {k: c.get(k) for k in ("id", "name", "email", "mobile", "phone")}
        if "stats" in includes:
            out["stats"] = {
                "agent_responded_at": None,
                "requester_responded_at": None,
                "first_responded_at": None,
                "status_updated_at": ticket["updated_at"],
                "reopened_at": None,
                "resolved_at": None,
                "closed_at": None,
                "pending_since": None,
            }
        if "company" in includes:
            company = self.companies.get(ticket["company_id"] or -1)
            out["company"] = {"id": company["id"], "name": company["name"]} if company else {}
        return out

    def _ticket(self, call: Call, match: re.Match[str]) -> Resp:
        if denied := self._denied("tickets"):
            return denied
        ticket = self.tickets.get(int(match.group(1)))
        if ticket is None:
            return Resp(404)
        out = dict(ticket)
        if "conversations" in _includes(call):
            out["conversations"] = self.conversations.get(ticket["id"], [])[:10]
        return Resp(200, out)

    def _create_ticket(self, call: Call, _: re.Match[str]) -> Resp:
        if denied := self._denied("create_ticket"):
            return denied
        body = call.json or {}
        if unknown := sorted(set(body) - (TICKET_FIELDS | {"cc_emails"})):
            return _bad_field(unknown[0])
        errors = []
        status, priority, source = (
            body.get("status", 2),
            body.get("priority", 1),
            body.get("source", 2),
        )
        if status not in (2, 3, 4, 5):
            errors.append(
                ("status", "It should be one of these values: '2,3,4,5'", "invalid_value")
            )
        if priority not in (1, 2, 3, 4):
            errors.append(
                ("priority", "It should be one of these values: '1,2,3,4'", "invalid_value")
            )
        if source not in (1, 2, 3, 5, 6, 7, 9, 11, 10):
            errors.append(
                (
                    "source",
                    "It should be one of these values: '1,2,3,5,6,7,9,11,10'",
                    "invalid_value",
                )
            )
        for name in ("subject", "description"):
            if not isinstance(body.get(name), str) or not body[name]:
                errors.append((name, "It should be a/an String", "missing_field"))
        requester = self._requester(body)
        if requester is None:
            errors.append(
                (
                    "requester_id",
                    "Please fill at least 1 of requester_id, phone, "
                    "email, twitter_id, facebook_id, unique_external_id fields",
                    "missing_field",
                )
            )
        if errors:
            return Resp(400, fd_validation(*errors))
        assert requester is not None
        ticket_id = next(self._ids)
        self.add_ticket(
            ticket_id,
            requester,
            body["subject"],
            status,
            priority=priority,
            source=source,
            created=iso(NOW, millis=False),
            updated=iso(NOW, millis=False),
        )
        self.tickets[ticket_id]["description"] = body["description"]
        self.tickets[ticket_id]["description_text"] = _strip_tags(body["description"])
        return Resp(
            201,
            self.tickets[ticket_id],
            headers={"Location": f"{self.site}/api/v2/tickets/{ticket_id}"},
        )

    def _requester(self, body: Mapping[str, Any]) -> int | None:
        if "requester_id" in body:
            rid = body["requester_id"]
            return rid if rid in self.contacts else None
        email = body.get("email")
        if email:
            for c in self.contacts.values():
                if str(email).lower() in _emails(c):
                    return int(c["id"])
            return self.add_contact(
                next(self._ids), body.get("name") or email, email, indexed=False
            )
        phone = body.get("phone")
        if phone:
            for c in self.contacts.values():
                if c["phone"] == phone:
                    return int(c["id"])
            if not body.get("name"):
                return None
            return self.add_contact(next(self._ids), body["name"], phone=phone, indexed=False)
        return None

    def _conversations(self, call: Call, match: re.Match[str]) -> Resp:
        if denied := self._denied("conversations"):
            return denied
        ticket_id = int(match.group(1))
        if ticket_id not in self.tickets:
            return Resp(404)
        if unknown := sorted(set(call.params) - {"page", "per_page"}):
            return _bad_field(unknown[0])
        items = sorted(
            self.conversations.get(ticket_id, []), key=lambda c: (c["created_at"], c["id"])
        )
        return self._page(call, items)

    def _create_note(self, call: Call, match: re.Match[str]) -> Resp:
        if denied := self._denied("notes"):
            return denied
        ticket_id = int(match.group(1))
        if ticket_id not in self.tickets:
            return Resp(404)
        body = call.json or {}
        allowed = {"body", "private", "incoming", "notify_emails", "user_id"}
        if unknown := sorted(set(body) - allowed):
            return _bad_field(unknown[0])
        if not isinstance(body.get("body"), str) or not body["body"]:
            return Resp(400, fd_validation(("body", "It should be a/an String", "missing_field")))
        private = body.get("private", True)
        if not isinstance(private, bool):
            return Resp(
                400, fd_validation(("private", "It should be a/an Boolean", "datatype_mismatch"))
            )
        note_id = self.add_conversation(
            ticket_id,
            _strip_tags(body["body"]),
            private=private,
            incoming=bool(body.get("incoming", False)),
            source=2,
            created=iso(NOW),
        )
        note = self.conversations[ticket_id][-1]
        note["body"] = body["body"]
        return Resp(
            201,
            {k: v for k, v in note.items() if k not in ("source", "category")}
            | {"notified_to": [], "id": note_id},
        )

    # --- pagination ----------------------------------------------------------------------

    def _page(self, call: Call, items: list[dict[str, Any]]) -> Resp:
        per_page_s, page_s = call.params.get("per_page", "30"), call.params.get("page", "1")
        if not per_page_s.isdigit() or not 1 <= int(per_page_s) <= 100:
            return Resp(
                400,
                fd_validation(
                    (
                        "per_page",
                        "It should be a Positive Integer less than or equal to 100",
                        "invalid_value",
                    )
                ),
            )
        if not page_s.isdigit() or int(page_s) < 1:
            return Resp(
                400, fd_validation(("page", "It should be a Positive Integer", "invalid_value"))
            )
        per_page, page = int(per_page_s), int(page_s)
        start = (page - 1) * per_page
        headers = {}
        if start + per_page < len(items):
            query = urlencode({**call.params, "page": page + 1})
            headers["Link"] = f'<{self.site}{call.path}?{query}>; rel="next"'
        return Resp(200, items[start : start + per_page], headers=headers)


# --- helpers ---------------------------------------------------------------------------------


def _search_page(call: Call, found: list[dict[str, Any]]) -> Resp:
    start = (int(call.params.get("page", "1")) - 1) * 30
    return Resp(200, {"results": found[start : start + 30], "total": len(found)})


def _emails(contact: Mapping[str, Any]) -> list[str]:
    return [e.lower() for e in [contact.get("email"), *contact.get("other_emails", [])] if e]


def _listed(contact: Mapping[str, Any]) -> dict[str, Any]:
    """A contact as lists and search results show it: no `other_emails`, `tags`, `deleted`."""
    hidden = ("other_emails", "tags", "view_all_tickets", "deleted")
    return {k: v for k, v in contact.items() if k not in hidden}


def _includes(call: Call) -> set[str]:
    raw = call.params.get("include", "")
    return {part.strip() for part in raw.split(",") if part.strip()}


def _include_credits(call: Call) -> int:
    """Extra credits of `include=`: 2 per embed on the ticket list, 1 on a ticket's view."""
    if call.method != "GET" or not call.path.startswith("/api/v2/tickets"):
        return 0
    per_embed = 2 if call.path.rstrip("/") == "/api/v2/tickets" else 1
    return per_embed * len(_includes(call))


def _strip_tags(html: str) -> str:
    """`body_text` as Freshdesk derives it: line breaks and block ends become new lines."""
    text = re.sub(r"<br\s*/?>|</(?:div|p|li)>", "\n", html, flags=re.I)
    return re.sub(r"<[^>]+>", "", text).strip()


class _BadField(ValueError):
    pass


class _BadEmail(ValueError):
    pass


_TOKEN = re.compile(
    r"\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<op>(?i:AND|OR))(?=[\s(])|"
    r"(?P<term>(?P<field>[A-Za-z_][A-Za-z0-9_]*)\s*:\s*(?P<cmp>[<>])?\s*"
    r"(?P<value>'[^'\\]*'|-?\d+|true|false|null)))"
)


class _Parser:
    """Freshdesk's filter grammar: terms, AND/OR, parentheses. Any stray character is a format
    error, as in Freshquery (a quote or backslash inside a value ends or breaks the string)."""

    def __init__(self, text: str, fields: frozenset[str] = SEARCH_FIELDS) -> None:
        self.tokens: list[tuple[str, Any]] = []
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise ValueError(text[pos:])
            pos = m.end()
            if m.group("lp"):
                self.tokens.append(("(", None))
            elif m.group("rp"):
                self.tokens.append((")", None))
            elif m.group("op"):
                self.tokens.append(("op", m.group("op").upper()))
            else:
                name = m.group("field")
                if name not in fields:
                    raise _BadField(name)
                value = m.group("value")
                if name == "email" and value.startswith("'") and not EMAIL_RE.match(value[1:-1]):
                    raise _BadEmail(value)
                self.tokens.append(("term", (name, m.group("cmp"), value)))
        self.pos = 0

    def parse(self) -> Any:
        tree = self._or()
        if self.pos != len(self.tokens):
            raise ValueError("trailing tokens")
        return tree

    def _peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _or(self) -> Any:
        left = self._and()
        while (tok := self._peek()) and tok == ("op", "OR"):
            self.pos += 1
            left = ("OR", left, self._and())
        return left

    def _and(self) -> Any:
        left = self._atom()
        while (tok := self._peek()) and tok == ("op", "AND"):
            self.pos += 1
            left = ("AND", left, self._atom())
        return left

    def _atom(self) -> Any:
        tok = self._peek()
        if tok is None:
            raise ValueError("missing term")
        self.pos += 1
        if tok[0] == "(":
            inner = self._or()
            if self._peek() != (")", None):
                raise ValueError("unbalanced")
            self.pos += 1
            return inner
        if tok[0] != "term":
            raise ValueError("operator without term")
        return tok


def _matches(tree: Any, contact: Mapping[str, Any]) -> bool:
    if tree[0] == "OR":
        return _matches(tree[1], contact) or _matches(tree[2], contact)
    if tree[0] == "AND":
        return _matches(tree[1], contact) and _matches(tree[2], contact)
    name, cmp, raw = tree[1]
    value: Any = raw[1:-1] if raw.startswith("'") else raw
    if name == "email":
        return value != "null" and value.lower() in _emails(contact)
    if name in ("phone", "mobile", "twitter_id", "language", "time_zone"):
        stored = contact.get(name)
        return stored is None if value == "null" else stored == value
    if name == "company_id":
        stored = contact.get("company_id")
        return stored is None if value == "null" else str(stored) == value
    if name == "active":
        return str(contact.get("active")).lower() == value
    if name == "tag":
        return value in contact.get("tags", [])
    return _day_matches(contact.get(name), cmp, value)


def _day_matches(stored: Any, cmp: str | None, value: str) -> bool:
    """A date compared by day, `:>` and `:<` including the day itself."""
    stamp = str(stored or "")[:10]
    if cmp == ">":
        return stamp >= value
    if cmp == "<":
        return stamp <= value
    return stamp == value


def _ticket_matches(tree: Any, ticket: Mapping[str, Any]) -> bool:
    if tree[0] in ("OR", "AND"):
        left, right = _ticket_matches(tree[1], ticket), _ticket_matches(tree[2], ticket)
        return (left or right) if tree[0] == "OR" else (left and right)
    name, cmp, raw = tree[1]
    value: Any = raw[1:-1] if raw.startswith("'") else raw
    if name == "tag":
        return value in ticket.get("tags", [])
    if name == "type":
        return ticket.get("type") is None if value == "null" else ticket.get("type") == value
    if name in ("created_at", "updated_at", "due_by", "fr_due_by"):
        return _day_matches(ticket.get(name), cmp, value)
    stored = ticket.get({"agent_id": "responder_id"}.get(name, name))
    if value == "null":
        return stored is None
    if cmp == ">":
        return stored is not None and int(stored) >= int(value)
    if cmp == "<":
        return stored is not None and int(stored) <= int(value)
    return str(stored) == value


def when(moment: datetime) -> str:
    """A timestamp as Freshdesk writes it (seconds, `Z`)."""
    return iso(moment, millis=False)


def seeded() -> FreshdeskFake:
    """The account most tests start from: Maria (phone as typed, a secondary email, a company
    with a plan) and Bob sharing her number as his mobile."""
    fake = FreshdeskFake()
    fake.add_company(5, "Acme Corp", plan="Enterprise")
    fake.add_contact(
        1,
        "Maria Gonzalez",
        "maria@example.com",
        phone="(415) 555-0132",
        other_emails=["mg@home.example"],
        company_id=5,
    )
    fake.add_contact(2, "Bob Stone", "bob@example.com", mobile="+1 415-555-0132")
    return fake
