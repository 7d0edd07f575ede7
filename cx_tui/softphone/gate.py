"""Who gets served at a door when a local process floods it.

Both doors (the control socket and the HTTP endpoint) serve each connection in its own task,
and give each line or request a deadline of about a second. A local process can still open
connections faster than they time out and send nothing, or one byte at a time. Refusing new
connections once the door is full would hand the door to whoever fills it, so a `Gate` never
refuses the newcomer. Instead, when a connection arrives and:

- its peer already has `per_peer` connections that have waited `grace` seconds or more for
  their request (the peer is known on the Unix socket: SO_PEERCRED's uid and pid), the gate
  sheds that peer's longest-idle one;
- the door holds `limit` connections, it sheds the longest-idle one that has waited `grace` or
  more, taken first from the peer holding the most idle connections; at `ceiling` connections
  (3 x `limit`), that peer's (else anybody's) longest-idle whatever its age (and, when none is
  waiting for a request, the oldest). A storm from one process thus sheds its own connections.

"Idle" means waiting for (the rest of) a request; a connection being answered is busy. The
grace exists because asyncio admits a whole batch of accepted connections before it reads any
of them: a softphone's line is usually already there, unread. A shed connection gets a short
farewell ("closed to make room; retry") and is closed. A legitimate client sends its request
as soon as it connects, so it is served long before it could be the longest-idle one: a
softphone's ring gets in whatever holds the door, as long as fewer than `ceiling` connections
arrive within the few loop passes it takes to read it: asyncio accepts `ACCEPT_BATCH`
connections per pass, a dozenth of `ceiling` (see `listen`).

Admission is O(1): idle connections are kept in the order they became idle, per door and per
peer, so a flood costs the app the same per connection however many it holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

ACCEPT_BATCH = 32
"""How many connections asyncio accepts per loop pass (its `backlog`); see `listen`."""
QUEUE = 128
"""How many connections the kernel queues for a door before a connect is refused (EAGAIN)."""
SHED_MESSAGE = "closed to make room for newer connections (this one sent no request); retry"


@dataclass(eq=False, slots=True)  # eq=False: a seat is itself (hashed by identity)
class Seat:
    """One connection being served: its task, its writer, its peer and since when it waits."""

    gate: Gate
    task: asyncio.Task[None]
    writer: asyncio.StreamWriter
    peer: Hashable | None
    idle_since: float | None = None
    shed: bool = False

    def waiting(self) -> None:
        """It is waiting for a request (sheddable, once it has waited `grace`)."""
        if self.idle_since is None and not self.shed:
            self.idle_since = time.monotonic()
            self.gate._idle[self] = None
            if self.peer is not None:
                self.gate._idle_by_peer.setdefault(self.peer, {})[self] = None

    def working(self) -> None:
        """A request arrived; it is being answered."""
        if self.idle_since is not None:
            self.idle_since = None
            self.gate._forget_idle(self)


class Gate:
    """Admission for one door: caps, per-peer caps, and shedding of the longest-idle.

    Args:
        limit: Connections served at once before the longest-idle (for `grace` or more) is
            shed to admit one more; at 3 x `limit`, the longest-idle is shed whatever its age.
        per_peer: Connections one known peer may hold idle for `grace` or more.
        grace: Seconds a connection may wait before it can be shed (a burst of fresh
            connections is not shed for being a burst: their requests are there, unread).
        farewell: Writes the shed connection's last words (without waiting).
    """

    def __init__(
        self,
        limit: int,
        *,
        per_peer: int | None = None,
        grace: float = 0.25,
        farewell: Callable[[asyncio.StreamWriter], None] | None = None,
    ) -> None:
        self.limit = limit
        self.ceiling = 3 * limit
        self.per_peer = per_peer
        self.grace = grace
        self.farewell = farewell
        self._seats: dict[asyncio.Task[None], Seat] = {}  # in the order they arrived
        self._idle: dict[Seat, None] = {}  # in the order they became idle
        self._idle_by_peer: dict[Hashable, dict[Seat, None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        self.shed_count = 0
        """Connections shed so far (for tests and benchmarks)."""
        self.served_count = 0
        """Connections admitted so far."""

    def __len__(self) -> int:
        return len(self._seats)

    async def serve(
        self,
        writer: asyncio.StreamWriter,
        body: Callable[[Seat], Awaitable[None]],
        peer: Hashable | None = None,
    ) -> None:
        """Admit this connection (shedding another if need be), run `body`, then close it."""
        task = asyncio.current_task()
        assert task is not None
        seat = self._admit(task, writer, peer)
        try:
            await body(seat)
        except asyncio.CancelledError:
            if not (seat.shed or self._closing):
                raise
            # Ours: end normally (asyncio 3.11 logs a connection task that ends cancelled).
            task.uncancel()
        except (OSError, asyncio.IncompleteReadError):
            pass  # the peer went away, or broke the connection
        finally:
            self._leave(seat)
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def close_door(self, server: asyncio.AbstractServer | None) -> None:
        """Stop a door: `server` accepts no more, every connection is cancelled, then the
        server is given a second to finish closing."""
        if server is not None:
            server.close()
        await self.close_all()
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 1.0)

    async def close_all(self) -> None:
        """Cancel every connection (the door is closing) and wait for them to end."""
        self._closing = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._closing = False

    def _admit(
        self, task: asyncio.Task[None], writer: asyncio.StreamWriter, peer: Hashable | None
    ) -> Seat:
        now = time.monotonic()
        if peer is not None and self.per_peer is not None:
            victim = self._stalest(self._idle_by_peer.get(peer, {}), now, self.per_peer)
            if victim is not None:
                self._shed(victim)
        if len(self._seats) >= self.limit:
            greedy = self._greediest()
            victim = self._stalest(greedy, now, 1) or self._stalest(self._idle, now, 1)
            if victim is None and len(self._seats) >= self.ceiling:
                # The longest-idle whatever its age; without one, the oldest of all.
                victim = next(iter(greedy or self._idle or self._seats.values()))
            if victim is not None:
                self._shed(victim)
        seat = Seat(self, task, writer, peer)
        self._seats[task] = seat
        self._tasks.add(task)
        self.served_count += 1
        seat.waiting()
        return seat

    def _greediest(self) -> dict[Seat, None]:
        """The idle seats of the peer holding the most of them (when it holds several)."""
        if not self._idle_by_peer:
            return {}
        idle = max(self._idle_by_peer.values(), key=len)
        return idle if len(idle) > 1 else {}

    def _stalest(self, idle: dict[Seat, None], now: float, count: int) -> Seat | None:
        """The longest-idle of `idle`, when `count` of them have waited `grace` or more."""
        first: Seat | None = None
        for stale, seat in enumerate(idle, 1):
            if seat.idle_since is None or now - seat.idle_since < self.grace:
                return None
            first = first or seat
            if stale >= count:
                return first
        return None

    def _shed(self, seat: Seat) -> None:
        seat.shed = True
        self._leave(seat)
        self.shed_count += 1
        if self.farewell is not None:
            with contextlib.suppress(Exception):
                self.farewell(seat.writer)
        seat.task.cancel()

    def _leave(self, seat: Seat) -> None:
        self._seats.pop(seat.task, None)
        seat.working()

    def _forget_idle(self, seat: Seat) -> None:
        self._idle.pop(seat, None)
        idle = self._idle_by_peer.get(seat.peer)
        if idle is not None:
            idle.pop(seat, None)
            if not idle:
                del self._idle_by_peer[seat.peer]


async def open_door(
    start: Callable[..., Awaitable[asyncio.Server]],
    handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
    sock: socket.socket,
    limit: int,
) -> asyncio.Server:
    """Serve the bound `sock` with `start` (`asyncio.start_server` or `start_unix_server`):
    `ACCEPT_BATCH` connections accepted per pass, `QUEUE` waiting in the kernel (`listen`)."""
    server = await start(handler, sock=sock, limit=limit, backlog=ACCEPT_BATCH)
    listen(sock)
    return server


def cannot_listen(where: str, error: OSError) -> str:
    """Why a door could not open, for its error: where, and the system's reason."""
    return f"cannot listen on {where} ({error.strerror or type(error).__name__})"


def listen(sock: socket.socket) -> None:
    """Set a door's kernel queue to `QUEUE`, once asyncio serves it with `ACCEPT_BATCH`.

    asyncio uses one number both as the kernel's queue and as how many connections it accepts
    in one loop pass. A short batch keeps a newcomer from being outrun by the batches after it
    before its request is read; a longer queue keeps a storm of connections from making a
    softphone's connect fail at once.
    """
    sock.listen(QUEUE)


_PEERCRED = struct.Struct("3i")  # struct ucred: pid, uid, gid


def unix_peer(writer: asyncio.StreamWriter) -> tuple[int, int] | None:
    """The (uid, pid) of the process at the other end of a Unix socket, where the system says
    (Linux's SO_PEERCRED); None elsewhere."""
    option = getattr(socket, "SO_PEERCRED", None)
    sock = writer.get_extra_info("socket")
    if option is None or sock is None:
        return None
    try:
        raw = sock.getsockopt(socket.SOL_SOCKET, option, _PEERCRED.size)
    except OSError:
        return None
    pid, uid, _gid = _PEERCRED.unpack(raw)
    return uid, pid
