"""Run every benchmark scenario and write `bench/results/latest.md` and `latest.json`.

    make bench                      # what CI and the README use
    .venv/bin/python -m bench.run   # the same
    .venv/bin/python -m bench.run --quick --only fanout keys

Each scenario runs in its own process (`python -m bench.scenarios NAME`), one after another, so
they never compete for the two cores; the whole run is bounded by `--budget` seconds (a
scenario that would overrun is stopped and reported as an error). Exit status: 0 when every
scenario ran (targets missed or not), 1 when one failed to run, and with `--strict` also 1
when a target was missed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness import REPO, vendor_mode, workdir

RESULTS = REPO / "bench" / "results"
COMMAND = "make bench"

# name -> (arguments for a full run, for --quick, the longest the scenario may take)
PLAN: dict[str, tuple[list[str], list[str], float]] = {
    # First: ~15 s, and the count does not vary between runs (the request graph does not).
    "trips": (["--runs", "1"], ["--runs", "1"], 60),
    # ~25 s: 500 lookups against in-process doubles; the same in --quick (the figure needs 500).
    "memory": ([], [], 90),
    "coldstart": (["--runs", "12"], ["--runs", "5"], 90),
    "fanout": (["--runs", "12"], ["--runs", "4"], 120),
    "cache": (["--runs", "10"], ["--runs", "3"], 90),
    # ~5 s: in-process sources (the 20 locked lookups took 30 s when each write waited out the
    # busy timeout on the event loop).
    "cachewrites": (["--runs", "40"], ["--runs", "8"], 60),
    "render": (["--runs", "5"], ["--runs", "2"], 120),
    "burst": ([], ["--lookups", "40"], 90),
    "keys": (["--runs", "3"], ["--runs", "1"], 90),
    "ring": (["--runs", "14"], ["--runs", "6"], 120),
    "team": (["--agents", "30"], ["--agents", "8"], 420),
}


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    from importlib.metadata import version

    return {
        "load": _loadavg(),
        "cpu": cpu,
        "cores": usable,
        "python": platform.python_version(),
        "textual": version("textual"),
        "httpx": version("httpx"),
        "os": platform.platform(),
        "commit": _git("rev-parse", "--short", "HEAD"),
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "vendor_connectors_committed": bool(
            _git("ls-files", "cx_tui/connectors/hubspot", "cx_tui/connectors/zendesk")
        ),
    }


def _loadavg() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine skews the figures."""
    try:
        return " ".join(Path("/proc/loadavg").read_text(encoding="utf-8").split()[:3])
    except OSError:
        return "unknown"


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip()


def run_scenario(name: str, args: list[str], timeout: float) -> dict[str, Any]:
    started = time.monotonic()
    with workdir("cx-bench-run-") as tmp:
        out = tmp / f"{name}.json"
        command = [sys.executable, "-m", "bench.scenarios", name, "--out", str(out), *args]
        try:
            done = subprocess.run(
                command, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return _error(name, f"did not finish within {timeout:.0f} s", started)
        if done.returncode != 0 or not out.exists():
            tail = (done.stderr or done.stdout).strip().splitlines()[-12:]
            return _error(name, f"exit {done.returncode}: " + " | ".join(tail), started)
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


def _error(name: str, message: str, started: float) -> dict[str, Any]:
    return {
        "scenario": name,
        "error": message,
        "seconds": round(time.monotonic() - started, 1),
        "figures": [],
        "notes": [],
    }


# --- Formatting ---------------------------------------------------------------------------------


def fmt(value: Any, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "count":
        return f"{value:.0f}"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit == "ms":
        return f"{value:.1f} ms" if abs(value) < 10 else f"{value:.0f} ms"
    return f"{value:g}"


def verdict(fig: dict[str, Any]) -> str:
    if fig.get("notes", "").startswith("skipped"):
        return "SKIP"
    ok = fig.get("ok")
    if ok is None:
        return "—"
    return "PASS" if ok else "MISS"


def table(figures: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| Figure | Median | p95 | n | Target | Result | Notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for fig in figures:
        unit = fig.get("unit", "")
        target = fig.get("target", "")
        judge = fig.get("judge", "p95")
        if fig.get("ok") is not None and judge != "p95" and unit != "count":
            target += f" ({judge})"
        cells = [
            fig["label"],
            fmt(fig.get("median"), unit),
            fmt(fig.get("p95"), unit),
            str(fig.get("n", 0)),
            target,
            f"**{verdict(fig)}**" if verdict(fig) in ("PASS", "MISS") else verdict(fig),
            fig.get("notes", ""),
        ]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return lines


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    figures = [f for s in report["scenarios"] for f in s["figures"]]
    lines = [
        "# cx-tui benchmarks: latest run",
        "",
        f"Generated {report['generated_at']} by `{report['command']}` "
        f"(`{report['invocation']}`) in {report['seconds']:.0f} s.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}; Textual "
        f"{m['textual']}; httpx {m['httpx']}; {m['os']}; load average {m['load']} at the "
        f"start, {report['load_after']} at the end.",
        f"Code: commit {m['commit'] or 'unknown'}"
        + (" plus uncommitted changes" if m["dirty"] else "")
        + f"; sources: {report['mode_text']}.",
        "",
        *table(figures),
        "",
        "Median and p95 (nearest rank) over n samples. A target is judged on the p95 unless the "
        "Target column names another statistic; — means report only (no target was set).",
        "",
    ]
    errors = [s for s in report["scenarios"] if s.get("error")]
    if errors:
        lines += ["## Scenarios that did not run", ""]
        lines += [f"- {s['scenario']}: {s['error']}" for s in errors]
        lines.append("")
    lines += ["## How each figure is measured", ""]
    for scenario in report["scenarios"]:
        for note in scenario.get("notes", []):
            lines.append(f"- {scenario['scenario']}: {note}")
    lines += [
        "",
        "Fake vendor servers (`bench/fakeserver.py`) run in their own process on 127.0.0.1 and "
        "answer with the payloads of the connector tests' doubles "
        "(`tests/connectors/vendor_fakes.py`), after the configured latency and jitter.",
        "",
    ]
    return "\n".join(lines)


def readme_section(report: dict[str, Any]) -> str:
    """The README's "## Performance" section for this report (`--readme` prints it)."""
    import textwrap

    m = report["machine"]
    figures = [f for s in report["scenarios"] for f in s["figures"]]
    day = report["generated_at"][:10]
    intro = (
        "It runs the benchmarks in `bench/`: the real app and engine against fake HubSpot and "
        "Zendesk servers on 127.0.0.1 (the real connectors, configured through `base_url`, with "
        "the latency and jitter `bench/results/latest.md` lists), and writes "
        "`bench/results/latest.md` (how each figure is measured) and `latest.json`. The latest "
        f"figures ({day}, commit {m['commit']}; {m['cpu']}, {m['cores']} cores, Python "
        f"{m['python']}, Textual {m['textual']}; load average {m['load']} when it started):"
    )
    outro = (
        "Median and p95 (nearest rank) over n samples; a target is judged on the p95 unless its "
        "cell names another statistic. Other work on the machine moves these numbers, the "
        "start-up ones most: compare runs made on an idle machine."
    )
    lines = [
        "## Performance",
        "",
        "```sh",
        "make bench   # about 2.5 minutes; not part of make test",
        "```",
        "",
        textwrap.fill(intro, 100),
        "",
        *table(figures),
        "",
        textwrap.fill(outro, 100),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs (a smoke test)")
    parser.add_argument("--only", nargs="+", choices=sorted(PLAN), help="these scenarios only")
    parser.add_argument("--budget", type=float, default=345.0, help="seconds for everything")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    parser.add_argument(
        "--readme",
        action="store_true",
        help="print the README section of the last run, run nothing",
    )
    args = parser.parse_args(argv)
    if args.readme:
        last = json.loads((args.out_dir / "latest.json").read_text(encoding="utf-8"))
        sys.stdout.write(readme_section(last))
        return 0

    started = time.monotonic()
    about = machine()
    mode = vendor_mode()
    names = args.only or list(PLAN)
    scenarios = []
    for name in names:
        full, quick, limit = PLAN[name]
        left = args.budget - (time.monotonic() - started)
        if left < 10:
            scenarios.append(_error(name, "skipped: the time budget was used up", time.monotonic()))
            continue
        sys.stderr.write(f"bench: {name} ...\n")
        sys.stderr.flush()
        result = run_scenario(name, quick if args.quick else full, min(limit, left))
        scenarios.append(result)
        sys.stderr.write(f"bench: {name} done in {result['seconds']:.0f} s\n")
    elapsed = time.monotonic() - started
    invocation = "python -m bench.run" + (" " + " ".join(argv or sys.argv[1:])).rstrip()
    mode_text = (
        "the real HubSpot and Zendesk connectors against fake servers, configured through base_url"
        if mode == "vendors"
        else "a generic HTTP connector (bench/generic.py; the vendor connectors are not installed)"
    )
    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": COMMAND,
        "invocation": invocation.strip(),
        "seconds": round(elapsed, 1),
        "machine": about,
        "load_after": _loadavg(),
        "mode": mode,
        "mode_text": mode_text,
        "scenarios": scenarios,
    }
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "latest.json").write_text(
        json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8"
    )
    text = markdown(report)
    (args.out_dir / "latest.md").write_text(text, encoding="utf-8")
    sys.stdout.write("\n".join(table([f for s in scenarios for f in s["figures"]])) + "\n")
    sys.stdout.write(f"\nwrote {args.out_dir / 'latest.md'} in {elapsed:.0f} s\n")
    if any(s.get("error") for s in scenarios):
        return 1
    missed = any(f.get("ok") is False for s in scenarios for f in s["figures"])
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
