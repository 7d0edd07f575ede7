"""Why nobody matched: ask every source again, recording what each searched and decided.

`explain(engine, query)` runs each connector's ordinary `find_people` inside its own
`kit.explain.Explanation` (concurrently, under the source's deadline, never from the cache: the
point is what the source says now) and returns them in config order. `cx-tui lookup --explain`
prints them; the app's "Why nobody matched" dialog shows the same lines.

It is asked for, never automatic: a lookup costs no extra round trip for it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from cx_tui.connectors.kit.explain import Explanation, explaining
from cx_tui.source_desk import failure_state, search_deadline

if TYPE_CHECKING:
    from cx_tui.connectors.base import Connector
    from cx_tui.identity import Query
    from cx_tui.lookup import LookupEngine


async def explain(engine: LookupEngine, query: Query) -> list[Explanation]:
    """One explanation per source, in config order."""
    return list(
        await asyncio.gather(
            *(explain_source(c, query, engine.deadline) for c in engine.connectors)
        )
    )


async def explain_source(
    connector: Connector, query: Query, default_deadline: float
) -> Explanation:
    """What `connector` searched for `query`, what came back and why each was kept or not."""
    deadline = search_deadline(connector, default_deadline)
    explanation = Explanation(connector.name)
    with explaining(explanation):
        try:
            matches = await asyncio.wait_for(connector.find_people(query), deadline)
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            explanation.error = f"no answer within {deadline:g} s"
        except Exception as error:
            explanation.error = failure_state(error)[1]
        else:
            explanation.finish(list(matches))
    return explanation


def explanation_lines(explanations: list[Explanation]) -> list[str]:
    """Every source's explanation as plain lines, a blank line between sources."""
    lines: list[str] = []
    for explanation in explanations:
        if lines:
            lines.append("")
        lines.extend(explanation.lines())
    return lines
