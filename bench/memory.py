"""i. Memory after 500 lookups in one session (issue 16: steady state grows by < 20 MB).

The real `LookupEngine` over the real HubSpot, Zendesk and Freshdesk connectors, each against
its in-process test double (`tests/connectors/`, through `httpx.MockTransport`: no latency, no
sockets), looks up 500 distinct callers one after another, as one app session does: phone and
email in turn (an email lookup also starts the read-ahead requests of issue 16), every update
applied to a profile the way the screen does, the previous profile dropped. After lookup 50
(the warm steady state: imports, connection pools, limiters, caches filling), 250 and 500 a
full `gc.collect()` runs and the process's resident set (`VmRSS`) is read; the figure is the
growth from 50 to 500, and 250 shows whether it levels off. The doubles' own request logs are
emptied after each lookup (they are the harness, not the app), and the accounts' limiters let
every request through (at Zendesk's 200 a minute the session would take many minutes; pacing
is the burst scenario's subject; a real limiter keeps at most `limit` start times). Python's
allocated blocks are reported alongside, as a check that does not depend on how the allocator
returns memory to the system.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import sys
import time
from pathlib import Path
from typing import Any, Final

from bench.scenarios import figure

CALLERS: Final = 500
SAMPLES: Final = (50, 250, 500)
"""After which lookups the resident set is read (the figure: the first to the last)."""
AREAS: Final = ("415", "212", "312", "617", "206")
"""Area codes: 100 fictional numbers each (555-0100..0199)."""
LIMIT_MB: Final = 20.0


def caller_phone(index: int) -> str:
    return f"+1{AREAS[index // 100]}5550{100 + index % 100:03d}"


def caller_email(index: int) -> str:
    return f"caller{index:03d}@example.com"


def rss_mb() -> float:
    """This process's resident set now, in MB (Linux `/proc/self/status`)."""
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _doubles(callers: int) -> tuple[Any, Any, Any]:
    """HubSpot, Zendesk and Freshdesk doubles holding every caller, each with a company, an
    open ticket with an internal note, and a closed ticket."""
    from tests.connectors.freshdesk_fake import FreshdeskFake
    from tests.connectors.vendor_fakes import HubSpotFake, ZendeskFake, ago

    hubspot, zendesk, freshdesk = HubSpotFake(), ZendeskFake(), FreshdeskFake()
    hubspot.add("companies", "9", name="Acme Corp", domain="acme.example")
    zendesk.add_organization(9, "Acme Corp", plan="Pro")
    freshdesk.add_company(9, "Acme Corp", plan="Enterprise")
    for i in range(callers):
        phone, email, name = caller_phone(i), caller_email(i), f"Caller {i:03d}"
        contact = str(1000 + i)
        hubspot.add("contacts", contact, firstname="Caller", lastname=f"{i:03d}",
                    phone=phone, email=email)  # fmt: skip
        hubspot.associate("contacts", contact, "companies", "9")
        for offset, stage in ((0, "1"), (1, "4")):
            ticket = str(100_000 + 2 * i + offset)
            hubspot.add("tickets", ticket, subject=f"Ticket of {name}", hs_pipeline="0",
                        hs_pipeline_stage=stage, hs_lastmodifieddate=ago(hours=1))  # fmt: skip
            hubspot.associate("contacts", contact, "tickets", ticket)
        note = str(300_000 + i)
        hubspot.add("notes", note, hs_timestamp=ago(hours=2), hs_note_body="<p>Tried: restart</p>")
        hubspot.associate("contacts", contact, "notes", note)
        hubspot.associate("tickets", str(100_000 + 2 * i), "notes", note)

        user = 5000 + i
        zendesk.add_user(user, name, email, phone, organization_id=9)
        zendesk.add_ticket(20_000 + 2 * i, user, "Router drops", "open", updated=ago(hours=1))
        zendesk.add_comment(20_000 + 2 * i, 40_000 + i, "Tried: power cycle", public=False)
        zendesk.add_ticket(20_001 + 2 * i, user, "Old question", "closed", updated=ago(days=9))

        freshdesk.add_contact(1 + i, name, email, phone=phone, company_id=9)
        freshdesk.add_ticket(60_000 + 2 * i, 1 + i, "Router drops", 2)
        freshdesk.add_conversation(60_000 + 2 * i, "Tried: power cycle", private=True)
        freshdesk.add_ticket(60_001 + 2 * i, 1 + i, "Old invoice", 5, updated=ago(days=40))
    return hubspot, zendesk, freshdesk


async def _session(callers: int) -> dict[str, Any]:
    from cx_tui.connectors.kit.limiter import use_limiters
    from cx_tui.identity import parse_query
    from cx_tui.lookup import LookupEngine, apply_update
    from cx_tui.models import ProfileState

    fakes = _doubles(callers)
    use_limiters(_open_limiter)
    connectors = _connectors(fakes)
    engine = LookupEngine(connectors)
    samples: dict[int, tuple[float, int]] = {}
    resolved = 0
    started = time.monotonic()
    try:
        for index in range(callers):
            text = caller_phone(index) if index % 2 == 0 else caller_email(index)
            query = parse_query(text, "US")
            builder = engine.new_builder(query)
            async for update in engine.stream(query):
                apply_update(builder, update)
            resolved += builder.build().state is ProfileState.RESOLVED
            del builder
            for fake in fakes:
                fake.calls.clear()  # the harness's log, not the app's memory
            if index + 1 in SAMPLES:
                await asyncio.sleep(0.05)  # let read-ahead requests nobody awaited settle
                gc.collect()
                samples[index + 1] = (rss_mb(), sys.getallocatedblocks())
    finally:
        await engine.aclose()
        use_limiters(None)
    return {"samples": samples, "resolved": resolved, "seconds": time.monotonic() - started}


def _connectors(fakes: tuple[Any, Any, Any]) -> list[Any]:
    from cx_tui.connectors.freshdesk import CONNECTOR as FRESHDESK
    from cx_tui.connectors.hubspot import CONNECTOR as HUBSPOT
    from cx_tui.connectors.zendesk import CONNECTOR as ZENDESK
    from tests.connectors.freshdesk_fake import FRESHDESK_KEY
    from tests.connectors.vendor_fakes import HUBSPOT_TOKEN, ZENDESK_TOKEN

    hubspot, zendesk, freshdesk = fakes
    us = {"default_region": "US"}
    return [
        HUBSPOT("HubSpot", us, HUBSPOT_TOKEN, transport=hubspot.transport()),
        ZENDESK(
            "Zendesk",
            {**us, "subdomain": "acme", "email": "ana.agent@acme.example"},
            ZENDESK_TOKEN,
            transport=zendesk.transport(),
        ),
        FRESHDESK(
            "Freshdesk", {**us, "domain": "acme"}, FRESHDESK_KEY, transport=freshdesk.transport()
        ),
    ]


async def _app_session(callers: int, samples: tuple[int, ...]) -> dict[str, Any]:
    """The same lookups typed into the real app (headless, under Pilot), each waited for until
    its profile is resolved on screen and the lookup's workers are done (`memory-app`: about
    0.5-2 s a lookup, so by hand, not in `make bench`)."""
    from bench.scenarios import SIZE, send_key, type_number, watched_app_class
    from cx_tui.config import load_config
    from cx_tui.connectors.kit.limiter import use_limiters
    from cx_tui.lookup import LookupEngine
    from cx_tui.models import ProfileState

    fakes = _doubles(callers)
    use_limiters(_open_limiter)
    app = watched_app_class()(load_config(), engine=LookupEngine(_connectors(fakes)))
    found: dict[int, tuple[float, int]] = {}
    resolved = 0
    started = time.monotonic()
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = app.main
            for index in range(callers):
                text = caller_phone(index) if index % 2 == 0 else caller_email(index)
                await type_number(pilot, text)
                old = screen.session.builder
                send_key(app, "enter")

                def painted(old: Any = old) -> bool:
                    profile = screen.profile
                    return (
                        screen.session.builder is not old
                        and profile is not None
                        and profile.state is ProfileState.RESOLVED
                    )

                with contextlib.suppress(TimeoutError):
                    await app.frame_watch.wait(painted, 10)
                    resolved += 1
                await screen.workers.wait_for_complete()
                for fake in fakes:
                    fake.calls.clear()
                if index + 1 in samples:
                    await pilot.pause()
                    gc.collect()
                    found[index + 1] = (rss_mb(), sys.getallocatedblocks())
    finally:
        use_limiters(None)
    return {"samples": found, "resolved": resolved, "seconds": time.monotonic() - started}


def _open_limiter(key: tuple[str, ...], limit: int, window: float, label: str) -> Any:  # noqa: ARG001
    """An account limiter that lets everything through at once: at Zendesk's 200 requests a
    minute, 500 lookups would take many minutes (pacing is the burst scenario's subject)."""
    from cx_tui.connectors.kit.limiter import Limiter

    class Open(Limiter):
        def __init__(self) -> None:
            self.label, self.limit, self.window = label, limit, window

        async def acquire(self, policy: Any) -> None:  # noqa: ARG002
            return None

        def pause(self, seconds: float) -> None:  # noqa: ARG002
            return None

        def paused_for(self) -> float:
            return 0.0

        def set_limit(self, limit: int) -> None:
            self.limit = limit

    return Open()


def memory(_: argparse.Namespace) -> dict[str, Any]:
    callers = CALLERS
    result = asyncio.run(_session(callers))
    (rss_a, blocks_a), (rss_m, blocks_m), (rss_b, blocks_b) = (
        result["samples"][n] for n in SAMPLES
    )
    growth = rss_b - rss_a
    return {
        "scenario": "memory",
        "mode": "doubles",
        "params": {"lookups": callers, "samples_after": list(SAMPLES)},
        "figures": [
            figure(
                "memory-500",
                f"i. RSS growth from lookup {SAMPLES[0]} to {SAMPLES[-1]} (3 sources, one session)",
                [growth],
                unit="MB",
                target=f"< {LIMIT_MB:.0f} MB",
                limit=LIMIT_MB,
                judge="max",
                notes=f"RSS {rss_a:.1f} / {rss_m:.1f} / {rss_b:.1f} MB after lookups "
                f"{SAMPLES[0]} / {SAMPLES[1]} / {SAMPLES[2]}; Python blocks {blocks_a:,} / "
                f"{blocks_m:,} / {blocks_b:,} (the result cache is full, 500 entries, from "
                f"about lookup 170); "
                f"{result['resolved']}/{callers} callers resolved; "
                f"{result['seconds']:.0f} s for the lookups",
            )
        ],
        "notes": [
            "memory: The real LookupEngine over the HubSpot, Zendesk and Freshdesk connectors "
            "against their in-process test doubles (no latency), 500 distinct callers one after "
            "another (phone and email in turn), every update applied to a profile as the screen "
            "does. gc.collect() then VmRSS after lookups 50, 250 and 500; the figure is the growth "
            "from 50 to 500. "
            "The doubles' request logs are emptied after each lookup; the accounts' limiters let "
            "every request through (pacing is the burst scenario's subject)."
        ],
    }


def memory_app(args: argparse.Namespace) -> dict[str, Any]:
    """`python -m bench.scenarios memory-app --lookups N`: the app-level session, report only."""
    from bench.harness import apply_env, isolated_env, workdir

    callers = max(20, min(args.lookups, CALLERS))
    samples = (10, callers // 2, callers)
    with workdir() as root:
        apply_env(isolated_env(root))
        result = asyncio.run(_app_session(callers, samples))
    rss = [result["samples"][n][0] for n in samples]
    blocks = [result["samples"][n][1] for n in samples]
    return {
        "scenario": "memory-app",
        "mode": "doubles",
        "params": {"lookups": callers, "samples_after": list(samples)},
        "figures": [
            figure(
                "memory-app",
                f"i. App under Pilot: RSS growth from lookup {samples[0]} to {callers}",
                [rss[-1] - rss[0]],
                unit="MB",
                target="report (no target set)",
                limit=None,
                notes=f"RSS {' / '.join(f'{r:.1f}' for r in rss)} MB and Python blocks "
                f"{' / '.join(f'{b:,}' for b in blocks)} after lookups "
                f"{' / '.join(map(str, samples))}; {result['resolved']}/{callers} resolved on "
                f"screen; {result['seconds']:.0f} s",
            )
        ],
        "notes": [
            "memory-app: the memory scenario's callers typed into the real CxApp (headless, "
            "120x40, under Pilot), each lookup waited for until its profile is resolved on "
            "screen and its workers are done."
        ],
    }
