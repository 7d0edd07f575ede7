"""Pilot tests of the agent's flows on the demo data, keyboard only."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from rich.console import Console
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, Label, OptionList, SelectionList, Static, TextArea

from cx_tui.actions import ActionKind
from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.connectors.base import Unavailable
from cx_tui.lookup import LookupEngine
from cx_tui.models import ProfileState, SourceState, TargetKind
from cx_tui.screens.create_contact import CreateContact
from cx_tui.screens.detail import RecordDetail
from cx_tui.screens.help import HelpScreen
from cx_tui.screens.main import MainScreen
from cx_tui.screens.note import NoteEditor
from cx_tui.screens.picker import CandidatePicker
from cx_tui.screens.recent import RecentLookups
from cx_tui.sources import build_engine
from tests.fakes import FakeConnector, person, phone

HERO = "+14155550132"
SIZE = (120, 40)


def main_screen(app: CxApp) -> MainScreen:
    return app.main


def text_of(widget: Static) -> str:
    return str(widget.content)


async def look_up(app: CxApp, pilot: object, query: str) -> MainScreen:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await pilot.press("ctrl+l", *query, "enter")
    screen = main_screen(app)
    await screen.workers.wait_for_complete()
    await pilot.pause()
    return screen


async def note_on(app: CxApp, pilot: object, query: str = HERO) -> NoteEditor:
    """Look `query` up and open the note editor on them (`n`)."""
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await look_up(app, pilot, query)
    await pilot.press("n")
    await pilot.pause()
    editor = app.screen
    assert isinstance(editor, NoteEditor)
    return editor


async def test_lookup_fills_every_panel() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        screen = await look_up(app, pilot, HERO)
        profile = screen.profile
        assert profile is not None and profile.state is ProfileState.RESOLVED
        assert screen.query_one("#tickets").tickets  # type: ignore[attr-defined]
        assert screen.query_one("#timeline").items  # type: ignore[attr-defined]
        assert "SIP ALG" in text_of(screen.query_one("#tried", Static))
        rules = [a.rule for a in screen.actions]
        assert rules[0] == "repeat_contact" and "conflicting_data" in rules
        # After Enter the actions have focus, so single-letter keys act.
        assert app.focused is screen.query_one("#actions")


async def test_a_failing_source_is_shown_while_the_others_render() -> None:
    config = load_config()
    engine = build_engine(config)
    broken = FakeConnector(fake_name="Broken CRM", error=Unavailable("connection refused"))
    engine = LookupEngine([*engine.connectors, broken])
    app = CxApp(config, engine=engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = await look_up(app, pilot, HERO)
        assert screen.profile is not None
        assert screen.profile.value("name") == "Maria Gonzalez"
        assert screen.profile.sources["Broken CRM"].state is SourceState.UNREACHABLE
        assert "connection refused" in text_of(screen.query_one("#sources", Static))


async def test_shared_number_opens_the_picker_and_picking_loads_that_person() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, "+12125550100")
        await pilot.pause()
        assert isinstance(app.screen, CandidatePicker)
        names = [c.name for c in app.screen.candidates]
        target = names.index("Tom Becker")
        options = app.screen.query_one(OptionList)
        options.highlighted = target
        await pilot.press("enter")
        screen = main_screen(app)
        await screen.workers.wait_for_complete()
        await pilot.pause()
        assert screen.profile is not None
        assert screen.profile.state is ProfileState.RESOLVED
        assert screen.profile.value("name") == "Tom Becker"


async def test_unknown_caller_offers_create_contact_prefilled() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        screen = await look_up(app, pilot, "+14155550199")
        assert screen.profile is not None and screen.profile.state is ProfileState.UNKNOWN
        assert "No one found" in text_of(screen.query_one("#status", Static))
        await pilot.press("enter")  # the first action: create a contact
        await pilot.pause()
        assert isinstance(app.screen, CreateContact)
        assert app.screen.query_one("#contact-phone", Input).value == "+14155550199"
        await pilot.press(*"Rosa Diaz", "ctrl+s")
        await screen.workers.wait_for_complete()
        await pilot.pause()
        await screen.workers.wait_for_complete()
        assert screen.profile is not None
        assert screen.profile.state is ProfileState.RESOLVED
        assert screen.profile.value("name") == "Rosa Diaz"


async def test_create_contact_for_a_name_starts_with_that_name() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, "Zed Nobody")
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CreateContact)
        assert form.query_one("#contact-name", Input).value == "Zed Nobody"
        assert form.query_one("#contact-phone", Input).value == ""


async def test_a_source_that_could_not_be_searched_offers_a_retry_not_a_new_contact() -> None:
    rosa = person("Desk", "7", "Rosa Diaz", phone("+14155550199"))
    crm = FakeConnector(fake_name="CRM")
    desk = FakeConnector(fake_name="Desk", people=[rosa], error=Unavailable("connection refused"))
    app = CxApp(load_config(), engine=LookupEngine([crm, desk]))
    async with app.run_test(size=SIZE) as pilot:
        screen = await look_up(app, pilot, "+14155550199")
        assert screen.profile is not None and screen.profile.state is ProfileState.UNKNOWN
        status = text_of(screen.query_one("#status", Static))
        assert "No one found for +1 415-555-0199 in CRM; Desk could not be searched" in status
        assert "create a contact" not in status.replace("before creating a contact", "")
        assert [a.kind for a in screen.actions] == [ActionKind.RETRY_LOOKUP]
        assert "connection refused" in screen.actions[0].why
        desk.error = None  # the helpdesk is back
        await pilot.press("enter")  # the first action: retry
        await screen.workers.wait_for_complete()
        await pilot.pause()
        assert screen.profile is not None
        assert screen.profile.state is ProfileState.RESOLVED
        assert screen.profile.value("name") == "Rosa Diaz"


async def test_a_last_digits_match_is_confirmed_by_the_agent_not_guessed() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        screen = await look_up(app, pilot, "+16465550142")
        await pilot.pause()
        assert screen.profile is not None and screen.profile.state is ProfileState.AMBIGUOUS
        assert "Only a weak match" in text_of(screen.query_one("#status", Static))
        assert isinstance(app.screen, CandidatePicker)
        assert [c.name for c in app.screen.candidates] == ["Grace Liu"]
        await pilot.press("enter")  # the agent asked: it is Grace
        await screen.workers.wait_for_complete()
        await pilot.pause()
        assert screen.profile is not None and screen.profile.state is ProfileState.RESOLVED
        card = Console(width=120, record=True)
        card.print(screen.query_one("#identity", Static).content)
        assert "last digits: stored as '555-0142'" in card.export_text()


async def test_create_contact_refuses_a_bad_number_inline() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, "+14155550199")
        await pilot.press("a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CreateContact)
        form.query_one("#contact-phone", Input).value = "555-CALL"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "does not belong" in text_of(form.query_one("#contact-message", Static))


async def test_note_defaults_saves_and_is_delivered() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        editor = await note_on(app, pilot)
        screen = main_screen(app)
        chosen = editor.selected()
        assert [(c.target.kind, c.target.ref.connector) for c in chosen] == [
            (TargetKind.PERSON, "Demo CRM"),
            (TargetKind.TICKET, "Demo Helpdesk"),
        ]
        await pilot.press(*"Tier 2 will call back today")
        await pilot.press("ctrl+s")
        await editor.workers.wait_for_complete()
        await pilot.pause()
        assert {state for state, _ in editor.states.values()} == {"delivered"}, editor.states
        assert editor.query_one(TextArea).text == ""
        await pilot.press("escape")
        await screen.workers.wait_for_complete()
        await pilot.pause()
        assert screen.profile is not None
        [ticket] = [t for t in screen.profile.tickets if t.ref.record_id == "2"]
        assert any(
            c.body == "Tier 2 will call back today" and not c.public for c in ticket.comments
        )


async def test_escape_keeps_the_draft_and_empty_note_is_refused() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        editor = await note_on(app, pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "empty" in text_of(editor.query_one("#note-message", Static))
        await pilot.press(*"half a thought")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        assert app.screen.query_one(TextArea).text == "half a thought"


async def test_note_over_the_targets_limit_is_refused_before_saving() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        editor = await note_on(app, pilot)
        editor.choices = [dataclasses.replace(c, limit=10) for c in editor.choices]
        editor.query_one(TextArea).text = "x" * 11
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "takes at most 10" in text_of(editor.query_one("#note-message", Static))
        assert editor.states == {}


async def test_note_with_no_target_checked_is_refused() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        editor = await note_on(app, pilot)
        editor.query_one(SelectionList).deselect_all()
        editor.query_one(TextArea).text = "hello"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "at least one target" in text_of(editor.query_one("#note-message", Static))


async def test_ticket_enter_opens_detail_with_internal_notes_marked() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, HERO)
        await pilot.press("2", "enter")
        await pilot.pause()
        assert isinstance(app.screen, RecordDetail)
        assert app.screen.ref.record_id == "2"
        console = Console(width=100, record=True)
        console.print(app.screen.body)
        text = console.export_text()
        assert "INTERNAL NOTE" in text and "public reply" in text
        assert "power-cycled the router" in text
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_recent_lookups_reopen_with_enter() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, HERO)
        screen = await look_up(app, pilot, "+14155550199")
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RecentLookups)
        assert [h.query for h in app.screen.lookups] == ["+14155550199", HERO]
        await pilot.press("down", "enter")
        await screen.workers.wait_for_complete()
        await pilot.pause()
        assert screen.profile is not None and screen.profile.value("name") == "Maria Gonzalez"


async def test_recent_lookups_show_one_caller_once_however_spelt() -> None:
    from textual.widgets import OptionList

    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        for query in (HERO, "+14155550199", "(415) 555-0132", "maria.gonzalez@example.com"):
            await look_up(app, pilot, query)
        await look_up(app, pilot, "415 555 0199")
        await pilot.press("r")
        await pilot.pause()
        recent = app.screen
        assert isinstance(recent, RecentLookups)
        options = recent.query_one(OptionList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert len(shown) == 2, shown
        assert shown[0].startswith("+14155550199  nobody found  2 lookups")
        assert shown[1].startswith(
            "Maria Gonzalez  maria.gonzalez@example.com · +14155550132  3 lookups"
        )
        await pilot.press("down", "enter")  # her latest spelling, looked up again
        await app.main.workers.wait_for_complete()
        await pilot.pause()
        assert app.main.bar.value == "maria.gonzalez@example.com"


async def test_invalid_query_keeps_focus_and_explains() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"+999 123", "enter")
        await pilot.pause()
        screen = main_screen(app)
        assert "not a valid phone number" in text_of(screen.query_one("#lookup-message", Static))
        assert app.focused is screen.query_one("#lookup-bar")
        assert screen.profile is None


def every_screens_bindings() -> dict[str, list[Binding]]:
    """The bindings each screen class of the app (and the app itself) declares."""
    import importlib
    import inspect
    import pkgutil

    import cx_tui.screens

    found: dict[str, list[Binding]] = {
        "CxApp": [b for b in CxApp.BINDINGS if isinstance(b, Binding)]
    }
    for info in pkgutil.iter_modules(cx_tui.screens.__path__):
        module = importlib.import_module(f"cx_tui.screens.{info.name}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, Screen):
                own = cls.__dict__.get("BINDINGS", [])
                found[name] = [b for b in own if isinstance(b, Binding)]
                assert len(found[name]) == len(own), f"{name}: a binding that is not a Binding"
    return found


def help_rows(help_screen: HelpScreen) -> dict[str, tuple[str, str]]:
    """Binding id -> (group heading it is listed under, keys shown), read off the screen."""
    import io
    import re

    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(help_screen.query_one("#help-keys", Static).content)
    rows: dict[str, tuple[str, str]] = {}
    group = ""
    for line in console.export_text().splitlines():
        if row := re.fullmatch(r"(\S.*?)\s{2,}(\S.*?)\s{2,}(\S+)\s*", line):
            rows[row[3]] = (group, row[1])
        elif line.strip():
            group = line.strip()
    return rows


async def test_help_lists_every_binding_by_group() -> None:
    from cx_tui.keytable import ALL_KEYS

    declared = every_screens_bindings()
    # The screens whose keys help must list, so a new screen is not silently missed.
    assert {"CxApp", "MainScreen", "NoteEditor", "OutboxScreen", "WrapUp", "CallHistory"} <= set(
        declared
    )
    group_of = {key.id: key.group for key in ALL_KEYS}
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        title = str(app.screen.query_one(".dialog-title", Label).visual)
        assert title.endswith("by id in the config's [keymap])")
        rows = help_rows(app.screen)
        for screen_name, screen_bindings in declared.items():
            for binding in screen_bindings:
                assert binding.id, (
                    f"{screen_name}: {binding.key} has no id, so it cannot be remapped"
                )
                assert binding.id in rows, f"help does not list {screen_name}'s {binding.id}"
                assert rows[binding.id][0] == group_of[binding.id]
        await pilot.press("escape")
        await look_up(app, pilot, HERO)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_keymap_from_config_remaps_by_binding_id() -> None:
    config = dataclasses.replace(load_config(), keymap={"log-note": "ctrl+o"})
    app = CxApp(config)
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, HERO)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)


async def test_too_small_terminal_says_how_big_it_must_be() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=(50, 15)) as pilot:
        await pilot.pause()
        screen = main_screen(app)
        assert screen.has_class("-too-small")
        assert "at least 60x18" in text_of(screen.query_one("#too-small", Static))
    app = CxApp(load_config())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not main_screen(app).has_class("-too-small")


async def test_theme_from_config_and_live_switch_from_the_palette() -> None:
    app = CxApp(dataclasses.replace(load_config(), theme="cx-light"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "cx-light"
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Theme: cx-high-contrast")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "cx-high-contrast"


async def test_a_bad_theme_file_is_reported_once_and_skipped(isolated_env: Path) -> None:
    themes = isolated_env / "data" / "themes"
    themes.mkdir(parents=True)
    (themes / "broken.toml").write_text("name = 'broken'\nprimary = 'not-a-colour'\n")
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert len(messages) == 1 and "broken.toml" in messages[0]
        assert "broken" not in app.available_themes
        assert app.theme == "cx-dark"


async def test_unknown_theme_in_config_falls_back_with_a_message() -> None:
    app = CxApp(dataclasses.replace(load_config(), theme="cx-drak"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "cx-dark"
        assert any('did you mean "cx-dark"' in n.message for n in app._notifications)


async def test_recent_lookups_and_drafts_survive_a_restart() -> None:
    first = CxApp(load_config())
    async with first.run_test(size=SIZE) as pilot:
        await look_up(first, pilot, HERO)
        await pilot.press("n", *"typed before the crash")
        await pilot.pause()
    # A new process: nothing in memory, everything from the local store.
    second = CxApp(load_config())
    async with second.run_test(size=SIZE) as pilot:
        await pilot.press("tab", "r")
        await pilot.pause()
        assert isinstance(second.screen, RecentLookups)
        [recent] = second.screen.lookups
        assert (recent.query, recent.name) == (HERO, "Maria Gonzalez")
        await pilot.press("enter")
        await second.main.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(second.screen, NoteEditor)
        assert second.screen.query_one(TextArea).text == "typed before the crash"


async def test_a_long_history_paints_a_page_and_loads_more_on_scroll() -> None:
    from datetime import timedelta

    from cx_tui.models import Channel, Details, Direction, Interaction, SourceRef
    from cx_tui.widgets.record_tables import TimelineTable
    from tests.fakes import NOW, email, person, phone

    history = tuple(
        Interaction(
            SourceRef("Big CRM", f"i{n}"),
            Channel.CALL,
            Direction.INBOUND,
            NOW - timedelta(hours=n),
            f"call {n}",
        )
        for n in range(5000)
    )
    big = FakeConnector(
        fake_name="Big CRM",
        people=[person("Big CRM", "1", "Harold", phone("+13125550186"), email("h@example.com"))],
        details={"1": Details(interactions=history)},
    )
    app = CxApp(load_config(), engine=LookupEngine([big]))
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, "+13125550186")
        table = app.main.query_one(TimelineTable)
        assert table.row_count == TimelineTable.PAGE and table.total == 5000
        title = str(app.main.query_one("#timeline-title", Label).content)
        assert "newest 200 of 5,000" in title
        await pilot.press("3")
        table.move_cursor(row=TimelineTable.PAGE - 2)
        await pilot.pause()
        assert table.row_count == TimelineTable.PAGE
        await pilot.press("down")  # onto the last row shown: the next page arrives
        await pilot.pause()
        assert table.row_count == 2 * TimelineTable.PAGE


async def test_enter_on_a_timeline_item_opens_it() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, HERO)
        await pilot.press("3", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, RecordDetail)
        timeline = app.main.profile.timeline if app.main.profile else ()
        assert app.screen.ref in {i.ref for i in timeline} | {
            t.ref for t in (app.main.profile.tickets if app.main.profile else ())
        }


async def test_the_palette_offers_every_main_screen_action() -> None:
    from functools import partial

    from cx_tui.screens.call_history import CallHistory
    from cx_tui.screens.outbox import OutboxScreen

    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, HERO)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        offered = {c.callback.args[0] for c in commands.values() if isinstance(c.callback, partial)}
        wanted = {b.action for b in MainScreen.BINDINGS if isinstance(b, Binding)}
        assert wanted <= offered, f"not in the palette: {wanted - offered}"
        assert commands["Log a note"].help == "Key: n, ctrl+n"
        # Chosen in the palette, a command does what its key does.
        await pilot.press("ctrl+p", *"Missed calls")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CallHistory) and app.screen.missed_only
        assert "Missed calls to return" in str(app.screen.query_one("#calls-title", Label).visual)
        await pilot.press("escape")
        await commands["Outbox: notes to deliver"].callback()
        await pilot.pause()
        assert isinstance(app.screen, OutboxScreen)
        await pilot.press("escape")
        await commands["Go to tickets"].callback()
        await pilot.pause()
        assert app.focused is app.main.query_one("#tickets")


async def test_escape_while_a_note_is_being_delivered_does_not_keep_it_as_a_draft() -> None:
    import asyncio
    from collections.abc import AsyncIterator, Sequence

    from cx_tui.models import NoteTarget

    release = asyncio.Event()

    async def slow_delivery(
        text: str, targets: Sequence[NoteTarget]
    ) -> AsyncIterator[tuple[NoteTarget, str, str]]:
        for target in targets:  # committed to the outbox, not delivered yet
            yield target, "queued", ""
        await release.wait()

    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, HERO)
        app.services.deliver_note = slow_delivery  # type: ignore[method-assign]
        await pilot.press("n", *"Tier 2 will call back")
        await pilot.press("ctrl+s")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        assert {state for state, _ in editor.states.values()} == {"queued"}
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        assert app.screen.query_one(TextArea).text == ""
        assert app.services.store is not None and app.services.store.drafts() == []
        # Text typed after the save is a new draft, and is kept.
        await pilot.press(*"and one more thing", "escape")
        await pilot.pause()
        assert [d.text for d in app.services.store.drafts()] == ["and one more thing"]
        release.set()


async def look_up_and_pick(app: CxApp, pilot: object, query: str, name: str) -> None:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await look_up(app, pilot, query)
    await pilot.pause()
    assert isinstance(app.screen, CandidatePicker)
    names = [c.name for c in app.screen.candidates]
    app.screen.query_one(OptionList).highlighted = names.index(name)
    await pilot.press("enter")
    await app.main.workers.wait_for_complete()
    await pilot.pause()
    assert app.main.profile is not None and app.main.profile.value("name") == name


async def write_draft(app: CxApp, pilot: object, text: str) -> str:
    """Open the note editor, type `text` after what is there, close; returns what was there."""
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await pilot.press("n")
    await pilot.pause()
    assert isinstance(app.screen, NoteEditor)
    before = app.screen.query_one(TextArea).text
    await pilot.press(*text, "escape")
    await pilot.pause()
    assert isinstance(app.screen, MainScreen)
    return before


async def test_drafts_belong_to_the_person_not_to_the_query() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        # One switchboard number, two people: each keeps their own draft.
        switchboard = "+12125550100"
        await look_up_and_pick(app, pilot, switchboard, "Tom Becker")
        assert await write_draft(app, pilot, "for Tom") == ""
        await look_up(app, pilot, HERO)  # another caller in between: the next lookup asks again
        await look_up_and_pick(app, pilot, switchboard, "Priya Raman")
        assert await write_draft(app, pilot, "for Priya") == ""
        await look_up(app, pilot, HERO)
        await look_up_and_pick(app, pilot, switchboard, "Tom Becker")
        assert await write_draft(app, pilot, "") == "for Tom"
        # One person, found by phone then by email: the same draft.
        await look_up(app, pilot, HERO)
        assert await write_draft(app, pilot, "about Maria") == ""
        await look_up(app, pilot, "maria.gonzalez@example.com")
        assert app.main.profile is not None and app.main.profile.value("name") == "Maria Gonzalez"
        assert await write_draft(app, pilot, "") == "about Maria"


async def test_note_editor_at_80x24_shows_every_target_and_the_delivery_states() -> None:
    from textual.widget import Widget

    app = CxApp(load_config())
    async with app.run_test(size=(80, 24)) as pilot:
        await look_up(app, pilot, HERO)
        await pilot.press("n", *"Tier 2 will call back")
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        await pilot.press("ctrl+s")
        await editor.workers.wait_for_complete()
        await pilot.pause()

        def in_view(widget: Widget) -> bool:
            """Every row of the widget is on screen and is the widget itself (not clipped)."""
            region = widget.region
            return (
                region.height > 0
                and editor.region.contains_region(region)
                and all(
                    editor.get_widget_at(region.x, y)[0] is widget for y in range(*region.line_span)
                )
            )

        message = editor.query_one("#note-message", Static)
        assert text_of(message).count("delivered") == 2, text_of(message)
        assert in_view(message)
        targets = editor.query_one("#note-targets", SelectionList)
        assert in_view(targets) and targets.max_scroll_y == 0  # every target, no scrolling
        # The person in each source, the open ticket, and a new ticket in the helpdesk.
        assert len(editor.choices) == targets.option_count == 4
        assert editor.query_one("#note").region.y >= 6  # part of the profile stays in view


async def test_the_short_ticket_and_timeline_columns_are_always_in_view() -> None:
    from textual.widgets import DataTable

    from cx_tui.widgets.record_tables import TicketTable, TimelineTable

    def in_view(table: DataTable[object], labels: list[str]) -> None:
        shown = table.scrollable_content_region.width
        right = 0
        for column in table.columns.values():
            right += column.get_render_width(table)
            if str(column.label) in labels:
                labels.remove(str(column.label))
                assert right <= shown, f"{column.label} ends at {right}, past {shown}"
        assert labels == [], f"no such columns: {labels}"

    def subject_width(table: TicketTable) -> int:
        return next(
            c.get_render_width(table) for c in table.columns.values() if "Subj" in str(c.label)
        )

    everything = ["#", "Status", "Priority", "Age", "SLA due"]
    for size in [(80, 24), (120, 40), (200, 60)]:
        app = CxApp(load_config())
        async with app.run_test(size=size) as pilot:
            await look_up(app, pilot, HERO)
            tickets = app.main.query_one(TicketTable)
            in_view(tickets, [*everything, "Subject"])
            assert subject_width(tickets) >= 20  # what the ticket is about stays readable
            in_view(app.main.query_one(TimelineTable), ["When", "Channel", "Source"])
            if size == (200, 60):  # wide: the source too, and the subject is cut to fit
                in_view(tickets, ["Source"])
                assert tickets.virtual_size.width <= tickets.size.width
                await pilot.resize_terminal(120, 40)  # narrowed: the subject is cut again
                await pilot.pause()
                in_view(tickets, [*everything, "Subject"])
                assert subject_width(tickets) >= 20


async def test_conflicts_and_internal_notes_take_the_themes_colours() -> None:
    import io

    from rich.color import Color as RichColor
    from textual.color import Color

    def colour_of(renderable: object, words: str) -> RichColor | None:
        console = Console(width=120, file=io.StringIO())
        for segment in console.render(renderable):  # type: ignore[arg-type]
            if words in segment.text and segment.style is not None:
                return segment.style.color
        raise AssertionError(f"{words!r} is not shown")

    def theme_colour(app: CxApp, name: str) -> tuple[int, int, int]:
        return Color.parse(app.current_theme.variables[name]).rgb

    app = CxApp(dataclasses.replace(load_config(), theme="cx-light"))
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, HERO)
        card = app.main.query_one("#identity", Static)
        conflict = colour_of(card.content, "conflict")
        assert conflict is not None and conflict.triplet == theme_colour(app, "cx-conflict")
        app.theme = "cx-dark"  # a live switch repaints the card in the new colours
        await pilot.pause()
        conflict = colour_of(card.content, "conflict")
        assert conflict is not None and conflict.triplet == theme_colour(app, "cx-conflict")
        await pilot.press("2", "enter")
        await pilot.pause()
        assert isinstance(app.screen, RecordDetail)
        note = colour_of(app.screen.body, "INTERNAL NOTE")
        assert note is not None and note.triplet == theme_colour(app, "cx-internal-note")


async def test_keys_do_nothing_behind_the_too_small_message_but_help_and_quit() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        screen = await look_up(app, pilot, HERO)
        await pilot.resize_terminal(50, 15)
        await pilot.pause()
        assert screen.has_class("-too-small")
        for key in ("n", "b", "r", "2", "ctrl+l", "ctrl+p", "tab"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen, f"{key} acted behind the message"
        await pilot.press(*"+1415", "enter")  # typing reaches no widget either
        assert screen.query_one("#lookup-bar", Input).value == HERO
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert not screen.has_class("-too-small")
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        await pilot.press("escape")
        await pilot.resize_terminal(50, 15)
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0  # quit still works


async def test_the_footer_keeps_help_and_quit_in_view_at_80_columns() -> None:
    from textual.widgets import Footer

    for size in [(80, 24), (60, 18), SIZE]:
        app = CxApp(load_config())
        async with app.run_test(size=size) as pilot:
            await look_up(app, pilot, HERO)
            footer = app.main.query_one(Footer)
            shown = {
                str(getattr(key, "description", "")): key.region
                for key in footer.children
                if key.region.width
            }
            edge = shown["palette"].x  # docked on the right, over whatever runs under it
            for wanted in ("Help", "Quit", "Note", "Lookup"):
                assert wanted in shown, f"{wanted} missing at {size}: {list(shown)}"
                assert shown[wanted].right <= edge, f"{wanted} cut off at {size}"
