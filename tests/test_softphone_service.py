"""The [softphone] config table, the token, and both doors started together."""

from __future__ import annotations

import asyncio
import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from cx_tui import cli
from cx_tui.config import ConfigError, SoftphoneConfig, load_config
from cx_tui.softphone import client
from cx_tui.softphone.events import CallEvent, CallKind
from cx_tui.softphone.service import SoftphoneService
from tests.conftest import MemoryKeyring
from tests.test_softphone_control import runtime  # noqa: F401 - a fixture

TOKEN = "a-long-random-token-0123456789"
CONNECTORS = '[[connectors]]\nname = "Demo CRM"\ntype = "local"\ndataset = "crm"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text + "\n" + CONNECTORS)
    return path


# --- config --------------------------------------------------------------------------------


def test_softphone_defaults_when_the_table_is_absent(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""))
    assert config.softphone == SoftphoneConfig(False, 8765, "softphone-http")
    assert load_config(env={}).softphone == SoftphoneConfig()  # the demo too


def test_softphone_table_is_read(tmp_path: Path) -> None:
    text = '[softphone]\nhttp_enabled = true\nhttp_port = 9000\nhttp_token_name = "pbx-bridge"'
    config = load_config(write(tmp_path, text))
    assert config.softphone == SoftphoneConfig(True, 9000, "pbx-bridge")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("http_enabled = 'yes'", 'softphone.http_enabled: expected true or false, got "yes"'),
        ("http_port = 80", "softphone.http_port: expected a port from 1024 to 65535, got 80"),
        ("http_port = 70000", "softphone.http_port: expected a port from 1024 to 65535"),
        ("http_port = true", "softphone.http_port: expected a port"),
        ("http_port = '8765'", "softphone.http_port: expected a port"),
        ("http_token_name = ''", "softphone.http_token_name: expected a name"),
        ("http_host = '0.0.0.0'", 'softphone.http_host: unknown key; did you mean "http_port"?'),
        ("http_token = 'abc'", "softphone.http_token: secrets do not belong in the config file"),
    ],
)
def test_softphone_mistakes_name_the_key(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, f"[softphone]\n{text}"))
    assert fragment in str(caught.value)
    assert "abc" not in str(caught.value)


def test_secret_set_accepts_the_endpoint_token_name(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Piped, as a script would (`secret set` reads a non-terminal stdin, not getpass).
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{TOKEN}\n"))
    config = write(tmp_path, "")
    code = cli.main(["secret", "set", "softphone-http", "--config", str(config)])
    out, _ = capsys.readouterr()
    assert code == 0 and TOKEN not in out
    assert memory_keyring.store[("cx-tui", "softphone-http")] == TOKEN


# --- the service ---------------------------------------------------------------------------


@pytest.fixture
def free_port() -> Iterator[int]:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    yield port


async def post(url: str, fields: str, token: str) -> tuple[int, dict[str, object]]:
    host_port = url.split("/")[2]
    host, port = host_port.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    body = fields.encode()
    writer.write(
        (
            f"POST /cti HTTP/1.1\r\nHost: {host_port}\r\nX-CX-Token: {token}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body
    )
    raw = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(payload)


async def test_both_doors_deliver_to_one_handler(
    runtime: str,  # noqa: F811
    free_port: int,
) -> None:
    events: list[CallEvent] = []
    service = SoftphoneService(
        SoftphoneConfig(http_enabled=True, http_port=free_port),
        events.append,
        default_region="US",
        env={"CX_TUI_SECRET_SOFTPHONE_HTTP": TOKEN},
    )
    assert await service.start() == []
    try:
        assert service.http_url == f"http://127.0.0.1:{free_port}/cti"
        await asyncio.to_thread(client.send, {"event": "ring", "number": "4155550132"})
        status, _ = await post(service.http_url, "event=hangup&callId=1", TOKEN)
        assert status == 200
        assert [(e.kind, e.source) for e in events] == [
            (CallKind.RING, "socket"),
            (CallKind.HANGUP, "http"),
        ]
    finally:
        await service.stop()
        await service.stop()
    assert service.http_url is None and not service.control.serving


async def test_http_is_off_by_default(runtime: str) -> None:  # noqa: F811
    service = SoftphoneService(SoftphoneConfig(), lambda _e: None, env={})
    assert await service.start() == []
    try:
        assert service.http_url is None and service.control.serving
    finally:
        await service.stop()


async def test_a_missing_token_keeps_http_off_and_says_how_to_set_it(
    runtime: str,  # noqa: F811
    free_port: int,
    memory_keyring: MemoryKeyring,
) -> None:
    service = SoftphoneService(
        SoftphoneConfig(http_enabled=True, http_port=free_port), lambda _e: None, env={}
    )
    [problem] = await service.start()
    try:
        assert problem.startswith("Softphone HTTP endpoint off: no token")
        assert "cx-tui secret set" in problem and "CX_TUI_SECRET_SOFTPHONE_HTTP" in problem
        assert service.http_url is None and service.control.serving  # the socket still works
    finally:
        await service.stop()


async def test_the_token_comes_from_the_keyring_first(
    runtime: str,  # noqa: F811
    free_port: int,
    memory_keyring: MemoryKeyring,
) -> None:
    memory_keyring.store[("cx-tui", "pbx-bridge")] = TOKEN
    events: list[CallEvent] = []
    settings = SoftphoneConfig(http_enabled=True, http_port=free_port, http_token_name="pbx-bridge")
    service = SoftphoneService(settings, events.append, env={})
    assert await service.start() == []
    try:
        assert service.http_url is not None
        status, _ = await post(service.http_url, "event=answer&callId=9", TOKEN)
        assert status == 200 and events[0].call_id == "9"
    finally:
        await service.stop()


async def test_a_short_token_is_refused(runtime: str, free_port: int) -> None:  # noqa: F811
    service = SoftphoneService(
        SoftphoneConfig(http_enabled=True, http_port=free_port),
        lambda _e: None,
        env={"CX_TUI_SECRET_SOFTPHONE_HTTP": "1234"},
    )
    [problem] = await service.start()
    try:
        assert "shorter than 16 characters" in problem and "1234" not in problem
        assert service.http_url is None
    finally:
        await service.stop()


async def test_a_taken_port_and_a_running_app_are_reported_not_raised(
    runtime: str,  # noqa: F811
) -> None:
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    port = int(blocker.getsockname()[1])
    first = SoftphoneService(SoftphoneConfig(), lambda _e: None, env={})
    await first.start()
    second = SoftphoneService(
        SoftphoneConfig(http_enabled=True, http_port=port),
        lambda _e: None,
        env={"CX_TUI_SECRET_SOFTPHONE_HTTP": TOKEN},
    )
    try:
        problems = await second.start()
        assert len(problems) == 2
        assert "already running" in problems[0]
        assert f"cannot listen on 127.0.0.1:{port}" in problems[1]
        assert all(TOKEN not in problem for problem in problems)
    finally:
        await second.stop()
        await first.stop()
        blocker.close()
