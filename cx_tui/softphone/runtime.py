"""Where the control socket lives: a private directory only this user can enter.

Resolution, the same for the server and the client so they always meet:

1. `CX_TUI_RUNTIME_DIR` when set (tests, unusual hosts);
2. on macOS, `platformdirs.user_runtime_dir("cx-tui")`;
3. elsewhere `$XDG_RUNTIME_DIR/cx-tui` when XDG_RUNTIME_DIR is a directory owned by this user
   with no group or other access (what `platformdirs.user_runtime_dir` returns on Linux, computed
   here without importing platformdirs, whose `tempfile` import alone costs the client ~10 ms),
   else `/run/user/<uid>/cx-tui` under the same condition;
4. else `$TMPDIR/cx-tui-<uid>` (`/tmp/cx-tui-<uid>`), created 0700; one that exists but belongs
   to someone else, or is a symlink, is refused rather than used.

Only the standard library's cheapest modules are imported: the client runs on every call.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Mapping

APP_DIR = "cx-tui"
RUNTIME_DIR_ENV = "CX_TUI_RUNTIME_DIR"
SOCKET_NAME = "control.sock"
LOCK_NAME = "control.lock"

# sun_path is 108 bytes on Linux and 104 on the BSDs and macOS, NUL included.
MAX_SOCKET_PATH_BYTES = 107 if sys.platform.startswith("linux") else 103


class RuntimeDirError(OSError):
    """The socket's directory is unusable; the message says why and what to do."""


def _uid() -> int:
    getuid = getattr(os, "getuid", None)
    return int(getuid()) if getuid is not None else 0


def _is_private_dir(path: str) -> bool:
    """A real directory (not a symlink) owned by this user, with no group or other access."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == _uid() and not info.st_mode & 0o077


def runtime_dir(env: Mapping[str, str] | None = None) -> str:
    """The directory of the control socket (not created here; see `ensure_runtime_dir`)."""
    environ = os.environ if env is None else env
    override = environ.get(RUNTIME_DIR_ENV, "")
    if override:
        return os.path.abspath(os.path.expanduser(override))
    if sys.platform == "darwin":  # pragma: no cover - exercised on macOS only
        import warnings

        import platformdirs

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return str(platformdirs.user_runtime_dir(APP_DIR, appauthor=False))
    for base in (environ.get("XDG_RUNTIME_DIR", ""), f"/run/user/{_uid()}"):
        if base and os.path.isabs(base) and _is_private_dir(base):
            return os.path.join(base, APP_DIR)
    tmp = environ.get("TMPDIR", "") or "/tmp"
    return os.path.join(tmp, f"{APP_DIR}-{_uid()}")


def socket_path(env: Mapping[str, str] | None = None) -> str:
    """The control socket's path."""
    return os.path.join(runtime_dir(env), SOCKET_NAME)


def ensure_runtime_dir(path: str) -> str:
    """Create `path` (0700) if missing; refuse it unless it is a private directory of ours.

    Raises:
        RuntimeDirError: it is a symlink, not a directory, or another user's.
    """
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        info = os.lstat(path)
    except OSError as exc:
        raise RuntimeDirError(
            f"cannot create the control socket's directory {path} ({exc.strerror or exc}); "
            f"set {RUNTIME_DIR_ENV} to a directory you own"
        ) from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise RuntimeDirError(
            f"{path} is not a plain directory; remove it or set {RUNTIME_DIR_ENV} to another one"
        )
    if info.st_uid != _uid():
        raise RuntimeDirError(
            f"{path} belongs to another user; set {RUNTIME_DIR_ENV} to a directory you own"
        )
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def check_socket_path(path: str) -> str:
    """Refuse a socket path longer than the system allows, with the way out.

    Raises:
        RuntimeDirError: the path is too long for a Unix socket.
    """
    size = len(os.fsencode(path))
    if size > MAX_SOCKET_PATH_BYTES:
        raise RuntimeDirError(
            f"the control socket path {path} is {size} bytes, more than the "
            f"{MAX_SOCKET_PATH_BYTES} a Unix socket allows; set {RUNTIME_DIR_ENV} to a "
            "shorter directory"
        )
    return path
