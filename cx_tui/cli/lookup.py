"""`cx-tui lookup QUERY`: the same engine as the screen, printed as a profile or JSON."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from cx_tui.cli.audit import audit_lookup
from cx_tui.cli.common import EXIT_ALL_FAILED, EXIT_FOUND, EXIT_NOBODY

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cx_tui.config import Config
    from cx_tui.connectors.kit.explain import Explanation
    from cx_tui.identity import Query
    from cx_tui.insight.trouble import DeskLookup
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


async def _run_lookup(
    engine: LookupEngine,
    query: Query,
    explain: bool,
    threshold: int,
    desk: Sequence[DeskLookup] = (),
) -> tuple[Profile, list[Explanation], tuple[str, ...]]:
    """The profile (with its trouble spots, counted once it is complete), the explanations,
    and why there are no trouble spots where there are none."""
    from dataclasses import replace

    from cx_tui.insight.trouble_watch import TroubleWatch

    try:
        profile = await engine.lookup(query)
        report = await TroubleWatch(engine.connectors, threshold=threshold).look(profile, desk)
        profile = replace(profile, trouble=report.spots)
        if not explain:
            return profile, [], report.notes
        from cx_tui.explaining import explain as explain_all

        return profile, await explain_all(engine, query), report.notes
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
    config: Config,
    text: str,
    *,
    as_json: bool,
    region: str | None,
    redact: bool = False,
    explain: bool = False,
) -> int:
    """Look `text` up in every source; print the profile (or JSON); exit by what was found.
    With `redact`, personal data is masked. With `explain`, then ask each source again and say
    what it searched and decided (JSON: the `explain` key)."""
    import asyncio

    from cx_tui.actions import suggest
    from cx_tui.identity import parse_query
    from cx_tui.sources import build_engine, region_for

    query = parse_query(text, region or region_for(config))
    if explain and redact:
        # The explanation quotes stored values ("stored as ..."), which the mask exists to hide.
        sys.stderr.write("cx-tui: --explain is left out under --redact: it shows stored values\n")
        explain = False
    from cx_tui.services import desk_today

    store = _open_store()
    if store is None:
        engine = build_engine(config)
    else:
        engine = build_engine(config, links=store.confirmed_links, remembered=store.remembered)
    desk = [] if store is None else desk_today(store)
    try:
        profile, explanations, trouble_notes = asyncio.run(
            _run_lookup(engine, query, explain, config.insight.trouble_threshold, desk)
        )
    finally:
        if store is not None:
            store.close()
    if redact:
        from cx_tui.insight.redact import redact as mask

        profile = mask(profile)
    audit_lookup(config, query.text, profile, where="json" if as_json else "text", masked=redact)
    actions = suggest(profile)
    if as_json:
        from cx_tui.export import profile_json

        data = profile_json(profile, actions, query.kind.value)
        if explain:
            data["explain"] = [e.as_json() for e in explanations]
            data["explain_trouble_spots"] = list(trouble_notes)
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        from rich.console import Console

        from cx_tui.render import render_profile

        console = Console()
        console.print(render_profile(profile, actions))
        if explain:
            from rich.text import Text

            from cx_tui.explaining import explanation_lines

            console.print(Text("\nWhy (per source):", style="bold"))
            console.print(Text("\n".join(explanation_lines(explanations))))
            if trouble_notes:
                console.print(Text("\nTrouble spots:", style="bold"))
                console.print(Text("\n".join(f"  {note}" for note in trouble_notes)))
    return exit_code(profile)
