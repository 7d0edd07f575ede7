"""Connector tests: fresh rate limiters per test, backoff jitter at zero, recorded waits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cx_tui.connectors.kit import limiter, retry


@pytest.fixture(autouse=True)
def fresh_limiters() -> Iterator[None]:
    """Limiters are shared per account across a process; each test starts with none."""
    limiter._LIMITERS.clear()
    yield
    limiter._LIMITERS.clear()


@pytest.fixture(autouse=True)
def no_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff becomes 0 s (full jitter times 0); `Retry-After` waits stay real unless
    a test also takes `waits`."""
    monkeypatch.setattr(retry, "jitter", lambda: 0.0)


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every wait the HTTP layer asks for (backoff, Retry-After, limiter), without waiting."""
    recorded: list[float] = []

    async def record(seconds: float) -> None:
        recorded.append(round(seconds, 3))

    monkeypatch.setattr(retry, "sleep", record)
    return recorded
