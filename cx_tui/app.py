"""The Textual app: builds the services and hands them to the screens. Nothing more.

Start-up is budgeted (issue 7: under 400 ms to a focused lookup bar). Only the config, the
themes and the main screen's widgets load before the first frame; the store, the engine and its
connectors, the outbox and the softphone listener (`Services`) are made right after it
(`_start_services`), or earlier by whoever needs one first.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.screen import Screen

from cx_tui import heap
from cx_tui.config import DEFAULT_THEME
from cx_tui.key_gate import KeyGate, KeyHandled
from cx_tui.keys import APP_KEYS, MAIN_KEYS, bindings, shown_keys
from cx_tui.screens.main import MainScreen
from cx_tui.screens.size_guard import TOO_SMALL
from cx_tui.services import Services
from cx_tui.themes import ThemeCommands, apply_theme, default_variables, load_themes
from cx_tui.widgets.breakpoints import NARROW_BELOW

if TYPE_CHECKING:
    from cx_tui.config import Config
    from cx_tui.lookup import LookupEngine
    from cx_tui.softphone.events import CallEvent


def _hang_up(signum: int, frame: object) -> None:  # noqa: ARG001 - signal handler signature
    os._exit(128 + signum)


def _terminal_alive() -> bool:
    """Whether this process still has its controlling terminal (gone after a hang-up)."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return False
    os.close(fd)
    return True


class CxApp(App[None]):
    """cx-tui: look the caller up everywhere, from the keyboard."""

    TITLE = "cx-tui"
    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = bindings(APP_KEYS)
    COMMANDS = App.COMMANDS | {ThemeCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW_BELOW, "-wide")]  # noqa: RUF012 - Textual API
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]  # noqa: RUF012 - Textual API

    def __init__(self, config: Config, *, engine: LookupEngine | None = None) -> None:
        super().__init__()
        self.config = config
        self.services = Services(
            config, engine=engine, on_call_event=self.on_call_event, report=self._store_failed
        )
        if config.keymap:
            self.set_keymap(config.keymap)
        self.key_gate = KeyGate(self, super().on_event)

    async def on_event(self, event: events.Event) -> None:
        # Keys and pastes from the terminal go through the gate: each one reaches the screen
        # it was typed for, however fast they come (issue 18).
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            await self.key_gate.offer(event)
            return
        await super().on_event(event)

    async def on_key_handled(self, message: KeyHandled) -> None:
        await self.key_gate.handled(message)

    def on_mount(self) -> None:
        self.sub_title = "demo data" if self.config.demo else str(self.config.path)
        self._load_themes()
        self._exit_on_hangup()
        self.push_screen(MainScreen(self.services))
        self.call_after_refresh(self._start_services)

    def _start_services(self) -> None:
        """Right after the first frame: open the store, start delivering what an earlier run
        left in the outbox, and listen for the softphone."""
        self.services.start()
        self.services.watch_team(self._team_said)
        self.main.services_started()
        self.run_worker(self._start_softphone(), group="softphone", exit_on_error=False)

    def _team_said(self, message: str) -> None:
        self.notify(message, title="Team", severity="warning", timeout=10)

    def _store_failed(self, message: str) -> None:
        self.notify(message, title="Local store", severity="error", timeout=15)

    def _exit_on_hangup(self) -> None:
        """Leave at once when the terminal goes away (SIGHUP).

        Found running the app in tmux: once the terminal was gone, Textual's writer blocked on
        the dead terminal, so a normal exit could never finish and the input thread spun for
        half an hour. Nothing is lost by leaving abruptly: notes, drafts and history are
        committed to the local store as they happen, and the outbox resumes on the next start.
        """
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, _hang_up)
        # A hang-up is not always signalled (under `make run` in tmux, make gets it, not us),
        # so also watch the controlling terminal itself.
        if _terminal_alive():
            self.set_interval(2.0, self._watch_terminal)

    def _watch_terminal(self) -> None:
        if not _terminal_alive():
            _hang_up(getattr(signal, "SIGHUP", 1), None)

    async def _start_softphone(self) -> None:
        for problem in await self.services.start_softphone():
            self.notify(problem, title="Softphone", severity="warning", timeout=15)

    def on_call_event(self, event: CallEvent) -> None:
        """A softphone, PBX bridge or tel: link said something; the main screen shows it."""
        from cx_tui.softphone.events import CallKind

        if event.kind is CallKind.QUIT:
            self.exit()  # another cx-tui started with --replace
            return
        if event.kind is CallKind.LOOKUP:
            text = event.lookup_text()
            if text:
                self.main.look_up(text)
            return
        call = self.services.calls.handle(event)
        if call is not None:
            self.main.on_call(call, event.kind)

    def _load_themes(self) -> None:
        """Register shipped and user themes; a bad file is reported once, never fatal."""
        themes, problems = load_themes()
        for theme in themes:
            self.register_theme(theme)
        wrong = apply_theme(self, self.config.theme)
        if wrong is not None and self.config.theme != DEFAULT_THEME:
            problems.append(f"config theme: {wrong}; using {DEFAULT_THEME}")
            apply_theme(self, DEFAULT_THEME)
        if problems:
            self.notify("\n".join(problems), title="Themes", severity="warning", timeout=15)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return default_variables(self.current_theme if self.is_running else None)

    async def on_unmount(self) -> None:
        heap.release()
        await self.services.aclose()

    @property
    def main(self) -> MainScreen:
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))

    # --- keys and commands ------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:  # noqa: ARG002
        """While the main screen is too small to use, only help and quit act."""
        if isinstance(self.screen, MainScreen) and self.screen.has_class(TOO_SMALL):
            return action in ("help", "quit", "help_quit")
        return True

    def action_focus_lookup(self) -> None:
        if isinstance(self.screen, MainScreen):
            self.screen.action_focus_lookup()

    def action_toggle_mask(self) -> None:
        """Mask personal data on every screen (or show it again); stays until toggled. The one
        action of the mask key, on every screen that binds it (`keytable.MASK_KEY`)."""
        from cx_tui.widgets.mask_badge import MaskFollower

        self.services.masked = not self.services.masked
        for screen in self.screen_stack:  # the main screen first, the dialog on top last
            if isinstance(screen, MaskFollower):
                screen.mask_changed()

    def action_help(self) -> None:
        from cx_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.config.keymap))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's own, then every app and main-screen key that has a palette `command`."""
        yield from super().get_system_commands(screen)
        main = self.main
        for key in (*APP_KEYS, *MAIN_KEYS):
            if key.command:
                shown = shown_keys(self.config.keymap.get(key.id, key.keys))
                node = self if key in APP_KEYS else main
                yield SystemCommand(
                    key.command, f"Key: {shown}", partial(self.run_action, key.action, node)
                )
