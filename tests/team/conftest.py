"""A real Redis for the team tests: `redis-server` on a free loopback port, one per module.

`make test` installs Debian's `redis-server` when it is missing (see the Makefile); a test
module whose machine has none is skipped with that hint rather than failing obscurely. Each
xdist worker starts its own servers (free ports), so `-n auto` works; every test starts from
an empty database (FLUSHALL).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cx_tui.connectors.kit.limiter import use_limiters
from cx_tui.team import wiring

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RedisServer:
    """One redis-server process on 127.0.0.1 (stop and start it again to test outages)."""

    port: int
    password: str | None = None
    process: subprocess.Popen[bytes] | None = None
    workdir: Path | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.workdir = self.workdir or Path(tempfile.mkdtemp(prefix="cx-redis-"))
        args = [
            REDIS_SERVER,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.workdir),
        ]  # fmt: skip
        if self.password:
            args += ["--requirepass", self.password]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        give_up = time.monotonic() + 10
        while time.monotonic() < give_up:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 0.2) as sock,
            ):
                sock.sendall(self._command("PING"))
                if sock.recv(64):
                    return
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start within 10 s")

    def _command(self, *words: str) -> bytes:
        auth = b""
        if self.password:
            auth = f"AUTH {self.password}\r\n".encode()
        return auth + (" ".join(words) + "\r\n").encode()

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), 2) as sock:
            sock.sendall(self._command("FLUSHALL"))
            sock.recv(64)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        self.process = None

    def close(self) -> None:
        self.stop()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


def start_redis(password: str | None = None) -> RedisServer:
    if not Path(REDIS_SERVER).exists():
        pytest.skip("redis-server is not installed (`make test` installs it)")
    for _ in range(5):
        server = RedisServer(free_port(), password)
        try:
            server.start()
        except RuntimeError:
            server.close()
            continue
        return server
    raise RuntimeError("could not start redis-server on a free port")


@pytest.fixture(scope="module")
def redis_module() -> Iterator[RedisServer]:
    server = start_redis()
    yield server
    server.close()


@pytest.fixture
def redis_server(redis_module: RedisServer) -> Iterator[RedisServer]:
    if redis_module.process is None:
        redis_module.start()  # a test stopped it
    redis_module.flush()
    yield redis_module


@pytest.fixture(autouse=True)
def no_team_left() -> Iterator[None]:
    """Every test ends as cx-tui runs without [team]: in-process limiters, no team."""
    yield
    wiring.install(None)
    use_limiters(None)
