"""The key table (`cx_tui.keytable`) as Textual bindings.

The table itself is plain data so that the config can check `[keymap]` ids without Textual;
this module is the glue the screens and the app use.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

from cx_tui.keytable import (
    ALL_KEYS,
    APP_KEYS,
    BINDING_IDS,
    CALL_HISTORY_KEYS,
    CLOSE_KEYS,
    CONFIRM_KEYS,
    CONTACT_KEYS,
    EDIT_NOTE_KEYS,
    MAIN_KEYS,
    MASK_KEY,
    MODAL_KEYS,
    NARROW_HIDDEN,
    NOTE_KEYS,
    OUTBOX_KEYS,
    WRAP_UP_KEYS,
    Key,
    groups,
    shown_keys,
)

__all__ = [
    "ALL_KEYS",
    "APP_KEYS",
    "BINDING_IDS",
    "CALL_HISTORY_KEYS",
    "CLOSE_KEYS",
    "CONFIRM_KEYS",
    "CONTACT_KEYS",
    "EDIT_NOTE_KEYS",
    "MAIN_KEYS",
    "MASK_KEY",
    "MODAL_KEYS",
    "NARROW_HIDDEN",
    "NOTE_KEYS",
    "OUTBOX_KEYS",
    "WRAP_UP_KEYS",
    "Key",
    "binding",
    "bindings",
    "groups",
    "shown_keys",
]


def binding(key: Key) -> Binding:
    return Binding(
        key.keys,
        key.action,
        key.description,
        show=key.show,
        priority=key.priority,
        id=key.id,
        key_display=key.key_display,
    )


def bindings(*tables: tuple[Key, ...]) -> list[BindingType]:
    """The Textual bindings of one or more key tables, in order."""
    return [binding(key) for table in tables for key in table]
