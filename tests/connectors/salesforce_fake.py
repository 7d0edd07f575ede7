"""A test double of the Salesforce REST API (one org), written from Salesforce's public docs.

What it implements, and where each behaviour comes from:

- **Token endpoint** `POST /services/oauth2/token`, `grant_type=client_credentials` with
  `client_id`/`client_secret` in the form body (or HTTP Basic). Success is `{"access_token",
  "signature", "scope", "instance_url", "id", "token_type": "Bearer", "issued_at"}` (Salesforce
  Help "OAuth 2.0 Client Credentials Flow for Server-to-Server Integration"; field list also in
  jsforce's `TokenResponse` type, jsforce.github.io/jsforce/types/oauth2.TokenResponse.html).
  The flow only works on the org's My Domain URL, runs as the connected app's "Run As" user and
  issues no refresh token. Failures are OAuth bodies `{"error", "error_description"}` with 400
  (`invalid_client`, `invalid_grant`, `unsupported_grant_type`).
- **UserInfo** `GET /services/oauth2/userinfo` (OpenID Connect; Salesforce Help "Query for User
  Information", help.salesforce.com ... remoteaccess_using_userinfo_endpoint.htm): `sub`,
  `user_id`, `organization_id`, `preferred_username`, `name`, `email`, `zoneinfo`, `urls`...
  A bad token gets 403 `Bad_OAuth_Token` (identity-URL error list).
- **Versions** `GET /services/data` (no auth): `[{"label", "url", "version"}]`.
- **Error bodies**: a JSON array `[{"message", "errorCode", "fields"?}]` ("Status Codes and Error
  Responses", developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm):
  401 = session expired or invalid (`INVALID_SESSION_ID`, "Session expired or invalid"); 403 =
  refused, and `REQUEST_LIMIT_EXCEEDED` when the org is over its API request limit; 400 for
  `MALFORMED_QUERY`, `MALFORMED_SEARCH`, `INVALID_FIELD`, `INVALID_TYPE`, `REQUIRED_FIELD_MISSING`;
  404 `NOT_FOUND`.
- **`Sforce-Limit-Info: api-usage=N/M`** on every `/services/data/vXX.X/...` answer ("Limit
  Info Header", .../api_rest/headers_api_usage.htm; the docs also show `; api-bursts=a/b` and the
  older `; per-app-api-usage=17/250(appName=...)`; `api_usage_suffix` adds one). A composite
  call counts once ("Send Multiple Requests Using Composite").
- **SOSL** `GET /search?q=FIND {...} IN PHONE|EMAIL|NAME FIELDS RETURNING Obj(fields WHERE ...
  LIMIT n)`; answer `{"searchRecords": [{"attributes": {"type", "url"}, ...fields}]}`. Grammar and
  escaping per `salesforce_lang.py` ("FIND {SearchQuery}" and "Example Text Searches":
  reserved `? & | ! { } [ ] ( ) ^ ~ * : \\ " ' + -`, escaped with a backslash). A SearchQuery
  over 4,000 characters loses its operators; over 10,000 returns no rows ("SOSL Syntax").
  **Phone semantics** (the issue's question): Salesforce keeps phone strings as typed (Help
  000385963 "Standard 'Phone' field length and formatting": US-locale UI entry of 10 digits is
  saved as "(415) 555-1212", anything with other punctuation or a "+" is kept as typed; the API
  never reformats). The FIND doc says words are delimited by spaces, punctuation and letter/digit
  changes, so "(415) 555-0132" indexes as the words 415, 555, 0132; Salesforce's own sample
  search() call passes digits only ("Example of phoneNumber format: 4155551212", SOAP API "Sample
  search Call") and integrators report that "SOSL phone search ignores formatting, so (781)
  300-3549 matches 7813003549" (secondary). Nothing documents whether a country code or trunk
  prefix is dropped, so this double is strict: a phone field matches a term when the term's words
  appear in the stored value's words, or when the term equals ALL digits of the stored value.
  "+1 415 555 0132" is therefore found by 14155550132 or "415 555 0132", not by 4155550132; a
  connector must send the written forms (national digits, with country code, grouped phrase) and
  confirm every hit locally.
- **SOQL** `GET /query?q=` and `/queryAll?q=`: `SELECT`, dotted parent fields (`Owner.Name`),
  child subqueries (`(SELECT ... FROM CaseComments)`), `WHERE` with AND/OR/NOT, `=`, `!=`, `<`,
  `>`, `IN`, `LIKE`, `ORDER BY ... NULLS LAST`, `LIMIT`. String literals escape `'` and `\\` with
  a backslash ("Reserved Characters" and "Quoted String Escape Sequences"); an unescaped quote
  is `MALFORMED_QUERY`. Long text areas can't be filtered ("fieldExpression": "any field except a
  long text area field, encrypted data field, or base64-encoded field"): `INVALID_FIELD`. Results
  are `{"totalSize", "done", "records", "nextRecordsUrl"?}`; the next batch is at
  `nextRecordsUrl` (`/services/data/vXX.X/query/01g...-N`); `batch_size` is small in tests.
- **Composite** `POST /composite` `{"allOrNone", "compositeRequest": [{"method", "url",
  "referenceId", "body"?}]}` -> `{"compositeResponse": [{"body", "httpHeaders",
  "httpStatusCode", "referenceId"}]}`; at most 25 subrequests, at most 5 of them queries; later
  subrequests may use `@{ref.records[0].Id}` ("Send Multiple Requests Using Composite",
  .../resources_composite_composite_post.htm).
- **sObject create** `POST /sobjects/{Type}` -> 201 `{"id", "success": true, "errors": []}`;
  unknown fields `INVALID_FIELD`, missing required ones `REQUIRED_FIELD_MISSING`, objects the user
  may not create `INSUFFICIENT_ACCESS_OR_READONLY`. **Describe** `GET /sobjects/{Type}/describe`
  gives `createable`/`queryable` and the fields the user can see. `GET /limits` gives
  `DailyApiRequests: {"Max", "Remaining"}`.

Field-level security is modelled as Salesforce does it: a hidden field does not exist for the
user (`INVALID_FIELD: No such column`), and an object without read access is `INVALID_TYPE`.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.connectors.salesforce_lang import (
    QueryError,
    Returning,
    Select,
    parse_soql,
    parse_sosl,
    search_matches,
    search_tokens,
)
from tests.connectors.vendor_fakes import NOW, Call, FakeApi, Resp

CLIENT_ID = "3MVG9fakeConsumerKeyForTests000000000000000000"
CLIENT_SECRET = "F4KE0C0NSUMERSECRET0000000000000000000000000000000000000000000001"
ORG_ID = "00D000000000001AAA"
VERSIONS = ("60.0", "61.0", "62.0")

PHONE_FIELDS = {
    "Contact": ("Phone", "MobilePhone", "HomePhone", "OtherPhone", "AssistantPhone", "Fax"),
    "Lead": ("Phone", "MobilePhone", "Fax"),
    "Account": ("Phone", "Fax"),
}
EMAIL_FIELDS = {"Contact": ("Email", "Secondary_Email__c"), "Lead": ("Email",)}
NAME_FIELDS = {
    "Contact": ("Name", "FirstName", "LastName"),
    "Lead": ("Name", "FirstName", "LastName", "Company"),
    "Account": ("Name", "Website", "Site"),
}
LONG_TEXT = {"Description", "CommentBody"}
COMMON = ("Id", "OwnerId", "CreatedDate", "LastModifiedDate", "CreatedById", "IsDeleted")
SCHEMA: dict[str, tuple[str, ...]] = {
    "Contact": (
        *COMMON,
        "FirstName", "LastName", "Name", "Email", "Secondary_Email__c", "Phone", "MobilePhone",
        "HomePhone", "OtherPhone", "AssistantPhone", "Fax", "Title", "AccountId", "Description",
        "LastActivityDate", "Department",
    ),
    "Lead": (
        *COMMON,
        "FirstName", "LastName", "Name", "Company", "Email", "Phone", "MobilePhone", "Fax",
        "Status", "IsConverted", "Title", "Description", "LeadSource", "LastActivityDate",
    ),
    "Account": (
        *COMMON,
        "Name", "Phone", "Fax", "Type", "Industry", "Website", "Site", "Description", "Tier__c",
    ),
    "Case": (
        *COMMON,
        "CaseNumber", "Subject", "Status", "Priority", "IsClosed", "ContactId", "AccountId",
        "Description", "ClosedDate", "Origin", "Type", "SuppliedEmail", "SuppliedPhone",
    ),
    "CaseComment": (*COMMON, "ParentId", "CommentBody", "IsPublished"),
    "Task": (
        *COMMON,
        "Subject", "Description", "Status", "Priority", "WhoId", "WhatId", "ActivityDate",
        "TaskSubtype", "CallType", "CallDurationInSeconds", "CallDisposition", "CallObject",
        "IsClosed", "Type",
    ),
    "User": ("Id", "Name", "FirstName", "LastName", "Email", "Username", "IsActive"),
}  # fmt: skip
PREFIX = {
    "Contact": "003", "Lead": "00Q", "Account": "001", "Case": "500", "CaseComment": "00a",
    "Task": "00T", "User": "005",
}  # fmt: skip
PARENTS = {  # relationship name -> id field (polymorphic ones resolve by id prefix)
    "Owner": "OwnerId", "CreatedBy": "CreatedById", "Account": "AccountId",
    "Contact": "ContactId", "Who": "WhoId", "What": "WhatId", "Parent": "ParentId",
}  # fmt: skip
PARENT_TYPES = {
    "Owner": "User", "CreatedBy": "User", "Account": "Account", "Contact": "Contact",
    "Parent": "Case",
}  # fmt: skip
CHILDREN = {
    ("Account", "Contacts"): ("Contact", "AccountId"),
    ("Account", "Cases"): ("Case", "AccountId"),
    ("Contact", "Cases"): ("Case", "ContactId"),
    ("Contact", "Tasks"): ("Task", "WhoId"),
    ("Lead", "Tasks"): ("Task", "WhoId"),
    ("Case", "CaseComments"): ("CaseComment", "ParentId"),
    ("Case", "Tasks"): ("Task", "WhatId"),
}
REQUIRED = {"Contact": ("LastName",), "Lead": ("LastName", "Company"), "CaseComment": ("ParentId",)}
READ_ONLY = {"Id", "Name", "IsClosed", "CaseNumber", "CreatedDate", "LastModifiedDate", "IsDeleted"}


def sf_time(moment: datetime) -> str:
    """Salesforce's dateTime format: `2026-11-22T15:00:00.000+0000`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def sf_ago(**delta: float) -> str:
    return sf_time(NOW - timedelta(**delta))


def sf_error(code: str, message: str, fields: list[str] | None = None) -> list[dict[str, Any]]:
    """Salesforce's documented error body: an array of `{"message", "errorCode"}`."""
    body: dict[str, Any] = {"message": message, "errorCode": code}
    if fields is not None:
        body["fields"] = fields
    return [body]


class SalesforceFake(FakeApi):
    """One org: Contacts, Leads, Accounts, Cases, CaseComments, Tasks and Users.

    Knobs for tests: `expire_tokens()` (the next data call gets 401 INVALID_SESSION_ID),
    `api_used`/`api_max` (Sforce-Limit-Info; at the max every data call is 403
    REQUEST_LIMIT_EXCEEDED), `batch_size` (query paging), `hidden` (field-level security),
    `no_read`/`no_create` (object permissions), `static_token` (a pre-minted bearer token).
    """

    def __init__(
        self,
        *,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        instance_url: str = "https://acme.my.salesforce.com",
    ) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.instance_url = instance_url
        self.records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in SCHEMA}
        self.valid_tokens: set[str] = set()
        self.static_token: str | None = None
        self.tokens_issued = 0
        self.api_used = 1200
        self.api_max = 15000
        self.api_usage_suffix = ""
        self.batch_size = 2000
        self.hidden: set[tuple[str, str]] = set()
        self.no_read: set[str] = set()
        self.no_create: set[str] = set()
        self.subcalls: list[tuple[str, str]] = []
        """Composite subrequests as (method, url), in order."""
        self._locators: dict[str, list[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self.run_as = self.add(
            "User", Name="Integration User", FirstName="Integration", LastName="User",
            Email="integration@acme.example", Username="integration@acme.example", IsActive=True,
        )  # fmt: skip
        r = self.route
        r("POST", r"/services/oauth2/token", self._token)
        r("GET", r"/services/oauth2/userinfo", self._userinfo)
        r("GET", r"/services/data/?", self._versions)
        v = r"/services/data/v(\d+\.\d)"
        r("GET", v + r"/search/?", self._search)
        r("GET", v + r"/(query|queryAll)/?", self._query)
        r("GET", v + r"/(?:query|queryAll)/(01g[\w-]+)", self._more)
        r("POST", v + r"/composite/?", self._composite)
        r("GET", v + r"/sobjects/(\w+)/describe/?", self._describe)
        r("POST", v + r"/sobjects/(\w+)/?", self._create)
        r("GET", v + r"/sobjects/(\w+)/(\w{15,18})/?", self._retrieve)
        r("GET", v + r"/limits/?", self._limits)

    # --- arranging ---------------------------------------------------------------------

    def add(self, sobject: str, **fields: Any) -> str:
        """Store a record; Id, Name, timestamps and owner are filled in when missing."""
        record_id = fields.pop("Id", None) or self.new_id(sobject)
        record: dict[str, Any] = {name: None for name in SCHEMA[sobject]}
        record.update(Id=record_id, CreatedDate=sf_ago(days=30), LastModifiedDate=sf_ago(hours=2))
        if sobject != "User":
            record.update(
                OwnerId=getattr(self, "run_as", None), CreatedById=getattr(self, "run_as", None)
            )
            record["IsDeleted"] = False
        record.update(fields)
        if sobject in ("Contact", "Lead", "User") and "Name" not in fields:
            record["Name"] = " ".join(
                p for p in (record.get("FirstName"), record.get("LastName")) if p
            )
        if sobject == "Case":
            if record.get("CaseNumber") is None:
                record["CaseNumber"] = f"{len(self.records['Case']) + 1001:08d}"
            record["IsClosed"] = record.get("Status") in ("Closed", "Resolved")
        if sobject == "Task":
            record["IsClosed"] = record.get("Status") == "Completed"
        if sobject == "Lead" and record.get("IsConverted") is None:
            record["IsConverted"] = False
        unknown = set(fields) - set(SCHEMA[sobject])
        assert not unknown, f"no such fields on {sobject}: {unknown}"
        self.records[sobject][record_id] = record
        return str(record_id)

    def new_id(self, sobject: str) -> str:
        return f"{PREFIX[sobject]}{next(self._ids):012d}AAA"

    def expire_tokens(self) -> None:
        self.valid_tokens.clear()

    def sobject_of(self, record_id: str | None) -> str | None:
        if not record_id:
            return None
        return next((name for name, p in PREFIX.items() if record_id.startswith(p)), None)

    def get(self, record_id: str) -> dict[str, Any] | None:
        sobject = self.sobject_of(record_id)
        return self.records[sobject].get(record_id) if sobject else None

    # --- plumbing ----------------------------------------------------------------------

    def handle(self, call: Call) -> Resp:
        resp = super().handle(call)
        if re.match(r"/services/data/v\d", call.path):
            if resp.status != 401:
                self.api_used += 1
            resp.headers.setdefault(
                "Sforce-Limit-Info",
                f"api-usage={self.api_used}/{self.api_max}{self.api_usage_suffix}",
            )
        return resp

    def authorize(self, call: Call) -> Resp | None:
        if not call.path.startswith("/services/data/v") and "userinfo" not in call.path:
            return None
        header = call.headers.get("authorization", "")
        token = header[7:] if header.startswith("Bearer ") else None
        if token is None or (token not in self.valid_tokens and token != self.static_token):
            if "userinfo" in call.path:
                return Resp(403, raw=b"Bad_OAuth_Token", headers={"Content-Type": "text/plain"})
            return Resp(401, sf_error("INVALID_SESSION_ID", "Session expired or invalid"))
        if call.path.startswith("/services/data/v") and self.api_used >= self.api_max:
            return Resp(403, sf_error("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."))
        return None

    def _dispatch(self, method: str, url: str, body: Any) -> Resp:
        """Run one composite subrequest through the routes (already authorized)."""
        parts = urlsplit(url)
        params = dict(parse_qsl(parts.query))
        raw = json.dumps(body).encode() if body is not None else b""
        sub = Call(method, parts.path, params, {}, raw)
        self.subcalls.append((method, url))
        for m, regex, handler in self._routes:
            match = regex.match(parts.path)
            if m == method and match:
                return handler(sub, match)
        return Resp(404, sf_error("NOT_FOUND", "The requested resource does not exist"))

    # --- auth --------------------------------------------------------------------------

    def _token(self, call: Call, _: re.Match[str]) -> Resp:
        form = dict(parse_qsl(call.body.decode()))
        auth = call.headers.get("authorization", "")
        if auth.startswith("Basic "):
            cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            form.setdefault("client_id", cid)
            form.setdefault("client_secret", secret)
        if form.get("grant_type") != "client_credentials":
            return Resp(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant type not supported",
                },
            )
        if form.get("client_id") != self.client_id:
            return Resp(
                400,
                {"error": "invalid_client_id", "error_description": "client identifier invalid"},
            )
        if form.get("client_secret") != self.client_secret:
            return Resp(
                400, {"error": "invalid_client", "error_description": "invalid client credentials"}
            )
        self.tokens_issued += 1
        token = f"{ORG_ID}!AQ0AQFakeAccessToken{self.tokens_issued:04d}"
        self.valid_tokens.add(token)
        return Resp(
            200,
            {
                "access_token": token,
                "signature": "c2lnbmF0dXJlLW9mLXRoZS1mYWtl",
                "scope": "api",
                "instance_url": self.instance_url,
                "id": f"https://login.salesforce.com/id/{ORG_ID}/{self.run_as}",
                "token_type": "Bearer",
                "issued_at": str(int(NOW.timestamp() * 1000)),
            },
        )

    def _userinfo(self, call: Call, _: re.Match[str]) -> Resp:
        user = self.records["User"][self.run_as]
        return Resp(
            200,
            {
                "sub": f"https://login.salesforce.com/id/{ORG_ID}/{self.run_as}",
                "user_id": self.run_as,
                "organization_id": ORG_ID,
                "preferred_username": user["Username"],
                "nickname": "integration",
                "name": user["Name"],
                "email": user["Email"],
                "email_verified": True,
                "given_name": user["FirstName"],
                "family_name": user["LastName"],
                "zoneinfo": "America/Los_Angeles",
                "active": True,
                "user_type": "STANDARD",
                "language": "en_US",
                "locale": "en_US",
                "urls": {"rest": f"{self.instance_url}/services/data/v{{version}}/"},
            },
        )

    def _versions(self, call: Call, _: re.Match[str]) -> Resp:
        labels = {"60.0": "Spring '24", "61.0": "Summer '24", "62.0": "Winter '25"}
        return Resp(
            200,
            [{"label": labels[v], "url": f"/services/data/v{v}", "version": v} for v in VERSIONS],
        )

    # --- reading -----------------------------------------------------------------------

    def _fields_of(self, sobject: str) -> set[str]:
        return {f for f in SCHEMA[sobject] if (sobject, f) not in self.hidden}

    def _check_type(self, sobject: str) -> None:
        if sobject not in SCHEMA or sobject in self.no_read:
            raise QueryError(
                "INVALID_TYPE",
                f"sObject type '{sobject}' is not supported. If you are attempting to use a "
                "custom object, be sure to append the '__c' after the entity name.",
            )

    def _check_field(self, sobject: str, name: str, *, filtering: bool = False) -> None:
        head, _, rest = name.partition(".")
        if rest:
            if head not in PARENTS or PARENTS[head] not in self._fields_of(sobject):
                raise QueryError("INVALID_FIELD", f"Didn't understand relationship '{head}'")
            target = PARENT_TYPES.get(head)
            allowed = self._fields_of(target) if target else {"Id", "Name", "Type"}
            if rest not in allowed:
                raise QueryError(
                    "INVALID_FIELD", f"No such column '{rest}' on entity '{target or 'Name'}'."
                )
            return
        if name not in self._fields_of(sobject):
            raise QueryError(
                "INVALID_FIELD",
                f"No such column '{name}' on entity '{sobject}'. If you are attempting to use a "
                "custom field, be sure to append the '__c' after the custom field name.",
            )
        if filtering and name in LONG_TEXT:
            raise QueryError("INVALID_FIELD", f"field '{name}' can not be filtered in a query call")

    def value(self, record: dict[str, Any], name: str) -> Any:
        head, _, rest = name.partition(".")
        if not rest:
            return record.get(name)
        parent = self.get(record.get(PARENTS[head]) or "")
        return None if parent is None else parent.get(rest)

    def shape(
        self, sobject: str, record: dict[str, Any], fields: list[str], version: str
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"attributes": self._attributes(sobject, record["Id"], version)}
        for name in fields:
            head, _, rest = name.partition(".")
            if not rest:
                out[name] = record.get(name)
                continue
            parent_id = record.get(PARENTS[head])
            parent = self.get(parent_id or "")
            if parent is None:
                out[head] = None
                continue
            ptype = self.sobject_of(parent_id) or "Name"
            nested = out.get(head) or {
                "attributes": self._attributes(ptype, parent_id or "", version)
            }
            nested[rest] = parent.get(rest)
            out[head] = nested
        return out

    def _attributes(self, sobject: str, record_id: str, version: str) -> dict[str, str]:
        return {"type": sobject, "url": f"/services/data/v{version}/sobjects/{sobject}/{record_id}"}

    def select(self, query: Select, version: str, *, all_rows: bool = False,
               parent: tuple[str, str] | None = None) -> list[dict[str, Any]]:  # fmt: skip
        self._check_type(query.sobject)
        for name in query.fields:
            self._check_field(query.sobject, name)
        for name in query.where.fields() if query.where else ():
            self._check_field(query.sobject, name, filtering=True)
        for name, _, _ in query.order:
            self._check_field(query.sobject, name, filtering=True)
        rows = [
            r for r in self.records[query.sobject].values()
            if (all_rows or not r.get("IsDeleted"))
            and (parent is None or r.get(parent[0]) == parent[1])
            and (query.where is None or query.where.test(r, self.value))
        ]  # fmt: skip
        for name, desc, nulls_last in reversed(query.order):
            present = sorted(
                (r for r in rows if self.value(r, name) is not None),
                key=lambda r, n=name: str(self.value(r, n)),
                reverse=desc,  # type: ignore[misc]
            )
            missing = [r for r in rows if self.value(r, name) is None]
            rows = present + missing if nulls_last else missing + present
        rows = rows[query.offset :]
        if query.limit is not None:
            rows = rows[: query.limit]
        out = []
        for row in rows:
            shaped = self.shape(query.sobject, row, query.fields, version)
            for sub in query.subqueries:
                key = (query.sobject, sub.sobject)
                if key not in CHILDREN:
                    raise QueryError(
                        "INVALID_TYPE",
                        f"Didn't understand relationship '{sub.sobject}' in FROM part of query "
                        "call.",
                    )
                child_type, fk = CHILDREN[key]
                inner = Select(sub.fields, [], child_type, sub.where, sub.order, sub.limit)
                children = self.select(inner, version, parent=(fk, row["Id"]))
                shaped[sub.sobject] = (
                    {"totalSize": len(children), "done": True, "records": children}
                    if children else None
                )  # fmt: skip
            out.append(shaped)
        return out

    def _page(self, rows: list[dict[str, Any]], version: str, total: int) -> dict[str, Any]:
        batch, rest = rows[: self.batch_size], rows[self.batch_size :]
        answer: dict[str, Any] = {"totalSize": total, "done": not rest, "records": batch}
        if rest:
            locator = f"01gD0000002HU6KIAW-{total - len(rest)}"
            self._locators[locator] = rest
            answer["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}"
        return answer

    def _query(self, call: Call, match: re.Match[str]) -> Resp:
        version, resource = match.group(1), match.group(2)
        soql = call.params.get("q")
        if not soql:
            return Resp(400, sf_error("MALFORMED_QUERY", "A query string has to be specified"))
        try:
            rows = self.select(parse_soql(soql), version, all_rows=resource == "queryAll")
        except QueryError as error:
            return Resp(400, sf_error(error.code, error.message))
        return Resp(200, self._page(rows, version, len(rows)))

    def _more(self, call: Call, match: re.Match[str]) -> Resp:
        version, locator = match.groups()
        rows = self._locators.pop(locator, None)
        if rows is None:
            return Resp(400, sf_error("INVALID_QUERY_LOCATOR", "invalid query locator"))
        done = int(locator.rsplit("-", 1)[1])
        return Resp(200, self._page(rows, version, done + len(rows)))

    def _search(self, call: Call, match: re.Match[str]) -> Resp:
        version = match.group(1)
        sosl = call.params.get("q")
        if not sosl:
            return Resp(400, sf_error("MALFORMED_SEARCH", "No search term found."))
        try:
            search = parse_sosl(sosl)
            specs = search.returning or [
                Returning(t, ["Id"]) for t in ("Contact", "Lead", "Account")
            ]
            found: list[dict[str, Any]] = []
            for spec in specs:
                self._check_type(spec.sobject)
                query = Select(spec.fields, [], spec.sobject, spec.where, spec.order, spec.limit)
                hits = {r["Id"] for r in self.records[spec.sobject].values()
                        if self._hit(spec.sobject, r, search.group, search.expr)}  # fmt: skip
                if len(search.raw) > 10_000:
                    hits = set()
                rows = [r for r in self.select(query, version) if r["Id"] in hits]
                found.extend(rows)
        except QueryError as error:
            return Resp(400, sf_error(error.code, error.message))
        limit = min(search.limit or 2000, 2000)
        return Resp(200, {"searchRecords": found[:limit]})

    def _hit(self, sobject: str, record: dict[str, Any], group: str, expr: Any) -> bool:
        visible = self._fields_of(sobject)
        if group == "PHONE":
            names = PHONE_FIELDS.get(sobject, ())
        elif group == "EMAIL":
            names = EMAIL_FIELDS.get(sobject, ())
        elif group == "NAME":
            names = NAME_FIELDS.get(sobject, ("Name",))
        else:
            names = tuple(f for f in visible if f not in ("Id", "OwnerId", "CreatedById"))
        lists: list[list[str]] = []
        for name in names:
            value = record.get(name) if name in visible else None
            if not isinstance(value, str) or not value:
                continue
            lists.append(search_tokens(value))
            if group == "PHONE":
                digits = re.sub(r"\D", "", value)
                if digits:
                    lists.append([digits])
        words = [w for lst in lists for w in lst]
        return bool(lists) and (search_matches(expr, lists) or search_matches(expr, [words]))

    def _retrieve(self, call: Call, match: re.Match[str]) -> Resp:
        version, sobject, record_id = match.groups()
        if sobject not in SCHEMA or sobject in self.no_read:
            return Resp(404, sf_error("NOT_FOUND", "The requested resource does not exist"))
        record = self.records[sobject].get(record_id)
        if record is None:
            return Resp(404, sf_error("NOT_FOUND", "The requested resource does not exist"))
        wanted = call.params.get("fields")
        names = wanted.split(",") if wanted else sorted(self._fields_of(sobject))
        return Resp(200, self.shape(sobject, record, names, version))

    def _describe(self, call: Call, match: re.Match[str]) -> Resp:
        version, sobject = match.groups()
        if sobject not in SCHEMA or sobject in self.no_read:
            return Resp(404, sf_error("NOT_FOUND", "The requested resource does not exist"))
        fields = [
            {
                "name": name,
                "type": "textarea" if name in LONG_TEXT else "string",
                "createable": name not in READ_ONLY,
                "filterable": name not in LONG_TEXT,
                "updateable": name not in READ_ONLY,
            }
            for name in sorted(self._fields_of(sobject))
        ]
        return Resp(
            200,
            {
                "name": sobject,
                "label": sobject,
                "queryable": True,
                "retrieveable": True,
                "searchable": sobject in PHONE_FIELDS,
                "createable": sobject not in self.no_create,
                "updateable": sobject not in self.no_create,
                "deletable": False,
                "fields": fields,
                "urls": {"sobject": f"/services/data/v{version}/sobjects/{sobject}"},
            },
        )

    def _limits(self, call: Call, _: re.Match[str]) -> Resp:
        return Resp(
            200,
            {"DailyApiRequests": {"Max": self.api_max, "Remaining": self.api_max - self.api_used}},
        )

    # --- writing -----------------------------------------------------------------------

    def _create(self, call: Call, match: re.Match[str]) -> Resp:
        _, sobject = match.groups()
        if sobject not in SCHEMA or sobject == "User":
            return Resp(404, sf_error("NOT_FOUND", "The requested resource does not exist"))
        if sobject in self.no_create or sobject in self.no_read:
            return Resp(
                400,
                sf_error(
                    "INSUFFICIENT_ACCESS_OR_READONLY",
                    f"insufficient access rights on object id; cannot create {sobject}",
                ),
            )
        try:
            body = json.loads(call.body or b"{}")
        except ValueError:
            return Resp(400, sf_error("JSON_PARSER_ERROR", "Unexpected character"))
        if not isinstance(body, Mapping):
            return Resp(400, sf_error("JSON_PARSER_ERROR", "Expected a JSON object"))
        for name in body:
            if name not in self._fields_of(sobject) or name in READ_ONLY:
                return Resp(
                    400,
                    sf_error(
                        "INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}"
                    ),
                )
        missing = [f for f in REQUIRED.get(sobject, ()) if not body.get(f)]
        if missing:
            return Resp(
                400,
                sf_error(
                    "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{', '.join(missing)}]",
                    missing,
                ),
            )
        for ref in ("WhoId", "WhatId", "ParentId", "ContactId", "AccountId"):
            if body.get(ref) and self.get(str(body[ref])) is None:
                return Resp(
                    400,
                    sf_error(
                        "FIELD_INTEGRITY_EXCEPTION",
                        f"{ref}: id value of incorrect type: {body[ref]}",
                        [ref],
                    ),
                )
        record_id = self.add(sobject, CreatedDate=sf_time(NOW), **body)
        return Resp(201, {"id": record_id, "success": True, "errors": []})

    # --- composite ---------------------------------------------------------------------

    def _composite(self, call: Call, match: re.Match[str]) -> Resp:
        try:
            body = json.loads(call.body or b"{}")
            requests = body["compositeRequest"]
        except (ValueError, KeyError, TypeError):
            return Resp(400, sf_error("JSON_PARSER_ERROR", "compositeRequest is required"))
        if len(requests) > 25:
            return Resp(
                400,
                sf_error("INVALID_INPUT", "Composite request can contain at most 25 subrequests"),
            )
        queries = sum(1 for r in requests if re.search(r"/(query|queryAll)\b", r.get("url", "")))
        if queries > 5:
            return Resp(
                400,
                sf_error(
                    "INVALID_INPUT", "Composite request can contain at most 5 query operations"
                ),
            )
        results: dict[str, Any] = {}
        out = []
        for sub in requests:
            ref = sub.get("referenceId", "")
            try:
                url = _resolve(sub["url"], results)
                sub_body = json.loads(_resolve(json.dumps(sub.get("body")), results))
            except LookupError:
                out.append(
                    {
                        "body": sf_error(
                            "PROCESSING_HALTED",
                            f"Invalid reference specified. No value for {ref} found",
                        ),
                        "httpHeaders": {},
                        "httpStatusCode": 400,
                        "referenceId": ref,
                    }
                )
                continue
            resp = self._dispatch(sub["method"].upper(), url, sub_body)
            if resp.status < 300:
                results[ref] = resp.body
            out.append(
                {
                    "body": resp.body,
                    "httpHeaders": {},
                    "httpStatusCode": resp.status,
                    "referenceId": ref,
                }
            )
        return Resp(200, {"compositeResponse": out})


def _resolve(text: str, results: Mapping[str, Any]) -> str:
    """Replace `@{ref.path[0].Field}` with values of earlier subrequests."""

    def one(m: re.Match[str]) -> str:
        path = re.findall(r"[^.\[\]]+", m.group(1))
        value: Any = results[path[0]]
        for step in path[1:]:
            value = value[int(step)] if step.isdigit() else value[step]
        return str(value)

    return re.sub(r"@\{([^}]+)\}", one, text)


def acme_org() -> SalesforceFake:
    """Maria Gonzalez of Acme Corp: an open case with an internal comment, a closed case, a
    call; Acme's main line is (415) 555-0100."""
    api = SalesforceFake()
    agent = api.add("User", FirstName="Ana", LastName="Agent", Email="ana@acme.example")
    acc = api.add(
        "Account",
        Name="Acme Corp",
        Phone="(415) 555-0100",
        Type="Customer",
        Website="https://www.acme.example",
        Tier__c="Enterprise",
        OwnerId=agent,
    )
    maria = api.add(
        "Contact",
        Id="003000000000101AAA",
        FirstName="Maria",
        LastName="Gonzalez",
        Phone="(415) 555-0132",
        Email="maria@acme.example",
        Secondary_Email__c="maria.g@gmail.example",
        AccountId=acc,
        OwnerId=agent,
    )
    case = api.add(
        "Case",
        Subject="Invoice shows the wrong plan",
        Status="Working",
        Priority="High",
        ContactId=maria,
        AccountId=acc,
        OwnerId=agent,
        LastModifiedDate=sf_ago(hours=1),
    )
    api.add(
        "Case",
        Subject="Password reset",
        Status="Closed",
        ContactId=maria,
        AccountId=acc,
        LastModifiedDate=sf_ago(days=20),
    )
    api.add(
        "CaseComment",
        ParentId=case,
        CommentBody="Tried: resent the invoice",
        IsPublished=False,
        CreatedDate=sf_ago(days=1),
        CreatedById=agent,
    )
    api.add(
        "CaseComment",
        ParentId=case,
        CommentBody="We are on it",
        IsPublished=True,
        CreatedDate=sf_ago(hours=20),
    )
    api.add(
        "Task",
        Subject="Call",
        TaskSubtype="Call",
        Type="Call",
        CallType="Inbound",
        CallDurationInSeconds=245,
        CallDisposition="Resolved",
        Status="Completed",
        WhoId=maria,
        CreatedDate=sf_ago(days=2),
        OwnerId=agent,
    )
    return api
