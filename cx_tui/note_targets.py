"""Where a note about the caller can go, and where its draft is kept. Headless.

The note editor and the call wrap-up both offer these choices; a call keeps its own (from the
lookup of its own caller), so its wrap-up never goes to whoever is on screen when it ends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from cx_tui.models import NoteTarget, ProfileState, TargetKind
from cx_tui.outbox.labels import for_ticket, person_label

if TYPE_CHECKING:
    from cx_tui.insight.redact import Mask
    from cx_tui.lookup import LookupEngine
    from cx_tui.models import Match, Profile


@dataclass(frozen=True, slots=True)
class TargetChoice:
    label: str
    target: NoteTarget
    limit: int
    """Longest note the target's source accepts."""
    default: bool = False
    too_long: Callable[[str], str | None] | None = field(default=None, compare=False)
    """Why a text is too long for this target once formatted for its source, or None."""
    masked_label: str | None = None
    """`label` with the caller's name, numbers and emails masked: shown while the mask is on.
    The target itself (and the outbox label it carries) always names the real caller."""

    def shown(self, masked: bool) -> str:
        """The label as a dialog may show it."""
        return self.masked_label if masked and self.masked_label is not None else self.label


def length_problem(choices: Sequence[TargetChoice], text: str) -> str | None:
    """The first chosen target the text is too long for, said as "Too long for ...", or None:
    checked on the body each source would receive, while the agent types."""
    for choice in choices:
        problem = choice.too_long(text) if choice.too_long is not None else None
        if problem:
            return problem[0].upper() + problem[1:]
    return None


def target_label(target: NoteTarget) -> str:
    """`Demo CRM person`, `Zendesk ticket #12` or `Zendesk new ticket`."""
    if target.kind is TargetKind.PERSON:
        what = "person"
    elif target.kind is TargetKind.NEW_TICKET:
        what = "new ticket"
    else:
        what = f"ticket #{target.ref.record_id}"
    return f"{target.ref.connector} {what}"


def note_choices(profile: Profile, engine: LookupEngine) -> list[TargetChoice]:
    """The person in each source that takes notes, then open tickets as internal notes,
    then a new ticket for the person in each source that opens tickets.

    Checked by default: the most relevant open ticket plus the CRM person (the first
    configured source that takes person notes). A new ticket is never checked by default:
    opening one is the agent's decision.
    """
    from cx_tui.connectors.base import Capability
    from cx_tui.insight.redact import mask_for

    mask = mask_for(profile)

    def offered(source: str, capability: Capability) -> bool:
        return bool(engine.capabilities(source) & capability)

    choices: list[TargetChoice] = []
    persons = [m for m in profile.matches if offered(m.source, Capability.PERSON_NOTES)]
    for index, match in enumerate(persons):
        target = NoteTarget(TargetKind.PERSON, match.person.ref, person_label(match.person))
        head = f"{target_label(target)}: "
        label = (head + (match.person.name or "unnamed"), head + _initials(mask, match))
        choices.append(_choice(engine, label, target, default=index == 0))
    for index, ticket in enumerate(profile.open_tickets):
        if not offered(ticket.ref.connector, Capability.TICKET_NOTES):
            continue
        target = NoteTarget(TargetKind.TICKET, ticket.ref, for_ticket(ticket))
        head = f"{target_label(target)} (internal): "
        label = (head + ticket.subject, head + mask.text(ticket.subject))
        choices.append(_choice(engine, label, target, default=index == 0))
    for match in profile.matches:
        if not offered(match.source, Capability.CREATE_TICKET):
            continue
        target = NoteTarget(TargetKind.NEW_TICKET, match.person.ref, person_label(match.person))
        head = f"New ticket in {match.source}: "
        label = (head + (match.person.name or "unnamed"), head + _initials(mask, match))
        choices.append(_choice(engine, label, target))
    return choices


def _initials(mask: Mask, match: Match) -> str:
    return mask.name(match.person.name) or "unnamed"


def _choice(
    engine: LookupEngine,
    label: tuple[str, str],
    target: NoteTarget,
    *,
    default: bool = False,
) -> TargetChoice:
    """A choice `label` says (as is, and masked) for `target`."""
    limit = engine.note_limit(target.ref.connector)
    too_long = partial(engine.note_too_long, target)
    return TargetChoice(label[0], target, limit, default, too_long, masked_label=label[1])


def draft_keys(profile: Profile) -> list[str]:
    """Where a draft note about this caller is kept: the resolved person's records, in source
    order (so Maria's draft follows her from her phone to her email, and one person's draft
    never shows for another on a shared number); the query when nobody is resolved."""
    if profile.state is ProfileState.RESOLVED and profile.matches:
        return [
            f"person:{m.person.ref.connector}/{m.person.ref.record_id}" for m in profile.matches
        ]
    return [profile.query]
