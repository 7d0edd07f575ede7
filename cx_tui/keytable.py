"""Every key binding in one table: id, default keys, action, group and description.

Plain data, no Textual: the config checks `[keymap]` ids against `BINDING_IDS` without pulling
in the UI. `cx_tui.keys` turns these rows into Textual bindings; screens build their `BINDINGS`
from there, the help screen lists every row by group, the command palette offers the rows that
have a `command`, and the config's `[keymap]` overrides keys by binding id (`App.set_keymap`).
One source of truth, so the help never disagrees with what a key does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Key:
    """One binding.

    Attributes:
        id: The binding id, the name `[keymap]` remaps it by (kebab-case, unique).
        keys: Default keys, comma-separated Textual key names.
        action: The Textual action it runs on its screen (or on the app for APP_KEYS).
        description: A word or two, for the footer and the help.
        group: The help screen's heading it is listed under.
        show: Shown in the footer.
        narrow: Still shown in the footer of a narrow terminal (`widgets/breakpoints.py`),
            where there is room for a few keys only; `?` lists the rest.
        priority: Handled before the focused widget sees the key.
        key_display: How the footer shows the key, when not its name.
        command: The command palette's title for it (main-screen and app keys); empty: not
            in the palette.
    """

    id: str
    keys: str
    action: str
    description: str
    group: str
    show: bool = True
    narrow: bool = False
    priority: bool = False
    key_display: str | None = None
    command: str = ""


MASK_KEY = Key(
    "mask",
    "x,f2",
    "app.toggle_mask",
    "Mask",
    "General",
    show=False,
    command="Mask personal data (toggle)",
)
"""An app key the dialogs that show personal data (outbox, call history) bind too: a modal
screen hides the app's keys. Its action is the app's wherever it is bound (`app.`), so no
screen forwards it: the app toggles the mask and tells every screen (`CxApp.action_toggle_mask`)."""

APP_KEYS: tuple[Key, ...] = (
    # Priority, handled by the app before the next key is routed: keys typed right after
    # ctrl+l land in the lookup bar, not in whatever had focus before.
    Key(
        "focus-lookup",
        "ctrl+l",
        "focus_lookup",
        "Lookup",
        "Lookup",
        priority=True,
        command="Look up a caller",
    ),
    # F1 opens the help everywhere, dialogs and the lookup bar included (priority: it is
    # never text); `?` too wherever it is not typed text.
    Key(
        "help",
        "f1",
        "help",
        "Help",
        "General",
        narrow=True,
        priority=True,
        command="Help: keys",
    ),
    Key("help-question-mark", "question_mark", "help", "Help", "General", show=False),
    Key("quit", "ctrl+q", "quit", "Quit", "General", narrow=True, priority=True),
    MASK_KEY,
)

MAIN_KEYS: tuple[Key, ...] = (
    Key(
        "focus-lookup-slash",
        "slash",
        "focus_lookup",
        "Lookup",
        "Lookup",
        narrow=True,
        key_display="/",
    ),
    Key("recent-lookups", "r", "recent", "Recent", "Lookup", command="Recent lookups"),
    Key(
        "trouble-spots",
        "s",
        "trouble_spots",
        "Trouble spot tickets",
        "Lookup",
        show=False,
        command="Trouble spot: other customers' recent tickets about it",
    ),
    Key("pick-person", "p", "pick", "Pick person", "Lookup", show=False, command="Pick the person"),
    Key(
        "forget-link",
        "f",
        "forget_link",
        "Forget pick",
        "Lookup",
        show=False,
        command="Forget who this number or email belongs to",
    ),
    Key(
        "explain-lookup",
        "w",
        "explain",
        "Why (not) matched",
        "Lookup",
        show=False,
        command="Why nobody matched: what each source searched",
    ),
    Key("log-note", "n,ctrl+n", "note", "Note", "Act", narrow=True, command="Log a note"),
    Key("outbox", "b", "outbox", "Outbox", "Act", narrow=True, command="Outbox: notes to deliver"),
    Key(
        "call-timer", "t", "call_timer", "Call start/end", "Calls", command="Call timer: start/end"
    ),
    Key(
        "switch-call", "k", "switch_call", "Switch call", "Calls", show=False, command="Switch call"
    ),
    Key("call-history", "h", "call_history", "Calls", "Calls", command="Call history"),
    Key(
        "missed-calls",
        "m",
        "missed_calls",
        "Missed calls",
        "Calls",
        show=False,
        command="Missed calls to return",
    ),
    Key(
        "create-contact",
        "a",
        "create_contact",
        "Add contact",
        "Act",
        show=False,
        command="Create a contact",
    ),
    Key(
        "attach-number",
        "e",
        "attach_number",
        "Add number to a person",
        "Act",
        show=False,
        command="Add this number to an existing person",
    ),
    Key(
        "open-record",
        "o",
        "open_record",
        "Open in browser",
        "Act",
        show=False,
        command="Open record in browser",
    ),
    Key("copy-link", "c", "copy_link", "Copy link", "Act", show=False, command="Copy record link"),
    Key(
        "all-tried",
        "d",
        "all_tried",
        "All already tried",
        "Act",
        show=False,
        command="Already tried: every step",
    ),
    *(
        Key(
            f"focus-{panel}",
            digit,
            f"focus_panel('{panel}')",
            panel.title(),
            "Move",
            show=False,
            command=f"Go to {what}",
        )
        for digit, panel, what in (
            ("1", "actions", "next actions"),
            ("2", "tickets", "tickets"),
            ("3", "timeline", "timeline"),
        )
    ),
)


def editor_keys(save_id: str, close_id: str, saving: str, group: str) -> tuple[Key, ...]:
    """A text editor's keys: ctrl+s saves (before the text area sees it), escape keeps the draft."""
    return (
        Key(save_id, "ctrl+s", "save", saving, group, priority=True),
        Key(close_id, "escape", "close", "Close (keeps the draft)", group),
    )


NOTE_KEYS: tuple[Key, ...] = editor_keys("save-note", "close-note", "Save note", "Note editor")

MODAL_KEYS: tuple[Key, ...] = (
    Key("close-modal", "escape", "dismiss_modal", "Close", "Dialogs"),
    Key("modal-open-record", "o", "open_record", "Open in browser", "Dialogs"),
    Key("modal-copy-link", "c", "copy_link", "Copy link", "Dialogs"),
)
CLOSE_KEYS: tuple[Key, ...] = MODAL_KEYS[:1]
"""Escape closes: every dialog has it."""

CONTACT_KEYS: tuple[Key, ...] = (
    Key("create-contact-save", "ctrl+s", "create", "Create", "Create contact", priority=True),
)

OUTBOX_KEYS: tuple[Key, ...] = (
    Key("outbox-retry", "r", "retry", "Retry now", "Outbox"),
    Key("outbox-edit", "e", "edit", "Edit & resend", "Outbox"),
    Key("outbox-discard", "d", "discard", "Discard", "Outbox"),
    Key("outbox-raw", "i", "toggle_raw", "Raw target", "Outbox"),
)
EDIT_NOTE_KEYS: tuple[Key, ...] = (
    Key("edit-resend", "ctrl+s", "save", "Resend (edited note)", "Outbox", priority=True),
)
CONFIRM_KEYS: tuple[Key, ...] = (
    Key("confirm-yes", "y", "answer(True)", "Yes", "Outbox"),
    Key("confirm-no", "n,escape", "answer(False)", "No", "Outbox"),
)

WRAP_UP_KEYS: tuple[Key, ...] = editor_keys(
    "wrap-up-save", "wrap-up-close", "Log call", "Call wrap-up"
)

CALL_HISTORY_KEYS: tuple[Key, ...] = (
    Key("calls-missed", "m", "toggle_missed", "Missed only", "Call history"),
    Key("calls-returned", "r", "toggle_returned", "Returned", "Call history"),
    Key("calls-wrap-up", "w", "wrap_up", "Wrap up", "Call history"),
)

ALL_KEYS: tuple[Key, ...] = (
    APP_KEYS
    + MAIN_KEYS
    + NOTE_KEYS
    + MODAL_KEYS
    + CONTACT_KEYS
    + OUTBOX_KEYS
    + EDIT_NOTE_KEYS
    + CONFIRM_KEYS
    + WRAP_UP_KEYS
    + CALL_HISTORY_KEYS
)

BINDING_IDS: frozenset[str] = frozenset(key.id for key in ALL_KEYS)
"""Every id `[keymap]` may name."""

NARROW_HIDDEN: frozenset[str] = frozenset(
    key.action for key in ALL_KEYS if key.show and not key.narrow
) - frozenset(key.action for key in ALL_KEYS if key.narrow)
"""Actions of footer keys left out of a narrow terminal's footer."""


def shown_keys(keys: str) -> str:
    """`question_mark,f1` -> `?, f1`: keys as the agent reads them."""
    return ", ".join(k.replace("question_mark", "?").replace("slash", "/") for k in keys.split(","))


def key_of(binding_id: str, keymap: dict[str, str] | None = None) -> str:
    """The first key of a binding as the agent reads it (`[keymap]` first): `d`, `?`."""
    default = next(key.keys for key in ALL_KEYS if key.id == binding_id)
    return shown_keys((keymap or {}).get(binding_id, default).split(",")[0])


def help_key(keymap: dict[str, str] | None = None) -> str:
    """The help key as the welcome line names it (`F1`, or the first key `[keymap]` gives)."""
    first = (keymap or {}).get("help", "f1").split(",")[0]
    return first.upper() if re.fullmatch(r"f\d+", first) else shown_keys(first)


def groups(keymap: dict[str, str] | None = None) -> dict[str, list[tuple[str, str, str]]]:
    """Group -> [(keys as configured, description, binding id)], in table order."""
    overrides = keymap or {}
    out: dict[str, list[tuple[str, str, str]]] = {}
    seen: set[str] = set()
    for key in ALL_KEYS:
        if key.id in seen:
            continue
        seen.add(key.id)
        shown = shown_keys(overrides.get(key.id, key.keys))
        out.setdefault(key.group, []).append((shown, key.description, key.id))
    return out
