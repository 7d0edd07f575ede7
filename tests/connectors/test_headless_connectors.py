"""The vendor connectors are headless (docs/ARCHITECTURE.md, "Layers"): importing them pulls
in neither Textual nor keyring, proven in a fresh interpreter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import cx_tui.connectors

# Every package under cx_tui/connectors/ (the kit and each vendor), found rather than listed, so
# a new vendor is checked without editing this file.
PACKAGES = sorted(
    f"cx_tui.connectors.{info.name}"
    for info in pkgutil.iter_modules(cx_tui.connectors.__path__)
    if info.ispkg
)


def test_every_vendor_package_is_checked() -> None:
    assert {"cx_tui.connectors.kit", "cx_tui.connectors.hubspot"} <= set(PACKAGES)


@pytest.mark.parametrize("module", [*PACKAGES, "cx_tui.connectors.kit.template"])
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
