"""g. A floor of agents on one HubSpot account, with and without `[team]` (issue 19).

    python -m bench.scenarios team [--agents 30] [--lookups 10] [--callers 40]
    python -m bench.team agent CONFIG REDIS_URL|none LOOKUPS CALLERS SEED   (one agent)

`--agents` processes start together (each its own engine, limiters and cache, as separate
machines would), each looking up `--lookups` callers drawn with repeats from `--callers`,
against one fake HubSpot account that allows 5 searches a second (and 100 other requests per
10 s, HubSpot's private-app burst). Once without `[team]`, once with a redis-server on
127.0.0.1 as the team's Redis. Reported: rate-limit failures an agent saw (429s that reached
an agent), requests that reached the vendor, p95 lookup time (start to full profile).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.harness import (
    REPO,
    FakeServers,
    apply_env,
    isolated_env,
    percentile,
    vendor_mode,
    workdir,
    write_config,
)

NAMESPACE = "bench-floor"


async def _agent(config_path: Path, redis_url: str, lookups: int, callers: int, seed: int) -> None:
    from dataclasses import replace

    from bench.harness import query_for
    from bench.scenarios import _timed_lookup
    from cx_tui.config import load_config
    from cx_tui.sources import build_engine
    from cx_tui.team import wiring
    from cx_tui.team.settings import TeamSettings

    # As the app does it: `[team]` in the config, which `build_engine` installs before any
    # connector exists (installing it by hand first was undone there: `install(None)`).
    config = load_config(config_path)
    if redis_url != "none":
        config = replace(config, team=TeamSettings(redis_url, NAMESPACE))
    engine = build_engine(config)
    team = wiring.current()
    rng = random.Random(seed)
    picks = [rng.randrange(callers) for _ in range(lookups)]
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    await asyncio.to_thread(sys.stdin.readline)
    results = []
    try:
        for index in picks:
            result = await _timed_lookup(engine, query_for(index))
            results.append(
                {
                    "ms": (result["finished"] - result["started"]) * 1000,
                    "limited": sum(
                        1
                        for f in result["failed"] + result["details_failed"]
                        if f[1] == "rate limited"
                    ),
                    "failed": len(result["failed"]),
                    "any_failure": bool(result["failed"] or result["details_failed"]),
                    "reasons": sorted(
                        {f[2][:90] for f in result["failed"] + result["details_failed"]}
                    ),
                }
            )
    finally:
        await engine.aclose()
    offline = team.health.failures if team is not None else 0
    sys.stdout.write(json.dumps({"lookups": results, "redis_failures": offline}) + "\n")


def _start_redis(root: Path) -> tuple[subprocess.Popen[bytes], str]:
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    proc = subprocess.Popen(
        [*args, "--appendonly", "no", "--dir", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.025)
    proc.kill()
    raise RuntimeError("redis-server did not start")


def _floor(config: Path, env: dict[str, str], redis_url: str, args: argparse.Namespace) -> Any:
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.team",
                "agent",
                str(config),
                redis_url,
                str(args.lookups),
                str(args.callers),
                str(1000 + i),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=env,
        )
        for i in range(args.agents)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError("an agent did not start")
        started = time.monotonic()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outs = [
            json.loads(proc.communicate(timeout=300)[0].strip().splitlines()[-1]) for proc in procs
        ]
        return outs, time.monotonic() - started
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()


def limited_hubspot(name: str, latency: float, people: int, *, seed: int) -> dict[str, Any]:
    """A fake HubSpot account with the vendor's limits: 5 searches a second, 100 other requests
    per 10 s (private apps, Free/Starter); people without tickets or notes."""
    return {
        "name": name,
        "vendor": "hubspot",
        "latency_ms": latency,
        "jitter_ms": latency * 0.4,
        "people": people,
        "tickets": 0,
        "notes": 0,
        "ticket_notes": 0,
        "search_rate": [5, 1.0],
        "other_rate": [100, 10.0],
        "seed": seed,
    }


def team(args: argparse.Namespace) -> dict[str, Any]:
    from bench.scenarios import _skipped, figure

    mode = vendor_mode()
    if mode != "vendors" or not (
        shutil.which("redis-server") or Path("/usr/bin/redis-server").exists()
    ):
        return _skipped("team", mode, "g.limited", "g. A floor of agents on one account")
    spec = limited_hubspot("floor1", args.latency, args.callers, seed=11)
    runs: dict[str, dict[str, Any]] = {}
    with FakeServers([spec], lifetime=900) as fake, workdir() as root:
        env = isolated_env(root)
        apply_env(env)
        config = root / "config.toml"
        env.update(write_config(config, list(fake.accounts.values())))
        redis, url = _start_redis(root)
        try:
            for label, target in (("without", "none"), ("with", url)):
                fake.reset()
                outs, elapsed = _floor(config, env, target, args)
                log = fake.stats()["floor1"]
                lookups = [lk for out in outs for lk in out["lookups"]]
                runs[label] = {
                    "limited": sum(lk["limited"] for lk in lookups),
                    "lookups_hit": sum(1 for lk in lookups if lk["limited"]),
                    "lookups_failing": sum(1 for lk in lookups if lk.get("any_failure")),
                    "failed": sum(lk["failed"] for lk in lookups),
                    "ms": [lk["ms"] for lk in lookups],
                    "requests": len(log),
                    "searches": sum(1 for e in log if e["stage"] == "identity"),
                    "server_429": sum(1 for e in log if e["status"] == 429),
                    "redis_failures": sum(out["redis_failures"] for out in outs),
                    "elapsed": elapsed,
                    "reasons": sorted({r for lk in lookups for r in lk["reasons"]}),
                }
        finally:
            redis.kill()
            redis.wait(5)
    without, with_ = runs["without"], runs["with"]

    def note(run: dict[str, Any]) -> str:
        return (
            f"{run['lookups_hit']} lookups showed a rate-limit failure "
            f"({run['lookups_failing']} any failure, timeouts included); vendor requests "
            f"{run['requests']} ({run['searches']} searches), 429s answered {run['server_429']}; "
            f"p95 {percentile(run['ms'], 0.95):.0f} ms; whole floor {run['elapsed']:.1f} s; "
            f"Redis failures {run['redis_failures']}; failures seen: "
            + " | ".join(run["reasons"][:6])
        )

    floor = f"{args.agents} agents x {args.lookups} lookups of {args.callers} callers"
    return {
        "scenario": "team",
        "mode": mode,
        "params": {k: getattr(args, k) for k in ("agents", "lookups", "callers", "latency")},
        "figures": [
            figure(
                "g.limited",
                f"g. {floor}, 5 searches/s, with [team]: rate-limit failures reaching an agent",
                [float(with_["limited"])],
                unit="count",
                target="0",
                limit=0,
                judge="max",
                notes=note(with_),
            ),
            figure(
                "g.limited_without",
                "g. Same floor without [team]: rate-limit failures reaching an agent",
                [float(without["limited"])],
                unit="count",
                target="report",
                limit=None,
                judge="max",
                notes=note(without),
            ),
            *(
                figure(
                    f"g.latency_{k}",
                    f"g. Lookup time {k} [team]",
                    run["ms"],
                    unit="ms",
                    target="report",
                    limit=None,
                )
                for k, run in runs.items()
            ),
        ],
        "notes": [
            f"{floor} (drawn with repeats, seeded), each agent its own process; one fake "
            f"HubSpot account through the real connector, {args.latency:g} +/- "
            f"{args.latency * 0.4:g} ms per request, 429 + Retry-After beyond 5 searches per "
            "rolling second or 100 other requests per rolling 10 s; with [team]: a local "
            "redis-server, namespace bench-floor.",
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.team")
    parser.add_argument("role", choices=["agent"])
    parser.add_argument("config", type=Path)
    parser.add_argument("redis_url")
    parser.add_argument("lookups", type=int)
    parser.add_argument("callers", type=int)
    parser.add_argument("seed", type=int)
    args = parser.parse_args(argv)
    asyncio.run(_agent(args.config, args.redis_url, args.lookups, args.callers, args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
