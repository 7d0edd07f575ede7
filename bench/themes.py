"""How long grouping a caller's tickets into themes takes (issue 15: 500 tickets under 50 ms).

    python -m bench.themes [TICKETS ...]

Tickets get a mix of shared tags, near-duplicate subjects and unrelated ones, seeded, so each
run measures the same work. Prints the median and the worst of 20 runs per size.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from cx_tui.insight.themes import themes
from cx_tui.insight.tried import already_tried
from cx_tui.models import Comment, SourceRef, Ticket, TicketStatus

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TOPICS = (
    "login fails after password reset",
    "desk phone drops calls",
    "invoice shows the wrong amount",
    "number port stuck at the old carrier",
    "voicemail to email not arriving",
    "call queue music is silent",
)
TAGS = ("login-failure", "call-quality", "billing", "porting", "", "", "")


def tickets(count: int, seed: int = 15) -> list[Ticket]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        words = rng.choice(TOPICS).split()
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words)), rng.choice(("again", "still", "urgent")))
        if rng.random() < 0.2:
            words = [f"w{rng.randrange(10_000)}" for _ in range(5)]
        tag = rng.choice(TAGS)
        created = NOW - timedelta(minutes=rng.randrange(60 * 24 * 365))
        status = rng.choice(list(TicketStatus))
        comments = tuple(
            Comment(
                SourceRef("Desk", f"{i}-{c}"), f"Tried: step {rng.randrange(20)}", False, created
            )
            for c in range(rng.randrange(4))
        )
        out.append(
            Ticket(
                SourceRef("Desk", str(i)),
                " ".join(words),
                status,
                created,
                created,
                tags=(tag,) if tag else (),
                comments=comments,
            )
        )
    return out


def measure(count: int, runs: int = 20) -> tuple[float, float, float]:
    sample = tickets(count)
    grouping, tried = [], []
    for _ in range(runs):
        start = time.perf_counter()
        themes(sample)
        grouping.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        already_tried(sample, (), NOW)
        tried.append((time.perf_counter() - start) * 1000)
    return statistics.median(grouping), max(grouping), statistics.median(tried)


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [50, 500, 5000]
    sys.stdout.write("tickets  themes median ms  themes worst ms  already-tried median ms\n")
    for size in sizes:
        median, worst, tried = measure(size)
        sys.stdout.write(f"{size:7d}  {median:16.2f}  {worst:15.2f}  {tried:23.2f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
