"""Every key binding in one table: id, default keys, action, group and description.

Screens build their `BINDINGS` from here, the help screen lists it by group, and the config's
`[keymap]` overrides keys by binding id (`App.set_keymap`). One source of truth, so the help
never disagrees with what a key does.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True, slots=True)
class Key:
    id: str
    keys: str
    action: str
    description: str
    group: str
    show: bool = True
    priority: bool = False
    key_display: str | None = None

    def binding(self) -> Binding:
        return Binding(
            self.keys,
            self.action,
            self.description,
            show=self.show,
            priority=self.priority,
            id=self.id,
            key_display=self.key_display,
        )


APP_KEYS: tuple[Key, ...] = (
    # Priority, handled by the app before the next key is routed: keys typed right after
    # ctrl+l land in the lookup bar, not in whatever had focus before.
    Key("focus-lookup", "ctrl+l", "focus_lookup", "Lookup", "Lookup", priority=True),
    Key("help", "question_mark,f1", "help", "Help", "General", key_display="?"),
    Key("quit", "ctrl+q", "quit", "Quit", "General", priority=True),
)

MAIN_KEYS: tuple[Key, ...] = (
    Key("focus-lookup-slash", "slash", "focus_lookup", "Lookup", "Lookup", key_display="/"),
    Key("recent-lookups", "r", "recent", "Recent", "Lookup"),
    Key("pick-person", "p", "pick", "Pick person", "Lookup", show=False),
    Key("log-note", "n,ctrl+n", "note", "Note", "Act"),
    Key("outbox", "b", "outbox", "Outbox", "Act"),
    Key("call-timer", "t", "call_timer", "Call start/end", "Calls"),
    Key("switch-call", "k", "switch_call", "Switch call", "Calls", show=False),
    Key("call-history", "h", "call_history", "Calls", "Calls"),
    Key("create-contact", "a", "create_contact", "Add contact", "Act", show=False),
    Key("open-record", "o", "open_record", "Open in browser", "Act", show=False),
    Key("copy-link", "c", "copy_link", "Copy link", "Act", show=False),
    Key("focus-actions", "1", "focus_panel('actions')", "Actions", "Move", show=False),
    Key("focus-tickets", "2", "focus_panel('tickets')", "Tickets", "Move", show=False),
    Key("focus-timeline", "3", "focus_panel('timeline')", "Timeline", "Move", show=False),
)

NOTE_KEYS: tuple[Key, ...] = (
    Key("save-note", "ctrl+s", "save", "Save note", "Note editor", priority=True),
    Key("close-note", "escape", "close", "Close (keeps the draft)", "Note editor"),
)

MODAL_KEYS: tuple[Key, ...] = (
    Key("close-modal", "escape", "dismiss_modal", "Close", "Dialogs"),
    Key("modal-open-record", "o", "open_record", "Open in browser", "Dialogs"),
    Key("modal-copy-link", "c", "copy_link", "Copy link", "Dialogs"),
)

ALL_KEYS: tuple[Key, ...] = APP_KEYS + MAIN_KEYS + NOTE_KEYS + MODAL_KEYS


def bindings(keys: tuple[Key, ...]) -> list[BindingType]:
    return [key.binding() for key in keys]


def groups(keymap: dict[str, str] | None = None) -> dict[str, list[tuple[str, str, str]]]:
    """Group -> [(keys as configured, description, binding id)], in table order."""
    overrides = keymap or {}
    out: dict[str, list[tuple[str, str, str]]] = {}
    seen: set[str] = set()
    for key in ALL_KEYS:
        if key.id in seen:
            continue
        seen.add(key.id)
        keys = overrides.get(key.id, key.keys)
        shown = ", ".join(
            k.replace("question_mark", "?").replace("slash", "/") for k in keys.split(",")
        )
        out.setdefault(key.group, []).append((shown, key.description, key.id))
    return out
