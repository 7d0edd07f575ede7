"""The first frame loads only what it shows (issue 7's cold-start budget).

The engine and its connectors, the store, the outbox, the softphone listener and the dialogs
are imported right after the first frame (`CxApp._start_services`) or when first used. A new
module-level import in the app or the main screen that pulls one of them back into start-up
fails here, in a fresh interpreter.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cx_tui.connectors import registry

AFTER_THE_FIRST_FRAME = [
    "httpx",
    "keyring",
    "cx_tui.store",
    "cx_tui.lookup",
    "cx_tui.profile",
    "cx_tui.render",
    "cx_tui.sources",
    "cx_tui.outbox",
    "cx_tui.delivery",
    "cx_tui.calls",
    "cx_tui.call_flow",
    "cx_tui.note_targets",
    "cx_tui.pacing",
    "cx_tui.softphone.service",
    "cx_tui.softphone.events",
    "cx_tui.screens.note",
    "cx_tui.screens.call_desk",
    "cx_tui.screens.outbox",
    "cx_tui.screens.detail",
    "textual.widgets._text_area",
]


def test_importing_the_app_leaves_the_engine_and_dialogs_for_later() -> None:
    code = (
        "import sys, cx_tui.app, cx_tui.screens.main\n"
        f"print(' '.join(m for m in {AFTER_THE_FIRST_FRAME!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.split() == []


def test_the_guard_can_see_an_eager_import() -> None:
    """Positive control: the same check run after importing the engine names it."""
    code = (
        "import sys, cx_tui.app, cx_tui.lookup\n"
        f"print(' '.join(m for m in {AFTER_THE_FIRST_FRAME!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert "cx_tui.lookup" in out.stdout.split()


# --- reading the config before the first frame ------------------------------------------------

NOT_FOR_THE_CONFIG = [
    "httpx",
    "phonenumbers",
    "sqlite3",
    "importlib.metadata",
    "cx_tui.connectors.local.connector",
    "cx_tui.connectors.hubspot.connector",
    "cx_tui.connectors.zendesk.connector",
    "cx_tui.connectors.freshdesk.connector",
    "cx_tui.connectors.intercom.connector",
]
VENDORS = """
[[connectors]]
name = "Acme HubSpot"
type = "hubspot"

[[connectors]]
name = "Acme Zendesk"
type = "zendesk"
subdomain = "acme"

[[connectors]]
name = "Acme Freshdesk"
type = "freshdesk"
domain = "acme"

[[connectors]]
name = "Acme Intercom"
type = "intercom"
"""


def loaded_by_the_config(env: dict[str, str]) -> list[str]:
    code = (
        "import sys\nfrom cx_tui.config import load_config\nconfig = load_config()\n"
        "assert config.connectors\n"
        f"print(' '.join(m for m in {NOT_FOR_THE_CONFIG!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, **env},
    )
    return out.stdout.split()


def test_the_demo_config_is_validated_without_loading_its_connector(tmp_path: Path) -> None:
    # Only the `options` module of a built-in package is read; the connector loads after the
    # first frame, when the engine is built (issue 16).
    env = {"XDG_CONFIG_HOME": str(tmp_path), "CX_TUI_CONFIG": ""}
    assert loaded_by_the_config(env) == []


def test_a_vendor_config_is_validated_without_httpx(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(VENDORS, encoding="utf-8")
    assert loaded_by_the_config({"CX_TUI_CONFIG": str(config)}) == []


def test_every_builtin_type_declares_the_options_of_its_class() -> None:
    for type_name in registry.available_types():
        assert registry.connector_options(type_name) == (
            registry.connector_class(type_name).all_options()
        ), type_name
