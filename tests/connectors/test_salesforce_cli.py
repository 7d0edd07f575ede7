"""`cx-tui lookup ... --json` as a subprocess against the Salesforce double (and a Zendesk one)
on 127.0.0.1: config file in a tmp dir, secrets in `CX_TUI_SECRET_<NAME>`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.connectors.salesforce_fake import CLIENT_ID, CLIENT_SECRET, acme_org
from tests.connectors.vendor_fakes import ZENDESK_AGENT, ZENDESK_TOKEN, LocalServer, ZendeskFake


def test_lookup_merges_salesforce_and_zendesk(tmp_path: Path) -> None:
    sf, zd = acme_org(), ZendeskFake()
    zd.add_user(501, "Maria Gonzalez", "maria@acme.example", "+1 415.555.0132")
    with LocalServer(sf) as sf_server, LocalServer(zd) as zd_server:
        config = tmp_path / "config.toml"
        config.write_text(
            'default_region = "US"\n\n'
            f'[[connectors]]\nname = "Acme Salesforce"\ntype = "salesforce"\n'
            f'base_url = "{sf_server.base_url}"\nclient_id = "{CLIENT_ID}"\n\n'
            f'[[connectors]]\nname = "Acme Zendesk"\ntype = "zendesk"\n'
            f'base_url = "{zd_server.base_url}"\nemail = "{ZENDESK_AGENT}"\n',
            encoding="utf-8",
        )
        env = {
            **os.environ,
            "CX_TUI_SECRET_ACME_SALESFORCE": CLIENT_SECRET,
            "CX_TUI_SECRET_ACME_ZENDESK": ZENDESK_TOKEN,
            "CX_TUI_DATA_DIR": str(tmp_path / "data"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "cx_tui",
                "lookup",
                "(415) 555-0132",
                "--json",
                "--config",
                str(config),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert CLIENT_SECRET not in done.stdout + done.stderr
    data = json.loads(done.stdout)
    assert data["state"] == "resolved" and data["person"]["name"] == "Maria Gonzalez"
    assert {m["source"] for m in data["matches"]} == {"Acme Salesforce", "Acme Zendesk"}
    sf_match = next(m for m in data["matches"] if m["source"] == "Acme Salesforce")
    assert sf_match["url"].endswith("/view") and "/lightning/r/Contact/" in sf_match["url"]
    assert [c["name"] for c in data["companies"]] == ["Acme Corp"]
    assert [t["subject"] for t in data["tickets"]] == [
        "Invoice shows the wrong plan",
        "Password reset",
    ]
    assert [i["text"] for i in data["already_tried"]] == ["resent the invoice"]
    assert [i["channel"] for i in data["timeline"]] == ["call"]
    data_calls = [(c.method, c.path.split("/")[-1]) for c in sf.calls]
    assert data_calls.count(("POST", "token")) == 1
    assert data_calls.count(("POST", "composite")) == 1
    assert data_calls.count(("GET", "search")) == 1
