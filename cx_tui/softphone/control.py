"""The control socket: the running app's local door for call events.

A Unix stream socket in a private directory (`runtime.py`; directory 0700, socket 0600). The
protocol is one JSON object per line each way:

    → {"v":1,"event":"ring","number":"+14155550132","call_id":"abc","line":"support"}
    ← {"ok":true}
    → {"v":1,"event":"ring","number":"12"}
    ← {"ok":false,"error":"'12' is not a valid phone number: ..."}

Events: ring, answer, hangup, lookup, quit (see `events.event_from_message`), plus `ping`,
answered by the server itself with its pid (the app never sees it). A valid event is
acknowledged as soon as it is validated, and only then handed to the app, so a softphone's
hook never waits while the app updates its screen. Lines are at most 4 KiB.

The door stays open while a local process floods it: each line must arrive whole within
`IDLE_TIMEOUT` (1 s) of connecting or of the previous reply, or the connection is closed; and
`gate.Gate` keeps at most `MAX_CONNECTIONS`, at most `PER_PEER` idle ones per process (known
from the socket's peer credentials), shedding the longest-idle connection, never the new one.
Each connection is handled in its own task, so a broken or slow client costs the app nothing
but that task.

One app per user: the server holds an exclusive lock (`control.lock`, flock) while it runs.
Starting while another holds it raises `AlreadyRunningError`; with `replace=True` the other is
asked to quit over the socket first. A socket file left by a crashed run (nobody holds the lock,
nobody accepts connections) is removed before binding.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import stat
import time
from typing import TYPE_CHECKING, Any

from cx_tui.softphone import MAX_LINE_BYTES
from cx_tui.softphone.events import CallEvent, EventError, event_from_message
from cx_tui.softphone.gate import (
    ACCEPT_BATCH,
    SHED_MESSAGE,
    Gate,
    Seat,
    cannot_listen,
    open_door,
    unix_peer,
)
from cx_tui.softphone.runtime import (
    LOCK_NAME,
    RuntimeDirError,
    check_runtime_dir,
    check_socket_path,
    ensure_runtime_dir,
    open_lock,
    socket_path,
)

if TYPE_CHECKING:
    from collections.abc import Callable

log = logging.getLogger(__name__)

IDLE_TIMEOUT = 1.0
"""Seconds a connection gets to send a whole line (from connecting, or from its last reply)."""
MAX_CONNECTIONS = 128
"""Connections served at once; one more sheds the longest-idle (see `gate.Gate`)."""
PER_PEER = 16
"""Idle connections one process may hold; one more sheds its own longest-idle."""
REPLACE_WAIT = 3.0
"""Seconds `replace=True` waits for the running app to quit."""


class ControlError(Exception):
    """The control socket cannot be served; the message says why and what to do."""


class AlreadyRunningError(ControlError):
    """Another cx-tui of this user holds the control socket."""

    def __init__(self, path: str, pid: int | None = None, message: str | None = None) -> None:
        self.path = path
        self.pid = pid
        who = f"cx-tui (pid {pid})" if pid else "cx-tui"
        super().__init__(
            message
            or f"{who} is already running for this user (control socket {path}); switch to "
            "it, or start this one with --replace to take over"
        )


def lock_path(path: str) -> str:
    return os.path.join(os.path.dirname(path), LOCK_NAME)


def _try_lock(path: str) -> int | None:
    """Open and exclusively lock `path`'s lock file; the fd, or None when another holds it.

    Raises:
        RuntimeDirError: the lock is a symlink, or not a plain file of ours.
    """
    import fcntl

    fd = open_lock(lock_path(path))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


def _unlock(fd: int) -> None:
    import fcntl

    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def _ask(path: str, message: dict[str, Any], timeout: float = 1.0) -> dict[str, Any] | None:
    """A reply from whatever listens at `path`, or None when nothing answers."""
    from cx_tui.softphone.client import ClientError, send

    try:
        return send(message, path, timeout=timeout)
    except ClientError:
        return None


def _remove_stale_socket(path: str) -> None:
    """Remove a socket file nobody accepts connections on; refuse to touch anything else."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(info.st_mode):
        raise ControlError(
            f"{path} exists and is not a socket; remove it, or set CX_TUI_RUNTIME_DIR to "
            "another directory"
        )
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(0.5)
        probe.connect(path)
    except OSError:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        return
    finally:
        probe.close()
    # Something accepts connections without holding the lock: an older cx-tui, or a stranger.
    raise AlreadyRunningError(path)


def ensure_single_instance(
    path: str | None = None, *, replace: bool = False, wait: float = REPLACE_WAIT
) -> None:
    """Before the app starts: make sure no other cx-tui of this user is running.

    With `replace`, ask the running one to quit and wait up to `wait` seconds for it. Problems
    other than a running instance (no usable runtime directory, no Unix sockets) are left for
    `ControlServer.start` to report inside the app, which works without the socket.

    Raises:
        AlreadyRunningError: one is running (and `replace` is False, or it did not quit).
    """
    if not hasattr(socket, "AF_UNIX"):  # pragma: no cover - Windows
        return
    target = socket_path() if path is None else path
    try:
        # Nothing inside is touched before the directory is known to be ours alone.
        if not check_runtime_dir(os.path.dirname(target)):
            return
        fd = _try_lock(target)
    except OSError:  # RuntimeDirError included: `start` says it, naming the path, in the app
        return
    if fd is not None:
        _unlock(fd)
        return
    pong = _ask(target, {"event": "ping"})
    pid = pong.get("pid") if pong else None
    pid = pid if isinstance(pid, int) else None
    if not replace:
        raise AlreadyRunningError(target, pid)
    _ask(target, {"event": "quit"})
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        fd = _try_lock(target)
        if fd is not None:
            _unlock(fd)
            return
        time.sleep(0.05)
    who = f"the running cx-tui (pid {pid})" if pid else "the running cx-tui"
    raise AlreadyRunningError(
        target, pid, f"{who} did not quit within {wait:g} s; close it and start again"
    )


class ControlServer:
    """Serves the control socket inside the app's event loop.

    Args:
        path: The socket file (default: `runtime.socket_path()`); its directory is created
            0700 if missing.
        on_event: Called with each valid event, in the order received, in the event loop's
            thread, right after the client got its reply (a valid message is acknowledged
            before the app acts on it). Its exceptions are caught and logged (`problem` keeps
            the last), and the server carries on.
        default_region: Region for numbers without `+` (the app's `region_for(config)`).
    """

    def __init__(
        self,
        path: str | None = None,
        on_event: Callable[[CallEvent], None] | None = None,
        *,
        default_region: str | None = None,
    ) -> None:
        self.path = socket_path() if path is None else path
        self.on_event = on_event or (lambda _event: None)
        self.default_region = default_region
        self._server: asyncio.AbstractServer | None = None
        self._lock_fd: int | None = None
        self._inode: tuple[int, int] | None = None
        self._gate = Gate(MAX_CONNECTIONS, per_peer=PER_PEER, farewell=_farewell)
        self.problem: str | None = None
        """The last failure of `on_event`, if any (the client had its reply already)."""

    @property
    def serving(self) -> bool:
        return self._server is not None

    @property
    def shed_count(self) -> int:
        """Connections closed to make room for newer ones (flooding, or a storm of them)."""
        return self._gate.shed_count

    async def start(self, *, replace: bool = False) -> None:
        """Bind the socket and start serving.

        Raises:
            AlreadyRunningError: another cx-tui serves it (with `replace`: and did not quit).
            ControlError: the directory or socket cannot be used (message says why); also on
                systems without Unix sockets.
        """
        if self._server is not None:
            return
        if not hasattr(socket, "AF_UNIX"):  # pragma: no cover - Windows
            raise ControlError(
                "no control socket on this system (it needs Unix sockets); use the HTTP "
                "endpoint ([softphone] http_enabled) for call events"
            )
        try:
            ensure_runtime_dir(os.path.dirname(self.path))
            check_socket_path(self.path)
            if replace:
                await asyncio.to_thread(ensure_single_instance, self.path, replace=True)
            self._lock_fd = _try_lock(self.path)
        except RuntimeDirError as error:
            raise ControlError(str(error)) from None
        if self._lock_fd is None:
            pong = await asyncio.to_thread(_ask, self.path, {"event": "ping"})
            pid = pong.get("pid") if pong else None
            raise AlreadyRunningError(self.path, pid if isinstance(pid, int) else None)
        try:
            _remove_stale_socket(self.path)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.bind(self.path)
                # The directory is 0700 already; the socket itself is made owner-only too.
                os.chmod(self.path, 0o600)
                sock.listen(ACCEPT_BATCH)
                sock.setblocking(False)
            except BaseException:
                sock.close()
                raise
            info = os.stat(self.path)
            self._inode = (info.st_dev, info.st_ino)
            # Passing a bound socket keeps asyncio from unlinking an existing path itself.
            self._server = await open_door(
                asyncio.start_unix_server, self._serve, sock, MAX_LINE_BYTES
            )
        except OSError as exc:
            self._release()
            raise ControlError(cannot_listen(self.path, exc)) from None
        except BaseException:
            self._release()
            raise

    async def stop(self) -> None:
        """Stop serving, close open connections and remove the socket file (if still ours)."""
        server, self._server = self._server, None
        await self._gate.close_door(server)
        self._release()

    def _release(self) -> None:
        if self._inode is not None:
            with contextlib.suppress(OSError):
                info = os.stat(self.path)
                if (info.st_dev, info.st_ino) == self._inode:
                    os.unlink(self.path)
            self._inode = None
        if self._lock_fd is not None:
            _unlock(self._lock_fd)
            self._lock_fd = None

    # --- connections -------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._gate.serve(
            writer, lambda seat: self._converse(reader, writer, seat), unix_peer(writer)
        )

    async def _converse(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seat: Seat
    ) -> None:
        while True:
            seat.waiting()
            last = False
            try:
                line = await asyncio.wait_for(reader.readuntil(b"\n"), IDLE_TIMEOUT)
            except TimeoutError:
                return
            except asyncio.IncompleteReadError as exc:
                line, last = exc.partial, True
            except asyncio.LimitOverrunError:
                await self._reply(
                    writer,
                    {"ok": False, "error": f"message longer than {MAX_LINE_BYTES} bytes"},
                )
                return
            seat.working()
            if line.strip():
                await self._answer(writer, line)
            if last:
                return

    async def _answer(self, writer: asyncio.StreamWriter, line: bytes) -> None:
        """Acknowledge first, then hand the event over: the softphone's hook is released as
        soon as its message is validated, never held while the app updates the screen."""
        reply, event = self.read_line(line)
        writer.write(json.dumps(reply, separators=(",", ":")).encode() + b"\n")
        if event is not None:
            # Before draining: a client that reads its reply and hangs up at once must not
            # cost the event.
            self.dispatch(event)
        await asyncio.wait_for(writer.drain(), IDLE_TIMEOUT)

    async def _reply(self, writer: asyncio.StreamWriter, reply: dict[str, Any]) -> None:
        writer.write(json.dumps(reply, separators=(",", ":")).encode() + b"\n")
        await asyncio.wait_for(writer.drain(), IDLE_TIMEOUT)

    def read_line(self, line: bytes) -> tuple[dict[str, Any], CallEvent | None]:
        """The reply to one message, and its event when it is a valid one (to `dispatch`)."""
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            return {"ok": False, "error": "the message is not UTF-8 text"}, None
        try:
            message = json.loads(text)
        except ValueError as exc:
            why = getattr(exc, "msg", "unreadable")
            return {"ok": False, "error": f"the message is not valid JSON ({why})"}, None
        except RecursionError:
            return {"ok": False, "error": "the message is nested too deeply"}, None
        if isinstance(message, dict) and message.get("event") == "ping":
            return {"ok": True, "pid": os.getpid(), "app": "cx-tui"}, None
        try:
            event = event_from_message(message, default_region=self.default_region)
        except EventError as error:
            return {"ok": False, "error": str(error)}, None
        reply: dict[str, Any] = {"ok": True}
        if event.warning:
            reply["warning"] = event.warning
        return reply, event

    def dispatch(self, event: CallEvent) -> None:
        """Hand a validated event to `on_event`; its failure is logged and kept in `problem`
        (the client was already answered), and the server carries on."""
        try:
            self.on_event(event)
        except Exception as exc:
            log.exception("the app failed to handle a %s event", event.kind.value)
            self.problem = f"the app failed to handle a {event.kind.value} event ({exc!r})"


def _farewell(writer: asyncio.StreamWriter) -> None:
    """The last line of a connection shed to make room (see `gate.Gate`)."""
    farewell = {"ok": False, "error": SHED_MESSAGE, "retry": True}  # its line was never read
    writer.write(json.dumps(farewell, separators=(",", ":")).encode() + b"\n")
