"""Keeping Python's cyclic garbage collector out of the frames a key press waits for.

A full collection walks every object the process holds: with Textual, the widgets and a
profile's records, 30-55 ms on a small machine, at whatever moment the allocation counts tip
it over, often in the frame that shows a key typed while a profile paints (measured in bench
d and f: the slowest presses were in those frames). What the app holds for its whole run (the
modules, Textual, the main screen and its panels) is moved out of the collector's sight once it
is built (`gc.freeze`), so later collections walk only what came after: 8-18 ms, measured.
The price: what was frozen and later dropped (the start's first footer keys and the like) is
freed only when the app ends, a bounded set (3,700 objects after 10 lookups, measured).
"""

from __future__ import annotations

import gc

_settled = False


def settle() -> None:
    """Freeze what the process holds (the app's long-lived objects, and the little garbage
    the start left, 1-2 MB): later collections no longer walk them. Not collected first: a
    full collection here cost 26-111 ms, in the way of the first ring. Once per app
    (`release` undoes it)."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.freeze()


def release() -> None:
    """The app is ending: let the collector see the frozen objects again, so an app run
    inside a longer process (a test session) leaves nothing behind."""
    global _settled
    if _settled:
        _settled = False
        gc.unfreeze()
