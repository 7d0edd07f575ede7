"""Where the control socket lives: a private directory only this user can enter.

Resolution, the same for the server and the client so they always meet:

1. `CX_TUI_RUNTIME_DIR` when set (tests, unusual hosts);
2. on macOS, `platformdirs.user_runtime_dir("cx-tui")`;
3. elsewhere `$XDG_RUNTIME_DIR/cx-tui` when XDG_RUNTIME_DIR is a directory owned by this user
   with no group or other access (what `platformdirs.user_runtime_dir` returns on Linux, computed
   here without importing platformdirs, whose `tempfile` import alone costs the client ~10 ms),
   else `/run/user/<uid>/cx-tui` under the same condition;
4. else `$TMPDIR/cx-tui-<uid>` (`/tmp/cx-tui-<uid>`), created 0700.

Whichever it is, it is looked at (lstat; opened O_NOFOLLOW) before anything inside it is touched,
the lock included, and refused, with a message naming it, when it is a symlink or not a
directory, belongs to another user, or others may write to it (anybody could have planted a
socket, a lock or a symlink there). A directory of ours that others may only read is made
0700. The lock (`control.lock`) is opened O_NOFOLLOW and must be a plain file of ours.

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


def _unsafe(path: str, info: os.stat_result) -> str | None:
    """Why the directory `info` describes must not be used, or None when it is ours alone."""
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        kind = "a symlink" if stat.S_ISLNK(info.st_mode) else "not a directory"
        return (
            f"the control socket's directory {path} is not a plain directory ({kind}); remove "
            f"it, or set {RUNTIME_DIR_ENV} to another one"
        )
    if info.st_uid != _uid():
        return (
            f"the control socket's directory {path} belongs to another user (uid "
            f"{info.st_uid}); remove it, or set {RUNTIME_DIR_ENV} to a directory you own"
        )
    if info.st_mode & 0o022:
        return (
            f"the control socket's directory {path} can be written by other users (mode "
            f"{stat.S_IMODE(info.st_mode):04o}); remove it, or set {RUNTIME_DIR_ENV} to a "
            "private directory"
        )
    return None


def check_runtime_dir(path: str) -> bool:
    """Whether `path` exists; refuse it (without following a symlink) unless it is ours alone.

    Raises:
        RuntimeDirError: it is a symlink, not a directory, another user's, or others may write
            to it; the message names it.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise RuntimeDirError(
            f"cannot use the control socket's directory {path} ({exc.strerror or exc}); set "
            f"{RUNTIME_DIR_ENV} to a directory you own"
        ) from None
    problem = _unsafe(path, info)
    if problem:
        raise RuntimeDirError(problem)
    return True


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

    The directory is opened without following a symlink and checked through that handle, so
    what is checked is what is made 0700; nothing inside it is touched here.

    Raises:
        RuntimeDirError: it is a symlink, not a directory, another user's, or others may write
            to it (the message names it); or it cannot be created.
    """
    try:
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, mode=0o700, exist_ok=True)
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
    except OSError as exc:
        raise RuntimeDirError(
            f"cannot create the control socket's directory {path} ({exc.strerror or exc}); "
            f"set {RUNTIME_DIR_ENV} to a directory you own"
        ) from None
    check_runtime_dir(path)  # a symlink is refused here, before it could be opened
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:  # swapped for a symlink or a file since the check
        raise RuntimeDirError(
            f"the control socket's directory {path} is not a plain directory "
            f"({exc.strerror or exc}); remove it, or set {RUNTIME_DIR_ENV} to another one"
        ) from None
    try:
        info = os.fstat(fd)
        problem = _unsafe(path, info)
        if problem:
            raise RuntimeDirError(problem)
        if info.st_mode & 0o077:
            os.fchmod(fd, 0o700)  # readable by others, never writable: nothing planted inside
    finally:
        os.close(fd)
    return path


def open_lock(path: str) -> int:
    """Open (creating it 0600) the lock file `path`, never through a symlink; the fd.

    Raises:
        RuntimeDirError: it is a symlink, or not a plain file of ours (the message names it).
    """
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0), 0o600)
    except OSError as exc:
        is_link = os.path.islink(path)
        why = "it is a symlink" if is_link else (exc.strerror or str(exc))
        raise RuntimeDirError(
            f"refusing the lock file {path} ({why}); remove it, or set {RUNTIME_DIR_ENV} to "
            "another directory"
        ) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_uid != _uid() or info.st_nlink != 1:
        os.close(fd)
        raise RuntimeDirError(
            f"refusing the lock file {path} (not a plain file of yours); remove it, or set "
            f"{RUNTIME_DIR_ENV} to another directory"
        )
    return fd


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
