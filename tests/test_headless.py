"""The layers below the UI never import Textual (docs/ARCHITECTURE.md, "Layers"), proven in a
fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEADLESS = [
    "cx_tui.models",
    "cx_tui.identity",
    "cx_tui.source_values",
    "cx_tui.connectors.base",
    "cx_tui.connectors.registry",
    "cx_tui.connectors.local",
    "cx_tui.lookup",
    "cx_tui.source_desk",
    "cx_tui.profile",
    "cx_tui.resolution",
    "cx_tui.merge",
    "cx_tui.hop",
    "cx_tui.updates",
    "cx_tui.actions",
    "cx_tui.config",
    "cx_tui.keytable",
    "cx_tui.secrets",
    "cx_tui.sources",
    "cx_tui.export",
    "cx_tui.render",
    "cx_tui.cli",
    "cx_tui.cache",
    "cx_tui.delivery",
    "cx_tui.calls",
    "cx_tui.call_flow",
    "cx_tui.note_targets",
    "cx_tui.pacing",
    "cx_tui.services",
    "cx_tui.session",
    "cx_tui.new_person",
    "cx_tui.utc",
    "cx_tui.softphone.client",
    "cx_tui.softphone.control",
    "cx_tui.softphone.cti_http",
    "cx_tui.softphone.events",
    "cx_tui.softphone.handler",
    "cx_tui.softphone.runtime",
    "cx_tui.softphone.service",
    "cx_tui.store",
    "cx_tui.sqlite_files",
    "cx_tui.outbox",
    "cx_tui.cli.note",
    "cx_tui.cli.outbox",
    "cx_tui.cli.sending",
    "cx_tui.outbox.worker",
    "cx_tui.config.connectors",
]


@pytest.mark.parametrize("module", HEADLESS)
def test_headless_module_does_not_import_textual(module: str) -> None:
    code = (
        "import sys, importlib\n"
        f"importlib.import_module({module!r})\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{module} pulls in {result.stdout.strip()}"


def test_the_check_itself_can_see_textual() -> None:
    """Guard against a check that could never fail: the UI module does import Textual."""
    code = "import sys, cx_tui.app; print('textual' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "True"


def test_headless_modules_do_not_import_keyring_eagerly() -> None:
    code = "import sys, cx_tui.config, cx_tui.secrets, cx_tui.cli; print('keyring' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
