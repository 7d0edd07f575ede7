"""Fake vendor servers on 127.0.0.1 for the benchmarks, in their own process.

    python -m bench.fakeserver SPEC_JSON [--lifetime SECONDS]

SPEC_JSON is a list of accounts (see `AccountSpec`). Each account gets its own port, so each is
a separate account to cx-tui (its rate limiters are keyed by host and port). The first line on
stdout is JSON: `{"control": PORT, "accounts": {NAME: {"vendor", "port", "base_url"}}}`.

Answers are the vendors' own shapes: HubSpot and Zendesk requests are answered by the test
doubles the connector tests use (`tests/connectors/vendor_fakes.py`: HubSpot CRM v3/v4 search,
associations and batch reads; Zendesk users/search, identities, ticket search and comments),
so a connector that builds the wrong request finds nobody here either. A `generic` account
answers a minimal JSON API, for when the vendor connectors are not installed.

What this adds to those doubles:

- latency: every answer waits `latency_ms` +/- `jitter_ms` (uniform, seeded) before it is sent;
- rate limits: `search_rate` / `other_rate` = [limit, window seconds]; a request over the limit
  in a rolling window gets 429 with `Retry-After` and the vendor's error body (only requests
  that were answered normally count against the window);
- a request log per account (arrival and send times on CLOCK_MONOTONIC, which every process on
  the machine shares), read and cleared through the control port: `GET /stats`, `POST /reset`.

The process stops by itself: when its standard input closes (the parent went away) or after
`--lifetime` seconds, whichever comes first. It listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import random
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

HOST = "127.0.0.1"
MAX_BODY = 1024 * 1024
MAX_LIFETIME = 900.0

PHONE_BASE = 100
"""Person i has the number +1 415 555 0(100 + i): the 555-01XX block is reserved for fiction."""
MAX_PEOPLE = 100


def person_phone(index: int) -> str:
    return f"+1415555{PHONE_BASE + index:04d}"


def person_email(index: int) -> str:
    return f"caller{index:02d}@example.com"


def person_name(index: int) -> tuple[str, str]:
    return "Caller", f"{index:02d}"


# --- Specs -------------------------------------------------------------------------------------


@dataclass
class AccountSpec:
    """One fake account.

    Attributes:
        name: How the benchmark refers to it.
        vendor: "hubspot", "zendesk" or "generic".
        latency_ms, jitter_ms: Each answer waits uniform(latency - jitter, latency + jitter).
        people: People seeded (index 0..people-1; see `person_phone`).
        tickets: Tickets per person (the first half open).
        notes: Notes on each person (HubSpot notes; Zendesk: comments spread over tickets).
        ticket_notes: Internal notes on each open ticket (HubSpot) / comments per ticket (Zendesk).
        search_rate: [limit, window s] on the identity search endpoint, or None.
        other_rate: [limit, window s] on every other endpoint, or None.
        seed: For the latency draws.
    """

    name: str
    vendor: str
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    people: int = 20
    tickets: int = 1
    notes: int = 2
    ticket_notes: int = 1
    search_rate: tuple[int, float] | None = None
    other_rate: tuple[int, float] | None = None
    seed: int = 1

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AccountSpec:
        spec = cls(**data)
        if spec.search_rate is not None:
            spec.search_rate = (int(spec.search_rate[0]), float(spec.search_rate[1]))
        if spec.other_rate is not None:
            spec.other_rate = (int(spec.other_rate[0]), float(spec.other_rate[1]))
        if not 0 < spec.people <= MAX_PEOPLE:
            raise ValueError(f"people must be 1..{MAX_PEOPLE}")
        return spec


# --- The vendors' doubles ----------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]


class GenericFake:
    """A minimal people-and-tickets JSON API (no vendor shape), for `bench.generic`."""

    def __init__(self) -> None:
        self.people: dict[str, dict[str, Any]] = {}
        self.details: dict[str, dict[str, Any]] = {}

    def handle(self, method: str, path: str, params: dict[str, str]) -> tuple[int, Any]:
        if method == "GET" and path == "/generic/search":
            phone, email = params.get("phone"), params.get("email")
            found = [
                p
                for p in self.people.values()
                if (phone and p["phone"] == phone) or (email and p["email"] == email)
            ]
            return 200, {"results": found}
        if method == "GET" and path.startswith("/generic/people/"):
            person_id = path.rsplit("/", 1)[-1]
            if person_id not in self.details:
                return 404, {"error": "not found"}
            return 200, self.details[person_id]
        return 404, {"error": "not found"}


def _iso_ago(hours: float) -> str:
    from datetime import UTC, datetime, timedelta

    moment = datetime(2026, 11, 22, 15, 0, tzinfo=UTC) - timedelta(hours=hours)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_api(spec: AccountSpec) -> Any:
    """The seeded double for one account."""
    if spec.vendor == "hubspot":
        return _seed_hubspot(spec)
    if spec.vendor == "zendesk":
        return _seed_zendesk(spec)
    if spec.vendor == "generic":
        return _seed_generic(spec)
    raise ValueError(f"unknown vendor {spec.vendor!r}")


def _seed_hubspot(spec: AccountSpec) -> Any:
    from tests.connectors.vendor_fakes import HubSpotFake

    api = HubSpotFake()
    for i in range(spec.people):
        first, last = person_name(i)
        contact = str(1000 + i)
        api.add(
            "contacts",
            contact,
            firstname=first,
            lastname=last,
            email=person_email(i),
            phone=person_phone(i),
            company=f"Company {i:02d}",
            lifecyclestage="customer",
        )
        company = str(5000 + i)
        api.add("companies", company, name=f"Company {i:02d}", domain=f"company{i:02d}.example")
        api.associate("contacts", contact, "companies", company)
        open_count = math.ceil(spec.tickets / 2)
        for k in range(spec.tickets):
            ticket = str(100_000 + i * 1000 + k)
            is_open = k < open_count
            api.add(
                "tickets",
                ticket,
                subject=f"Problem {k} of caller {i:02d}",
                hs_pipeline="0",
                hs_pipeline_stage="3" if is_open else "4",
                hs_ticket_priority=("HIGH", "MEDIUM", "LOW")[k % 3],
                createdate=_iso_ago(24 * (k + 2)),
                hs_lastmodifieddate=_iso_ago(k + 1),
            )
            api.associate("contacts", contact, "tickets", ticket)
            if is_open:
                for n in range(spec.ticket_notes):
                    note = str(300_000 + i * 1000 + k * 10 + n)
                    api.add(
                        "notes",
                        note,
                        hs_timestamp=_iso_ago(n + 1),
                        hs_note_body=f"<p>Tried: step {n} on ticket {k}</p>",
                    )
                    api.associate("tickets", ticket, "notes", note)
                    api.associate("contacts", contact, "notes", note)
        for n in range(spec.notes):
            note = str(200_000 + i * 1000 + n)
            api.add(
                "notes",
                note,
                hs_timestamp=_iso_ago(3 * n + 2),
                hs_note_body=f"<p>Call summary {n}</p>",
            )
            api.associate("contacts", contact, "notes", note)
    return api


def _seed_zendesk(spec: AccountSpec) -> Any:
    from tests.connectors.vendor_fakes import ZendeskFake

    api = ZendeskFake()
    open_count = math.ceil(spec.tickets / 2)
    for i in range(spec.people):
        user = 5000 + i
        org = 600 + i
        api.add_organization(org, f"Company {i:02d}", plan="Pro")
        api.add_user(user, " ".join(person_name(i)), person_email(i), person_phone(i))
        api.users[user]["organization_id"] = org
        for k in range(spec.tickets):
            ticket = 10_000 + i * 100 + k
            api.add_ticket(
                ticket,
                user,
                f"Problem {k} of caller {i:02d}",
                "open" if k < open_count else "solved",
                priority=("high", "normal", "low")[k % 3],
                channel=("voice", "email", "web")[k % 3],
                created=_iso_ago(24 * (k + 2)),
                updated=_iso_ago(k + 1),
            )
            for n in range(spec.ticket_notes):
                api.add_comment(
                    ticket,
                    user if n % 2 == 0 else 9001,
                    f"Comment {n} on ticket {k}",
                    public=n % 2 == 0,
                    created=_iso_ago(24 * (k + 1) - n),
                )
    return api


def _seed_generic(spec: AccountSpec) -> GenericFake:
    api = GenericFake()
    for i in range(spec.people):
        person_id = str(1000 + i)
        api.people[person_id] = {
            "id": person_id,
            "name": " ".join(person_name(i)),
            "email": person_email(i),
            "phone": person_phone(i),
        }
        api.details[person_id] = {
            "tickets": [
                {
                    "id": str(100_000 + i * 1000 + k),
                    "subject": f"Problem {k} of caller {i:02d}",
                    "open": k < math.ceil(spec.tickets / 2),
                    "created": _iso_ago(24 * (k + 2)),
                    "updated": _iso_ago(k + 1),
                }
                for k in range(spec.tickets)
            ],
            "activities": [
                {"id": str(200_000 + i * 1000 + n), "at": _iso_ago(3 * n + 2), "summary": f"n{n}"}
                for n in range(spec.notes)
            ],
        }
    return api


# --- One account: routing, latency, rate limits, log -------------------------------------------


@dataclass
class Account:
    spec: AccountSpec
    api: Any
    rng: random.Random
    log: list[dict[str, Any]] = field(default_factory=list)
    windows: dict[str, deque[float]] = field(default_factory=dict)
    port: int = 0

    def stage(self, path: str, params: dict[str, str]) -> str:
        """`identity` for the requests that find people, `details` for the rest."""
        vendor = self.spec.vendor
        if vendor == "hubspot" and path.endswith("/crm/v3/objects/contacts/search"):
            return "identity"
        if vendor == "zendesk" and (
            (path.startswith("/api/v2/search") and params.get("query", "").startswith("type:user"))
            or path.startswith("/api/v2/users/search")
            or path.endswith("/identities")
            or path.endswith("/identities.json")
        ):
            return "identity"
        if vendor == "generic" and path == "/generic/search":
            return "identity"
        return "details"

    def is_search(self, path: str) -> bool:
        """The endpoint the vendor rate-limits separately (HubSpot: 5 searches per second)."""
        vendor = self.spec.vendor
        return (
            (vendor == "hubspot" and path.endswith("/crm/v3/objects/contacts/search"))
            or (vendor == "zendesk" and path.startswith("/api/v2/search"))
            or (vendor == "generic" and path == "/generic/search")
        )

    def delay(self) -> float:
        low = max(0.0, self.spec.latency_ms - self.spec.jitter_ms)
        high = max(low, self.spec.latency_ms + self.spec.jitter_ms)
        return self.rng.uniform(low, high) / 1000

    def _over_limit(self, bucket: str, rate: tuple[int, float] | None, now: float) -> float | None:
        """Seconds until a slot frees when this request is over the limit, else None (counted)."""
        if rate is None:
            return None
        limit, window = rate
        starts = self.windows.setdefault(bucket, deque())
        while starts and starts[0] <= now - window:
            starts.popleft()
        if len(starts) >= limit:
            return starts[0] + window - now
        starts.append(now)
        return None

    def _remaining(self, bucket: str, rate: tuple[int, float]) -> int:
        return max(0, rate[0] - len(self.windows.get(bucket, ())))

    def answer(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        now: float,
    ) -> tuple[Answer, str]:
        stage = self.stage(path, params)
        search = self.is_search(path)
        bucket, rate = (
            ("search", self.spec.search_rate) if search else ("other", self.spec.other_rate)
        )
        wait = self._over_limit(bucket, rate, now)
        if wait is not None:
            return self._too_many(wait), stage
        answer = self._route(method, path, params, headers, body)
        if rate is not None and not search:
            self._rate_headers(answer, bucket, rate)
        return answer, stage

    def _too_many(self, wait: float) -> Answer:
        retry_after = str(max(1, math.ceil(wait)))
        if self.spec.vendor == "hubspot":
            data: dict[str, Any] = {
                "status": "error",
                "message": "You have reached your secondly limit.",
                "errorType": "RATE_LIMIT",
                "correlationId": "3f0b5d0e-7c55-4a4f-9a57-8d5d1f1f0c01",
                "policyName": "SECONDLY",
            }
        else:
            data = {"error": "TooManyRequests", "description": "Rate limit exceeded"}
        return Answer(
            429,
            json.dumps(data).encode(),
            {"Content-Type": "application/json; charset=utf-8", "Retry-After": retry_after},
        )

    def _rate_headers(self, answer: Answer, bucket: str, rate: tuple[int, float]) -> None:
        remaining = str(self._remaining(bucket, rate))
        if self.spec.vendor == "hubspot":
            answer.headers["X-HubSpot-RateLimit-Max"] = str(rate[0])
            answer.headers["X-HubSpot-RateLimit-Remaining"] = remaining
            answer.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = str(int(rate[1] * 1000))
        elif self.spec.vendor == "zendesk":
            answer.headers["X-Rate-Limit"] = str(rate[0])
            answer.headers["X-Rate-Limit-Remaining"] = remaining

    def _route(
        self, method: str, path: str, params: dict[str, str], headers: dict[str, str], body: bytes
    ) -> Answer:
        if self.spec.vendor == "generic":
            status, data = self.api.handle(method, path, params)
            return Answer(status, json.dumps(data).encode(), {"Content-Type": "application/json"})
        from tests.connectors.vendor_fakes import Call

        resp = self.api.handle(Call(method, path, params, headers, body))
        data, out = resp.encoded()
        return Answer(resp.status, data, out)


# --- HTTP/1.1, just enough ---------------------------------------------------------------------


_REASONS = {
    200: "OK",
    201: "Created",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


async def _read_request(
    reader: asyncio.StreamReader,
) -> tuple[str, str, dict[str, str], bytes] | None:
    line = await reader.readline()
    if not line:
        return None
    try:
        method, target, _version = line.decode("latin-1").split()
    except ValueError:
        return None
    headers: dict[str, str] = {}
    for _ in range(100):
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        key, _, value = raw.decode("latin-1").partition(":")
        headers[key.strip().lower()] = value.strip()
    length = int(headers.get("content-length") or 0)
    if length > MAX_BODY:
        return None
    body = await reader.readexactly(length) if length else b""
    return method, target, headers, body


def _write(writer: asyncio.StreamWriter, answer: Answer) -> None:
    head = [f"HTTP/1.1 {answer.status} {_REASONS.get(answer.status, 'Status')}"]
    for key, value in answer.headers.items():
        head.append(f"{key}: {value}")
    head.append(f"Content-Length: {len(answer.body)}")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + answer.body)


def account_handler(account: Account) -> Any:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                arrived = time.monotonic()
                method, target, headers, body = request
                parts = urlsplit(target)
                params = dict(parse_qsl(parts.query))
                try:
                    answer, stage = account.answer(
                        method, parts.path, params, headers, body, arrived
                    )
                except Exception as error:  # a bug in a double must show, not hang the client
                    data = json.dumps({"error": f"fake failed: {type(error).__name__}: {error}"})
                    answer, stage = Answer(500, data.encode(), {}), "details"
                await asyncio.sleep(max(0.0, arrived + account.delay() - time.monotonic()))
                _write(writer, answer)
                await writer.drain()
                account.log.append(
                    {
                        "t0": arrived,
                        "t1": time.monotonic(),
                        "method": method,
                        "path": parts.path,
                        "query": params.get("query", ""),
                        "status": answer.status,
                        "stage": stage,
                        "bytes": len(answer.body),
                    }
                )
                if headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    return handle


def control_handler(accounts: dict[str, Account]) -> Any:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                method, target, _headers, _body = request
                path = urlsplit(target).path
                if method == "GET" and path == "/stats":
                    data: Any = {name: a.log for name, a in accounts.items()}
                elif method == "POST" and path == "/reset":
                    for account in accounts.values():
                        account.log = []
                    data = {"ok": True}
                else:
                    data = {"error": "not found"}
                _write(writer, Answer(200, json.dumps(data).encode(), {}))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    return handle


async def serve(specs: list[AccountSpec], lifetime: float) -> None:
    accounts = {s.name: Account(s, build_api(s), random.Random(s.seed)) for s in specs}
    servers = []
    for account in accounts.values():
        server = await asyncio.start_server(account_handler(account), HOST, 0)
        account.port = server.sockets[0].getsockname()[1]
        servers.append(server)
    control = await asyncio.start_server(control_handler(accounts), HOST, 0)
    servers.append(control)
    ready = {
        "control": control.sockets[0].getsockname()[1],
        "accounts": {
            name: {
                "vendor": a.spec.vendor,
                "port": a.port,
                "base_url": f"http://{HOST}:{a.port}",
            }
            for name, a in accounts.items()
        },
    }
    sys.stdout.write(json.dumps(ready) + "\n")
    sys.stdout.flush()

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def watch_stdin() -> None:
        with contextlib.suppress(Exception):
            sys.stdin.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=watch_stdin, daemon=True).start()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), min(lifetime, MAX_LIFETIME))
    for server in servers:
        server.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("spec", help="JSON list of accounts")
    parser.add_argument("--lifetime", type=float, default=600.0)
    args = parser.parse_args(argv)
    specs = [AccountSpec.from_json(item) for item in json.loads(args.spec)]
    asyncio.run(serve(specs, args.lifetime))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
