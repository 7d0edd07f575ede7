"""What choosing a next action does on the main screen: open the ticket, pick the person,
write the note, list the trouble spot's tickets, hand off... (`actions.suggest` says which
actions there are and why; this only carries one out, through the screen's own keys' actions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cx_tui.actions import ActionKind

if TYPE_CHECKING:
    from cx_tui.actions import NextAction
    from cx_tui.screens.main import MainScreen


def take(screen: MainScreen, action: NextAction) -> None:
    """Do what `action` says on `screen`; an action with nothing to open says why."""
    kind = action.kind
    if kind is ActionKind.CREATE_CONTACT:
        screen.action_create_contact()
    elif kind is ActionKind.ATTACH_NUMBER:
        screen.action_attach_number()
    elif kind is ActionKind.RETRY_LOOKUP:
        if screen.session.query is not None:
            screen.look_up(screen.session.query.text)
    elif kind is ActionKind.CONFIRM_PERSON:
        screen.action_pick()
    elif kind is ActionKind.LOG_NOTE:
        screen.action_note()
    elif kind is ActionKind.TROUBLE_SPOT:
        screen.action_trouble_spots()
    elif kind is ActionKind.HAND_OFF:
        from cx_tui.handoff import queue_hand_off

        unmasked = _unmasked(screen, action)
        if unmasked is None:
            screen.notify("The profile changed: choose the hand-off again.", title=action.title)
            return
        said, severity = queue_hand_off(screen.services.delivery, unmasked, shown=action)
        screen.notify(said, title=action.title, severity=severity)
    elif action.target is not None and (
        ticket := screen.view.ticket(action.target.connector, action.target.record_id)
    ):
        screen.view.open_ticket(ticket)
    elif kind is ActionKind.DONT_REPEAT:  # every step: the panel shows the newest few
        screen.action_all_tried()
    else:
        screen.notify(action.why, title=action.title)


def _unmasked(screen: MainScreen, action: NextAction) -> NextAction | None:
    """`action` as made from the profile the sources gave (the list shows the painted one,
    masked while the mask is on): what is written to a source never carries the mask's
    initials and dots. None: the unmasked profile no longer suggests it."""
    from cx_tui.actions import suggest

    if not screen.services.masked:
        return action
    profile = screen.unmasked()[1]
    same = (action.rule, action.kind, action.target)
    real = suggest(profile) if profile is not None else []
    return next((a for a in real if (a.rule, a.kind, a.target) == same), None)
