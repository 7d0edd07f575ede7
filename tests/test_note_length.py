"""Issue 17, item 7: the length check runs on the body each source receives (HubSpot's HTML,
where `<` becomes `&lt;`), before saving: the note editor says "too long for HubSpot" while
the agent types, and `cx-tui note` refuses before anything is queued."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from textual.widgets import Static, TextArea

from cx_tui import cli
from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.connectors.hubspot import HubSpotConnector
from cx_tui.models import NoteTarget, SourceRef, TargetKind
from cx_tui.note_targets import TargetChoice, length_problem
from cx_tui.screens.note import NoteEditor
from cx_tui.store import ItemState, Store
from tests.connectors.vendor_fakes import HUBSPOT_TOKEN
from tests.test_ui_flows import HERO, SIZE, look_up, text_of

NAME = "Acme HubSpot"
TARGET = NoteTarget(TargetKind.PERSON, SourceRef(NAME, "101"))
ESCAPED = "<" * 20_000
"""20,000 characters of text, 80,000 of HubSpot HTML (`&lt;` each): over its 65,536."""


def hubspot() -> HubSpotConnector:
    return HubSpotConnector(NAME, {"base_url": "http://127.0.0.1:9"}, HUBSPOT_TOKEN)


def test_the_check_reads_the_formatted_body() -> None:
    hub = hubspot()
    assert len(ESCAPED) < hub.note_limit  # the plain text fits: the old check let it through
    assert hub.too_long(TARGET, "Rebooted the router; fixed.") is None
    said = hub.too_long(TARGET, ESCAPED)
    assert said is not None and "too long for HubSpot once formatted: 80," in said
    plain = hub.too_long(TARGET, "x" * (hub.note_limit + 1))
    assert plain == f"too long for {NAME}: {hub.note_limit + 1:,} of {hub.note_limit:,} characters"
    choice = TargetChoice(
        "HubSpot person", TARGET, hub.note_limit, True, partial(hub.too_long, TARGET)
    )
    assert length_problem([choice], ESCAPED) == said
    assert length_problem([choice], "fine") is None


@pytest.fixture
def hubspot_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    monkeypatch.setenv("CX_TUI_SECRET_ACME_HUBSPOT", HUBSPOT_TOKEN)
    path = tmp_path / "config.toml"
    path.write_text(
        'default_region = "US"\n\n[[connectors]]\nname = "Acme HubSpot"\ntype = "hubspot"\n'
        'base_url = "http://127.0.0.1:9"\n',
        encoding="utf-8",
    )
    try:
        yield str(path)
    finally:
        keyring.set_keyring(previous)


def test_cx_tui_note_refuses_before_saving(
    hubspot_config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = cli.main(["note", "--config", hubspot_config, "--to", f"{NAME}/person/101", ESCAPED])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    _, err = capsys.readouterr()
    assert code == 2
    assert "too long for HubSpot once formatted" in err and "nothing was saved" in err
    with Store() as store:
        assert store.outbox_items(ItemState) == []


async def test_the_editor_says_it_while_typing() -> None:
    hub = hubspot()
    app = CxApp(load_config())
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, HERO)
        await pilot.press("n", "end")  # the editor, its cursor at the end of the text
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        # The first checked target as if it were a HubSpot contact.
        first = next(i for i, c in enumerate(editor.choices) if c.default)
        editor.choices[first] = dataclasses.replace(
            editor.choices[first], too_long=partial(hub.too_long, TARGET)
        )
        message = editor.query_one("#note-message", Static)
        editor.query_one(TextArea).text = ESCAPED[:-1]
        await pilot.press("<")  # typing: no save asked for
        await pilot.pause()
        assert "too long for HubSpot" in text_of(message)
        editor.query_one(TextArea).text = "shor"
        await pilot.press("t")
        await pilot.pause()
        assert text_of(message) == ""
        assert editor.states == {}
