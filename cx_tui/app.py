"""The Textual app: wires the config and the lookup engine to the screens."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from cx_tui.screens.main import MainScreen
from cx_tui.sources import build_engine

if TYPE_CHECKING:
    from cx_tui.config import Config


class CxApp(App[None]):
    """cx-tui: look the caller up everywhere, from the keyboard."""

    TITLE = "cx-tui"
    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
    ]

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config
        self.engine = build_engine(config)
        if config.keymap:
            self.set_keymap(config.keymap)

    def on_mount(self) -> None:
        self.sub_title = "demo data" if self.config.demo else str(self.config.path)
        self.push_screen(MainScreen(self.engine, self.config))

    async def on_unmount(self) -> None:
        await self.engine.aclose()
