"""`cx-tui lookup QUERY`: the same engine as the screen, printed as a profile or JSON."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from cx_tui.cli.audit import audit_lookup
from cx_tui.cli.common import EXIT_ALL_FAILED, EXIT_FOUND, EXIT_NOBODY

if TYPE_CHECKING:
    from cx_tui.config import Config
    from cx_tui.identity import Query
    from cx_tui.lookup import LookupEngine
    from cx_tui.models import Profile
    from cx_tui.store import Store


def exit_code(profile: Profile) -> int:
    """0 found (one person, or candidates to confirm), 1 nobody in the sources that answered
    (even when others failed: the output names them and offers a retry), 3 every source failed."""
    from cx_tui.models import ProfileState

    statuses = list(profile.sources.values())
    if profile.state in (ProfileState.RESOLVED, ProfileState.AMBIGUOUS):
        return EXIT_FOUND
    if statuses and all(s.state.is_failure for s in statuses):
        return EXIT_ALL_FAILED
    return EXIT_NOBODY


async def _run_lookup(engine: LookupEngine, query: Query) -> Profile:
    try:
        return await engine.lookup(query)
    finally:
        await engine.aclose()


def _open_store() -> Store | None:
    """The local store, for the links the agent confirmed (None: it cannot be opened, and the
    lookup goes on without them)."""
    from cx_tui.store import Store, StoreError

    try:
        return Store()
    except StoreError:
        return None


def run(
    config: Config, text: str, *, as_json: bool, region: str | None, redact: bool = False
) -> int:
    """Look `text` up in every source; print the profile (or JSON); exit by what was found."""
    import asyncio

    from cx_tui.actions import suggest
    from cx_tui.identity import parse_query
    from cx_tui.sources import build_engine, region_for

    query = parse_query(text, region or region_for(config))
    store = _open_store()
    if store is None:
        engine = build_engine(config)
    else:
        engine = build_engine(config, links=store.confirmed_links, remembered=store.remembered)
    try:
        profile = asyncio.run(_run_lookup(engine, query))
    finally:
        if store is not None:
            store.close()
    audit_lookup(config, query.text, profile, shown="json" if as_json else "text", masked=redact)
    if redact:
        from cx_tui.insight.redact import redact as mask

        profile = mask(profile)
    actions = suggest(profile)
    if as_json:
        from cx_tui.export import profile_json

        json.dump(profile_json(profile, actions, query.kind.value), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        from rich.console import Console

        from cx_tui.render import render_profile

        Console().print(render_profile(profile, actions))
    return exit_code(profile)
