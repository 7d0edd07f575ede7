"""The softphone hooks' fast path (`cx_tui.cli.hook_args`, issue 16): the common forms of
`ring`, `answer` and `hangup` read without argparse give exactly argparse's namespace; anything
else is left to the full parser. And the path imports neither argparse nor typing."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from cx_tui.cli import hook_args
from cx_tui.softphone import client


def argparse_args(argv: list[str]) -> argparse.Namespace:
    """What the client's own parser (`client.main`) makes of `argv`."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS)
    parser = argparse.ArgumentParser(prog="cx-tui", parents=[common])
    client.add_commands(parser.add_subparsers(dest="command", required=True), common)
    return parser.parse_args(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["ring", "+1 415 555 0132"],
        ["ring", "sip:+14155550132@pbx.example", "--call-id", "c-1", "--line", "Support"],
        ["ring", "--call-id=c-2", "4155550132", "--direction", "outbound"],
        ["ring", "4155550132", "--config", "/etc/cx.toml"],
        ["answer"],
        ["answer", "4155550132", "--call-id", "c-1"],
        ["hangup", "--call-id", "c-1", "--cause", "normalClearing"],
        ["hangup", "4155550132", "--line=Sales"],
    ],
)
def test_the_common_forms_give_argparses_namespace(argv: list[str]) -> None:
    quick = hook_args(argv)
    assert quick is not None
    assert vars(quick) == vars(argparse_args(argv))


@pytest.mark.parametrize(
    "argv",
    [
        ["ring"],  # NUMBER is required: argparse says so
        ["ring", "-h"],
        ["ring", "--help"],
        ["ring", "1", "2"],
        ["ring", "--direction", "sideways", "1"],
        ["ring", "1", "--call-id"],
        ["ring", "1", "--call-id", "--line"],
        ["ring", "1", "--call-id", "a", "--call-id", "b"],
        ["ring", "1", "--bogus"],
        ["ring", "-4155550132"],
        ["answer", "1", "--cause", "busy"],
        ["open-uri", "tel:+14155550132"],
        ["lookup", "4155550132"],
    ],
)
def test_anything_else_goes_to_the_full_parser(argv: list[str]) -> None:
    assert hook_args(argv) is None


def test_a_ring_imports_neither_argparse_nor_typing(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom cx_tui.cli import main\n"
        "code = main(['ring', '+14155550132'])\n"
        "print(code, 'argparse' in sys.modules, 'typing' in sys.modules)\n"
    )
    env = {"CX_TUI_RUNTIME_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    # No app runs in tmp_path: "not running" (1), having loaded only the small path.
    assert out.stdout.split() == ["1", "False", "False"], out.stderr
