"""Next actions: deterministic, explainable rules over a profile.

Each rule is one function that looks at the profile and returns zero or more suggestions, each
with a title, a why (the evidence, with its sources) and a priority. Adding a rule is one
function decorated with `@rule`, plus one test.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from cx_tui.identity import QueryError, contact_prefill, parse_query
from cx_tui.insight.repeat import ordinal, repeat_themes
from cx_tui.models import (
    Channel,
    Direction,
    Interaction,
    Match,
    Profile,
    ProfileState,
    SourceRef,
    SourceStatus,
)
from cx_tui.phrases import ago, listing, now_utc, people, span
from cx_tui.resolution import weak_only

REPEAT_WINDOW = timedelta(days=7)
REPEAT_THRESHOLD = 2
SLA_SOON = timedelta(hours=1)
CUSTOMER_CHANNELS = frozenset(
    {Channel.CALL, Channel.EMAIL, Channel.CHAT, Channel.SOCIAL, Channel.WEB}
)


class ActionKind(StrEnum):
    """What the UI does when the agent takes the action."""

    CREATE_CONTACT = "create-contact"
    ATTACH_NUMBER = "attach-number"
    RETRY_LOOKUP = "retry-lookup"
    CONFIRM_PERSON = "confirm-person"
    OPEN_TICKET = "open-ticket"
    ESCALATE = "escalate"
    PRIORITISE = "prioritise"
    FIX_RECORD = "fix-record"
    SAY_VIP = "say-vip"
    DONT_REPEAT = "dont-repeat"
    LOG_NOTE = "log-note"
    HAND_OFF = "hand-off"
    HAND_TO_SALES = "hand-to-sales"
    TROUBLE_SPOT = "trouble-spot"


@dataclass(frozen=True, slots=True)
class NextAction:
    rule: str
    """The rule that made it (its function name), for tests and the agent's curiosity."""
    kind: ActionKind
    title: str
    why: str
    priority: int
    """0-100; higher comes first."""
    evidence: tuple[SourceRef, ...] = ()
    target: SourceRef | None = None
    prefill: dict[str, str] = field(default_factory=dict)
    urgent: bool = False
    """A deadline is at stake (an SLA): shown in the `cx-sla-breach` colour."""


@dataclass(frozen=True, slots=True)
class Context:
    now: datetime
    query: str


Rule = Callable[[Profile, Context], Iterable[NextAction]]
RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    """Register a rule; `suggest` runs every registered rule."""
    RULES.append(fn)
    return fn


RULE_MODULES = ("cx_tui.handoff", "cx_tui.sales", "cx_tui.trouble_actions")
"""Modules of rules kept beside their insight, loaded on the first `suggest` (by name: they
import this module for `@rule`)."""


def suggest(profile: Profile, *, now: datetime | None = None) -> list[NextAction]:
    """Every rule's suggestions for this profile, highest priority first."""
    for name in RULE_MODULES:
        importlib.import_module(name)
    context = Context(now or now_utc(), profile.query)
    actions = [action for fn in RULES for action in fn(profile, context)]
    return sorted(actions, key=lambda a: -a.priority)


def _sources(refs: Iterable[SourceRef]) -> str:
    return ", ".join(dict.fromkeys(ref.connector for ref in refs))


def _failure(status: SourceStatus) -> str:
    """`Desk: unreachable (connection refused), retry in 30 s`."""
    why = f"{status.source}: {status.state.value}"
    if status.message:
        why += f" ({status.message.rstrip('.')})"
    if status.retry_after:
        why += f", retry in {status.retry_after:g} s"
    return why


def _why_matched(match: Match) -> str:
    detail = f", {match.detail}" if match.detail else ""
    return f"{match.person.name or 'unnamed'} in {match.source}: {match.reason.value}{detail}"


# --- The rules --------------------------------------------------------------------------------


@rule
def unknown_caller(profile: Profile, context: Context) -> Iterable[NextAction]:
    # Only when every source answered: one that could not be searched may know the caller,
    # and a contact created now would duplicate that record (see retry_lookup).
    if profile.state is not ProfileState.UNKNOWN or profile.unsearched:
        return
    names = listing([s.source for s in profile.answered])
    why = "No source knows this caller" + (f" (searched {names})." if names else ".")
    yield NextAction(
        "unknown_caller",
        ActionKind.CREATE_CONTACT,
        "Create a contact",
        why,
        90,
        prefill=_prefill(context.query),
    )


@rule
def attach_number(profile: Profile, context: Context) -> Iterable[NextAction]:
    """Beside "create a contact": the caller may be someone known, on a new number."""
    if profile.state is not ProfileState.UNKNOWN or profile.unsearched or not profile.attach_to:
        return
    prefill = _prefill(context.query)
    if "phone" not in prefill:
        return
    yield NextAction(
        "attach_number",
        ActionKind.ATTACH_NUMBER,
        "Add this number to an existing person",
        f"If the caller is someone {listing(list(profile.attach_to), 'or')} knows on a new "
        "number, find them by name or email and add the number: no duplicate contact.",
        88,
        prefill=prefill,
    )


def _prefill(query: str) -> dict[str, str]:
    """The new contact's starting values from the profile's query (its normalised display
    form, which parses without a region)."""
    try:
        return contact_prefill(parse_query(query))
    except QueryError:
        return {}


@rule
def retry_lookup(profile: Profile, context: Context) -> Iterable[NextAction]:
    failed = profile.unsearched
    if profile.state is not ProfileState.UNKNOWN or not failed:
        return
    names = listing([s.source for s in failed])
    reasons = "; ".join(_failure(s) for s in failed)
    if profile.answered:
        why = (
            f"{names} could not be searched and may know this caller: a contact created now "
            f"could duplicate one. {reasons}."
        )
    else:
        why = f"No source could be searched, so nobody is ruled out. {reasons}."
    yield NextAction("retry_lookup", ActionKind.RETRY_LOOKUP, "Retry the lookup", why, 90)


@rule
def weak_match(profile: Profile, context: Context) -> Iterable[NextAction]:
    if profile.state is not ProfileState.AMBIGUOUS or not _weak_only(profile):
        return
    matches = [m for c in profile.candidates for m in c.matches]
    listed = "; ".join(_why_matched(m) for m in matches[:3])
    more = f" and {len(matches) - 3} more" if len(matches) > 3 else ""
    yield NextAction(
        "weak_match",
        ActionKind.CONFIRM_PERSON,
        "Confirm who is calling: only a weak match",
        f"Nothing matches {context.query} exactly; only {listed}{more}. Ask for their name "
        "before sharing anything, then pick them (or look them up by email).",
        100,
        evidence=tuple(m.person.ref for m in matches),
    )


def _weak_only(profile: Profile) -> bool:
    return all(weak_only(c.matches) for c in profile.candidates)


@rule
def shared_number(profile: Profile, context: Context) -> Iterable[NextAction]:
    if profile.state is not ProfileState.AMBIGUOUS or _weak_only(profile):
        return
    names = [c.name or "unnamed" for c in profile.candidates]
    listed = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    yield NextAction(
        "shared_number",
        ActionKind.CONFIRM_PERSON,
        "Confirm which person is calling",
        f"{people(len(names))} match {context.query}: {listed}. Ask for their name before "
        "sharing anything.",
        100,
        evidence=tuple(m.person.ref for m in profile.matches),
    )


@rule
def continue_ticket(profile: Profile, context: Context) -> Iterable[NextAction]:
    for index, ticket in enumerate(profile.open_tickets[:3]):
        last = ticket.comments[-1].created if ticket.comments else ticket.updated
        yield NextAction(
            "continue_ticket",
            ActionKind.OPEN_TICKET,
            f"Continue ticket #{ticket.ref.record_id}: {ticket.subject}",
            f"Open for {span(context.now - ticket.created)} ({ticket.status.value}"
            f"{', ' + ticket.priority.value if ticket.priority else ''}); last update "
            f"{ago(last, context.now)} in {ticket.ref.connector}.",
            70 - index * 5,
            evidence=(ticket.ref,),
            target=ticket.ref,
        )


def _customer_contacts(timeline: Iterable[Interaction], since: datetime) -> list[Interaction]:
    return [
        i
        for i in timeline
        if i.at >= since and i.channel in CUSTOMER_CHANNELS and i.direction is Direction.INBOUND
    ]


@rule
def repeat_contact(profile: Profile, context: Context) -> Iterable[NextAction]:
    """One action per theme the caller got in touch about twice or more in 7 days (never one
    per ticket): "3rd contact in 7 days about login-failure (#1008, #1007, #1006)"."""
    since = context.now - REPEAT_WINDOW
    recent = _customer_contacts(profile.timeline, since)
    for group in repeat_themes(profile.themes, profile.tickets, recent, since):
        count, channels = len(group.contacts), ", ".join(group.channels)
        subject = f": {group.subject}" if group.subject else ""
        about = f"ticket #{group.ids[0]}{subject}" if len(group.ids) == 1 else group.label
        yield NextAction(
            "repeat_contact",
            ActionKind.ESCALATE,
            f"{ordinal(count)} contact in 7 days about {group.label} ({group.refs}): "
            "acknowledge it and escalate",
            f"{count} contacts ({channels}) in the last 7 days about {about} ({group.sources}).",
            85,
            evidence=group.contacts,
            target=group.target,
        )


def reply_before(due: datetime, now: datetime) -> str:
    """`Reply before 14:10 (SLA, 9 min left)`, or `Reply now (SLA breached at 14:10, 5 min
    ago)`; the time is the agent's own clock."""
    clock = f"{due.astimezone():%H:%M}"
    if due <= now:
        return f"Reply now (SLA breached at {clock}, {span(now - due)} ago)"
    return f"Reply before {clock} (SLA, {span(due - now)} left)"


@rule
def sla_due(profile: Profile, context: Context) -> Iterable[NextAction]:
    urgent = [t for t in profile.open_tickets if t.sla_due and t.sla_due - context.now <= SLA_SOON]
    first = min(urgent, key=lambda t: t.sla_due or context.now, default=None)
    if first is not None and first.sla_due is not None:
        yield NextAction(
            "sla_due",
            ActionKind.OPEN_TICKET,
            reply_before(first.sla_due, context.now),
            f"Ticket #{first.ref.record_id}: {first.subject} ({first.ref.connector}).",
            99,
            evidence=(first.ref,),
            target=first.ref,
            urgent=True,
        )
    for ticket in urgent:
        assert ticket.sla_due is not None
        breached = ticket.sla_due <= context.now
        yield NextAction(
            "sla_due",
            ActionKind.PRIORITISE,
            f"Prioritise #{ticket.ref.record_id}: SLA {'breached' if breached else 'due soon'}",
            f"The SLA on '{ticket.subject}' {'breached' if breached else 'breaches'} "
            f"{ago(ticket.sla_due, context.now)} ({ticket.ref.connector}).",
            95,
            evidence=(ticket.ref,),
            target=ticket.ref,
            urgent=True,
        )


@rule
def conflicting_data(profile: Profile, context: Context) -> Iterable[NextAction]:
    for conflict in profile.conflicts:
        values = "; ".join(f"{_sources(v.sources)}: '{v.value}'" for v in conflict.values)
        yield NextAction(
            "conflicting_data",
            ActionKind.FIX_RECORD,
            f"Fix the record: {conflict.field} differs",
            f"The systems disagree on {conflict.field} ({values}). Confirm with the caller, then "
            "correct the wrong one.",
            30,
            evidence=tuple(ref for v in conflict.values for ref in v.sources),
        )


@rule
def vip(profile: Profile, context: Context) -> Iterable[NextAction]:
    values = profile.fields.get("vip", ())
    flagged = [v for v in values if v.value == "yes"]
    tagged = "vip" in (profile.value("tags") or "").casefold().split(", ")
    if not flagged and not tagged:
        return
    refs = tuple(ref for v in flagged for ref in v.sources)
    yield NextAction(
        "vip",
        ActionKind.SAY_VIP,
        "VIP customer",
        f"Marked VIP in {_sources(refs) if refs else 'the tags'}: greet by name and follow the "
        "VIP handling guide.",
        75,
        evidence=refs,
    )


@rule
def dont_repeat(profile: Profile, context: Context) -> Iterable[NextAction]:
    if not profile.already_tried:
        return
    steps = [item.text for item in profile.already_tried[:3]]
    more = len(profile.already_tried) - len(steps)
    yield NextAction(
        "dont_repeat",
        ActionKind.DONT_REPEAT,
        "Don't repeat: " + "; ".join(steps) + (f" (+{more} more)" if more > 0 else ""),
        f"{len(profile.already_tried)} step(s) already tried, recorded in internal notes of open "
        "tickets and of recently solved ones about the same problem "
        f"({_sources(i.ref for i in profile.already_tried)}).",
        80,
        evidence=tuple(item.ref for item in profile.already_tried),
    )


@rule
def log_note(profile: Profile, context: Context) -> Iterable[NextAction]:
    if profile.state is not ProfileState.RESOLVED:
        return
    yield NextAction(
        "log_note",
        ActionKind.LOG_NOTE,
        "Log a note",
        "Record what the caller needs so the next agent does not ask again.",
        10,
        target=profile.open_tickets[0].ref if profile.open_tickets else None,
    )
