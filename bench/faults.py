"""The reliability matrix of issue 17, too slow for the test suite on 2 cores.

    python -m bench.faults [--rounds 20] [--vendors salesforce,freshdesk] [--out ...json]

- Kill matrix: for each vendor double behind the loopback proxy (`tests.vendor_doubles.VENDORS`:
  HubSpot, Zendesk, Salesforce's note and call log, Freshdesk, Intercom; `--vendors` picks,
  "salesforce" meaning both of its kinds), SIGKILL the deliverer at each step
  (`tests.fault_rounds.KILL_STEPS`), run a fresh one, count the notes.
- Late save: the vendor saves 0.3-1.0 s after the client gave up (issue 17's 3-10 s, scaled by
  1/10 with the settle delay scaled alike: 1.5 s), while the worker's run loop flushes.

Prints one line per cell and writes the totals as JSON. Lost = rounds ending with 0 notes,
duplicated = rounds ending with more than 1.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from tests.fault_rounds import KILL_STEPS, Outcome, kill_round, late_save_round
from tests.vendor_doubles import VENDORS, vendor


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _cell(outcomes: list[Outcome]) -> dict[str, int]:
    return {
        "rounds": len(outcomes),
        "lost": sum(o.notes == 0 for o in outcomes),
        "duplicated": sum(o.notes > 1 for o in outcomes),
        "not_delivered": sum(o.state.value != "delivered" for o in outcomes),
        "writes_beyond_one": sum(max(0, o.writes - 1) for o in outcomes),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--out", default="bench/results/faults.json")
    parser.add_argument("--vendors", default=",".join(VENDORS), help="comma-separated")
    args = parser.parse_args()
    wanted = set(args.vendors.split(","))
    kinds = [k for k in VENDORS if k in wanted or vendor(k) in wanted]
    if not kinds:
        parser.error(f"--vendors: pick among {', '.join(VENDORS)}")
    rng = random.Random(17)
    results: dict[str, dict[str, int]] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            for step in KILL_STEPS:
                outcomes = [
                    kill_round(kind, step, Path(tmp) / f"{kind}-{step}-{n}")
                    for n in range(args.rounds)
                ]
                results[f"kill/{kind}/{step}"] = _cell(outcomes)
                _say(f"kill/{kind}/{step} {results[f'kill/{kind}/{step}']}")
            outcomes = [
                late_save_round(
                    kind, Path(tmp) / f"{kind}-late-{n}", late=rng.uniform(0.3, 1.0), settle=1.5
                )
                for n in range(args.rounds)
            ]
            results[f"late-save/{kind}"] = _cell(outcomes)
            _say(f"late-save/{kind} {results[f'late-save/{kind}']}")
    total = {
        key: sum(cell[key] for cell in results.values())
        for key in ("rounds", "lost", "duplicated", "not_delivered")
    }
    report = {"cells": results, "total": total, "seconds": round(time.monotonic() - started)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    _say(f"total {total} in {report['seconds']} s")


if __name__ == "__main__":
    main()
