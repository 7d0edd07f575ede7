"""The next action of a trouble spot: link the caller's ticket to the problem ticket that
tracks what many customers are calling about (Zendesk's problem type, the local `problem`
tag), and say it is a known issue.

Registered with `actions.rule`, loaded by `actions.RULE_MODULES`; the trouble spots are found
in the background (`insight/trouble_watch.py`) and ride on `Profile.trouble`.
"""

from __future__ import annotations

from collections.abc import Iterable

from cx_tui.actions import ActionKind, Context, NextAction, rule
from cx_tui.insight.trouble import window_words
from cx_tui.models import Profile


@rule
def trouble_problem(profile: Profile, context: Context) -> Iterable[NextAction]:  # noqa: ARG001
    """One action per trouble spot that has a problem ticket."""
    for spot in profile.trouble:
        problem = spot.problem
        if problem is None:
            continue
        yield NextAction(
            rule="trouble_problem",
            kind=ActionKind.TROUBLE_SPOT,
            title=f"Link to problem #{problem.ref.record_id}: {problem.subject}",
            why=(
                f"{spot.customers} other customers wrote in about {spot.tag} in "
                f"{window_words(spot.window_minutes)}; {problem.ref.connector} tracks it as "
                f"problem #{problem.ref.record_id}. Link the caller's ticket to it and tell "
                "them it is a known issue."
            ),
            priority=87,
            evidence=(problem.ref, *(t.ref for t in spot.tickets[:5])),
            target=problem.ref,
        )
