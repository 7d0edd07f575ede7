"""Start the real app in a real terminal (tmux), type a demo number, read the screen."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def _tmux(socket: str, *args: str) -> str:
    result = subprocess.run(
        ["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=10
    )
    return result.stdout


def _wait_for(socket: str, words: str, deadline: float) -> str:
    screen = ""
    while time.monotonic() < deadline:
        screen = _tmux(socket, "capture-pane", "-p", "-t", "cx")
        if words in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{words!r} never appeared; the screen was:\n{screen}")


def test_app_in_tmux_shows_the_profile_for_a_typed_number(isolated_env: Path) -> None:
    socket = f"cx-test-{uuid.uuid4().hex[:8]}"
    env_args = []
    for key in ("CX_TUI_DATA_DIR", "XDG_CONFIG_HOME", "HOME"):
        env_args += ["-e", f"{key}={os.environ[key]}"]
    command = f"{sys.executable} -m cx_tui"
    _tmux(socket, "new-session", "-d", "-s", "cx", "-x", "120", "-y", "40", *env_args, command)
    try:
        deadline = time.monotonic() + 30
        _wait_for(socket, "Phone, email or name", deadline)
        _tmux(socket, "send-keys", "-t", "cx", "(415) 555-0132", "Enter")
        screen = _wait_for(socket, "Maria Gonzalez", deadline)
        assert "conflict" in screen
        # Back to the bar (it selects the old query, so typing replaces it), then a bad number.
        _tmux(socket, "send-keys", "-t", "cx", "C-l")
        _tmux(socket, "send-keys", "-t", "cx", "+999 123", "Enter")
        screen = _wait_for(socket, "not a valid phone number", deadline)
        _tmux(socket, "send-keys", "-t", "cx", "C-q")
    finally:
        _tmux(socket, "kill-server")
