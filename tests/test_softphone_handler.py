"""`tel:` and `callto:` links: parsing, the desktop entry, and `cx-tui install-handler`."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from cx_tui import cli
from cx_tui.softphone.handler import (
    DESKTOP_FILE,
    MIME_TYPES,
    UriError,
    desktop_entry,
    exec_argument,
    handler_command,
    install_handler,
    parse_tel_uri,
)


@pytest.mark.parametrize(
    ("uri", "number", "extension"),
    [
        ("tel:+14155550132", "+14155550132", None),
        ("TEL:+1-415-555-0132", "+1-415-555-0132", None),
        ("tel:+1-212-555-0100;ext=210", "+1-212-555-0100", "210"),
        ("tel:%2B1%20415%20555%200132", "+1 415 555 0132", None),
        ("tel:+1(415)555.0132;isub=12;foo=bar", "+1(415)555.0132", None),
        ("tel:5550132;phone-context=+1-415", "+1-4155550132", None),
        ("tel:0132;phone-context=example.com", "0132", None),
        ("callto:+14155550132", "+14155550132", None),
        ("callto://+14155550132/", "+14155550132", None),
        ("tel://+14155550132?call", "+14155550132", None),
        ("  tel:+14155550132  ", "+14155550132", None),
        ("tel:+12125550100;EXT=2-10", "+12125550100", "210"),
    ],
)
def test_tel_and_callto_links(uri: str, number: str, extension: str | None) -> None:
    assert parse_tel_uri(uri) == (number, extension)


@pytest.mark.parametrize(
    ("uri", "fragment"),
    [
        ("https://example.com", "is not a tel: or callto: link"),
        ("mailto:maria@example.com", "is not a tel: or callto: link"),
        ("+14155550132", "is not a tel: or callto: link"),
        ("tel:", "holds no number"),
        ("tel:;ext=12", "holds no number"),
        ("tel:+14155550132;ext=twelve", "not 1 to 7 digits"),
        ("tel:+1" + "5" * 3000, "characters long"),
    ],
)
def test_links_that_are_not_phone_links(uri: str, fragment: str) -> None:
    with pytest.raises(UriError, match=fragment):
        parse_tel_uri(uri)


@pytest.mark.parametrize(
    ("arg", "written"),
    [
        ("/usr/bin/cx-tui", "/usr/bin/cx-tui"),
        ("/home/ana/my apps/cx-tui", '"/home/ana/my apps/cx-tui"'),
        ("/opt/$HOME/cx", '"/opt/\\\\$HOME/cx"'),
        ('/a"b', '"/a\\\\"b"'),
        ("/a\\b c", '"/a\\\\\\\\b c"'),
        ("/100%/cx", "/100%%/cx"),
    ],
)
def test_exec_arguments_are_quoted_as_the_desktop_entry_spec_says(arg: str, written: str) -> None:
    assert exec_argument(arg) == written


def test_the_desktop_entry_hands_both_schemes_to_open_uri() -> None:
    text = desktop_entry(["/home/ana/.venv/bin/cx-tui"])
    assert text.startswith("[Desktop Entry]\n")
    assert "Exec=/home/ana/.venv/bin/cx-tui open-uri %u\n" in text
    assert "MimeType=x-scheme-handler/tel;x-scheme-handler/callto;\n" in text
    assert "Terminal=false\n" in text and "NoDisplay=true\n" in text


def test_handler_command_is_an_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "cx-tui"
    script.write_text("#!/bin/sh\n")
    monkeypatch.chdir(tmp_path)
    assert handler_command("cx-tui") == [str(script)]
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    command = handler_command("/somewhere/__main__.py")
    assert command[1:] == ["-m", "cx_tui"] and os.path.isabs(command[0])


def test_install_writes_the_entry_and_registers_it(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def run(argv: list[str]) -> int:
        calls.append(argv)
        return 0

    tools = {"xdg-mime": "/usr/bin/xdg-mime", "update-desktop-database": "/usr/bin/udd"}
    result = install_handler(
        command=["/opt/cx/bin/cx-tui"],
        env={"XDG_DATA_HOME": str(tmp_path / "share")},
        which=tools.get,
        run=run,
    )
    path = tmp_path / "share" / "applications" / DESKTOP_FILE
    assert result.path == str(path) and result.registered
    assert "Exec=/opt/cx/bin/cx-tui open-uri %u" in path.read_text()
    assert ["/usr/bin/xdg-mime", "default", DESKTOP_FILE, *MIME_TYPES] in calls
    assert ["/usr/bin/udd", "-q", str(path.parent)] in calls


def test_without_xdg_mime_it_says_how_to_register(tmp_path: Path) -> None:
    result = install_handler(
        command=["/opt/cx/bin/cx-tui"],
        env={"XDG_DATA_HOME": str(tmp_path)},
        which=lambda _name: None,
        run=lambda _argv: pytest.fail("nothing to run"),
    )
    assert not result.registered
    assert f"xdg-mime default {DESKTOP_FILE} x-scheme-handler/tel" in result.message
    assert (tmp_path / "applications" / DESKTOP_FILE).exists()


def test_a_failing_xdg_mime_is_reported(tmp_path: Path) -> None:
    result = install_handler(
        command=["/x/cx-tui"],
        env={"XDG_DATA_HOME": str(tmp_path)},
        which={"xdg-mime": "/usr/bin/xdg-mime"}.get,
        run=lambda _argv: 3,
    )
    assert not result.registered and "exit 3" in result.message


def test_the_install_handler_command_end_to_end(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a stand-in xdg-mime on PATH that records its arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "xdg-mime.args"
    fake = bin_dir / "xdg-mime"
    fake.write_text(f'#!/bin/sh\necho "$@" >> "{record}"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    data_home = Path(os.environ["XDG_DATA_HOME"])  # the isolated home from conftest

    code = cli.main(["install-handler"])
    out, _ = capsys.readouterr()
    assert code == 0, out
    entry = data_home / "applications" / DESKTOP_FILE
    assert f"Wrote {entry}" in out and "now open with cx-tui" in out
    assert " open-uri %u" in entry.read_text()
    assert record.read_text().split() == ["default", DESKTOP_FILE, *MIME_TYPES]


def test_install_handler_without_xdg_mime_exits_1_with_the_manual_step(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    code = cli.main(["install-handler"])
    out, _ = capsys.readouterr()
    assert code == 1 and "xdg-mime default" in out
