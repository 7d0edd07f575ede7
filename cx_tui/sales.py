"""A lead is a sales matter: when a CRM says the caller is a lead, the next action is to hand
them to sales, not to open a support case.

Connectors mark a lead with the tag `hand to sales: lead, status <status>` (Salesforce's Lead
records do; see `connectors/salesforce/records.py`). The rule is registered with
`actions.rule` and loaded by `actions.RULE_MODULES`.
"""

from __future__ import annotations

from collections.abc import Iterable

from cx_tui.actions import ActionKind, Context, NextAction, rule
from cx_tui.models import Profile

SALES_TAG = "hand to sales:"
"""The tag prefix a connector puts on a person who is a sales lead."""


@rule
def sales_lead(profile: Profile, context: Context) -> Iterable[NextAction]:  # noqa: ARG001
    """One "hand to sales" action per lead record among the matches (resolved or not: a lead
    on a shared line is still sales' business)."""
    for match in profile.matches:
        tag = next((t for t in match.person.tags if t.casefold().startswith(SALES_TAG)), None)
        if tag is None:
            continue
        status = tag[len(SALES_TAG) :].strip()
        who = match.person.name or "This caller"
        yield NextAction(
            rule="sales_lead",
            kind=ActionKind.HAND_TO_SALES,
            title=f"Hand to sales: {status}",
            why=(
                f"{who} is a lead in {match.source} ({status}): a sales matter, not a support "
                "case. Pass the call to the lead's owner or the sales queue."
            ),
            priority=72,
            evidence=(match.person.ref,),
            target=match.person.ref,
        )
