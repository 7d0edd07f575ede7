"""The Textual app: wires config, engine, drafts and history to the screens. Nothing more.

Start-up is budgeted (issue 7: under 400 ms to a focused lookup bar). Only the config, the
themes and the main screen's widgets load before the first frame; the store, the engine and its
connectors, the outbox and the softphone listener are made right after it (`_start_services`),
or earlier by whoever needs one first (they are cached properties).
"""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator, Iterable, Sequence
from functools import cached_property, partial
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.screen import Screen

from cx_tui.config import DEFAULT_THEME
from cx_tui.keys import APP_KEYS, MAIN_KEYS, bindings, shown_keys
from cx_tui.models import ProfileState
from cx_tui.screens.main import MainScreen
from cx_tui.themes import ThemeCommands, apply_theme, default_variables, load_themes

if TYPE_CHECKING:
    from cx_tui.calls import CallTracker
    from cx_tui.config import Config
    from cx_tui.delivery import Delivery
    from cx_tui.identity import Query
    from cx_tui.lookup import LookupEngine
    from cx_tui.models import NoteTarget, Profile
    from cx_tui.screens.recent import RecentLookup
    from cx_tui.softphone.events import CallEvent
    from cx_tui.softphone.service import SoftphoneService
    from cx_tui.store import Store, StoreError


def summarise(profile: Profile) -> str:
    """A few words for the history: who it was, or why nobody."""
    if profile.state is ProfileState.RESOLVED:
        return profile.value("name") or "unnamed person"
    if profile.state is ProfileState.AMBIGUOUS:
        count = len(profile.candidates)
        return f"{count} candidates" if count != 1 else "1 candidate to confirm"
    if any(status.state.is_failure for status in profile.sources.values()):
        return "not found; some sources could not be searched"
    return "nobody found"


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
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012 - Textual API
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]  # noqa: RUF012 - Textual API

    def __init__(self, config: Config, *, engine: LookupEngine | None = None) -> None:
        super().__init__()
        self.config = config
        if engine is not None:
            self.engine = engine
        self._store_problem: str | None = None
        self.dispositions = config.dispositions
        self.drafts: dict[str, str] = {}
        """Drafts in memory too, so nothing is lost even when the store cannot be written."""
        if config.keymap:
            self.set_keymap(config.keymap)

    # --- services, made on first use (at the latest right after the first frame) ------------

    @cached_property
    def store(self) -> Store | None:
        """The local store; None when it cannot be opened (the reason is shown on start)."""
        from cx_tui.store import Store, StoreError

        try:
            return Store()
        except StoreError as error:  # run without history and drafts on disk; say so
            self._store_problem = str(error)
            return None

    @cached_property
    def engine(self) -> LookupEngine:
        from cx_tui.sources import build_engine

        links = self.store.confirmed_links if self.store is not None else None
        return build_engine(self.config, links=links)

    @cached_property
    def delivery(self) -> Delivery | None:
        from cx_tui.delivery import Delivery

        return Delivery(self.store, self.engine) if self.store is not None else None

    @cached_property
    def phone_region(self) -> str | None:
        from cx_tui.sources import region_for

        return region_for(self.config)

    @cached_property
    def calls(self) -> CallTracker:
        from cx_tui.calls import CallTracker

        return CallTracker(self.store)

    @cached_property
    def softphone(self) -> SoftphoneService:
        from cx_tui.softphone.service import SoftphoneService

        return SoftphoneService(
            self.config.softphone, self.on_call_event, default_region=self.phone_region
        )

    def on_mount(self) -> None:
        self.sub_title = "demo data" if self.config.demo else str(self.config.path)
        self._load_themes()
        self._exit_on_hangup()
        self.push_screen(MainScreen())
        self.call_after_refresh(self._start_services)

    def _start_services(self) -> None:
        """Right after the first frame: open the store, start delivering what an earlier run
        left in the outbox, and listen for the softphone."""
        if self.store is None and self._store_problem:
            self.notify(self._store_problem, title="Local store", severity="error", timeout=15)
        if self.delivery is not None:
            self.delivery.start()  # notes left from an earlier run go out first
        self.main.services_started()
        self.run_worker(self._start_softphone(), group="softphone", exit_on_error=False)
        _ = self.engine  # built now, not on the agent's first Enter

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
        for problem in await self.softphone.start():
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
        call = self.calls.handle(event)
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
        made = self.__dict__  # cached properties: close only what was made
        if "softphone" in made:
            await self.softphone.stop()
        if made.get("delivery") is not None:
            await self.delivery.stop()  # type: ignore[union-attr]
        if "engine" in made:
            await self.engine.aclose()
        if made.get("store") is not None:
            self.store.close()  # type: ignore[union-attr]

    @property
    def main(self) -> MainScreen:
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))

    # --- state the screens share ------------------------------------------------------------

    def _store_failed(self, error: StoreError) -> None:
        self.notify(str(error), title="Local store", severity="error", timeout=15)

    def draft(self, key: str) -> str:
        """The draft note for a caller: from memory, else from the store (survives a crash)."""
        from cx_tui.store import StoreError

        if key in self.drafts:
            return self.drafts[key]
        if self.store is not None:
            try:
                return self.store.draft(key) or ""
            except StoreError as error:
                self._store_failed(error)
        return ""

    def keep_draft(self, key: str, text: str) -> None:
        from cx_tui.store import StoreError

        if text.strip():
            self.drafts[key] = text
        else:
            self.drafts.pop(key, None)
        if self.store is None:
            return
        try:
            if text.strip():
                self.store.save_draft(key, text)
            else:
                self.store.clear_draft(key)
        except StoreError as error:
            self._store_failed(error)

    def record_lookup(self, query: Query, profile: Profile) -> None:
        from cx_tui.store import StoreError

        if self.store is None:
            return
        person = profile.matches[0].person if profile.state is ProfileState.RESOLVED else None
        try:
            self.store.record_lookup(
                query.text,
                query.kind.value,
                profile.state.value,
                person_name=summarise(profile),
                person_key=person.ref.key if person else None,
            )
        except StoreError as error:
            self._store_failed(error)

    def recent(self) -> list[RecentLookup]:
        """Earlier lookups, newest first, one per query."""
        from cx_tui.screens.recent import RecentLookup
        from cx_tui.store import StoreError

        if self.store is None:
            return []
        try:
            records = self.store.lookups()
        except StoreError as error:
            self._store_failed(error)
            return []
        seen: set[str] = set()
        out = []
        for record in records:
            if record.query not in seen:
                seen.add(record.query)
                out.append(RecentLookup(record.query, record.at, record.person_name or ""))
        return out

    def show_recent(self) -> None:
        from cx_tui.screens.recent import RecentLookups

        def chosen(query: str | None) -> None:
            if query is not None:
                self.main.look_up(query, move_focus=True)

        self.push_screen(RecentLookups(self.recent()), chosen)

    async def deliver_note(
        self, text: str, targets: Sequence[NoteTarget]
    ) -> AsyncIterator[tuple[NoteTarget, str, str]]:
        """Save a note through the outbox, yielding each target's state as it changes.

        Raises:
            StoreError, OutboxError: nothing was saved; the editor keeps the text.
        """
        if self.delivery is None:
            from cx_tui.outbox import OutboxError

            raise OutboxError(
                f"the local store could not be opened ({self._store_problem}), so notes "
                "cannot be queued safely"
            )
        async for update in self.delivery.send(text, targets):
            yield update
        self.main.refresh_profile()

    # --- keys and commands ------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:  # noqa: ARG002
        """While the main screen is too small to use, only help and quit act."""
        if isinstance(self.screen, MainScreen) and self.screen.has_class("-too-small"):
            return action in ("help", "quit", "help_quit")
        return True

    def action_focus_lookup(self) -> None:
        if isinstance(self.screen, MainScreen):
            self.screen.action_focus_lookup()

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
