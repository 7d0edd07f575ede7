"""A third-party connector package plugs in through the `cx_tui.connectors` entry point alone.

The package lives in `tests/plugins/cx_tui_directory/`. The test installs it the way pip does, a
`.dist-info` folder with `METADATA` and `entry_points.txt` on the interpreter's path, and runs the
real `cx-tui` in a subprocess: no file under `cx_tui/` names the plugin, and the lookup finds the
caller through it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PLUGIN = Path(__file__).parent / "plugins" / "cx_tui_directory"
ROOT = Path(__file__).parent.parent


def install(site: Path) -> None:
    shutil.copytree(PLUGIN, site / "cx_tui_directory")
    info = site / "cx_tui_directory-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: cx-tui-directory\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[cx_tui.connectors]\ndirectory = cx_tui_directory:DirectoryConnector\n", encoding="utf-8"
    )


def cx_tui(site: Path, tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT)])
    return subprocess.run(
        [sys.executable, "-m", "cx_tui", *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


@pytest.fixture
def configured(tmp_path: Path) -> tuple[Path, Path]:
    site = tmp_path / "site"
    site.mkdir()
    people = tmp_path / "people.json"
    people.write_text(
        json.dumps(
            [
                {"id": "7", "name": "Ada Byrne", "phone": "(415) 555-0199", "email": "ada@x.org"},
                {"id": "8", "name": "Ben Ode", "phone": "+44 20 7946 0000"},
            ]
        ),
        encoding="utf-8",
    )
    config = tmp_path / "config.toml"
    config.write_text(
        'default_region = "US"\n\n[[connectors]]\nname = "Staff"\ntype = "directory"\n'
        f'path = "{people}"\n',
        encoding="utf-8",
    )
    return site, config


def test_an_installed_plugin_answers_a_lookup(
    tmp_path: Path, configured: tuple[Path, Path]
) -> None:
    site, config = configured
    install(site)
    done = cx_tui(site, tmp_path, "lookup", "+1 415 555 0199", "--json", "--config", str(config))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [s["name"] for s in data["sources"]] == ["Staff"]
    assert data["state"] == "resolved"
    assert data["person"]["name"] == "Ada Byrne"
    assert [m["id"] for m in data["matches"]] == ["7"]
    assert "Ben Ode" not in done.stdout


def test_without_the_install_the_type_is_unknown_and_named(
    tmp_path: Path, configured: tuple[Path, Path]
) -> None:
    site, config = configured
    done = cx_tui(site, tmp_path, "lookup", "+1 415 555 0199", "--json", "--config", str(config))
    assert done.returncode != 0
    assert "directory" in done.stderr and "Traceback" not in done.stderr


def test_its_options_are_validated_from_its_declaration(
    tmp_path: Path, configured: tuple[Path, Path]
) -> None:
    site, config = configured
    install(site)
    config.write_text(
        'default_region = "US"\n\n[[connectors]]\nname = "Staff"\ntype = "directory"\n'
        'path = "people.csv"\n',
        encoding="utf-8",
    )
    done = cx_tui(site, tmp_path, "lookup", "+1 415 555 0199", "--config", str(config))
    assert done.returncode != 0
    assert "path" in done.stderr and ".json" in done.stderr and "Traceback" not in done.stderr
