"""h. Dependent round trips of a full lookup, per connector (issue 16).

Each vendor connector runs in-process against its test double (`tests/connectors/`), every
request delayed by a random 100-400 ms, a phone and an email lookup each: `find_people`, then
every match's details side by side, as the engine does. A round trip is a request that started
only after another ended (`tests/connectors/round_trips.py`); the count is the longest chain.
Targets: at most 3 for a phone, 2 for an email, the identity (first paint) after 1.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from typing import Any

from bench.scenarios import figure

DELAY = (0.1, 0.4)
"""Seconds per request, low and high."""
TARGETS = {"phone": 3, "email": 2}


def _cases() -> list[tuple[str, Callable[[], Any], Callable[[Any], Any], dict[str, str]]]:
    """(vendor, make the double, make the connector over a transport, the queries)."""
    from cx_tui.connectors.freshdesk import CONNECTOR as FRESHDESK
    from cx_tui.connectors.hubspot import CONNECTOR as HUBSPOT
    from cx_tui.connectors.intercom import IntercomConnector
    from cx_tui.connectors.salesforce import SalesforceConnector
    from cx_tui.connectors.zendesk import CONNECTOR as ZENDESK
    from tests.connectors import test_freshdesk_round_trips as fd
    from tests.connectors import test_intercom_round_trips as ic
    from tests.connectors import test_round_trips as rt
    from tests.connectors.freshdesk_fake import FRESHDESK_KEY
    from tests.connectors.intercom_fake import INTERCOM_TOKEN
    from tests.connectors.salesforce_fake import CLIENT_ID, CLIENT_SECRET, acme_org
    from tests.connectors.vendor_fakes import HUBSPOT_TOKEN, ZENDESK_TOKEN

    us = {"default_region": "US"}
    return [
        ("HubSpot", rt.hubspot, lambda t: HUBSPOT("HubSpot", us, HUBSPOT_TOKEN, transport=t),
         {"phone": rt.PHONE, "email": "maria@example.com"}),
        ("Zendesk", rt.zendesk, lambda t: ZENDESK("Zendesk", {**us, "subdomain": "acme",
         "email": "ana.agent@acme.example"}, ZENDESK_TOKEN, transport=t),
         {"phone": rt.PHONE, "email": "maria@example.com"}),
        ("Salesforce", acme_org, lambda t: SalesforceConnector("Salesforce", {**us,
         "base_url": "https://acme.my.salesforce.com", "client_id": CLIENT_ID}, CLIENT_SECRET,
         transport=t), {"phone": rt.PHONE, "email": "maria@acme.example"}),
        ("Freshdesk", fd.account, lambda t: FRESHDESK("Freshdesk", {**us, "domain": "acme"},
         FRESHDESK_KEY, transport=t), {"phone": rt.PHONE, "email": "maria@example.com"}),
        ("Intercom", ic.account, lambda t: IntercomConnector("Intercom", us, INTERCOM_TOKEN,
         transport=t), {"phone": rt.PHONE, "email": "maria@example.com"}),
    ]  # fmt: skip


async def _one(make_fake: Callable[[], Any], make: Callable[[Any], Any], text: str) -> Any:
    from cx_tui.identity import parse_query
    from tests.connectors.round_trips import SlowTransport, full_lookup

    transport = SlowTransport(make_fake().transport(), DELAY)
    connector = make(transport)
    try:
        # Signed in once beforehand (Salesforce's token; a no-op elsewhere): a one-time cost.
        # A phone nobody has: an email would start read-ahead requests (HubSpot, Zendesk) that
        # nothing awaits and that could still be running when the measured lookup starts.
        await connector.find_people(parse_query("+1 202 555 0199", "US"))
        started = time.monotonic()
        found = await full_lookup(connector, transport, text)
        return found, time.monotonic() - started
    finally:
        await connector.aclose()


def trips(args: argparse.Namespace) -> dict[str, Any]:
    figures = []
    for vendor, make_fake, make, queries in _cases():
        for kind, text in queries.items():
            runs = [asyncio.run(_one(make_fake, make, text)) for _ in range(args.runs)]
            counts = [float(found.trips) for found, _ in runs]
            first = sorted(found.identity_trips for found, _ in runs)
            walls = sorted(round(wall * 1000) for _, wall in runs)
            figures.append(
                figure(
                    f"trips-{vendor.lower()}-{kind}",
                    f"h. Dependent round trips, {vendor}, full {kind} lookup",
                    counts,
                    unit="count",
                    target=f"<= {TARGETS[kind]}, identity after 1",
                    limit=TARGETS[kind],
                    judge="max",
                    notes=f"identity after {first[-1]}; whole lookup {walls[len(walls) // 2]} "
                    f"ms median at 100-400 ms per request; "
                    f"{len(runs[0][0].log)} requests, {len(runs[0][0].matches)} match(es)",
                )
            )
    return {
        "scenario": "trips",
        "mode": "doubles",
        "params": {"runs": args.runs, "delay_ms": [d * 1000 for d in DELAY]},
        "figures": figures,
        "notes": [
            "trips: Each vendor connector in-process against its test double (tests/connectors/),"
            " every request delayed by a random 100-400 ms; a phone and an email lookup: "
            "find_people, then every match's details side by side. A round trip is a request "
            "that started only after another ended; the figure is the longest such chain. "
            "Signed in beforehand (Salesforce's token is a one-time cost)."
        ],
    }
