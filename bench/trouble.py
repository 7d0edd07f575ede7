"""How long a trouble-spot count takes after a lookup, on the seeded demo helpdesk.

    python -m bench.trouble [RUNS]

Seeds the demo helpdesk in a temporary folder, looks Daniel Okafor up once (not measured), then
times `TroubleWatch.look` cold (a new watch each run: every tag asked) and warm (the same watch:
the five-minute cache answers). Prints the median and the worst of RUNS runs (default 30).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from cx_tui import phrases
from cx_tui.connectors.local import LocalConnector, reset_database
from cx_tui.identity import parse_query
from cx_tui.insight.trouble_watch import TroubleWatch
from cx_tui.lookup import LookupEngine

NOW = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)


async def measure(runs: int) -> tuple[list[float], list[float], str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "helpdesk.sqlite3"
        reset_database(path, "helpdesk", now=NOW, region="US")
        desk = LocalConnector("Demo Helpdesk", {"path": str(path), "dataset": "helpdesk"})
        try:
            profile = await LookupEngine([desk]).lookup(parse_query("+16175550148", "US"))
            cold, warm = [], []
            for _ in range(runs):
                start = time.perf_counter()
                report = await TroubleWatch([desk]).look(profile)
                cold.append(time.perf_counter() - start)
            watch = TroubleWatch([desk])
            await watch.look(profile)
            for _ in range(runs):
                start = time.perf_counter()
                await watch.look(profile)
                warm.append(time.perf_counter() - start)
        finally:
            await desk.aclose()
    found = ", ".join(f"{s.tag}: {s.customers}" for s in report.spots)
    return cold, warm, found


def main(argv: list[str]) -> int:
    runs = int(argv[0]) if argv else 30
    phrases.now_utc = lambda: NOW  # the demo is seeded at NOW: its last hour is NOW's
    cold, warm, found = asyncio.run(measure(runs))
    for name, times in (("cold (asks the source)", cold), ("warm (5-minute cache)", warm)):
        median, worst = statistics.median(times) * 1000, max(times) * 1000
        sys.stdout.write(
            f"{name:24} median {median:6.2f} ms  worst {worst:6.2f} ms  ({runs} runs)\n"
        )
    sys.stdout.write(f"trouble spots found: {found or 'none'}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
