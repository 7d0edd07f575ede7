"""`cx-tui ring | answer | hangup | open-uri`: exit codes, messages, the light import path."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from cx_tui import cli
from cx_tui.softphone import client
from cx_tui.softphone.control import ControlServer
from cx_tui.softphone.events import CallEvent, CallKind, Direction
from cx_tui.softphone.runtime import socket_path
from tests.test_softphone_control import runtime  # noqa: F401 - a fixture

REPO = Path(__file__).resolve().parent.parent
HERO = "+14155550132"


@pytest.fixture
async def app(runtime: str) -> AsyncIterator[list[CallEvent]]:  # noqa: F811
    events: list[CallEvent] = []
    server = ControlServer(on_event=events.append, default_region="US")
    await server.start()
    try:
        yield events
    finally:
        await server.stop()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


async def arun(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """The command in a thread: it blocks on the socket, the server lives in this loop."""
    return await asyncio.to_thread(run, capsys, *argv)


def env_for(runtime_dir: str) -> dict[str, str]:
    return {**os.environ, "CX_TUI_RUNTIME_DIR": runtime_dir, "PYTHONPATH": str(REPO)}


# --- exit codes and messages ---------------------------------------------------------------


def test_with_no_app_running_ring_says_so_and_exits_1(
    capsys: pytest.CaptureFixture[str],
    runtime: str,  # noqa: F811
) -> None:
    code, out, err = run(capsys, "ring", "+1 415 555 0132")
    assert code == 1 and out == ""
    assert err == f"cx-tui is not running (no control socket at {socket_path()})\n"


@pytest.mark.parametrize(
    "command", [["answer"], ["hangup", "--cause", "busy"], ["open-uri", "tel:+14155550132"]]
)
def test_every_client_command_exits_1_when_nothing_runs(
    capsys: pytest.CaptureFixture[str],
    runtime: str,  # noqa: F811
    command: list[str],
) -> None:
    code, _, err = run(capsys, *command)
    assert code == 1 and "is not running" in err


def test_the_client_commands_need_no_config(
    capsys: pytest.CaptureFixture[str],
    runtime: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("this is [not toml")
    # Even the long form (--config first) never reads the file: the app owns the config.
    code, _, err = run(capsys, "--config", str(broken), "ring", HERO)
    assert code == 1 and "is not running" in err


async def test_ring_delivers_and_prints_nothing(
    capsys: pytest.CaptureFixture[str], app: list[CallEvent]
) -> None:
    code, out, err = await arun(
        capsys, "ring", "(415) 555-0132", "--call-id", "c-7", "--line", "Support"
    )
    assert (code, out, err) == (0, "", "")
    [event] = app
    assert (event.kind, event.number, event.call_id, event.line) == (
        CallKind.RING,
        HERO,
        "c-7",
        "Support",
    )


async def test_ring_with_a_bad_number_prints_the_apps_reason_and_exits_2(
    capsys: pytest.CaptureFixture[str], app: list[CallEvent]
) -> None:
    code, _, err = await arun(capsys, "ring", "+1 415 555")
    assert code == 2
    assert err.startswith("cx-tui: '+1 415 555' is not a valid phone number")
    assert app == []


async def test_answer_and_hangup_carry_their_options(
    capsys: pytest.CaptureFixture[str], app: list[CallEvent]
) -> None:
    assert (await arun(capsys, "ring", HERO, "--direction", "outbound"))[0] == 0
    assert (await arun(capsys, "answer", HERO, "--call-id", "c-1"))[0] == 0
    assert (await arun(capsys, "hangup", "--call-id", "c-1", "--cause", "busy"))[0] == 0
    assert [(e.kind, e.call_id) for e in app] == [
        (CallKind.RING, None),
        (CallKind.ANSWER, "c-1"),
        (CallKind.HANGUP, "c-1"),
    ]
    assert app[0].direction is Direction.OUTBOUND
    assert (app[1].number, app[2].cause) == (HERO, "busy")


async def test_open_uri_sends_a_lookup(
    capsys: pytest.CaptureFixture[str], app: list[CallEvent]
) -> None:
    assert (await arun(capsys, "open-uri", "tel:%2B1-212-555-0100;ext=210"))[0] == 0
    assert (await arun(capsys, "open-uri", "callto://+14155550132"))[0] == 0
    assert [(e.kind, e.number, e.extension) for e in app] == [
        (CallKind.LOOKUP, "+12125550100", "210"),
        (CallKind.LOOKUP, HERO, None),
    ]


async def test_open_uri_refuses_other_links_without_asking_the_app(
    capsys: pytest.CaptureFixture[str], app: list[CallEvent]
) -> None:
    code, _, err = await arun(capsys, "open-uri", "https://example.com")
    assert code == 2 and "is not a tel: or callto: link" in err
    assert app == []


def test_help_lists_the_softphone_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for word in ("ring", "answer", "hangup", "open-uri", "install-handler", "--replace"):
        assert word in out


def test_ring_help_comes_from_the_fast_path(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ring", "--help")
    assert code == 0
    assert "usage: cx-tui ring" in out and "--call-id" in out and "--direction" in out


# --- never hangs ---------------------------------------------------------------------------


@pytest.fixture
def mute_listener(runtime: str) -> Iterator[str]:  # noqa: F811
    """Something that accepts connections (via the backlog) and never answers."""
    os.makedirs(runtime, mode=0o700)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path())
    listener.listen(8)
    try:
        yield socket_path()
    finally:
        listener.close()


def test_a_silent_app_times_out_instead_of_hanging(mute_listener: str) -> None:
    with pytest.raises(client.NoReplyError, match=r"did not answer within 0\.3 s"):
        client.send({"event": "ring", "number": HERO}, mute_listener, timeout=0.3)


def test_a_garbled_reply_is_an_error_not_a_crash(runtime: str) -> None:  # noqa: F811
    os.makedirs(runtime, mode=0o700)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path())
    listener.listen(1)

    def answer_nonsense() -> None:
        connection, _ = listener.accept()
        connection.recv(4096)
        connection.sendall(b"hello there\n")
        connection.close()

    thread = threading.Thread(target=answer_nonsense)
    thread.start()
    try:
        with pytest.raises(client.NoReplyError, match="not JSON"):
            client.send({"event": "ring", "number": HERO}, socket_path())
    finally:
        thread.join(5)
        listener.close()


# --- the real command, as a softphone runs it --------------------------------------------


async def test_the_installed_command_round_trips_as_a_subprocess(
    app: list[CallEvent],
    runtime: str,  # noqa: F811
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cx_tui",
        "ring",
        "+1 415 555 0132",
        "--call-id",
        "sub-1",
        env=env_for(runtime),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert (process.returncode, out, err) == (0, b"", b"")
    assert [(e.number, e.call_id) for e in app] == [(HERO, "sub-1")]


HEAVY = ("asyncio", "textual", "httpx", "phonenumbers", "rich", "keyring", "platformdirs")


def test_the_client_path_imports_nothing_heavy(runtime: str) -> None:  # noqa: F811
    code = (
        "import sys\n"
        "from cx_tui import cli\n"
        "status = cli.main(['ring', '+14155550132'])\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "ours = [m for m in ('cx_tui.config', 'cx_tui.identity') if m in sys.modules]\n"
        "print(status, heavy, ours)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env_for(runtime),
        timeout=30,
        check=False,
    )
    assert result.stdout.strip() == "1 [] []", result.stdout + result.stderr


def test_the_check_can_see_a_heavy_import(runtime: str) -> None:  # noqa: F811
    """Guard against a check that could never fail: the server side does pull them in."""
    code = (
        "import sys\n"
        "from cx_tui import cli\n"
        "import cx_tui.softphone.control\n"
        "print('asyncio' in sys.modules, 'phonenumbers' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env_for(runtime),
        timeout=30,
        check=True,
    )
    assert result.stdout.strip() == "True True"


# --- starting the app: one per user ------------------------------------------------------


async def test_starting_the_app_while_one_runs_exits_2_before_the_screen(
    capsys: pytest.CaptureFixture[str], app: list[CallEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[Any] = []
    monkeypatch.setattr("cx_tui.app.CxApp.run", lambda self, *a, **k: started.append(self))
    code, _, err = await arun(capsys)
    assert code == 2 and "already running" in err and "--replace" in err
    assert started == []


async def test_replace_asks_the_running_app_to_quit_then_starts(
    capsys: pytest.CaptureFixture[str],
    runtime: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = ControlServer(on_event=lambda _e: None)
    quits: list[CallEvent] = []

    def on_event(event: CallEvent) -> None:
        quits.append(event)
        asyncio.get_running_loop().create_task(old.stop())

    old.on_event = on_event
    await old.start()
    started: list[Any] = []
    monkeypatch.setattr("cx_tui.app.CxApp.run", lambda self, *a, **k: started.append(self))
    code, _, err = await arun(capsys, "--replace")
    assert code == 0, err
    assert [e.kind for e in quits] == [CallKind.QUIT]
    assert len(started) == 1 and not old.serving
