"""`cx-tui lookup` and `cx-tui connectors` against HubSpot and Zendesk doubles served over real
HTTP on 127.0.0.1, configured through `base_url` exactly as an admin would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.fail
import pytest

from cx_tui import cli
from tests.connectors.vendor_fakes import (
    HUBSPOT_TOKEN,
    ZENDESK_AGENT,
    ZENDESK_TOKEN,
    HubSpotFake,
    LocalServer,
    Resp,
    ZendeskFake,
    ago,
)

PHONE = "+1 415 555 0132"


@pytest.fixture
def hubspot() -> Iterator[LocalServer]:
    api = HubSpotFake()
    api.add(
        "contacts",
        "101",
        firstname="Maria",
        lastname="Gonzalez",
        email="maria.gonzalez@example.com",
        phone="(415) 555-0132",
        company="Acme Corp",
        lifecyclestage="customer",
    )
    api.add("companies", "501", name="Acme Corp", domain="acme.example")
    api.associate("contacts", "101", "companies", "501")
    api.add(
        "tickets",
        "801",
        subject="Invoice shows the wrong plan",
        hs_pipeline="0",
        hs_pipeline_stage="2",
        hs_ticket_priority="MEDIUM",
        createdate=ago(days=4),
        hs_lastmodifieddate=ago(days=1),
    )
    api.associate("contacts", "101", "tickets", "801")
    api.add(
        "notes", "901", hs_timestamp=ago(days=1), hs_note_body="<p>Tried: resent the invoice</p>"
    )
    api.associate("tickets", "801", "notes", "901")
    api.associate("contacts", "101", "notes", "901")
    with LocalServer(api) as server:
        yield server


@pytest.fixture
def zendesk() -> Iterator[LocalServer]:
    api = ZendeskFake()
    api.add_organization(61, "Acme Corp", plan="Pro")
    api.add_user(
        501, "Maria Gonzalez", "maria.gonzalez@example.com", "+1 415.555.0132", organization_id=61
    )
    api.add_ticket(3001, 501, "Router keeps dropping", "open", priority="high", channel="voice")
    api.add_comment(3001, 501, "My router drops every hour", created=ago(days=3))
    api.add_comment(
        3001, 9001, "Tried: power cycle; firmware update", public=False, created=ago(days=2)
    )
    with LocalServer(api) as server:
        yield server


@pytest.fixture(autouse=True)
def tokens_from_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A headless host: no keyring, tokens in CX_TUI_SECRET_<NAME>."""
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    monkeypatch.setenv("CX_TUI_SECRET_ACME_HUBSPOT", HUBSPOT_TOKEN)
    monkeypatch.setenv("CX_TUI_SECRET_ACME_ZENDESK", ZENDESK_TOKEN)
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def hubspot_table(base_url: str) -> str:
    return f'[[connectors]]\nname = "Acme HubSpot"\ntype = "hubspot"\nbase_url = "{base_url}"\n'


def zendesk_table(base_url: str) -> str:
    return (
        f'[[connectors]]\nname = "Acme Zendesk"\ntype = "zendesk"\nbase_url = "{base_url}"\n'
        f'email = "{ZENDESK_AGENT}"\n'
    )


def config(tmp_path: Path, *tables: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text('default_region = "US"\n\n' + "\n".join(tables), encoding="utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def lookup(
    capsys: pytest.CaptureFixture[str], path: str, query: str = PHONE
) -> tuple[int, dict[str, Any], str]:
    code, out, err = run(capsys, "lookup", query, "--json", "--config", path)
    assert HUBSPOT_TOKEN not in out + err and ZENDESK_TOKEN not in out + err
    return code, json.loads(out), err


def source(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in data["sources"] if s["name"] == name)


# --- one vendor at a time -------------------------------------------------------------------------


def test_hubspot_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, hubspot: LocalServer
) -> None:
    code, data, _ = lookup(
        capsys, config(tmp_path, hubspot_table(hubspot.base_url)), "(415) 555-0132"
    )
    assert code == 0 and data["state"] == "resolved"
    assert data["person"]["name"] == "Maria Gonzalez"
    [match] = data["matches"]
    assert (match["source"], match["reason"], match["url"]) == (
        "Acme HubSpot",
        "exact E.164",
        "https://app.hubspot.com/contacts/4512345/record/0-1/101",
    )
    [ticket] = data["tickets"]
    assert (ticket["subject"], ticket["status"], ticket["priority"]) == (
        "Invoice shows the wrong plan",
        "pending",
        "normal",
    )
    assert [i["text"] for i in data["already_tried"]] == ["resent the invoice"]
    assert [c["name"] for c in data["companies"]] == ["Acme Corp"]
    first_post = next(p.path for p in hubspot.api.calls if p.method == "POST")
    assert first_post == "/crm/v3/objects/contacts/search"


def test_zendesk_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, zendesk: LocalServer
) -> None:
    code, data, _ = lookup(
        capsys, config(tmp_path, zendesk_table(zendesk.base_url)), "maria.gonzalez@example.com"
    )
    assert code == 0 and data["state"] == "resolved"
    assert data["person"]["name"] == "Maria Gonzalez" and data["person"]["plan"] == "Pro"
    [ticket] = data["tickets"]
    assert ticket["id"] == "3001" and ticket["priority"] == "high"
    assert [(c["public"], c["body"]) for c in ticket["comments"]] == [
        (True, "My router drops every hour"),
        (False, "Tried: power cycle; firmware update"),
    ]
    assert [i["channel"] for i in data["timeline"]] == ["call"]
    queries = [c.params["query"] for c in zendesk.api.calls if c.path == "/api/v2/users/search"]
    assert queries[0] == "type:user email:maria.gonzalez@example.com"


# --- both: one person ---------------------------------------------------------------------------


def test_hubspot_and_zendesk_make_one_person(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, hubspot: LocalServer, zendesk: LocalServer
) -> None:
    path = config(tmp_path, hubspot_table(hubspot.base_url), zendesk_table(zendesk.base_url))
    code, data, _ = lookup(capsys, path)
    assert code == 0 and data["state"] == "resolved"
    assert {m["source"] for m in data["matches"]} == {"Acme HubSpot", "Acme Zendesk"}
    assert data["person"]["name"] == "Maria Gonzalez"
    assert data["person"]["company"] == "Acme Corp" and data["person"]["plan"] == "Pro"
    [company] = data["companies"]
    assert company["name"] == "Acme Corp"
    assert {r["source"] for r in company["records"]} == {"Acme HubSpot", "Acme Zendesk"}
    assert {(t["source"], t["id"]) for t in data["tickets"]} == {
        ("Acme HubSpot", "801"),
        ("Acme Zendesk", "3001"),
    }
    assert data["tickets"][0]["id"] == "3001"  # open and high priority first
    tried = {(i["source"], i["text"]) for i in data["already_tried"]}
    assert tried == {
        ("Acme Zendesk", "power cycle"),
        ("Acme Zendesk", "firmware update"),
        ("Acme HubSpot", "resent the invoice"),
    }
    phones = [c for c in data["contacts"] if c["kind"] == "phone"]
    assert phones[0]["value"] == "+14155550132" and len(phones[0]["sources"]) == 2
    assert [s["state"] for s in data["sources"]] == ["found", "found"]


def test_rich_output_shows_both_sources(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, hubspot: LocalServer, zendesk: LocalServer
) -> None:
    path = config(tmp_path, hubspot_table(hubspot.base_url), zendesk_table(zendesk.base_url))
    code, out, _ = run(capsys, "lookup", PHONE, "--config", path)
    assert code == 0
    for words in ("Maria Gonzalez", "Acme HubSpot: found", "Acme Zendesk: found", "power cycle"):
        assert words in out


# --- faults: one source fails, the other still renders ------------------------------------------


def test_a_wrong_token_fails_that_source_with_the_fix(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    hubspot: LocalServer,
    zendesk: LocalServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CX_TUI_SECRET_ACME_HUBSPOT", "pat-na1-revoked-0000")
    path = config(tmp_path, hubspot_table(hubspot.base_url), zendesk_table(zendesk.base_url))
    code, data, _ = lookup(capsys, path)
    assert code == 0 and data["person"]["name"] == "Maria Gonzalez"
    status = source(data, "Acme HubSpot")
    assert status["state"] == "auth failed"
    assert status["message"].startswith(
        'HubSpot rejected the token (401): run `cx-tui secret set "Acme HubSpot"`'
    )
    assert "pat-na1-revoked-0000" not in json.dumps(data)
    assert source(data, "Acme Zendesk")["state"] == "found"


def test_a_host_that_does_not_resolve_says_cannot_reach(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, hubspot: LocalServer
) -> None:
    # .invalid never resolves (RFC 6761), with or without a network.
    path = config(
        tmp_path, hubspot_table(hubspot.base_url), zendesk_table("https://acme-typo.invalid")
    )
    code, data, _ = lookup(capsys, path)
    assert code == 0
    status = source(data, "Acme Zendesk")
    assert status["state"] == "unreachable"
    assert status["message"] == "cannot reach acme-typo.invalid: check `base_url`"


def test_rate_limited_source_reports_retry_time_while_the_other_renders(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, hubspot: LocalServer, zendesk: LocalServer
) -> None:
    body = {
        "status": "error",
        "message": "You have reached your secondly limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": "c7f0a5b3-0d27-4a8c-9c5c-1b2e3f4a5b6c",
        "policyName": "SECONDLY",
    }
    hubspot.api.override("POST", r"/contacts/search$", Resp(429, body, {"Retry-After": "30"}))
    path = config(tmp_path, hubspot_table(hubspot.base_url), zendesk_table(zendesk.base_url))
    code, data, _ = lookup(capsys, path)
    assert code == 0 and data["person"]["name"] == "Maria Gonzalez"
    status = source(data, "Acme HubSpot")
    assert (status["state"], status["retry_after"]) == ("rate limited", 30.0)
    assert "try again in 30 s" in status["message"]
    assert source(data, "Acme Zendesk")["state"] == "found"


def test_junk_fails_that_source_with_the_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, hubspot: LocalServer, zendesk: LocalServer
) -> None:
    zendesk.api.override(
        "GET", r"/api/v2/users/search$", Resp(200, raw=b"<html><body>Maintenance</body></html>")
    )
    path = config(tmp_path, hubspot_table(hubspot.base_url), zendesk_table(zendesk.base_url))
    code, data, _ = lookup(capsys, path)
    assert code == 0 and data["person"]["name"] == "Maria Gonzalez"
    status = source(data, "Acme Zendesk")
    assert status["state"] == "failed"
    assert "Zendesk answered with something that is not JSON (text/html)" in status["message"]


def test_hostile_input_never_reaches_either_vendor(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, hubspot: LocalServer, zendesk: LocalServer
) -> None:
    path = config(tmp_path, hubspot_table(hubspot.base_url), zendesk_table(zendesk.base_url))
    for query in ('maria@example.com" OR type:ticket', "type:ticket", "x" * 10_000, "a@b.com OR *"):
        code, out, err = run(capsys, "lookup", query, "--json", "--config", path)
        assert code == 2 and out == "" and err.startswith("cx-tui: ")
    assert hubspot.api.calls == [] and zendesk.api.calls == []


# --- cx-tui connectors -------------------------------------------------------------------------


def test_connectors_checks_both_accounts(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    hubspot: LocalServer,
    zendesk: LocalServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # one line per source, so phrases are not wrapped
    zendesk.api.me["custom_role_id"] = 42
    path = config(tmp_path, hubspot_table(hubspot.base_url), zendesk_table(zendesk.base_url))
    code, out, _ = run(capsys, "connectors", "--config", path)
    assert code == 0, out
    flat = " ".join(out.split())
    assert "authenticated to portal 4512345" in flat
    assert "authenticated as Ana Agent" in flat and "(agent)" in flat
    assert out.count("✓") == 2
    rows = table_rows(out)
    # What each check found beyond its summary is printed under that source's row.
    hub_check = rows["Acme HubSpot"]["Check"]
    assert (
        "· cannot show email bodies on the timeline: the token lacks the sales-email-read scope"
        in hub_check
    )
    assert any(
        line.startswith("permissions: ") and "crm.objects.contacts.write" in line
        for line in hub_check
    )
    zd_check = rows["Acme Zendesk"]["Check"]
    assert any(line.startswith("· custom role 42: it must allow viewing") for line in zd_check)
    assert "permissions: agent" in zd_check
    assert rows["Acme HubSpot"]["Can"] == [
        "lookup phone, lookup email, lookup name, tickets, person notes, ticket notes, calls, "
        "create contact, update person",
        "cannot count recent tickets (trouble spots): a CRM here: cx-tui reads no ticket tags "
        "from it (they are counted in the helpdesk)",
    ]


def test_connectors_shows_what_a_read_only_token_cannot_do(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    hubspot: LocalServer,
    zendesk: LocalServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    hubspot.api.scopes.remove("crm.objects.contacts.write")
    path = config(tmp_path, hubspot_table(hubspot.base_url), zendesk_table(zendesk.base_url))
    code, out, _ = run(capsys, "connectors", "--config", path)
    assert code == 0, out
    hub = table_rows(out)["Acme HubSpot"]
    assert hub["Can"][:2] == [
        "lookup phone, lookup email, lookup name, tickets",
        "not allowed: person notes, ticket notes, calls, create contact, update person",
    ]
    assert (
        "· cannot write notes and call logs: the token lacks the crm.objects.contacts.write scope"
        in hub["Check"]
    )


def table_rows(out: str) -> dict[str, dict[str, list[str]]]:
    """The `connectors` table, by source name: each column's non-empty lines in that row."""
    header: list[str] = []
    rows: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for line in out.splitlines():
        if line.startswith("┃"):
            header = [cell.strip() for cell in line.strip("┃").split("┃")]
            continue
        if not line.startswith("│"):
            continue
        cells = dict(zip(header, (c.strip() for c in line.strip("│").split("│")), strict=True))
        if cells["Name"]:
            current = rows[cells["Name"]] = {column: [] for column in header}
        assert current is not None
        for column, text in cells.items():
            if text:
                current[column].append(text)
    return rows


def test_the_sla_shows_in_json_and_plain_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, zendesk: LocalServer
) -> None:
    from datetime import UTC, datetime, timedelta

    from tests.connectors.vendor_fakes import iso

    api = zendesk.api
    assert isinstance(api, ZendeskFake)
    due = datetime.now(UTC) + timedelta(minutes=30)
    api.add_sla(3001, "next_reply_time", iso(due), "active")
    path = config(tmp_path, zendesk_table(zendesk.base_url))
    _, data, _ = lookup(capsys, path)
    [ticket] = [t for t in data["tickets"] if t["id"] == "3001"]
    assert ticket["sla_due"] is not None
    assert abs(datetime.fromisoformat(ticket["sla_due"]) - due) < timedelta(seconds=1)
    assert data["next_actions"][0]["title"].startswith("Reply before ")
    assert data["next_actions"][0]["urgent"] is True
    code, out, _ = run(capsys, "lookup", PHONE, "--config", path)
    assert code == 0
    assert "Reply before" in out and "SLA" in out and "in 29 min" in out
