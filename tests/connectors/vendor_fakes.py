"""Test doubles of the HubSpot and Zendesk APIs, shaped like the vendors' documented answers.

Each fake keeps records and answers requests the way the vendor documents it, so a connector
that builds the wrong query finds nobody here either:

- HubSpot's search compares `phone`/`mobilephone` as exact strings (`EQ`, `IN`), splits
  `hs_additional_emails` on `;` for `CONTAINS_TOKEN`, ORs filter groups and ANDs filters, and
  refuses bodies beyond its limits with a 400 (`VALIDATION_ERROR`).
- Zendesk's search understands `type:`, `phone:*<digits>` (digits of the stored number end
  with them), `email:`, `name:"..."`, `requester:` and `status<`/`status>`; `next_page` is an
  absolute URL, as Zendesk sends it.

Shapes follow HubSpot's public specs (SimplePublicObject, CollectionResponseWithTotal...,
MultiAssociatedObjectWithLabel, Error) and Zendesk's OpenAPI (`shared/vendor-specs/zendesk/
openapi.yaml`: UserObject, UserIdentityObject, SearchResponse, TicketObject,
TicketCommentObject, TicketUpdateResponse, Error/`{"error", "description"}`).

The same fake serves `httpx.MockTransport` (unit tests) and a real HTTP server on 127.0.0.1
(`LocalServer`, for the end-to-end CLI tests).
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import shlex
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def iso(moment: datetime, *, millis: bool = True) -> str:
    spec = "milliseconds" if millis else "seconds"
    return moment.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")


def ago(**delta: float) -> str:
    return iso(NOW - timedelta(**delta))


@dataclass
class Call:
    """One request as the fake saw it."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Resp:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    """Sent as is (junk, HTML) instead of `body` as JSON."""
    delay: float = 0.0

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if self.raw is not None:
            headers.setdefault("Content-Type", "text/html; charset=utf-8")
            return self.raw, headers
        if self.body is None:
            return b"", headers
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
        return json.dumps(self.body).encode(), headers


Handler = Callable[[Call, re.Match[str]], Resp]


class FakeApi:
    """Routes requests to handlers; `override` injects faults for a path."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._overrides: list[tuple[str, re.Pattern[str], deque[Resp]]] = []
        self._lock = threading.Lock()

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(pattern + r"(?:\.json)?$"), handler))

    def override(self, method: str, pattern: str, *responses: Resp) -> None:
        """Answer `method pattern` with these responses in turn (the last one repeats)."""
        self._overrides.insert(0, (method, re.compile(pattern), deque(responses)))

    def clear_overrides(self) -> None:
        self._overrides.clear()

    def calls_to(self, method: str, pattern: str) -> list[Call]:
        regex = re.compile(pattern)
        return [c for c in self.calls if c.method == method and regex.search(c.path)]

    def handle(self, call: Call) -> Resp:
        with self._lock:
            self.calls.append(call)
            for method, regex, responses in self._overrides:
                if method == call.method and regex.search(call.path):
                    return responses.popleft() if len(responses) > 1 else responses[0]
            for method, regex, handler in self._routes:
                match = regex.match(call.path)
                if method == call.method and match:
                    denied = self.authorize(call)
                    return denied or handler(call, match)
        return Resp(404, {"error": "RecordNotFound", "description": "Not found"})

    def authorize(self, call: Call) -> Resp | None:
        return None

    # --- httpx.MockTransport ------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            call = Call(
                request.method,
                request.url.path,
                dict(request.url.params),
                {k.lower(): v for k, v in request.headers.items()},
                request.content,
            )
            resp = self.handle(call)
            body, headers = resp.encoded()
            return httpx.Response(resp.status, headers=headers, content=body)

        return httpx.MockTransport(handler)


# --- A real server on 127.0.0.1 --------------------------------------------------------------


class LocalServer:
    """Serves a `FakeApi` over real HTTP on 127.0.0.1 (a free port) in a thread."""

    def __init__(self, api: FakeApi) -> None:
        self.api = api
        fake = api

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                call = Call(
                    self.command,
                    parts.path,
                    dict(parse_qsl(parts.query)),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                resp = fake.handle(call)
                if resp.delay:
                    threading.Event().wait(resp.delay)
                data, headers = resp.encoded()
                self.send_response(resp.status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


# --- HubSpot ---------------------------------------------------------------------------------

HUBSPOT_TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"


def hs_error(message: str, category: str, **extra: Any) -> dict[str, Any]:
    """HubSpot's documented error body."""
    return {
        "status": "error",
        "message": message,
        "correlationId": "aeb5f871-7f07-4993-9211-075dc63e7cbf",
        "category": category,
        **extra,
    }


ENGAGEMENTS = frozenset({"notes", "calls", "emails", "tasks", "meetings"})
HS_CALL_OUTCOMES = (
    ("9d9162e7-6cf3-4944-bf63-4dff82258764", "Busy"),
    ("f240bbac-87c9-4f6e-bf70-924b57d47db7", "Connected"),
    ("a4c4c377-d246-4b32-a13b-75a56a4cd0ff", "Left live message"),
    ("b2cf5968-551e-4856-9783-52b3da59a7d0", "Left voicemail"),
    ("73a0d17f-1163-4015-bdd5-ec830791da20", "No answer"),
    ("17b47fee-58de-441e-a44c-c6300d46f273", "Wrong number"),
)
"""HubSpot's default call outcomes (id, label), as every portal starts with them."""


def hs_record(
    record_id: str,
    properties: Mapping[str, Any],
    created: str | None = None,
    *,
    object_type: str = "contacts",
) -> dict[str, Any]:
    """A SimplePublicObject. Engagements carry `hs_createdate`, other objects `createdate`."""
    created = created or ago(days=30)
    stamp = "hs_createdate" if object_type in ENGAGEMENTS else "createdate"
    props = {"hs_object_id": record_id, stamp: created, **properties}
    return {
        "id": record_id,
        "properties": {k: (None if v is None else str(v)) for k, v in props.items()},
        "createdAt": created,
        "updatedAt": ago(hours=1),
        "archived": False,
    }


class HubSpotFake(FakeApi):
    """Contacts, companies, tickets and engagements of one portal, with v4 associations."""

    def __init__(self, token: str = HUBSPOT_TOKEN, portal_id: int = 4512345) -> None:
        super().__init__()
        self.token = token
        self.portal_id = portal_id
        self.objects: dict[str, dict[str, dict[str, Any]]] = {
            t: {} for t in ("contacts", "companies", "tickets", "notes", "calls", "emails")
        }
        self.associations: dict[tuple[str, str, str], list[str]] = {}
        self.owners: dict[str, dict[str, Any]] = {}
        self.batch_links_page = 500
        """Associations per input of a v4 batch read (HubSpot's page)."""
        self.scopes = [
            "crm.objects.contacts.read",
            "crm.objects.contacts.write",
            "crm.objects.companies.read",
            "tickets",
            "crm.objects.owners.read",
        ]
        self.schema: dict[str, set[str]] = {}
        self.schema_denied: set[str] = set()
        self.call_outcomes: list[dict[str, str]] = [
            {"id": i, "label": label} for i, label in HS_CALL_OUTCOMES
        ]
        """`GET /calling/v1/dispositions`: the portal's call outcomes (custom ones added)."""
        self._ids = itertools.count(90_001)
        r = self.route
        r("POST", r"/crm/v3/objects/contacts/search", self._search)
        r("POST", r"/crm/v3/objects/(notes|calls)/search", self._activity_search)
        r("DELETE", r"/crm/v3/objects/(notes|calls)/(\d+)", self._archive)
        r("GET", r"/account-info/v3/details", self._account)
        r("GET", r"/crm/v4/objects/(\w+)/(\d+)/associations/(\w+)", self._assoc)
        r("POST", r"/crm/v4/associations/(\w+)/(\w+)/batch/read", self._batch_assoc)
        r("POST", r"/crm/v3/objects/(\w+)/batch/read", self._batch)
        r("GET", r"/crm/v3/pipelines/tickets", self._pipelines)
        r("GET", r"/calling/v1/dispositions", self._call_outcomes)
        r("GET", r"/crm/v3/owners/?$", self._owner_list)
        r("GET", r"/crm/v3/owners/(\d+)", self._owner)
        r("GET", r"/crm/v3/properties/(\w+)/([\w-]+)", self._property)
        r("POST", r"/crm/v3/objects/(notes|calls|contacts)", self._create)
        r("GET", r"/crm/v3/objects/contacts/(\d+)", self._read_contact)
        r("PATCH", r"/crm/v3/objects/contacts/(\d+)", self._update_contact)
        r("POST", r"/oauth/v2/private-apps/get/access-token-info", self._token_info)
        self.burst: tuple[int, float] | None = None
        """A strict rolling budget (requests, seconds) on everything but search, as HubSpot
        counts it; None: unlimited. Every answer then carries `X-HubSpot-RateLimit-*`."""
        self.clock: Callable[[], float] = time.monotonic
        self.refused: int = 0
        """Requests answered 429 by the budget."""
        self._spent: deque[float] = deque()

    def authorize(self, call: Call) -> Resp | None:
        if call.headers.get("authorization") != f"Bearer {self.token}":
            return Resp(
                401,
                hs_error(
                    "Authentication credentials not found. This API supports OAuth 2.0 "
                    "authentication and you can find more details at "
                    "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                    "INVALID_AUTHENTICATION",
                ),
            )
        if self.burst is not None and not call.path.endswith("/search"):
            limit, _ = self.burst
            if self._remaining() <= 0:
                self.refused += 1
                return Resp(
                    429,
                    hs_error(
                        f"You have reached your ten_secondly_rolling limit of {limit}.",
                        "RATE_LIMITS",
                        policyName="TEN_SECONDLY_ROLLING",
                    ),
                    headers=self._burst_headers(),
                )
            self._spent.append(self.clock())
        return None

    def _remaining(self) -> int:
        assert self.burst is not None
        limit, window = self.burst
        while self._spent and self._spent[0] <= self.clock() - window:
            self._spent.popleft()
        return limit - len(self._spent)

    def _burst_headers(self) -> dict[str, str]:
        assert self.burst is not None
        limit, window = self.burst
        return {
            "X-HubSpot-RateLimit-Max": str(limit),
            "X-HubSpot-RateLimit-Remaining": str(max(0, self._remaining())),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(window * 1000)),
        }

    def handle(self, call: Call) -> Resp:
        resp = super().handle(call)
        if self.burst is not None and resp.status != 401:
            return replace(resp, headers={**self._burst_headers(), **resp.headers})
        return resp

    # --- arranging ---------------------------------------------------------------------

    def add(self, object_type: str, record_id: str, **properties: Any) -> str:
        self.objects[object_type][record_id] = hs_record(
            record_id, properties, object_type=object_type
        )
        return record_id

    def associate(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        self.associations.setdefault((from_type, from_id, to_type), []).append(to_id)
        self.associations.setdefault((to_type, to_id, from_type), []).append(from_id)

    # --- routes ------------------------------------------------------------------------

    def _search(self, call: Call, _: re.Match[str]) -> Resp:
        body = call.json or {}
        groups = body.get("filterGroups", [])
        filters = [f for g in groups for f in g.get("filters", [])]
        if (
            len(groups) > 5
            or any(len(g.get("filters", [])) > 6 for g in groups)
            or len(filters) > 18
        ):
            return Resp(400, hs_error("Too many filters", "VALIDATION_ERROR"))
        if int(body.get("limit", 10)) > 200:
            return Resp(400, hs_error("limit must be <= 200", "VALIDATION_ERROR"))
        found = []
        for record in self.objects["contacts"].values():
            props = record["properties"]
            if groups:
                if any(all(_hs_filter(props, f) for f in g.get("filters", [])) for g in groups):
                    found.append(record)
            elif "query" in body:
                words = str(body["query"]).casefold().split()
                text = " ".join(str(props.get(k) or "") for k in ("firstname", "lastname", "email"))
                if all(w in text.casefold() for w in words):
                    found.append(record)
            else:
                found.append(record)
        start = int(body.get("after") or 0)
        limit = int(body.get("limit", 10))
        page = found[start : start + limit]
        wanted = body.get("properties") or ["email", "firstname", "lastname"]
        results = [
            {
                **r,
                "properties": {
                    k: v for k, v in r["properties"].items() if k in wanted or k == "hs_object_id"
                },
            }
            for r in page
        ]
        answer: dict[str, Any] = {"total": len(found), "results": results}
        if start + limit < len(found):
            after = str(start + limit)
            answer["paging"] = {"next": {"after": after, "link": f"?after={after}"}}
        return Resp(200, answer)

    def _activity_search(self, call: Call, match: re.Match[str]) -> Resp:
        """Notes or calls: `CONTAINS_TOKEN` on a body (tokens split at anything but letters,
        digits and `-`), `associations.contact|ticket` `EQ`; `after` pages, oldest first."""
        object_type = match.group(1)
        body = call.json or {}
        [group] = body["filterGroups"]
        found = []
        for record_id, record in self.objects[object_type].items():
            keep = True
            for f in group["filters"]:
                name, op, value = f["propertyName"], f["operator"], str(f["value"])
                if name.startswith("associations.") and op == "EQ":
                    linked = self.associations.get((f"{name[13:]}s", value, object_type), [])
                    keep = keep and record_id in linked
                elif op == "CONTAINS_TOKEN":
                    text = str(record["properties"].get(name) or "")
                    tokens = {t.casefold() for t in re.split(r"[^A-Za-z0-9-]+", text) if t}
                    keep = keep and value.casefold() in tokens
                else:
                    raise AssertionError(f"filter {f} not emulated")
            if keep:
                found.append(record)
        found.sort(key=lambda r: int(r["id"]))
        limit = int(body.get("limit", 10))
        if limit > 200:
            return Resp(400, hs_error("limit must be <= 200", "VALIDATION_ERROR"))
        start = int(body.get("after") or 0)
        answer: dict[str, Any] = {"total": len(found), "results": found[start : start + limit]}
        if start + limit < len(found):
            after = str(start + limit)
            answer["paging"] = {"next": {"after": after, "link": f"?after={after}"}}
        return Resp(200, answer)

    def _archive(self, call: Call, match: re.Match[str]) -> Resp:
        object_type, record_id = match.groups()
        if self.objects[object_type].pop(record_id, None) is None:
            return Resp(404, hs_error("Object not found", "OBJECT_NOT_FOUND"))
        for (kind, _, other), ids in self.associations.items():
            if kind != object_type and other == object_type and record_id in ids:
                ids.remove(record_id)
        self.associations = {
            k: v for k, v in self.associations.items() if k[:2] != (object_type, record_id)
        }
        return Resp(204, None)

    def _account(self, call: Call, _: re.Match[str]) -> Resp:
        return Resp(
            200,
            {
                "portalId": self.portal_id,
                "accountType": "STANDARD",
                "timeZone": "US/Eastern",
                "companyCurrency": "USD",
                "additionalCurrencies": [],
                "utcOffset": "-05:00",
                "utcOffsetMilliseconds": -18_000_000,
                "uiDomain": "app.hubspot.com",
                "dataHostingLocation": "na1",
            },
        )

    def _assoc(self, call: Call, match: re.Match[str]) -> Resp:
        from_type, from_id, to_type = match.groups()
        ids = self.associations.get((from_type, from_id, to_type), [])
        limit = int(call.params.get("limit", 500))
        start = int(call.params.get("after", 0))
        page = ids[start : start + limit]
        answer: dict[str, Any] = {"results": [_hs_link(from_type, to_type, i) for i in page]}
        if start + limit < len(ids):
            after = str(start + limit)
            answer["paging"] = {"next": {"after": after, "link": None}}
        return Resp(200, answer)

    def _batch_assoc(self, call: Call, match: re.Match[str]) -> Resp:
        """v4 batch read: each input's first `batch_links_page` associations (`paging` per input
        beyond);
        inputs without any are errors of a 207 Multi-Status answer."""
        from_type, to_type = match.groups()
        inputs = [str(item["id"]) for item in (call.json or {}).get("inputs", [])]
        if len(inputs) > 1000:
            return Resp(
                400, hs_error("Batch input must contain at most 1000 items", "VALIDATION_ERROR")
            )
        results, missing = [], []
        for from_id in inputs:
            ids = self.associations.get((from_type, from_id, to_type), [])
            if not ids:
                missing.append(from_id)
                continue
            page = self.batch_links_page
            result: dict[str, Any] = {
                "from": {"id": from_id},
                "to": [_hs_link(from_type, to_type, i) for i in ids[:page]],
            }
            if len(ids) > page:
                result["paging"] = {"next": {"after": str(page), "link": None}}
            results.append(result)
        answer: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": ago(seconds=1),
            "completedAt": ago(seconds=0),
        }
        if missing:
            answer["numErrors"] = len(missing)
            answer["errors"] = [
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                    "message": f"No {to_type} is associated with {from_type} {i}.",
                    "context": {"fromObjectId": [i]},
                }
                for i in missing
            ]
        return Resp(207 if missing else 200, answer)

    def _batch(self, call: Call, match: re.Match[str]) -> Resp:
        object_type = match.group(1)
        body = call.json or {}
        if len(body.get("inputs", [])) > 100:
            return Resp(
                400, hs_error("Batch input must contain at most 100 items", "VALIDATION_ERROR")
            )
        wanted = set(body.get("properties", []))
        results = []
        for item in body.get("inputs", []):
            record = self.objects.get(object_type, {}).get(item["id"])
            if record is not None:
                props = {
                    k: v
                    for k, v in record["properties"].items()
                    if k in wanted or k == "hs_object_id"
                }
                results.append({**record, "properties": props})
        return Resp(
            200,
            {
                "status": "COMPLETE",
                "results": results,
                "startedAt": ago(seconds=1),
                "completedAt": ago(seconds=0),
            },
        )

    def _pipelines(self, call: Call, _: re.Match[str]) -> Resp:
        stages = [
            ("1", "New", 0, "OPEN"),
            ("2", "Waiting on contact", 1, "OPEN"),
            ("3", "Waiting on us", 2, "OPEN"),
            ("4", "Closed", 3, "CLOSED"),
        ]
        return Resp(
            200,
            {
                "results": [
                    {
                        "id": "0",
                        "label": "Support Pipeline",
                        "displayOrder": 0,
                        "archived": False,
                        "createdAt": ago(days=900),
                        "updatedAt": ago(days=900),
                        "stages": [
                            {
                                "id": sid,
                                "label": label,
                                "displayOrder": order,
                                "metadata": {"ticketState": state},
                                "archived": False,
                                "createdAt": ago(days=900),
                                "updatedAt": ago(days=900),
                            }
                            for sid, label, order, state in stages
                        ],
                    }
                ]
            },
        )

    def _call_outcomes(self, call: Call, _: re.Match[str]) -> Resp:
        """The legacy engagements endpoint: a bare JSON array of `{"id", "label"}` (it needs
        `crm.objects.contacts.read`)."""
        if "crm.objects.contacts.read" not in self.scopes:
            return Resp(
                403,
                hs_error(
                    "This app hasn't been granted all required scopes to make this call.",
                    "MISSING_SCOPES",
                    errors=[
                        {
                            "message": "One or more of the following scopes are required.",
                            "context": {"requiredGranularScopes": ["crm.objects.contacts.read"]},
                        }
                    ],
                ),
            )
        return Resp(200, [dict(outcome) for outcome in self.call_outcomes])

    def _owner_list(self, call: Call, _: re.Match[str]) -> Resp:
        limit = int(call.params.get("limit", 100))
        start = int(call.params.get("after", 0))
        owners = list(self.owners.values())
        answer: dict[str, Any] = {"results": owners[start : start + limit]}
        if start + limit < len(owners):
            after = str(start + limit)
            answer["paging"] = {"next": {"after": after, "link": None}}
        return Resp(200, answer)

    def _owner(self, call: Call, match: re.Match[str]) -> Resp:
        owner = self.owners.get(match.group(1))
        if owner is None:
            return Resp(404, hs_error("Owner not found", "OBJECT_NOT_FOUND"))
        return Resp(200, owner)

    def _property(self, call: Call, match: re.Match[str]) -> Resp:
        """A property exists when some record of that type has it (or it is in `schema`)."""
        object_type, name = match.groups()
        if object_type in self.schema_denied:
            return Resp(403, hs_error("This app lacks the required scopes", "MISSING_SCOPES"))
        known = self.schema.get(object_type, set()) | {
            key for r in self.objects.get(object_type, {}).values() for key in r["properties"]
        }
        if name not in known:
            return Resp(404, hs_error(f"Unable to find property {name}", "OBJECT_NOT_FOUND"))
        return Resp(200, {"name": name, "label": name, "type": "string"})

    def _create(self, call: Call, match: re.Match[str]) -> Resp:
        object_type = match.group(1)
        body = call.json or {}
        if object_type == "contacts":
            email = (body.get("properties") or {}).get("email")
            for record in self.objects["contacts"].values():
                if email and record["properties"].get("email") == email:
                    return Resp(
                        409,
                        hs_error(
                            f"Contact already exists. Existing ID: {record['id']}", "CONFLICT"
                        ),
                    )
        new_id = str(next(self._ids))
        record = hs_record(
            new_id, body.get("properties", {}), created=iso(NOW), object_type=object_type
        )
        self.objects[object_type][new_id] = record
        for association in body.get("associations", []):
            target = association["to"]["id"]
            type_id = association["types"][0]["associationTypeId"]
            target_type = {202: "contacts", 194: "contacts", 228: "tickets", 220: "tickets"}.get(
                type_id
            )
            if target_type:
                self.associate(object_type, new_id, target_type, target)
        return Resp(201, record)

    def _contact(self, match: re.Match[str]) -> dict[str, Any] | Resp:
        record = self.objects["contacts"].get(match.group(1))
        if record is None:
            return Resp(
                404,
                hs_error("Object not found.  objectId are usually numeric.", "OBJECT_NOT_FOUND"),
            )
        return record

    def _read_contact(self, call: Call, match: re.Match[str]) -> Resp:
        """`GET /crm/v3/objects/contacts/{id}?properties=a,b`: the properties asked for."""
        record = self._contact(match)
        if isinstance(record, Resp):
            return record
        wanted = str(call.params.get("properties") or "email,firstname,lastname").split(",")
        props = {k: v for k, v in record["properties"].items() if k in wanted}
        return Resp(200, {**record, "properties": {**props, "hs_object_id": record["id"]}})

    def _update_contact(self, call: Call, match: re.Match[str]) -> Resp:
        """`PATCH /crm/v3/objects/contacts/{id}` with `{"properties": {...}}`: sets them."""
        record = self._contact(match)
        if isinstance(record, Resp):
            return record
        props = (call.json or {}).get("properties")
        if not isinstance(props, dict) or not props:
            return Resp(400, hs_error("No properties to update", "VALIDATION_ERROR"))
        record["properties"].update({k: None if v is None else str(v) for k, v in props.items()})
        record["updatedAt"] = iso(NOW)
        return Resp(200, record)

    def _token_info(self, call: Call, _: re.Match[str]) -> Resp:
        return Resp(
            200, {"userId": 123, "hubId": self.portal_id, "appId": 456, "scopes": self.scopes}
        )


HS_ASSOCIATION_TYPES: Final = {
    "contacts": {"companies": 279, "tickets": 15, "notes": 201, "calls": 193, "emails": 197},
    "tickets": {"contacts": 16, "notes": 227, "calls": 219, "emails": 223},
}
"""HubSpot's default association types, from the asking side (v4 "Associations" table)."""


def _hs_link(from_type: str, to_type: str, to_id: str) -> dict[str, Any]:
    type_id = HS_ASSOCIATION_TYPES.get(from_type, {}).get(to_type, 1)
    return {
        "toObjectId": int(to_id),
        "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}],
    }


def _hs_filter(props: Mapping[str, Any], f: Mapping[str, Any]) -> bool:
    value = props.get(f["propertyName"])
    op = f["operator"]
    if op == "EQ":
        if f["propertyName"] == "email":
            return value is not None and str(value).casefold() == str(f["value"]).casefold()
        return value is not None and str(value) == str(f["value"])
    if op == "IN":
        return value is not None and str(value) in [str(v) for v in f["values"]]
    if op == "CONTAINS_TOKEN":
        tokens = [t.strip().casefold() for t in re.split(r"[;\s]", str(value or "")) if t.strip()]
        return str(f["value"]).casefold() in tokens
    raise AssertionError(f"operator {op} not emulated")


# --- Zendesk ---------------------------------------------------------------------------------

ZENDESK_TOKEN = "zd-api-token-6f1e2d3c4b5a69788796a5b4c3d2e1f0"
ZENDESK_AGENT = "ana.agent@acme.example"


def _search_terms(query: str) -> list[str]:
    """The terms of a Zendesk search query: Zendesk quotes phrases with " only."""
    lexer = shlex.shlex(query, posix=True)
    lexer.quotes, lexer.whitespace_split = '"', True
    return list(lexer)


def zd_error(error: str, description: str | None = None) -> dict[str, Any]:
    """Zendesk's documented error body (`{"error", "description"}`)."""
    return {"error": error} if description is None else {"error": error, "description": description}


@dataclass
class ZendeskFake(FakeApi):
    """Users (with identities), organizations, tickets and comments of one Zendesk account."""

    token: str = ZENDESK_TOKEN
    email: str | None = ZENDESK_AGENT
    site: str = "https://acme.zendesk.com"
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    identities: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    organizations: dict[int, dict[str, Any]] = field(default_factory=dict)
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    slas: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    """Ticket id -> its SLA policy metrics, sideloaded only on `include=tickets(slas)`."""
    agents: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Agents (assignees), side-loaded with `include=tickets(users)`."""
    groups: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Groups, side-loaded with `include=tickets(groups)`."""
    me: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(700_001)
        self.me = self.me or {
            "id": 9001,
            "name": "Ana Agent",
            "email": ZENDESK_AGENT,
            "role": "agent",
            "custom_role_id": None,
        }
        r = self.route
        r("GET", r"/api/v2/search", self._search)
        r("GET", r"/api/v2/search/count", self._count)
        r("GET", r"/api/v2/users/me", self._me)
        r("GET", r"/api/v2/users/search", self._user_search)
        r("GET", r"/api/v2/users/(\d+)/identities", self._identities)
        r("POST", r"/api/v2/users/(\d+)/identities", self._add_identity)
        r("GET", r"/api/v2/users/(\d+)", self._user)
        r("POST", r"/api/v2/users", self._create_user)
        r("GET", r"/api/v2/organizations/(\d+)", self._organization)
        r("GET", r"/api/v2/tickets/(\d+)/comments", self._comments)
        r("PUT", r"/api/v2/tickets/(\d+)", self._update)
        r("GET", r"/api/v2/tickets", self._list_tickets)
        r("POST", r"/api/v2/tickets", self._create_ticket)

    def authorize(self, call: Call) -> Resp | None:
        if self.email is not None:
            secret = base64.b64encode(f"{self.email}/token:{self.token}".encode()).decode()
            expected = f"Basic {secret}"
        else:
            expected = f"Bearer {self.token}"
        if call.headers.get("authorization") != expected:
            return Resp(401, zd_error("Couldn't authenticate you"))
        return None

    # --- arranging ---------------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        name: str,
        email: str | None,
        phone: str | None = None,
        *,
        shared: bool = False,
        organization_id: int | None = None,
        tags: tuple[str, ...] = (),
        extra_identities: tuple[tuple[str, str], ...] = (),
        user_fields: Mapping[str, Any] | None = None,
    ) -> None:
        self.users[user_id] = {
            "id": user_id,
            "url": f"{self.site}/api/v2/users/{user_id}.json",
            "name": name,
            "email": email,
            "created_at": "2024-03-01T09:00:00Z",
            "updated_at": "2026-11-01T09:00:00Z",
            "time_zone": "Pacific Time (US & Canada)",
            "iana_time_zone": "America/Los_Angeles",
            "phone": phone,
            "shared_phone_number": shared if phone else None,
            "locale_id": 1,
            "locale": "en-US",
            "organization_id": organization_id,
            "role": "end-user",
            "verified": True,
            "active": True,
            "tags": list(tags),
            "notes": "",
            "details": "",
            "user_fields": dict(user_fields or {}),
            "suspended": False,
        }
        identities = []
        ids = itertools.count(user_id * 10)
        if email:
            identities.append(self._identity(next(ids), user_id, "email", email, primary=True))
        if phone:
            identities.append(
                self._identity(next(ids), user_id, "phone_number", phone, primary=True)
            )
        for kind, value in extra_identities:
            identities.append(self._identity(next(ids), user_id, kind, value, primary=False))
        self.identities[user_id] = identities

    def _identity(
        self, identity_id: int, user_id: int, kind: str, value: str, *, primary: bool
    ) -> dict[str, Any]:
        return {
            "id": identity_id,
            "url": f"{self.site}/api/v2/users/{user_id}/identities/{identity_id}.json",
            "user_id": user_id,
            "type": kind,
            "value": value,
            "verified": True,
            "primary": primary,
            "created_at": "2024-03-01T09:00:00Z",
            "updated_at": "2024-03-01T09:00:00Z",
            **(
                {"deliverable_state": "deliverable", "undeliverable_count": 0}
                if kind == "email"
                else {}
            ),
        }

    def add_organization(
        self, org_id: int, name: str, *, plan: str | None = None, tags: tuple[str, ...] = ()
    ) -> None:
        self.organizations[org_id] = {
            "id": org_id,
            "url": f"{self.site}/api/v2/organizations/{org_id}.json",
            "name": name,
            "domain_names": [name.lower().replace(" ", "") + ".example"],
            "details": "",
            "notes": "",
            "group_id": None,
            "shared_tickets": False,
            "shared_comments": False,
            "tags": list(tags),
            "organization_fields": {"plan": plan},
            "created_at": "2023-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
            "external_id": None,
        }

    def add_ticket(
        self,
        ticket_id: int,
        requester_id: int,
        subject: str,
        status: str = "open",
        *,
        priority: str | None = "normal",
        tags: tuple[str, ...] = (),
        channel: str = "email",
        created: str | None = None,
        updated: str | None = None,
        submitter_id: int | None = None,
        ticket_type: str = "incident",
    ) -> None:
        self.tickets[ticket_id] = {
            "id": ticket_id,
            "url": f"{self.site}/api/v2/tickets/{ticket_id}.json",
            "external_id": None,
            "via": {"channel": channel, "source": {"from": {}, "to": {}, "rel": None}},
            "created_at": created or ago(days=3),
            "updated_at": updated or ago(hours=2),
            "type": ticket_type,
            "subject": subject,
            "raw_subject": subject,
            "description": "",
            "priority": priority,
            "status": status,
            "requester_id": requester_id,
            "submitter_id": submitter_id or requester_id,
            "assignee_id": 9001,
            "organization_id": self.users.get(requester_id, {}).get("organization_id"),
            "group_id": 360001,
            "tags": list(tags),
            "custom_fields": [],
            "is_public": True,
            "result_type": "ticket",
        }
        self.comments.setdefault(ticket_id, [])

    def add_comment(
        self,
        ticket_id: int,
        author_id: int,
        body: str,
        *,
        public: bool = True,
        created: str | None = None,
    ) -> int:
        comment_id = next(self._ids)
        self.comments.setdefault(ticket_id, []).append(
            {
                "id": comment_id,
                "type": "Comment",
                "author_id": author_id,
                "body": body,
                "html_body": f'<div class="zd-comment"><p>{body}</p></div>',
                "plain_body": body,
                "public": public,
                "attachments": [],
                "audit_id": comment_id + 1,
                "via": {"channel": "web", "source": {"from": {}, "to": {}, "rel": None}},
                "created_at": created or ago(days=1),
                "metadata": {"system": {}, "custom": {}},
            }
        )
        return comment_id

    # --- routes ------------------------------------------------------------------------

    def _search(self, call: Call, _: re.Match[str]) -> Resp:
        terms = _search_terms(call.params.get("query", ""))
        per_page = min(100, int(call.params.get("per_page", 100)))
        page = int(call.params.get("page", 1))
        kind = next((t.split(":", 1)[1] for t in terms if t.startswith("type:")), None)
        pool: list[dict[str, Any]]
        if kind == "user":
            pool = [
                {**u, "result_type": "user"}
                for u in self.users.values()
                if all(self._user_term(u, t) for t in terms if not t.startswith("type:"))
            ]
        elif kind == "ticket":
            pool = [
                t
                for t in self.tickets.values()
                if all(_ticket_term(t, x) for x in terms if not x.startswith("type:"))
            ]
            sort_by = call.params.get("sort_by")
            if sort_by in ("updated_at", "created_at"):
                pool.sort(
                    key=lambda t: t[sort_by],
                    reverse=call.params.get("sort_order", "desc") == "desc",
                )
        else:
            pool = []
        include = call.params.get("include", "")
        loads = set(include.removeprefix("tickets(").removesuffix(")").split(",")) - {""}
        if kind == "ticket" and include:
            assert include.startswith("tickets(") and loads <= {"slas", "users", "groups"}, include
        if kind == "ticket" and "slas" in loads:
            pool = [{**t, "slas": {"policy_metrics": self.slas.get(t["id"], [])}} for t in pool]
        start = (page - 1) * per_page
        shown = pool[start : start + per_page]
        sideloads: dict[str, Any] = {}
        if kind == "ticket" and "users" in loads:  # the requesters and assignees, as Zendesk does
            ids = {t.get(k) for t in shown for k in ("requester_id", "assignee_id")}
            people = {**self.users, **self.agents}
            sideloads["users"] = [people[i] for i in sorted(ids - {None}) if i in people]
        if kind == "ticket" and "groups" in loads:
            ids = {t.get("group_id") for t in shown}
            sideloads["groups"] = [self.groups[i] for i in sorted(ids - {None}) if i in self.groups]
        next_page = None
        if start + per_page < len(pool):
            query = urlencode({**call.params, "page": page + 1})
            next_page = f"{self.site}/api/v2/search.json?{query}"
        return Resp(
            200,
            {
                "results": shown,
                "facets": None,
                "next_page": next_page,
                "previous_page": None,
                "count": len(pool),
                **sideloads,
            },
        )

    def add_sla(self, ticket_id: int, metric: str, breach_at: str | None, stage: str) -> None:
        """A policy metric as Zendesk's `slas` sideload shows it (`stage`: active, paused,
        achieved; an achieved one has no `breach_at` to meet)."""
        self.slas.setdefault(ticket_id, []).append(
            {"breach_at": breach_at, "stage": stage, "metric": metric, "hours": 1}
        )

    def _user_search(self, call: Call, _: re.Match[str]) -> Resp:
        """`GET /api/v2/users/search`: the search syntax over users, offset pages, with the
        users' side-loads `include=identities,organizations`."""
        terms = _search_terms(call.params.get("query", ""))
        per_page = min(100, int(call.params.get("per_page", 100)))
        page = int(call.params.get("page", 1))
        pool = [
            u
            for u in self.users.values()
            if all(self._user_term(u, t) for t in terms if not t.startswith("type:"))
        ]
        start = (page - 1) * per_page
        users = pool[start : start + per_page]
        next_page = None
        if start + per_page < len(pool):
            query = urlencode({**call.params, "page": page + 1})
            next_page = f"{self.site}/api/v2/users/search.json?{query}"
        answer: dict[str, Any] = {
            "users": users,
            "next_page": next_page,
            "previous_page": None,
            "count": len(pool),
        }
        include = call.params.get("include", "").split(",")
        if "identities" in include:
            answer["identities"] = [i for u in users for i in self.identities.get(u["id"], [])]
        if "organizations" in include:
            ids = dict.fromkeys(u.get("organization_id") for u in users)
            answer["organizations"] = [
                self.organizations[i] for i in ids if i in self.organizations
            ]
        return Resp(200, answer)

    def _user_term(self, user: Mapping[str, Any], term: str) -> bool:
        key, _, value = term.partition(":")
        values = self.identities.get(user["id"], [])
        if key == "phone":
            assert value.startswith("*") and value[1:].isdigit(), f"phone term {term!r}"
            numbers = [user.get("phone") or ""] + [
                i["value"] for i in values if i["type"] == "phone_number"
            ]
            return any("".join(filter(str.isdigit, n)).endswith(value[1:]) for n in numbers if n)
        if key == "email":
            emails = [user.get("email") or ""] + [
                i["value"] for i in values if i["type"] == "email"
            ]
            return value.casefold() in [e.casefold() for e in emails if e]
        if key == "name":
            return value.casefold() in str(user.get("name", "")).casefold()
        raise AssertionError(f"user search term {term!r} not emulated")

    def _count(self, call: Call, _: re.Match[str]) -> Resp:
        return Resp(200, {"count": len(self.tickets)})

    def _me(self, call: Call, _: re.Match[str]) -> Resp:
        return Resp(200, {"user": self.me})

    def _identities(self, call: Call, match: re.Match[str]) -> Resp:
        user_id = int(match.group(1))
        if user_id not in self.users:
            return Resp(404, zd_error("RecordNotFound", "Not found"))
        return Resp(
            200,
            {
                "identities": self.identities.get(user_id, []),
                "next_page": None,
                "previous_page": None,
                "count": len(self.identities.get(user_id, [])),
            },
        )

    def _add_identity(self, call: Call, match: re.Match[str]) -> Resp:
        """`POST /api/v2/users/{id}/identities` with `{"identity": {"type", "value"}}`; a phone
        number another user holds is a 422 `RecordInvalid`, as Zendesk answers."""
        user_id = int(match.group(1))
        if user_id not in self.users:
            return Resp(404, zd_error("RecordNotFound", "Not found"))
        identity = (call.json or {}).get("identity") or {}
        kind, value = identity.get("type"), str(identity.get("value") or "")
        digits = "".join(filter(str.isdigit, value))
        for other, held in self.identities.items():
            for existing in held:
                same = "".join(filter(str.isdigit, str(existing["value"]))) == digits
                if other != user_id and existing["type"] == kind and same:
                    return Resp(
                        422,
                        {
                            "error": "RecordInvalid",
                            "description": "Record validation errors",
                            "details": {
                                "value": [
                                    {
                                        "description": f"Value: {value} is already being used "
                                        "by another user",
                                        "error": "DuplicateValue",
                                    }
                                ]
                            },
                        },
                    )
        held = self.identities.setdefault(user_id, [])
        new_id = user_id * 10 + len(held) + 100
        added = self._identity(new_id, user_id, str(kind), value, primary=False)
        held.append(added)
        return Resp(201, {"identity": added})

    def _user(self, call: Call, match: re.Match[str]) -> Resp:
        user = self.users.get(int(match.group(1)))
        if user is None:
            return Resp(404, zd_error("RecordNotFound", "Not found"))
        return Resp(200, {"user": user})

    def _create_user(self, call: Call, _: re.Match[str]) -> Resp:
        user = (call.json or {})["user"]
        for existing in self.users.values():
            if user.get("email") and existing.get("email") == user["email"]:
                return Resp(
                    422,
                    {
                        "error": "RecordInvalid",
                        "description": "Record validation errors",
                        "details": {
                            "email": [
                                {
                                    "description": "Email: is already being used by another user",
                                    "error": "DuplicateValue",
                                }
                            ]
                        },
                    },
                )
        new_id = next(self._ids)
        self.add_user(new_id, user["name"], user.get("email"), user.get("phone"))
        return Resp(201, {"user": self.users[new_id]})

    def _organization(self, call: Call, match: re.Match[str]) -> Resp:
        org = self.organizations.get(int(match.group(1)))
        if org is None:
            return Resp(404, zd_error("RecordNotFound", "Not found"))
        return Resp(200, {"organization": org})

    def _comments(self, call: Call, match: re.Match[str]) -> Resp:
        ticket_id = int(match.group(1))
        if ticket_id not in self.tickets:
            return Resp(404, zd_error("RecordNotFound", "Not found"))
        comments = sorted(self.comments.get(ticket_id, []), key=lambda c: c["created_at"])
        if call.params.get("sort") == "-created_at":
            comments.reverse()
        size = int(call.params.get("page[size]", 100))
        if size > 100:
            return Resp(400, zd_error("InvalidPaginationParameter", "page[size] is at most 100"))
        start = int(call.params.get("page[after]", "0"))
        page = comments[start : start + size]
        more = len(comments) > start + size
        answer: dict[str, Any] = {
            "comments": page,
            "meta": {
                "has_more": more,
                "after_cursor": str(start + size) if more else None,
                "before_cursor": None,
            },
            "links": {"prev": None, "next": None},
        }
        if call.params.get("include") == "users":
            authors = {c["author_id"] for c in page}
            names = {u["id"]: u["name"] for u in [*self.users.values(), self.me]}
            answer["users"] = [{"id": a, "name": names[a]} for a in authors if a in names]
        return Resp(200, answer)

    def _update(self, call: Call, match: re.Match[str]) -> Resp:
        ticket_id = int(match.group(1))
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            return Resp(404, zd_error("RecordNotFound", "Not found"))
        if ticket.get("status") == "closed":  # Zendesk's answer to any update of a closed one
            return Resp(
                422,
                {
                    "error": "RecordInvalid",
                    "description": "Record validation errors",
                    "details": {
                        "status": [
                            {
                                "description": "Status: closed prevents ticket update",
                                "error": "InvalidValue",
                            }
                        ]
                    },
                },
            )
        comment = ((call.json or {}).get("ticket") or {}).get("comment")
        events = []
        if comment:
            comment_id = self.add_comment(
                ticket_id,
                self.me["id"],
                comment["body"],
                public=comment.get("public", True),
                created=iso(NOW),
            )
            events.append(
                {
                    "id": comment_id,
                    "type": "Comment",
                    "body": comment["body"],
                    "public": comment.get("public", True),
                }
            )
        return Resp(
            200,
            {
                "ticket": _without_result_type(ticket),
                "audit": {
                    "id": 5550001,
                    "ticket_id": ticket_id,
                    "created_at": iso(NOW, millis=False),
                    "author_id": self.me["id"],
                    "metadata": {},
                    "events": events,
                },
            },
        )

    def _list_tickets(self, call: Call, _: re.Match[str]) -> Resp:
        external = call.params.get("external_id")
        found = [
            _without_result_type(t)
            for t in self.tickets.values()
            if external is None or t.get("external_id") == external
        ]
        return Resp(
            200, {"tickets": found, "next_page": None, "previous_page": None, "count": len(found)}
        )

    def _create_ticket(self, call: Call, _: re.Match[str]) -> Resp:
        data = (call.json or {})["ticket"]
        ticket_id = next(self._ids)
        self.add_ticket(
            ticket_id,
            data["requester_id"],
            data["subject"],
            "new",
            priority=data.get("priority"),
            channel="api",
            created=iso(NOW, millis=False),
            updated=iso(NOW, millis=False),
            submitter_id=self.me["id"],
        )
        self.tickets[ticket_id]["external_id"] = data.get("external_id")
        comment = data.get("comment") or {}
        self.add_comment(
            ticket_id,
            self.me["id"],
            comment.get("body", ""),
            public=comment.get("public", True),
            created=iso(NOW),
        )
        ticket = _without_result_type(self.tickets[ticket_id])
        return Resp(
            201,
            {"ticket": ticket},
            headers={"Location": f"{self.site}/api/v2/tickets/{ticket_id}.json"},
        )


def _ticket_term(ticket: Mapping[str, Any], term: str) -> bool:
    order = ["new", "open", "pending", "hold", "solved", "closed"]

    def rank(status: str) -> int:
        return order.index(status) if status in order else 1

    if term.startswith("requester:"):
        return str(ticket["requester_id"]) == term.split(":", 1)[1]
    if term.startswith("tags:"):  # one tag, exactly as stored
        return term[5:] in ticket["tags"]
    if term.startswith("ticket_type:"):
        return bool(ticket["type"] == term[12:])
    if relative := re.fullmatch(r"created>(\d+)hours", term):
        # Relative times count back from now: created within the last N hours.
        return ticket["created_at"] > iso(NOW - timedelta(hours=int(relative.group(1))))
    if term.startswith("status<"):
        return rank(ticket["status"]) < order.index(term[7:])
    if term.startswith("status>"):
        return rank(ticket["status"]) > order.index(term[7:])
    raise AssertionError(f"ticket search term {term!r} not emulated")


def serve(api: FakeApi) -> Iterator[LocalServer]:
    """A pytest-fixture-friendly generator: the fake behind a real server, stopped after."""
    with LocalServer(api) as server:
        yield server


def _without_result_type(ticket: Mapping[str, Any]) -> dict[str, Any]:
    """A ticket as the Tickets API returns it: only search results carry `result_type`."""
    return {k: v for k, v in ticket.items() if k != "result_type"}
