"""j. How long a lookup's cache writes hold the event loop, with the store free and with
another process holding its write lock.

The real `LookupEngine` over three in-process sources (`tests/fakes.FakeConnector`, answering
at once: only the cache's own work is timed), each knowing every caller with 8 tickets of 3
internal comments, looks up distinct callers one after another through a `ResultCache` with the
real `Store` behind it, as the app does. Each lookup stores 6 answers (a search and the
details per source); the figure is the time spent inside those 6 `ResultCache._put` calls,
summed per lookup: they run on the event loop, so it is time the screen cannot paint or take
a key (encoding the answers as JSON, which stays on the loop, is reported beside it).
"Locked": a helper process holds the store's write lock (`BEGIN IMMEDIATE`) during the
lookups, as a `cx-tui outbox flush` or a second window may. After the lookups the store is
closed (the helper gone first) and the rows in the file are counted with a plain connection:
what reached the disk.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Final

from bench.scenarios import figure

SOURCES: Final = ("CRM", "Helpdesk", "Billing")
ANSWERS_PER_LOOKUP: Final = 2 * len(SOURCES)
LIMIT_MS: Final = 5.0
"""Target: what a lookup's cache writes may hold the loop (a frame is 16 ms)."""

_HOLDER = """
import pathlib, sqlite3, sys, time
path, ready, stop = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
conn = sqlite3.connect(path, isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
ready.write_text("locked")
give_up = time.monotonic() + 120
while not stop.exists() and time.monotonic() < give_up:
    time.sleep(0.005)
conn.execute("COMMIT")
"""


def caller(index: int) -> str:
    return f"+1415555{index:04d}"


def _sources(callers: int) -> list[Any]:
    from cx_tui.models import Details
    from tests.fakes import FakeConnector, email, person, phone, ticket

    out = []
    for name in SOURCES:
        people = [
            person(name, str(i), f"Caller {i}", phone(caller(i)), email(f"c{i}@example.com"))
            for i in range(callers)
        ]
        details = {
            str(i): Details(
                tickets=tuple(
                    ticket(name, f"T{i}-{t}", f"Ticket {t} of caller {i}", internal=("a", "b", "c"))
                    for t in range(8)
                )
            )
            for i in range(callers)
        }
        out.append(FakeConnector(fake_name=name, people=people, details=details))
    return out


def _timed_cache(rows: Any) -> Any:
    from cx_tui.cache import ResultCache
    from cx_tui.models import codec

    encode = codec.dumps

    def timed_dumps(value: Any) -> str:
        started = time.perf_counter()
        try:
            return encode(value)
        finally:
            TimedCache.encoding.append(time.perf_counter() - started)

    class TimedCache(ResultCache):
        """The engine's cache, timing what each store-through write costs its caller."""

        held: list[float] = []  # noqa: RUF012 (one instance per run)
        encoding: list[float] = []  # noqa: RUF012

        def _put(self, *args: Any, **kwargs: Any) -> None:
            started = time.perf_counter()
            try:
                super()._put(*args, **kwargs)
            finally:
                self.held.append(time.perf_counter() - started)

    codec.dumps = timed_dumps  # type: ignore[assignment]
    cache = TimedCache(ttl=60, rows=rows)
    TimedCache.held, TimedCache.encoding = [], []
    return cache


async def _lookups(path: Path, first: int, count: int, holder: bool) -> dict[str, Any]:
    from cx_tui.identity import parse_query
    from cx_tui.lookup import LookupEngine
    from cx_tui.store import Store

    ready, stop = path.with_name("locked"), path.with_name("stop")
    ready.unlink(missing_ok=True)
    stop.unlink(missing_ok=True)
    store = Store(path)
    proc = None
    if holder:
        proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path), str(ready), str(stop)])
        deadline = time.monotonic() + 30
        while not ready.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the lock holder did not take the lock")
            time.sleep(0.005)
    cache = _timed_cache(store)
    engine = LookupEngine(_sources(first + count), cache=cache)
    per_lookup: list[float] = []
    encoding: list[float] = []
    beside: list[float] = []
    worst = 0.0
    started = time.perf_counter()
    for index in range(first, first + count):
        before, encoded = len(cache.held), len(cache.encoding)
        await engine.lookup(parse_query(caller(index)))
        spent = cache.held[before:]
        assert len(spent) == ANSWERS_PER_LOOKUP, spent
        per_lookup.append(sum(spent) * 1000)
        encoding.append(sum(cache.encoding[encoded:]) * 1000)
        beside.append(per_lookup[-1] - encoding[-1])
        worst = max(worst, *spent)
    lookups_s = time.perf_counter() - started
    if proc is not None:
        stop.write_text("go")
        proc.wait(timeout=60)
    closing = time.perf_counter()
    await engine.aclose()
    store.close()
    close_ms = (time.perf_counter() - closing) * 1000
    conn = sqlite3.connect(path)
    rows = int(conn.execute("SELECT count(*) FROM lookup_cache").fetchone()[0])
    conn.close()
    return {
        "per_lookup": per_lookup,
        "encoding_ms": statistics.median(encoding),
        "beside": beside,
        "worst_ms": worst * 1000,
        "lookups_s": lookups_s,
        "close_ms": close_ms,
        "rows": rows,
    }


def cachewrites(args: argparse.Namespace) -> dict[str, Any]:
    import tempfile

    runs = max(1, args.runs)
    locked_runs = max(1, runs // 2)
    with tempfile.TemporaryDirectory(prefix="cx-bench-cache-") as name:
        path = Path(name) / "state.db"
        free = asyncio.run(_lookups(path, 0, runs, holder=False))
        locked = asyncio.run(_lookups(path, runs, locked_runs, holder=True))
    figures = [
        figure(
            "j.free",
            "j. A lookup's cache writes: time they hold the event loop, store free",
            free["per_lookup"],
            unit="ms",
            target=f"< {LIMIT_MS:g} ms",
            limit=LIMIT_MS,
            notes=(
                f"{ANSWERS_PER_LOOKUP} answers per lookup, of which encoding them as JSON "
                f"{free['encoding_ms']:.2f} ms (median); worst single write "
                f"{free['worst_ms']:.2f} ms; closing the store took {free['close_ms']:.1f} ms; "
                f"{free['rows']} of {runs * ANSWERS_PER_LOOKUP} answers in the file after close"
            ),
        ),
        figure(
            "j.locked",
            "j. Same, another process holding the store's write lock",
            locked["per_lookup"],
            unit="ms",
            target=f"< {LIMIT_MS:g} ms",
            limit=LIMIT_MS,
            notes=(
                f"encoding {locked['encoding_ms']:.2f} ms (median); worst single write "
                f"{locked['worst_ms']:.1f} ms; {locked_runs} lookups took "
                f"{locked['lookups_s']:.2f} s; the lock released before the store closed, "
                f"closing took {locked['close_ms']:.1f} ms; "
                f"{locked['rows'] - free['rows']} of {locked_runs * ANSWERS_PER_LOOKUP} "
                "answers stored under the lock reached the file"
            ),
        ),
        figure(
            "j.store",
            "j. Same, store free, without the JSON encoding: what keeping the rows costs the loop",
            free["beside"],
            unit="ms",
            target="report",
            limit=None,
            notes=f"with the write lock held: {statistics.median(locked['beside']):.2f} ms median",
        ),
    ]
    return {
        "scenario": "cachewrites",
        "mode": "in-process",
        "params": {"runs": runs, "locked_runs": locked_runs, "sources": len(SOURCES)},
        "figures": figures,
        "notes": [__doc__.split("\n\n", 1)[1].replace("\n", " ").strip()],
    }
