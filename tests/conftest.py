"""Shared fixtures: every test gets its own data dir, config location and keyring."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

# Snapshots are taken in colour; NO_COLOR in a developer's shell would change every one.
os.environ.pop("NO_COLOR", None)


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps secrets in a dict (none exists on a headless box)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.store[(service, username)]
        except KeyError:
            raise PasswordDeleteError(username) from None


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point data, config and secrets at a temporary home so no test touches the real ones."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("CX_TUI_DATA_DIR", str(home / "data"))
    # The control socket: a short private dir per test (Unix socket paths are ~107 bytes max),
    # so app tests never meet a running cx-tui or each other.
    runtime = Path(tempfile.mkdtemp(prefix="cxrt-", dir="/tmp"))
    monkeypatch.setenv("CX_TUI_RUNTIME_DIR", str(runtime))
    monkeypatch.delenv("CX_TUI_CONFIG", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    for key in list(os.environ):
        if key.startswith("CX_TUI_SECRET_"):
            monkeypatch.delenv(key)
    yield home
    shutil.rmtree(runtime, ignore_errors=True)
