"""`cx-tui lookup` and `cx-tui connectors`, each run as its own process, against the Intercom
double served over real HTTP on 127.0.0.1, configured through `base_url` as an admin would, the
token from the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.connectors.intercom_fake import APP_ID, INTERCOM_TOKEN, T0, IntercomFake
from tests.connectors.vendor_fakes import HUBSPOT_TOKEN, HubSpotFake, LocalServer


@pytest.fixture
def intercom() -> Iterator[LocalServer]:
    api = IntercomFake()
    api.add_contact("6762f0d01bb69f9f2193bb7d", "Maria Gonzalez", "maria.gonzalez@example.com",
                    "+1 (415) 555-0132", custom_attributes={"plan": "Pro"})  # fmt: skip
    api.add_company("co1", "Acme Corp", plan="Pro", contacts=["6762f0d01bb69f9f2193bb7d"])
    api.add_conversation("215474", "6762f0d01bb69f9f2193bb7d", "Router keeps dropping",
                         sla=("VIP 1h", "active"), updated_at=T0 - 60)  # fmt: skip
    api.add_part("215474", "comment", "My router drops every hour", author_type="user",
                 created_at=T0 - 7200)  # fmt: skip
    api.add_part("215474", "note", "Tried: power cycle; firmware update", created_at=T0 - 3600)
    with LocalServer(api) as server:
        yield server


def config(tmp_path: Path, *tables: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text('default_region = "US"\n\n' + "\n".join(tables), encoding="utf-8")
    return str(path)


def intercom_table(base_url: str) -> str:
    return f'[[connectors]]\nname = "Acme Intercom"\ntype = "intercom"\nbase_url = "{base_url}"\n'


def run_process(tmp_path: Path, *argv: str, **secrets: str) -> tuple[int, str]:
    """`python -m cx_tui ARGV` as its own process: the config and every state directory in
    `tmp_path`, no keyring, the tokens only in `CX_TUI_SECRET_<NAME>` variables (Intercom's
    and `secrets`)."""
    home = tmp_path / "home"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CX_TUI_", "XDG_"))},
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "CX_TUI_SECRET_ACME_INTERCOM": INTERCOM_TOKEN,
        "NO_PROXY": "127.0.0.1",
        "COLUMNS": "400",
        **{f"CX_TUI_SECRET_{name}": token for name, token in secrets.items()},
    }
    result = subprocess.run(
        [sys.executable, "-m", "cx_tui", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    for token in (INTERCOM_TOKEN, *secrets.values()):
        assert token not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout


def test_lookup_through_intercom_alone_as_a_process(tmp_path: Path, intercom: LocalServer) -> None:
    path = config(tmp_path, intercom_table(intercom.base_url))
    code, out = run_process(tmp_path, "lookup", "415.555.0132", "--json", "--config", path)
    data: dict[str, Any] = json.loads(out)
    assert code == 0 and data["state"] == "resolved"
    assert data["person"]["name"] == "Maria Gonzalez"
    [match] = data["matches"]
    assert match["source"] == "Acme Intercom" and match["reason"] == "exact E.164"
    assert match["url"] == (
        f"https://app.intercom.com/a/apps/{APP_ID}/users/6762f0d01bb69f9f2193bb7d/all-conversations"
    )
    [ticket] = data["tickets"]
    assert ticket["subject"] == "Router keeps dropping" and ticket["status"] == "open"
    assert "SLA VIP 1h: active" in ticket["tags"]
    assert [i["text"] for i in data["already_tried"]] == ["power cycle", "firmware update"]
    assert [c["name"] for c in data["companies"]] == ["Acme Corp"]
    assert {c.headers.get("intercom-version") for c in intercom.api.calls} == {"2.15"}
    assert {c.headers.get("authorization") for c in intercom.api.calls} == {
        f"Bearer {INTERCOM_TOKEN}"
    }


def test_lookup_merges_a_crm_with_intercom(tmp_path: Path, intercom: LocalServer) -> None:
    hubspot = HubSpotFake()
    hubspot.add("contacts", "101", firstname="Maria", lastname="Gonzalez",
                email="maria.gonzalez@example.com", phone="(415) 555-0132")  # fmt: skip
    with LocalServer(hubspot) as crm:
        table = (
            '[[connectors]]\nname = "Acme HubSpot"\ntype = "hubspot"\n'
            f'base_url = "{crm.base_url}"\n'
        )
        path = config(tmp_path, table, intercom_table(intercom.base_url))
        code, out = run_process(
            tmp_path, "lookup", "maria.gonzalez@example.com", "--json", "--config", path,
            ACME_HUBSPOT=HUBSPOT_TOKEN,
        )  # fmt: skip
    data = json.loads(out)
    assert code == 0 and data["state"] == "resolved"
    assert {m["source"] for m in data["matches"]} == {"Acme HubSpot", "Acme Intercom"}
    assert data["tickets"][0]["source"] == "Acme Intercom"


def test_connectors_names_the_admin_and_the_budget(tmp_path: Path, intercom: LocalServer) -> None:
    path = config(tmp_path, intercom_table(intercom.base_url))
    code, out = run_process(tmp_path, "connectors", "--config", path)
    flat = " ".join(out.split())
    assert code == 0, out
    assert f"authenticated as Ana Agent <ana.agent@acme.example> in Acme Support ({APP_ID})" in flat
    assert "requests left in this 10-second window" in flat
