"""The footer lets go of the keys it recomposes away (issue 16: memory over a long session).

Textual's footer recomposes whenever the bindings change (each lookup moves the focus); every
key it composes binds the footer's `compact`, and Textual keeps that watcher, and so the
removed key, until `compact` changes. `CxFooter` drops them after each recompose.
"""

from __future__ import annotations

import gc
import weakref

from textual.widgets import Footer

from cx_tui.app import CxApp
from cx_tui.config import load_config


async def test_recomposed_footer_keys_are_freed() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=(120, 40)) as pilot:
        footer = app.screen.query_one(Footer)
        # The app freezes what it holds once started (`heap.py`): keys composed before that
        # stay until it ends (once, a bounded few). Keys composed after it must not pile up.
        for _ in range(100):
            if gc.get_freeze_count():
                break
            await pilot.pause(0.01)
        assert gc.get_freeze_count()
        footer.refresh(recompose=True)
        await pilot.pause()
        before = [weakref.ref(key) for key in footer.children]
        assert before, "the footer shows keys"
        for _ in range(3):
            footer.refresh(recompose=True)
            await pilot.pause()
        gc.collect()
        assert footer.children, "it still shows keys"
        assert [ref for ref in before if ref() is not None] == []
