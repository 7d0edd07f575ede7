"""Hand-off: loop in the people who own this customer, with a note that names them.

The rule (registered with `actions.rule`, loaded by `actions.RULE_MODULES`) and taking it
(`queue_hand_off`, for the screen).

A next action "Hand off to Tier 2 (Demo Helpdesk ticket group) / Ruth Osei (Demo CRM contact
owner)" writes an internal note on the caller's open ticket naming them, through the outbox
(exactly once). Where the ticket's source can assign (`Capability.ASSIGN`: Zendesk), the same
request assigns the ticket to the group (or the agent) the note names from that source; the
assignment travels as the note's payload (`assign`), so nothing new is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from cx_tui.actions import ActionKind, Context, NextAction, rule
from cx_tui.insight.owners import owner_label, owners
from cx_tui.models import (
    Assignment,
    NoteTarget,
    Owner,
    OwnerRole,
    Profile,
    ProfileState,
    TargetKind,
    Ticket,
)

if TYPE_CHECKING:
    from cx_tui.delivery import Delivery

Severity = Literal["information", "warning", "error"]

MAX_NAMED = 2
"""People and groups a hand-off names (the first group, then the first person elsewhere)."""


def hand_off_to(found: Sequence[Owner], ticket: Ticket) -> list[Owner]:
    """Whom to hand off to: a group of the ticket's own source first (that one can take the
    ticket), then a CRM owner (or another person); never the ticket's own assignee."""
    mine = {(o.role, o.name) for o in ticket.owners if o.role is OwnerRole.ASSIGNEE}
    groups = [o for o in found if o.role is OwnerRole.GROUP]
    people = [o for o in found if o.role is not OwnerRole.GROUP and (o.role, o.name) not in mine]
    crm = [o for o in people if o.role is not OwnerRole.ASSIGNEE]
    chosen = groups[:1] + (crm or people)[:1]
    return chosen[:MAX_NAMED]


def assignment(chosen: Sequence[Owner], ticket: Ticket) -> Assignment | None:
    """The group (or agent) of the ticket's source the note also assigns the ticket to, unless
    the ticket already has them."""
    for owner in chosen:
        if owner.source != ticket.ref.connector or owner.owner_id is None:
            continue
        if owner in ticket.owners:
            continue  # already theirs: the note alone is the hand-off
        field = "group" if owner.role is OwnerRole.GROUP else "assignee"
        return Assignment(field, owner.owner_id, owner.name)
    return None


def note_text(chosen: Sequence[Owner], ticket: Ticket) -> str:
    names = " and ".join(owner_label(o) for o in chosen)
    return (
        f"Handing off to {names}: please pick up #{ticket.ref.record_id} "
        f"({ticket.subject}); the caller has been told who will follow up."
    )


@rule
def hand_off(profile: Profile, context: Context) -> Iterable[NextAction]:  # noqa: ARG001
    if profile.state is not ProfileState.RESOLVED or not profile.open_tickets:
        return
    found = owners(profile)
    ticket = profile.open_tickets[0]
    chosen = hand_off_to(found, ticket)
    if not chosen:
        return
    assign = assignment(chosen, ticket)
    prefill = {"note": note_text(chosen, ticket)}
    if assign is not None:
        prefill |= {f"assign_{k}": v for k, v in assign.payload().items()}
    doing = f" and assign it to {assign.name}" if assign else ""
    yield NextAction(
        "hand_off",
        ActionKind.HAND_OFF,
        "Hand off to " + " / ".join(owner_label(o) for o in chosen),
        f"They own this customer. Writes an internal note on #{ticket.ref.record_id} naming "
        f"them{doing}.",
        30,
        evidence=tuple(o.ref for o in chosen),
        target=ticket.ref,
        prefill=prefill,
    )


def assignment_of(action: NextAction) -> Assignment | None:
    """The assignment a hand-off action carries in its prefill."""
    payload = {k.removeprefix("assign_"): v for k, v in action.prefill.items() if k != "note"}
    return Assignment.from_payload({"assign": payload})


def queue_hand_off(
    delivery: Delivery | None, action: NextAction, *, shown: NextAction | None = None
) -> tuple[str, Severity]:
    """Queue the hand-off note of `action` (with its `assign` payload); what to tell the agent,
    naming the assignee as `shown` (the action as listed: masked while the mask is on) does."""
    from cx_tui.outbox import OutboxError
    from cx_tui.outbox.labels import ticket_label
    from cx_tui.store import StoreError

    note = action.prefill.get("note")
    if delivery is None or action.target is None or not note:
        return "The outbox is not available, so the hand-off note cannot be queued.", "error"
    assign = assignment_of(action)
    payload = {"assign": assign.payload()} if assign is not None else None
    target = NoteTarget(TargetKind.TICKET, action.target, ticket_label(action.target.record_id))
    try:
        delivery.queue(note, [target], payload=payload).close()
    except (StoreError, OutboxError) as error:
        return f"Nothing was queued: {error}", "error"
    said = assignment_of(shown) if shown is not None else assign
    doing = f" and assignment to {said.name}" if said else ""
    return f"Hand-off note{doing} queued for #{action.target.record_id} (b: outbox).", "information"
