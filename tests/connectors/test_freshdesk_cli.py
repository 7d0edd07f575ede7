"""`cx-tui lookup --json` and `cx-tui connectors` against the Freshdesk double on 127.0.0.1
(a real HTTP server: `+` in a phone filter must arrive encoded, or Freshdesk reads a space)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from cx_tui import cli
from tests.connectors.freshdesk_fake import FRESHDESK_KEY, FreshdeskFake
from tests.connectors.vendor_fakes import LocalServer


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalServer]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    monkeypatch.setenv("CX_TUI_SECRET_ACME_FRESHDESK", FRESHDESK_KEY)
    api = FreshdeskFake()
    api.add_company(5, "Acme Corp", plan="Pro")
    api.add_contact(
        1, "Maria Gonzalez", "maria@example.com", mobile="+1 415-555-0132", company_id=5
    )
    api.add_ticket(10, 1, "Router drops", 2, priority=3)
    api.add_conversation(10, "Tried: power cycle", private=True)
    try:
        with LocalServer(api) as running:
            yield running
    finally:
        keyring.set_keyring(previous)


def test_lookup_and_connectors(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'default_region = "US"\n\n[[connectors]]\nname = "Acme Freshdesk"\ntype = "freshdesk"\n'
        f'base_url = "{server.base_url}"\n',
        encoding="utf-8",
    )
    code = cli.main(["lookup", "+1 415 555 0132", "--json", "--config", str(path)])
    out, err = capsys.readouterr()
    assert code == 0 and FRESHDESK_KEY not in out + err
    data = json.loads(out)
    assert data["person"]["name"] == "Maria Gonzalez"
    assert [t["subject"] for t in data["tickets"]] == ["Router drops"]
    assert [i["text"] for i in data["already_tried"]] == ["power cycle"]
    mobiles = [c.params["mobile"] for c in server.api.calls if "mobile" in c.params]
    assert "+1 415-555-0132" in mobiles and "+14155550132" in mobiles
    code = cli.main(["connectors", "--config", str(path)])
    out, err = capsys.readouterr()
    assert "Ana Agent" in out and FRESHDESK_KEY not in out + err
