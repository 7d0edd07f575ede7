"""Painting only what changed (issue 16): a profile is rebuilt on every update of a lookup,
and a `Static.update` asks Textual for a layout of the whole screen even when the text is the
same, so each update of 8 sources re-laid out every panel. A new text that keeps the widget's
size (the same number of lines at its width) repaints the widget alone: no layout either."""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
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


def _keeps_size(widget: Static, was: Size) -> bool:
    """Whether `widget`, its new content set, still fits the content area it had (`was`):
    its width does not come from its content, and its height is fixed or, when it comes
    from the content, the new content takes as many lines at that width."""
    width, height = widget.styles.width, widget.styles.height  # None: the room it is given
    if not was.width or (width is not None and width.is_auto):
        return False  # not laid out yet (hidden), or sized by its content's width
    if height is None or not height.is_auto:
        return True
    return widget.get_content_height(was, was, was.width) == was.height


def update_static(widget: Static, content: VisualType) -> bool:
    """`widget.update(content)` unless it shows the same content already, with a layout of
    the screen only when the new content changes the widget's size; True: updated."""
    if _same(widget.content, content):
        return False
    was = widget.content_region.size
    widget.update(content, layout=False)
    if not _keeps_size(widget, was):
        widget.refresh(layout=True, repaint=False)  # repainted by `update`; measured once
    return True
