"""Issue 17: one part of a source's details fails alone (500, 400, timeout, junk), for each
connector; 401, a rate limit and an unreachable host still fail the whole source. The failed part
is named with its reason in the source's status, `lookup --json` (`sources[].parts`) and the
source bar."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from cx_tui.connectors.base import AuthError, RateLimited, Unavailable
from cx_tui.export import _status
from cx_tui.identity import parse_query
from cx_tui.lookup import DetailsLoaded, SourceAnswered, apply_update
from cx_tui.models import Details, PartFailure, SourceState, SourceStatus
from cx_tui.profile import ProfileBuilder
from cx_tui.widgets.source_bar import SourceBar
from tests import vendor_doubles
from tests.connectors.vendor_fakes import HubSpotFake, ZendeskFake

MODES = ("500", "400", "timeout", "junk")
PARTS = {
    # connector: (the part's request path, its name, what else must still be there)
    # (the e-mail records' batch read: an email lookup reads the associations ahead)
    "hubspot": (r"/objects/emails/batch/read$", "e-mails"),
    "zendesk": (r"/tickets/\d+/comments", "comments"),
}


class Faulty(httpx.AsyncBaseTransport):
    """The double, except requests whose path matches `pattern` fail in `mode`."""

    def __init__(self, inner: httpx.AsyncBaseTransport, pattern: str, mode: str) -> None:
        self.inner, self.pattern, self.mode = inner, re.compile(pattern), mode

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.pattern.search(request.url.path):
            return await self.inner.handle_async_request(request)
        if self.mode == "timeout":
            raise httpx.ReadTimeout("no answer", request=request)
        if self.mode == "connect":
            raise httpx.ConnectError("refused", request=request)
        if self.mode == "junk":
            return httpx.Response(
                200, content=b"\x00{not json", headers={"content-type": "text/html"}
            )
        status = int(self.mode)
        headers = {"Retry-After": "30"} if status == 429 else {}
        return httpx.Response(
            status, json={"message": "failed", "error": "Failed"}, headers=headers
        )


def detailed_fake(kind: str) -> Any:
    """The double with one person whose details have every part (the bench of issue 17's
    interactive-first test reads them too)."""
    fake = vendor_doubles.vendor_fake(kind)
    if isinstance(fake, HubSpotFake):
        contact = vendor_doubles.CONTACT
        fake.add("companies", "301", name="Acme Corp", domain="acme.example")
        fake.associate("contacts", contact, "companies", "301")
        fake.add("tickets", "801", subject="Router down", hs_pipeline="0", hs_pipeline_stage="1")
        fake.associate("contacts", contact, "tickets", "801")
        for kind_, rid, props in (
            ("notes", "91", {"hs_note_body": "<p>Called</p>"}),
            ("calls", "81", {"hs_call_body": "Rang", "hs_call_direction": "INBOUND"}),
            ("emails", "71", {"hs_email_subject": "Hi", "hs_email_text": "Hello"}),
        ):
            fake.add(kind_, rid, **props)
            fake.associate(kind_, rid, "contacts", contact)
    else:
        assert isinstance(fake, ZendeskFake)
        fake.add_comment(vendor_doubles.TICKET, 201, "The router blinks red")
    return fake


def _connector(kind: str, fake: Any, pattern: str, mode: str) -> Any:
    cls = type(vendor_doubles.connector(kind, "http://127.0.0.1:9", 0))
    settings: dict[str, Any] = {"default_region": "US"}
    if kind == "zendesk":
        settings.update(subdomain="acme", email="ana.agent@acme.example")
    from tests.connectors.vendor_fakes import HUBSPOT_TOKEN, ZENDESK_TOKEN

    token = HUBSPOT_TOKEN if kind == "hubspot" else ZENDESK_TOKEN
    return cls(
        vendor_doubles.NAMES[kind],
        settings,
        token,
        transport=Faulty(fake.transport(), pattern, mode),
    )


async def _details(kind: str, mode: str, pattern: str | None = None) -> Details:
    fake = detailed_fake(kind)
    path, _ = PARTS[kind]
    connector = _connector(kind, fake, pattern or path, mode)
    try:
        [match] = await connector.find_people(parse_query("d@x.example", "US"))
        return await connector.get_details(match)
    finally:
        await connector.aclose()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["hubspot", "zendesk"])
async def test_one_part_failing_leaves_the_others(kind: str, mode: str) -> None:
    details = await _details(kind, mode)
    _, part = PARTS[kind]
    [failure] = details.failed_parts
    assert failure.part == part
    vendor = "HubSpot" if kind == "hubspot" else "Zendesk"
    expected = {
        "500": f"{vendor} answered 500",
        "400": f"{vendor} answered 400",
        "timeout": f"{vendor} did not answer in time",
        "junk": f"{vendor} answered 200",
    }[mode]
    assert failure.reason == expected or (mode == "junk" and "cannot read" in failure.reason)
    assert details.tickets, "the tickets still render"
    if kind == "hubspot":
        assert [c.name for c in details.companies] == ["Acme Corp"]
        kinds = {i.channel.value for i in details.interactions}
        assert "email" not in kinds and {"note", "call"} <= kinds
    else:
        assert details.tickets[0].comments == ()


@pytest.mark.parametrize(
    ("mode", "error"), [("401", AuthError), ("429", RateLimited), ("connect", Unavailable)]
)
@pytest.mark.parametrize("kind", ["hubspot", "zendesk"])
async def test_a_rejected_token_a_rate_limit_or_no_host_fail_the_whole_source(
    kind: str, mode: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await _details(kind, mode)


def test_the_failed_part_reaches_the_status_the_json_and_the_source_bar() -> None:
    builder = ProfileBuilder("d@x.example", ["Acme HubSpot"])
    apply_update(builder, SourceAnswered("Acme HubSpot", [], 12.0))
    failed = (PartFailure("e-mails", "HubSpot answered 500"),)
    apply_update(
        builder,
        DetailsLoaded("Acme HubSpot", ("Acme HubSpot", "101"), Details(failed_parts=failed), 5.0),
    )
    status = builder.status["Acme HubSpot"]
    assert status.failed_parts == failed and status.state is SourceState.NOBODY
    assert _status(status)["parts"] == [{"part": "e-mails", "reason": "HubSpot answered 500"}]
    bar = SourceBar()
    shown: list[Any] = []
    # No app needed to read the text (`layout`: whether the bar asks for a layout).
    bar.update = lambda content, layout=True: shown.append(content)  # type: ignore[method-assign]
    bar.show_statuses([SourceStatus("Acme HubSpot", SourceState.FOUND, failed_parts=failed)])
    assert "left out: e-mails: HubSpot answered 500" in str(shown[0])
