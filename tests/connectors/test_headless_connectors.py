"""The vendor connectors are headless (DESIGN.md): importing them pulls in neither Textual nor
keyring, proven in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "cx_tui.connectors.kit",
        "cx_tui.connectors.kit.template",
        "cx_tui.connectors.hubspot",
        "cx_tui.connectors.zendesk",
        "cx_tui.connectors.intercom",
    ],
)
def test_vendor_modules_import_neither_textual_nor_keyring(module: str) -> None:
    code = (
        "import sys, importlib\n"
        f"importlib.import_module({module!r})\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'keyring'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{module} pulls in {result.stdout.strip()}"
