"""Benchmark: how long a softphone waits for `cx-tui ring NUMBER`.

Starts a real ControlServer (in this process, on its own event loop thread, in a temporary
runtime directory), then runs the installed `cx-tui ring "+1 415 555 0132"` as a subprocess
RUNS times, exactly as a softphone's hook would, and prints the median and p95 wall time. Then
it stops the server and times the same command with no app running (it must exit 1, quickly).

    .venv/bin/python bench/ring.py            # 30 runs each
    .venv/bin/python bench/ring.py --runs 100
    .venv/bin/python bench/ring.py --importtime   # and the client path's slowest imports

Target: median under 60 ms with an app running (the cost is mostly Python's own start-up, so
a bare `python -c pass` is timed too, as the floor; other load on the machine moves both).

This times the client against a bare server. Against the real app (which paints each ring
while the next one arrives), and for ring-to-name-on-screen, run the `ring` scenario:
`python -m bench.scenarios ring` (see `bench/scenarios.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from cx_tui.softphone.control import ControlServer
from cx_tui.softphone.events import CallEvent

NUMBER = "+1 415 555 0132"
TARGET_MEDIAN_MS = 60.0


def command() -> list[str]:
    """How to run the installed `cx-tui` (this interpreter's script, else PATH, else -m)."""
    script = Path(sys.executable).parent / "cx-tui"
    if script.exists():
        return [str(script)]
    found = shutil.which("cx-tui")
    if found:
        return [found]
    return [sys.executable, "-m", "cx_tui"]


class _ServerThread:
    """A ControlServer on its own event loop, like the app's."""

    def __init__(self, path: str) -> None:
        self.events: list[CallEvent] = []
        self.loop = asyncio.new_event_loop()
        self.server = ControlServer(path, self.events.append, default_region="US")
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> _ServerThread:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def _time_runs(command: list[str], env: dict[str, str], runs: int, expect: int) -> list[float]:
    timings: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(command, env=env, capture_output=True, check=False)
        elapsed = (time.perf_counter() - start) * 1000
        if result.returncode != expect:
            sys.exit(
                f"bench: expected exit {expect}, got {result.returncode}: "
                f"{result.stderr.decode(errors='replace').strip()}"
            )
        timings.append(elapsed)
    return timings


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _report(label: str, timings: list[float]) -> float:
    median = statistics.median(timings)
    sys.stdout.write(
        f"{label:<28} median {median:6.1f} ms   p95 {_p95(timings):6.1f} ms   "
        f"min {min(timings):6.1f}   max {max(timings):6.1f}   (n={len(timings)})\n"
    )
    return median


def _importtime(env: dict[str, str]) -> None:
    code = (
        "import sys; sys.argv = ['cx-tui', 'ring', '+14155550132']\n"
        "from cx_tui.cli import main; main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    rows: list[tuple[int, int, str]] = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        own_text, cumulative_text, name = line.removeprefix("import time:").split("|", 2)
        try:
            rows.append((int(cumulative_text), int(own_text), name.strip()))
        except ValueError:  # the header line
            continue
    rows.sort(reverse=True)
    sys.stdout.write("\nslowest imports on the ring path (cumulative us, self us, module):\n")
    for cumulative, own, name in rows[:15]:
        sys.stdout.write(f"  {cumulative:8d} {own:8d}  {name}\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--importtime", action="store_true")
    args = parser.parse_args()

    ring = [*command(), "ring", NUMBER]
    runtime = tempfile.mkdtemp(prefix="cx-bench-", dir="/tmp")
    env = {**os.environ, "CX_TUI_RUNTIME_DIR": os.path.join(runtime, "rt")}
    path = os.path.join(runtime, "rt", "control.sock")
    sys.stdout.write(f"command: {' '.join(ring)}\n")
    try:
        with _ServerThread(path) as served:
            _time_runs(ring, env, 3, expect=0)  # warm the disk cache
            running = _time_runs(ring, env, args.runs, expect=0)
            delivered = len(served.events)
        median = _report("ring, app running", running)
        if delivered != args.runs + 3:
            sys.exit(f"bench: {delivered} events delivered, expected {args.runs + 3}")
        absent = _time_runs(ring, env, args.runs, expect=1)
        _report("ring, no app (exit 1)", absent)
        # The floor: this interpreter starting and doing nothing, timed the same way now
        # (other load on the machine moves every row together).
        bare = _time_runs([sys.executable, "-c", "pass"], env, args.runs, expect=0)
        floor = _report("python -c pass (baseline)", bare)
        sys.stdout.write(f"ring overhead over bare Python: {median - floor:.1f} ms (median)\n")
        verdict = "OK" if median < TARGET_MEDIAN_MS else "SLOWER THAN TARGET"
        sys.stdout.write(f"target median < {TARGET_MEDIAN_MS:.0f} ms: {verdict}\n")
        if args.importtime:
            _importtime(env)
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
