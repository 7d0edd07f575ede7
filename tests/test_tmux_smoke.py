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
        # The first source paints her at once; the conflict shows when the second answers.
        screen = _wait_for(socket, "conflict", deadline)
        assert "Maria Gonzalez" in screen
        # Back to the bar (it selects the old query, so typing replaces it), then a bad number.
        _tmux(socket, "send-keys", "-t", "cx", "C-l")
        _tmux(socket, "send-keys", "-t", "cx", "+999 123", "Enter")
        screen = _wait_for(socket, "not a valid phone number", deadline)
        _tmux(socket, "send-keys", "-t", "cx", "C-q")
    finally:
        _tmux(socket, "kill-server")


# --- burst input (issue 18): keys sent in one send-keys belong to the screen they open ------

NOTE = "Refund the March invoice; card ending 4242. #"  # 45 + the 2-digit round = 47
ROUNDS = 20


def _store_rows(sql: str, *params: object) -> list[tuple[object, ...]]:
    import sqlite3

    path = Path(os.environ["CX_TUI_DATA_DIR"]) / "state.db"
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError:  # the table is not made yet
        return []
    finally:
        conn.close()


def _wait_rows(sql: str, *params: object, count: int, deadline: float) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    while time.monotonic() < deadline:
        rows = _store_rows(sql, *params)
        if len(rows) >= count:
            return rows
        time.sleep(0.1)
    return rows


def _start(socket: str) -> None:
    env_args = []
    for key in ("CX_TUI_DATA_DIR", "XDG_CONFIG_HOME", "HOME", "CX_TUI_RUNTIME_DIR"):
        env_args += ["-e", f"{key}={os.environ[key]}"]
    command = f"{sys.executable} -m cx_tui"
    _tmux(socket, "new-session", "-d", "-s", "cx", "-x", "120", "-y", "40", *env_args, command)


def test_notes_sent_in_one_burst_arrive_whole_once(isolated_env: Path) -> None:
    """20 rounds of `n`, 47 characters and ctrl+s in one send-keys: none lost or cut."""
    socket = f"cx-test-{uuid.uuid4().hex[:8]}"
    _start(socket)
    lost = truncated = 0
    try:
        deadline = time.monotonic() + 30
        _wait_for(socket, "Phone, email or name", deadline)
        _tmux(socket, "send-keys", "-t", "cx", "(415) 555-0132", "Enter")
        _wait_for(socket, "Maria Gonzalez", deadline)
        for round_ in range(ROUNDS):
            text = f"{NOTE}{round_:02d}"
            assert len(text) == 47
            _tmux(socket, "send-keys", "-t", "cx", "n", text, "C-s")  # one write, one burst
            rows = _wait_rows(
                "SELECT DISTINCT batch FROM outbox WHERE text = ?",
                text,
                count=1,
                deadline=time.monotonic() + 10,
            )
            if len(rows) != 1:
                lost += 1
            _wait_for(socket, "Note about", time.monotonic() + 10)
            _tmux(socket, "send-keys", "-t", "cx", "Escape")
            _wait_gone(socket, "Note about", time.monotonic() + 10)
        texts = [row[0] for row in _store_rows("SELECT DISTINCT text FROM outbox")]
        truncated = sum(1 for t in texts if isinstance(t, str) and len(t) != 47)
        _tmux(socket, "send-keys", "-t", "cx", "C-q")
    finally:
        _tmux(socket, "kill-server")
    assert (lost, truncated) == (0, 0), f"{lost} lost, {truncated} truncated of {ROUNDS}"
    assert len(texts) == ROUNDS


def test_queries_sent_in_one_burst_after_slash_are_looked_up_whole(isolated_env: Path) -> None:
    """20 rounds of `/`, a query and Enter in one send-keys: every query looked up whole."""
    socket = f"cx-test-{uuid.uuid4().hex[:8]}"
    _start(socket)
    try:
        deadline = time.monotonic() + 30
        _wait_for(socket, "Phone, email or name", deadline)
        _tmux(socket, "send-keys", "-t", "cx", "(415) 555-0132", "Enter")
        _wait_for(socket, "Maria Gonzalez", deadline)
        queries = [f"+1415555{150 + round_:04d}" for round_ in range(ROUNDS)]
        for query in queries:
            _tmux(socket, "send-keys", "-t", "cx", "/", query, "Enter")  # one burst
            _wait_rows(
                "SELECT query FROM lookup_history WHERE query = ?",
                query,
                count=1,
                deadline=time.monotonic() + 10,
            )
        looked_up = [row[0] for row in _store_rows("SELECT query FROM lookup_history ORDER BY id")]
        _tmux(socket, "send-keys", "-t", "cx", "C-q")
    finally:
        _tmux(socket, "kill-server")
    lost = [query for query in queries if query not in looked_up]
    assert lost == [], f"{len(lost)} of {ROUNDS} queries lost or cut: {lost}"
    assert looked_up[1:] == queries  # in order, nothing else looked up


def _wait_gone(socket: str, words: str, deadline: float) -> None:
    screen = ""
    while time.monotonic() < deadline:
        screen = _tmux(socket, "capture-pane", "-p", "-t", "cx")
        if words not in screen:
            return
        time.sleep(0.1)
    raise AssertionError(f"{words!r} stayed; the screen was:\n{screen}")
