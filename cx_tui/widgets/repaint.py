"""Painting only what changed (issue 16): a profile is rebuilt on every update of a lookup,
and a `Static.update` asks Textual for a layout of the whole screen even when the text is the
same, so each update of 8 sources re-laid out every panel."""

from __future__ import annotations

from textual.visual import VisualType
from textual.widgets import Static


def update_static(widget: Static, content: VisualType) -> bool:
    """`widget.update(content)` unless it shows equal content already; True: updated."""
    shown = widget.content
    if type(shown) is type(content) and shown == content:
        return False
    widget.update(content)
    return True
