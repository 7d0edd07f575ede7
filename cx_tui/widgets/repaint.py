"""Painting only what changed (issue 16): a profile is rebuilt on every update of a lookup,
and a `Static.update` asks Textual for a layout of the whole screen even when the text is the
same, so each update of 8 sources re-laid out every panel."""

from __future__ import annotations

from rich.text import Text
from textual.visual import VisualType
from textual.widgets import Static


def _same(a: VisualType, b: VisualType) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, Text) and isinstance(b, Text):
        # Rich compares the characters and spans only, not the text's own style and layout.
        return a == b and (a.style, a.justify, a.overflow, a.no_wrap, a.end) == (
            b.style,
            b.justify,
            b.overflow,
            b.no_wrap,
            b.end,
        )
    return a == b


def update_static(widget: Static, content: VisualType) -> bool:
    """`widget.update(content)` unless it shows the same content already; True: updated."""
    if _same(widget.content, content):
        return False
    widget.update(content)
    return True
