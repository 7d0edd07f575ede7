"""A note that opens a ticket (`TargetKind.NEW_TICKET`) in Zendesk, refused by HubSpot, and the
same through `cx-tui note` against the vendor doubles served on 127.0.0.1."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from cx_tui import cli
from cx_tui.connectors.base import Capability, InvalidInput, Unsupported
from cx_tui.connectors.hubspot import HubSpotConnector
from cx_tui.connectors.zendesk import MAX_SUBJECT, ZendeskConnector
from cx_tui.identity import parse_query
from cx_tui.models import CallLog, NoteTarget, SourceRef, TargetKind, TicketStatus
from cx_tui.store import ItemState, Store
from tests.connectors.vendor_fakes import (
    HUBSPOT_TOKEN,
    ZENDESK_AGENT,
    ZENDESK_TOKEN,
    HubSpotFake,
    LocalServer,
    ZendeskFake,
)

ZENDESK = "Acme Zendesk"
HUBSPOT = "Acme HubSpot"
KEY = "5d2f0b7e-4c2a-4f57-9a0c-3c1f7d2e9b41"
NOTE = "Printer   on fire in the\tWest office\nTried: unplugging it.\nCall back after 3 pm."


@pytest.fixture
def zendesk_api() -> ZendeskFake:
    api = ZendeskFake()
    api.add_user(501, "Maria Gonzalez", "maria.gonzalez@example.com", "+1 (415) 555-0132")
    return api


@pytest.fixture
async def zendesk(zendesk_api: ZendeskFake) -> AsyncIterator[ZendeskConnector]:
    connector = ZendeskConnector(
        ZENDESK,
        {"subdomain": "acme", "email": ZENDESK_AGENT, "default_region": "US"},
        ZENDESK_TOKEN,
        transport=zendesk_api.transport(),
    )
    try:
        yield connector
    finally:
        await connector.aclose()


def new_ticket(source: str = ZENDESK, person: str = "501") -> NoteTarget:
    return NoteTarget(TargetKind.NEW_TICKET, SourceRef(source, person))


# --- Zendesk -----------------------------------------------------------------------------------


def test_zendesk_and_not_hubspot_declare_opening_tickets() -> None:
    assert Capability.CREATE_TICKET in ZendeskConnector.capabilities
    assert Capability.CREATE_TICKET not in HubSpotConnector.capabilities


async def test_zendesk_opens_a_ticket_with_the_first_line_as_subject(
    zendesk: ZendeskConnector, zendesk_api: ZendeskFake
) -> None:
    receipt = await zendesk.add_note(new_ticket(), f"  {NOTE}\n", KEY)

    [post] = zendesk_api.calls_to("POST", r"/api/v2/tickets$")
    assert post.json == {
        "ticket": {
            "subject": "Printer on fire in the West office",
            "comment": {"body": NOTE, "public": False},
            "requester_id": 501,
            "external_id": f"cx-tui:{KEY}",
        }
    }
    assert post.headers["idempotency-key"] == KEY
    [ticket_id] = list(zendesk_api.tickets)
    assert not receipt.duplicate
    assert receipt.ref.connector == ZENDESK
    assert receipt.ref.record_id == str(ticket_id)
    assert receipt.ref.url == f"https://acme.zendesk.com/agent/tickets/{ticket_id}"


async def test_zendesk_the_same_key_twice_opens_one_ticket(
    zendesk: ZendeskConnector, zendesk_api: ZendeskFake
) -> None:
    first = await zendesk.add_note(new_ticket(), NOTE, KEY)
    again = await zendesk.add_note(new_ticket(), NOTE, KEY)

    assert again.duplicate and not first.duplicate
    assert again.ref.key == first.ref.key and again.ref.url == first.ref.url
    assert len(zendesk_api.calls_to("POST", r"/api/v2/tickets$")) == 1
    lookups = zendesk_api.calls_to("GET", r"/api/v2/tickets$")
    assert [c.params["external_id"] for c in lookups] == [f"cx-tui:{KEY}"] * 2
    assert len(zendesk_api.tickets) == 1


async def test_zendesk_a_long_first_line_is_cut_to_the_subject_limit(
    zendesk: ZendeskConnector, zendesk_api: ZendeskFake
) -> None:
    line = " ".join(f"word{n}" for n in range(60))  # well over 150 characters
    await zendesk.add_note(new_ticket(), f"{line}\nsecond line", KEY)

    [post] = zendesk_api.calls_to("POST", r"/api/v2/tickets$")
    subject = post.json["ticket"]["subject"]
    assert len(subject) == MAX_SUBJECT
    assert subject.endswith("…") and line.startswith(subject[:-1])
    assert post.json["ticket"]["comment"]["body"] == f"{line}\nsecond line"


async def test_zendesk_the_new_ticket_shows_in_the_requesters_details(
    zendesk: ZendeskConnector,
) -> None:
    receipt = await zendesk.add_note(new_ticket(), NOTE, KEY)
    [match] = await zendesk.find_people(parse_query("maria.gonzalez@example.com", "US"))
    details = await zendesk.get_details(match)

    [ticket] = details.tickets
    assert ticket.ref.key == receipt.ref.key
    assert (ticket.subject, ticket.status) == (
        "Printer on fire in the West office",
        TicketStatus.NEW,
    )
    assert [(c.body, c.public) for c in ticket.comments] == [(NOTE, False)]


async def test_zendesk_refuses_a_new_ticket_for_another_sources_person(
    zendesk: ZendeskConnector, zendesk_api: ZendeskFake
) -> None:
    with pytest.raises(InvalidInput):
        await zendesk.add_note(new_ticket(source=HUBSPOT), NOTE, KEY)
    assert zendesk_api.calls == []


# --- HubSpot -----------------------------------------------------------------------------------


@pytest.fixture
def hubspot_api() -> HubSpotFake:
    api = HubSpotFake()
    api.add("contacts", "101", firstname="Maria", lastname="Gonzalez", phone="(415) 555-0132")
    return api


@pytest.fixture
async def hubspot(hubspot_api: HubSpotFake) -> AsyncIterator[HubSpotConnector]:
    connector = HubSpotConnector(
        HUBSPOT, {"default_region": "US"}, HUBSPOT_TOKEN, transport=hubspot_api.transport()
    )
    try:
        yield connector
    finally:
        await connector.aclose()


async def test_hubspot_refuses_a_new_ticket_and_writes_nothing(
    hubspot: HubSpotConnector, hubspot_api: HubSpotFake
) -> None:
    target = new_ticket(source=HUBSPOT, person="101")
    with pytest.raises(Unsupported) as caught:
        await hubspot.add_note(target, NOTE, KEY)
    assert "cannot open HubSpot tickets" in caught.value.message
    # A call log to a new ticket falls back to a note in the outbox: refused the same way.
    with pytest.raises(Unsupported):
        await hubspot.add_call(target, CallLog(NOTE), key=KEY)
    assert hubspot_api.calls == []


# --- cx-tui note, end to end -------------------------------------------------------------------


@pytest.fixture
def tokens_from_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    monkeypatch.setenv("CX_TUI_SECRET_ACME_HUBSPOT", HUBSPOT_TOKEN)
    monkeypatch.setenv("CX_TUI_SECRET_ACME_ZENDESK", ZENDESK_TOKEN)
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def write_config(tmp_path: Path, zendesk_url: str, hubspot_url: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(
        'default_region = "US"\n\n'
        f'[[connectors]]\nname = "{ZENDESK}"\ntype = "zendesk"\nbase_url = "{zendesk_url}"\n'
        f'email = "{ZENDESK_AGENT}"\n\n'
        f'[[connectors]]\nname = "{HUBSPOT}"\ntype = "hubspot"\nbase_url = "{hubspot_url}"\n',
        encoding="utf-8",
    )
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("tokens_from_env")
def test_cx_tui_note_opens_a_zendesk_ticket_and_hubspot_is_refused_up_front(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    zendesk_api: ZendeskFake,
    hubspot_api: HubSpotFake,
) -> None:
    with LocalServer(zendesk_api) as zd, LocalServer(hubspot_api) as hs:
        path = write_config(tmp_path, zd.base_url, hs.base_url)
        code, out, err = run(
            capsys, "note", "--config", path, "--to", f"{HUBSPOT}/new-ticket/101", NOTE
        )
        assert code == 2 and out == ""
        assert err == f"cx-tui: --to '{HUBSPOT}/new-ticket/101': {HUBSPOT} opens no tickets\n"
        assert hubspot_api.calls == []

        code, out, err = run(
            capsys, "note", "--config", path, "--to", f"{ZENDESK}/new-ticket/501", NOTE
        )
        assert (code, err) == (0, "")
        [ticket_id] = list(zendesk_api.tickets)
        assert out == f"{ZENDESK}/new-ticket/501: delivered (ticket {ticket_id})\n"

        code, out, _ = run(capsys, "outbox", "list", "--all", "--json")
    assert code == 0
    [item] = json.loads(out)["items"]
    assert item["target"] == {"source": ZENDESK, "kind": "new-ticket", "id": "501", "label": None}
    assert item["receipt"]["url"].endswith(f"/agent/tickets/{ticket_id}")
    with Store() as store:
        [stored] = store.outbox_items(ItemState)
    assert stored.state is ItemState.DELIVERED
    assert re.fullmatch(r"cx-tui:[0-9a-f-]{36}", zendesk_api.tickets[ticket_id]["external_id"])
