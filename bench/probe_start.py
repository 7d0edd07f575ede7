"""Cold-start probe: start an app headless and report when its lookup bar has focus.

    python bench/probe_start.py cx      # CxApp on the configured sources (CX_TUI_CONFIG or demo)
    python bench/probe_start.py hello   # a bare Textual app: a focused Input and a Footer

Prints `READY <CLOCK_MONOTONIC seconds>` the moment the bar is focused (for cx: MainScreen
mounted and `#lookup-bar` focused), then exits. The parent (`bench.scenarios coldstart`)
subtracts the time it spawned this process. Imports nothing but what each app needs, so the
two variants pay the same Python start-up.
"""

from __future__ import annotations

import inspect
import os
import sys
import time
from pathlib import Path
from typing import Any

SIZE = (120, 40)


def report(app: Any) -> None:
    os.write(1, f"READY {time.monotonic():.6f}\n".encode())
    app.exit()


def hello() -> Any:
    from textual.app import App, ComposeResult
    from textual.events import DescendantFocus
    from textual.widgets import Footer, Input

    class Hello(App[None]):
        def compose(self) -> ComposeResult:
            yield Input(placeholder="Hello, world", id="bar")
            yield Footer()

        def on_mount(self) -> None:
            self.query_one("#bar", Input).focus()

        def on_descendant_focus(self, event: DescendantFocus) -> None:
            if event.widget.id == "bar":
                report(self)

    return Hello()


def cx() -> Any:
    from textual.events import DescendantFocus

    from cx_tui.app import CxApp
    from cx_tui.config import load_config
    from cx_tui.screens.main import MainScreen

    class Probe(CxApp):
        # Textual resolves a relative CSS_PATH against the subclass's module: keep the app's.
        CSS_PATH = str(Path(inspect.getfile(CxApp)).with_name(str(CxApp.CSS_PATH)))

        def on_descendant_focus(self, event: DescendantFocus) -> None:
            screen = self.screen
            if (
                isinstance(screen, MainScreen)
                and event.widget.id == "lookup-bar"
                and screen.focused is event.widget
            ):
                report(self)

    return Probe(load_config())


def main() -> int:
    variant = sys.argv[1] if len(sys.argv) > 1 else "cx"
    app = hello() if variant == "hello" else cx()
    app.run(headless=True, size=SIZE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
