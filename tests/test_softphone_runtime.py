"""A hostile runtime directory: refused, with its name, before anything inside is touched.

The test box runs as root, so "another user's directory" is made by pretending to be another
user (os.getuid) or, as root, by giving the directory away; "anybody may write to it" is a
0777 directory; and symlinks are real symlinks.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cx_tui.softphone import client
from cx_tui.softphone import runtime as runtime_module
from cx_tui.softphone.control import ControlError, ControlServer, ensure_single_instance
from cx_tui.softphone.runtime import LOCK_NAME, SOCKET_NAME, runtime_dir
from cx_tui.softphone.service import SoftphoneService
from tests.test_softphone_control import HERO


@pytest.fixture
def tmpdir_fallback(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """No CX_TUI_RUNTIME_DIR, no usable XDG_RUNTIME_DIR or /run/user/<uid>: the fallback
    `$TMPDIR/cx-tui-<uid>`, in a short private TMPDIR; the path it resolves to."""
    base = tempfile.mkdtemp(prefix="cxh-", dir="/tmp")
    monkeypatch.delenv("CX_TUI_RUNTIME_DIR", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", base)
    real = runtime_module._is_private_dir
    monkeypatch.setattr(
        runtime_module, "_is_private_dir", lambda p: not p.startswith("/run/user/") and real(p)
    )
    try:
        path = runtime_dir()
        assert path == os.path.join(base, f"cx-tui-{os.getuid()}")
        yield path
    finally:
        shutil.rmtree(base, ignore_errors=True)


async def refused(path_named: str, fragment: str) -> None:
    """Every way in says no, naming `path_named`, without a traceback or a touched lock."""
    with pytest.raises(ControlError) as caught:
        await ControlServer(on_event=lambda _e: None).start()
    assert path_named in str(caught.value) and fragment in str(caught.value)
    # The check the CLI makes before the screen: it leaves the refusal to the app, quietly.
    await asyncio.to_thread(ensure_single_instance)
    # The app starts without the socket and says why (the service's problem lines).
    from cx_tui.config import SoftphoneConfig

    service = SoftphoneService(SoftphoneConfig(), lambda _e: None)
    problems = await service.start()
    await service.stop()
    assert len(problems) == 1 and path_named in problems[0] and fragment in problems[0]
    # `cx-tui ring` never sends an event into it.
    with pytest.raises(client.NotRunningError) as sent:
        client.send({"event": "ring", "number": HERO})
    assert path_named in str(sent.value)


def untouched(directory: str) -> None:
    assert not os.path.lexists(os.path.join(directory, LOCK_NAME))
    assert not os.path.lexists(os.path.join(directory, SOCKET_NAME))


async def test_the_fallback_is_made_0700_and_used(tmpdir_fallback: str) -> None:
    srv = ControlServer(on_event=lambda _e: None)
    await srv.start()
    try:
        assert srv.path == os.path.join(tmpdir_fallback, SOCKET_NAME)
        assert stat.S_IMODE(os.lstat(tmpdir_fallback).st_mode) == 0o700
        assert (await asyncio.to_thread(client.send, {"event": "ping"}))["ok"] is True
    finally:
        await srv.stop()


async def test_a_fallback_dir_anybody_may_write_to_is_refused(tmpdir_fallback: str) -> None:
    os.mkdir(tmpdir_fallback)
    os.chmod(tmpdir_fallback, 0o777)
    await refused(tmpdir_fallback, "can be written by other users (mode 0777)")
    untouched(tmpdir_fallback)
    assert stat.S_IMODE(os.lstat(tmpdir_fallback).st_mode) == 0o777  # not "fixed" either


async def test_another_users_fallback_dir_is_refused(
    tmpdir_fallback: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Somebody else made `$TMPDIR/cx-tui-<our uid>` first (here: root, for uid 4242)."""
    monkeypatch.setattr(os, "getuid", lambda: os.geteuid() + 4242)  # we are somebody else
    ours = runtime_dir()
    assert ours == os.path.join(os.path.dirname(tmpdir_fallback), f"cx-tui-{os.getuid()}")
    os.mkdir(ours, 0o700)  # planted by the real uid, owner-only like a real one
    await refused(ours, f"belongs to another user (uid {os.geteuid()})")
    untouched(ours)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a directory to another user")
async def test_a_fallback_dir_given_to_another_user_is_refused(tmpdir_fallback: str) -> None:
    os.mkdir(tmpdir_fallback, 0o700)
    os.chown(tmpdir_fallback, 65534, 65534)
    await refused(tmpdir_fallback, "belongs to another user (uid 65534)")
    untouched(tmpdir_fallback)


async def test_a_symlinked_fallback_dir_is_refused_and_its_target_untouched(
    tmpdir_fallback: str,
) -> None:
    target = Path(tmpdir_fallback).parent / "planted"
    target.mkdir(mode=0o700)
    os.symlink(target, tmpdir_fallback)
    await refused(tmpdir_fallback, "not a plain directory (a symlink)")
    untouched(str(target))


async def test_a_lock_that_is_a_symlink_is_refused_and_its_target_untouched(
    tmpdir_fallback: str,
) -> None:
    os.mkdir(tmpdir_fallback, 0o700)
    victim = Path(tmpdir_fallback).parent / "precious.txt"
    victim.write_text("keep me")
    before = victim.stat()
    lock = os.path.join(tmpdir_fallback, LOCK_NAME)
    os.symlink(victim, lock)
    with pytest.raises(ControlError) as caught:
        await ControlServer(on_event=lambda _e: None).start()
    assert lock in str(caught.value) and "symlink" in str(caught.value)
    await asyncio.to_thread(ensure_single_instance)  # quiet: the app says it
    after = victim.stat()
    assert victim.read_text() == "keep me"
    assert (after.st_mode, after.st_mtime_ns) == (before.st_mode, before.st_mtime_ns)
    assert os.path.islink(lock)
    assert not os.path.lexists(os.path.join(tmpdir_fallback, SOCKET_NAME))


async def test_a_lock_that_is_not_a_plain_file_is_refused(tmpdir_fallback: str) -> None:
    os.makedirs(os.path.join(tmpdir_fallback, LOCK_NAME), mode=0o700)
    with pytest.raises(ControlError, match=r"refusing the lock file .*control\.lock"):
        await ControlServer(on_event=lambda _e: None).start()


def test_the_cli_check_never_creates_the_directory_or_the_lock(tmpdir_fallback: str) -> None:
    ensure_single_instance()
    assert not os.path.lexists(tmpdir_fallback)
