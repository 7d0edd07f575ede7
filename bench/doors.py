"""Benchmark: do the softphone doors stay open while a local process floods them?

Starts the two doors as the app runs them (a ControlServer and a CtiHttpServer on one event
loop) in a separate server process, then, from this process, keeps a flood going and times
the real `cx-tui ring NUMBER` (a subprocess, as a softphone's hook runs it) and a valid
`POST /cti` through it:

- `idle`: no flood (the floor);
- `idle-socket`: N connections to the control socket that never send a byte, each reopened
  as soon as the server closes it (so N are held all the time);
- `slowloris`: N connections to the HTTP endpoint, each sending one header byte every 0.2 s,
  reopened when closed;
- `storm`: K tasks connecting to the control socket and hanging up at once, in a loop.

`ring` is the command (most of its time is Python starting: compare the `idle` row);
`client.send` is the same client call made from this process, i.e. what the door itself costs.

    .venv/bin/python -m bench.doors                  # 20 rings and 20 posts per scenario
    .venv/bin/python -m bench.doors --runs 50 --idle 300 --slow 200

A ring or a post "fails" when it does not succeed within its 1 s budget (the ring's own
deadline; the post is given 1 s too). Target: no failure, max under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.ring import command

NUMBER = "+1 415 555 0132"
TOKEN = secrets.token_hex(16)  # made per run: no credential-shaped literal in the tree
BUDGET = 1.0


# --- the server process ----------------------------------------------------------------------


async def _serve(path: str) -> None:
    from cx_tui.softphone.control import ControlServer
    from cx_tui.softphone.cti_http import CtiHttpServer

    events: list[object] = []
    control = ControlServer(path, events.append, default_region="US")
    http = CtiHttpServer(0, TOKEN, events.append, default_region="US")
    await control.start()
    await http.start()
    sys.stdout.write(f"{http.port}\n")
    sys.stdout.flush()
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    stats = {"events": len(events)}
    for name, door in (("socket", control), ("http", http)):
        stats[f"{name}_shed"] = int(getattr(door, "shed_count", -1))
    await http.stop()
    await control.stop()
    sys.stdout.write(json.dumps(stats) + "\n")


class Server:
    def __init__(self, path: str, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.doors", "--serve", path],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())

    def stop(self) -> dict[str, int]:
        out, _ = self.process.communicate("", timeout=30)
        return dict(json.loads(out.strip().splitlines()[-1]))


# --- the floods --------------------------------------------------------------------------------


class Flood:
    """Coroutines on their own event loop thread, counting what they did."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.running: Any = None
        self.connects = 0
        self.closed_by_server = 0
        self.refused = 0
        self.open = 0

    def start(self, coros: list[Callable[[], Awaitable[None]]]) -> None:
        self.thread.start()

        async def run() -> None:
            tasks = [asyncio.create_task(_forever(make)) for make in coros]
            try:
                await asyncio.gather(*tasks)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

        self.running = asyncio.run_coroutine_threadsafe(run(), self.loop)

    def stop(self) -> None:
        self.running.cancel()
        with contextlib.suppress(BaseException):
            self.running.result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


async def _forever(make: Callable[[], Awaitable[None]]) -> None:
    while True:
        try:
            await make()
        except (OSError, asyncio.IncompleteReadError):
            await asyncio.sleep(0.01)


def _held(
    flood: Flood, opener: Callable[[], Awaitable[tuple[Any, Any]]], first: bytes, drip: bytes
) -> Callable[[], Awaitable[None]]:
    """One connection that sends `first`, then `drip` every 0.2 s until the server lets go."""

    async def one() -> None:
        try:
            reader, writer = await opener()
        except OSError:
            flood.refused += 1
            raise
        flood.connects += 1
        flood.open += 1
        try:
            writer.write(first)
            while True:
                try:
                    await asyncio.wait_for(reader.read(1), 0.2)
                    break  # answered (408, 503, a farewell) or closed: the server let go
                except TimeoutError:
                    writer.write(drip)
                    await writer.drain()
            flood.closed_by_server += 1
        finally:
            flood.open -= 1
            writer.close()

    return one


def idle_socket(flood: Flood, path: str) -> Callable[[], Awaitable[None]]:
    return _held(flood, lambda: asyncio.open_unix_connection(path), b"", b"")


def slowloris(flood: Flood, port: int) -> Callable[[], Awaitable[None]]:
    head = b"POST /cti HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    return _held(flood, lambda: asyncio.open_connection("127.0.0.1", port), head, b"x")


def storm(flood: Flood, path: str) -> Callable[[], Awaitable[None]]:
    async def one() -> None:
        try:
            _, writer = await asyncio.open_unix_connection(path)
        except OSError:
            flood.refused += 1
            raise
        flood.connects += 1
        writer.close()
        await asyncio.sleep(0)

    return one


# --- the clients ----------------------------------------------------------------------------


def time_ring(ring: list[str], env: dict[str, str]) -> tuple[float, bool, str]:
    start = time.perf_counter()
    result = subprocess.run(ring, env=env, capture_output=True, check=False, timeout=10)
    elapsed = time.perf_counter() - start
    return elapsed, result.returncode == 0, result.stderr.decode(errors="replace").strip()


def time_send(path: str) -> tuple[float, bool, str]:
    """The client call itself (no interpreter start-up): what the door costs."""
    from cx_tui.softphone import client

    start = time.perf_counter()
    try:
        client.send({"event": "ring", "number": NUMBER}, path)
    except client.ClientError as error:
        return time.perf_counter() - start, False, str(error)
    return time.perf_counter() - start, True, ""


def time_post(port: int) -> tuple[float, bool, str]:
    body = b"event=newCall&from=14155550132&to=100&callId=bench"
    data = (
        b"POST /cti HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
        + TOKEN.encode()
        + b"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )
    start = time.perf_counter()
    deadline = start + BUDGET
    raw = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=BUDGET) as sock:
            sock.sendall(data)
            while True:
                sock.settimeout(max(0.001, deadline - time.perf_counter()))
                chunk = sock.recv(4096)
                if not chunk:
                    break
                raw += chunk
    except OSError as exc:
        return time.perf_counter() - start, False, f"{type(exc).__name__}: {exc}"
    elapsed = time.perf_counter() - start
    status = raw.split(b"\r\n", 1)[0].decode(errors="replace")
    return elapsed, status.startswith("HTTP/1.1 200") and elapsed <= BUDGET, status


def report(label: str, rows: list[tuple[float, bool, str]]) -> dict[str, Any]:
    times = [row[0] * 1000 for row in rows]
    failures = [row[2] for row in rows if not row[1]]
    line = (
        f"{label:<34} median {statistics.median(times):7.1f} ms   max {max(times):7.1f} ms   "
        f"ok {len(rows) - len(failures)}/{len(rows)}"
    )
    if failures:
        line += f"   first failure: {failures[0][:90]}"
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
    return {
        "median_ms": round(statistics.median(times), 1),
        "max_ms": round(max(times), 1),
        "ok": len(rows) - len(failures),
        "runs": len(rows),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--idle", type=int, default=300, help="idle socket connections held")
    parser.add_argument("--slow", type=int, default=200, help="slowloris HTTP connections held")
    parser.add_argument("--storm", type=int, default=8, help="reconnecting tasks in the storm")
    parser.add_argument("--serve", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(args.serve))
        return 0

    ring = [*command(), "ring", NUMBER]
    runtime = tempfile.mkdtemp(prefix="cx-doors-", dir="/tmp")
    path = os.path.join(runtime, "rt", "control.sock")
    env = {**os.environ, "CX_TUI_RUNTIME_DIR": os.path.dirname(path)}
    results: dict[str, Any] = {}
    try:
        server = Server(path, env)
        time_ring(ring, env)  # warm the disk cache
        scenarios: list[tuple[str, Callable[[Flood], list[Callable[[], Awaitable[None]]]]]] = [
            ("idle", lambda _f: []),
            (f"{args.idle} idle socket connections", lambda f: [idle_socket(f, path)] * args.idle),
            (f"{args.slow} slowloris HTTP", lambda f: [slowloris(f, server.port)] * args.slow),
            (f"storm of {args.storm} reconnecting", lambda f: [storm(f, path)] * args.storm),
        ]
        for label, coros in scenarios:
            flood = Flood()
            flood.start(coros(flood))
            time.sleep(1.5 if label != "idle" else 0)  # let the flood build up
            held = flood.open
            rings = [time_ring(ring, env) for _ in range(args.runs)]
            sends = [time_send(path) for _ in range(args.runs)]
            posts = [time_post(server.port) for _ in range(args.runs)]
            flood.stop()
            results[label] = {
                "ring": report(f"ring, {label}", rings),
                "send": report(f"client.send, {label}", sends),
                "post": report(f"post, {label}", posts),
                "flood": {
                    "connects": flood.connects,
                    "closed_by_server": flood.closed_by_server,
                    "refused": flood.refused,
                    "held_when_timing_began": held,
                },
            }
            sys.stdout.write(f"  flood: {json.dumps(results[label]['flood'])}\n")
        results["server"] = server.stop()
        sys.stdout.write(f"server: {json.dumps(results['server'])}\n")
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
