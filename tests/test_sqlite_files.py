"""The store and the local connector open their SQLite files through one code path
(`cx_tui.sqlite_files`): the same directory refused gets the same reason from both, the same
directory is made private by both, and the connectors layer reaches it without the store."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cx_tui import paths, sqlite_files
from cx_tui.connectors.base import Unavailable
from cx_tui.connectors.local import LocalConnector
from cx_tui.identity import parse_query
from cx_tui.sqlite_files import SQLiteFileError
from cx_tui.store import Store, StoreError

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX owners and modes")


async def _refusals(data_dir: Path) -> tuple[str, str, str]:
    """What sqlite_files, the store and the local connector each say about this data dir."""
    with pytest.raises(SQLiteFileError) as direct:
        sqlite_files.prepare_directory(data_dir / "any.sqlite3")
    with pytest.raises(StoreError) as by_store:
        Store()
    connector = LocalConnector("Demo CRM", {"dataset": "crm"})
    try:
        with pytest.raises(Unavailable) as by_local:
            await connector.find_people(parse_query("maria.gonzalez@example.com"))
    finally:
        await connector.aclose()
    return direct.value.reason, str(by_store.value), by_local.value.message


async def test_a_data_dir_that_is_a_file_is_refused_by_both_with_the_same_reason() -> None:
    data_dir = paths.data_dir()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    data_dir.write_text("a file where the data directory should be")

    reason, by_store, by_local = await _refusals(data_dir)

    assert reason == f"its directory {data_dir} is a file, not a directory"
    assert by_store == f"{data_dir / 'state.db'}: {reason}; " + (
        "nothing was saved. Make it writable by you or set CX_TUI_DATA_DIR."
    )
    assert by_local == (
        f"Cannot use the local database {data_dir / 'demo-crm.sqlite3'}: {reason}. "
        "Nothing was changed."
    )
    assert data_dir.read_text() == "a file where the data directory should be"


@posix_only
@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a directory to another user")
@pytest.mark.parametrize("through_a_link", [False, True], ids=["plain", "symlinked"])
async def test_another_users_data_dir_is_refused_by_both_with_the_same_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, through_a_link: bool
) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, 65534, 65534)
    data_dir = theirs
    if through_a_link:
        data_dir = tmp_path / "link"
        data_dir.symlink_to(theirs, target_is_directory=True)
    monkeypatch.setenv("CX_TUI_DATA_DIR", str(data_dir))

    reason, by_store, by_local = await _refusals(data_dir)

    assert reason == f"its directory {data_dir} belongs to another user"
    assert f": {reason};" in by_store and f": {reason}." in by_local
    assert list(theirs.iterdir()) == []  # nothing was created in it


@posix_only
async def test_a_group_writable_data_dir_is_made_private_by_both(tmp_path: Path) -> None:
    data_dir = paths.data_dir()
    for opener in ("store", "local"):
        data_dir.mkdir(parents=True, exist_ok=True)
        data_dir.chmod(0o775)
        if opener == "store":
            Store().close()
            made = data_dir / "state.db"
        else:
            connector = LocalConnector("Demo CRM", {})
            assert (await connector.check()).ok
            await connector.aclose()
            made = data_dir / "demo-crm.sqlite3"
        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700, opener
        assert stat.S_IMODE(made.stat().st_mode) == 0o600, opener


async def test_both_open_their_files_through_sqlite_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, str]] = []
    for name in ("prepare_directory", "read_header", "create_file", "connect"):
        real = getattr(sqlite_files, name)

        def spy(path: Path, *args: Any, _real: Any = real, _name: str = name, **kw: Any) -> Any:
            calls.append((_name, Path(path).name))
            return _real(path, *args, **kw)

        monkeypatch.setattr(sqlite_files, name, spy)

    Store(tmp_path / "state.db").close()
    connector = LocalConnector("CRM", {"path": str(tmp_path / "crm.sqlite3")})
    assert (await connector.check()).ok
    await connector.aclose()

    for file in ("state.db", "crm.sqlite3"):
        assert [n for n, f in calls if f == file] == [
            "prepare_directory",
            "read_header",
            "create_file",
            "connect",
        ], file


def test_the_connectors_layer_reaches_the_file_safety_code_without_the_store() -> None:
    code = (
        "import sys, cx_tui.connectors.local.connector\n"  # the package itself loads lazily
        "print('cx_tui.sqlite_files' in sys.modules, "
        "sorted(m for m in sys.modules if m.startswith('cx_tui.store')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True []"
