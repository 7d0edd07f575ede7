"""Issue 17, per-part degradation for Salesforce, Freshdesk and Intercom: one part of a source's
details fails alone (500, 400, timeout, junk) and the other parts render; 401, an account-wide
rate limit and an unreachable host still fail the whole source. Each against its vendor's double.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from cx_tui.connectors.base import AuthError, Connector, RateLimited, Unavailable
from cx_tui.connectors.freshdesk import CONNECTOR as FRESHDESK
from cx_tui.connectors.intercom import IntercomConnector
from cx_tui.connectors.kit import limiter
from cx_tui.connectors.salesforce import SalesforceConnector
from cx_tui.identity import parse_query
from cx_tui.models import Details
from tests.connectors.freshdesk_fake import FRESHDESK_KEY, seeded
from tests.connectors.intercom_fake import INTERCOM_TOKEN, T0, IntercomFake
from tests.connectors.salesforce_fake import CLIENT_ID, CLIENT_SECRET, acme_org, sf_ago, sf_error
from tests.connectors.test_detail_parts import MODES, Faulty

VENDOR = {"salesforce": "Salesforce", "freshdesk": "Freshdesk", "intercom": "Intercom"}


@pytest.fixture(autouse=True)
def fresh_kit_limiters() -> None:
    """Account limiters are shared per process; a test's pause must not leak into the next."""
    limiter._LIMITERS.clear()


async def first_details(connector: Connector, text: str) -> Details:
    """The details of the first person `text` finds; the connector closed after."""
    try:
        [match, *_] = await connector.find_people(parse_query(text, "US"))
        return await connector.get_details(match)
    finally:
        await connector.aclose()


def failed_alone(details: Details, part: str, vendor: str, mode: str) -> Details:
    """`details`, once checked that `part` alone failed, with the reason `mode` gives."""
    [failure] = details.failed_parts
    reason = {
        "500": f"{vendor} answered 500",
        "400": f"{vendor} answered 400",
        "timeout": f"{vendor} did not answer in time",
        "junk": f"{vendor} sent an answer cx-tui cannot read",
    }[mode]
    assert (failure.part, failure.reason) == (part, reason)
    return details


# --- Salesforce: one composite, one subresponse per part ---------------------------------------


class SubFault(httpx.AsyncBaseTransport):
    """The Salesforce double, except the composite subresponse `ref` fails in `mode`; a
    "timeout" (no subresponse can time out alone) is the follow-on page of that query."""

    def __init__(self, inner: httpx.AsyncBaseTransport, ref: str, mode: str) -> None:
        self.inner, self.ref, self.mode = inner, ref, mode

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.mode in ("timeout", "connect") and re.search(
            r"/query/01g" if self.mode == "timeout" else r"/composite", request.url.path
        ):
            if self.mode == "timeout":
                raise httpx.ReadTimeout("no answer", request=request)
            raise httpx.ConnectError("refused", request=request)
        response = await self.inner.handle_async_request(request)
        if not request.url.path.endswith("/composite") or self.mode in ("timeout", "connect"):
            return response
        await response.aread()
        answer = json.loads(response.content)
        for sub in answer["compositeResponse"]:
            if sub["referenceId"] == self.ref:
                sub.update(self._fault())
        return httpx.Response(200, json=answer)

    def _fault(self) -> dict[str, Any]:
        if self.mode == "junk":
            return {"httpStatusCode": 200, "body": "<html>oops</html>"}
        code, message = {
            "500": ("UNKNOWN_EXCEPTION", "An unexpected error occurred"),
            "400": ("MALFORMED_QUERY", "unexpected token"),
            "401": ("INVALID_SESSION_ID", "Session expired or invalid"),
            "403": ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
        }[self.mode]
        return {"httpStatusCode": int(self.mode), "body": sf_error(code, message)}


async def _salesforce(ref: str, mode: str) -> Details:
    api = acme_org()
    for n in range(5):  # the tasks take two pages: the second is what a "timeout" loses
        api.add("Task", Subject=f"Follow-up {n}", Status="Completed", TaskSubtype="Task",
                WhoId="003000000000101AAA", CreatedDate=sf_ago(days=3 + n))  # fmt: skip
    api.batch_size = 4
    settings = {
        "base_url": "https://acme.my.salesforce.com",
        "client_id": CLIENT_ID,
        "default_region": "US",
    }
    transport = SubFault(api.transport(), ref, mode)
    sf = SalesforceConnector("Acme SF", settings, CLIENT_SECRET, transport=transport)
    return await first_details(sf, "maria@acme.example")


@pytest.mark.parametrize("mode", MODES)
async def test_salesforce_one_part_failing_leaves_the_others(mode: str) -> None:
    ref, part = ("tasks", "tasks") if mode == "timeout" else ("cases", "cases")
    details = failed_alone(await _salesforce(ref, mode), part, "Salesforce", mode)
    assert [c.name for c in details.companies] == ["Acme Corp"]
    if part == "cases":
        assert details.tickets == () and len(details.interactions) == 6
    else:
        assert len(details.tickets) == 2 and details.interactions == ()


async def test_salesforce_a_field_the_run_as_user_may_not_read_is_named() -> None:
    api = acme_org()
    api.hidden.add(("Task", "CallDisposition"))
    settings = {"base_url": "https://acme.my.salesforce.com", "client_id": CLIENT_ID}
    sf = SalesforceConnector("Acme SF", settings, CLIENT_SECRET, transport=api.transport())
    [match, *_] = await sf.find_people(parse_query("maria@acme.example", "US"))
    details = await sf.get_details(match)
    await sf.aclose()
    [failure] = details.failed_parts
    assert failure.part == "tasks" and "INVALID_FIELD" in failure.reason
    assert details.tickets and details.companies


@pytest.mark.parametrize(
    ("mode", "error"), [("401", AuthError), ("403", RateLimited), ("connect", Unavailable)]
)
async def test_salesforce_a_rejected_session_the_spent_allocation_or_no_host_fail_it_all(
    mode: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await _salesforce("cases", mode)


# --- Freshdesk ---------------------------------------------------------------------------------

FRESHDESK_PARTS = {
    "conversations": r"/api/v2/tickets/\d+/conversations$",
    "companies": r"/api/v2/companies/\d+$",
}


async def _freshdesk(pattern: str, mode: str) -> Details:
    fake = seeded()
    fake.add_ticket(10, 1, "Router drops", 2)
    fake.add_conversation(10, "Tried: power cycle", private=True)
    settings = {"domain": "acme", "default_region": "US"}
    fd = FRESHDESK(
        "Support desk", settings, FRESHDESK_KEY, transport=Faulty(fake.transport(), pattern, mode)
    )
    return await first_details(fd, "maria@example.com")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("part", sorted(FRESHDESK_PARTS))
async def test_freshdesk_one_part_failing_leaves_the_others(part: str, mode: str) -> None:
    details = failed_alone(await _freshdesk(FRESHDESK_PARTS[part], mode), part, "Freshdesk", mode)
    [ticket] = details.tickets
    if part == "conversations":
        assert ticket.comments == () and [c.name for c in details.companies] == ["Acme Corp"]
    else:
        assert details.companies == () and [c.body for c in ticket.comments] == [
            "Tried: power cycle"
        ]


# --- Intercom ----------------------------------------------------------------------------------

INTERCOM_PARTS = {
    "companies": r"/contacts/\w+/companies$",
    "conversation parts": r"/conversations/\d+$",
    "tickets": r"/tickets/search$",
}


def _intercom_fake() -> IntercomFake:
    api = IntercomFake()
    api.add_contact("c1", "Maria Gonzalez", "maria@example.com", "+1 (415) 555-0132")
    api.add_company("co1", "Acme Corp", plan="Enterprise", contacts=["c1"])
    api.add_conversation("101", "c1", "Router drops hourly", "open", updated_at=T0 - 600)
    api.add_part("101", "note", "Tried: power cycle", created_at=T0 - 3600)
    api.add_ticket("201", "c1", "Refund request", "waiting_on_customer")
    return api


async def _intercom(pattern: str, mode: str) -> Details:
    settings = {"region": "us", "default_region": "US"}
    transport = Faulty(_intercom_fake().transport(), pattern, mode)
    ic = IntercomConnector("Acme Intercom", settings, INTERCOM_TOKEN, transport=transport)
    return await first_details(ic, "maria@example.com")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("part", sorted(INTERCOM_PARTS))
async def test_intercom_one_part_failing_leaves_the_others(part: str, mode: str) -> None:
    details = failed_alone(await _intercom(INTERCOM_PARTS[part], mode), part, "Intercom", mode)
    subjects = {t.subject for t in details.tickets}
    expected = {"Router drops hourly", "Refund request"} - (
        {"Refund request"} if part == "tickets" else set()
    )
    assert subjects == expected
    assert (details.companies == ()) is (part == "companies")
    [conversation] = [t for t in details.tickets if t.subject == "Router drops hourly"]
    notes = [c.body for c in conversation.comments if not c.public]
    assert notes == ([] if part == "conversation parts" else ["Tried: power cycle"])


# --- Whole source, for both -------------------------------------------------------------------

WHOLE: dict[str, tuple[Callable[[str, str], Any], str]] = {
    "freshdesk": (_freshdesk, FRESHDESK_PARTS["conversations"]),
    "intercom": (_intercom, INTERCOM_PARTS["conversation parts"]),
}


@pytest.mark.parametrize(
    ("mode", "error"), [("401", AuthError), ("429", RateLimited), ("connect", Unavailable)]
)
@pytest.mark.parametrize("kind", sorted(WHOLE))
async def test_a_rejected_token_a_rate_limit_or_no_host_fail_the_whole_source(
    kind: str, mode: str, error: type[Exception]
) -> None:
    details, pattern = WHOLE[kind]
    with pytest.raises(error):
        await details(pattern, mode)
