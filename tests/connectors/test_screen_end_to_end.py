"""The agent's screen on a HubSpot and a Zendesk account (doubles on 127.0.0.1): one merged
person, and a note from the screen that lands in both with the vendors' request bodies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from textual.widgets import TextArea

from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.models import ProfileState, TargetKind
from cx_tui.screens.note import NoteEditor
from tests.connectors.test_cli_end_to_end import (
    config,
    hubspot,  # noqa: F401 - fixtures
    hubspot_table,
    zendesk,  # noqa: F401
    zendesk_table,
)
from tests.connectors.vendor_fakes import HUBSPOT_TOKEN, ZENDESK_TOKEN, LocalServer


@pytest.fixture(autouse=True)
def tokens(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    monkeypatch.setenv("CX_TUI_SECRET_ACME_HUBSPOT", HUBSPOT_TOKEN)
    monkeypatch.setenv("CX_TUI_SECRET_ACME_ZENDESK", ZENDESK_TOKEN)
    yield
    keyring.set_keyring(previous)


async def test_note_from_the_screen_lands_in_hubspot_and_zendesk(
    tmp_path: Path,
    hubspot: LocalServer,  # noqa: F811 - the fixture imported above
    zendesk: LocalServer,  # noqa: F811
) -> None:
    path = config(tmp_path, hubspot_table(hubspot.base_url), zendesk_table(zendesk.base_url))
    app = CxApp(load_config(path))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"+1 415 555 0132", "enter")
        await app.main.workers.wait_for_complete()
        await pilot.pause()
        profile = app.main.profile
        assert profile is not None and profile.state is ProfileState.RESOLVED
        assert {m.source for m in profile.matches} == {"Acme HubSpot", "Acme Zendesk"}
        assert profile.already_tried

        await pilot.press("n")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        picked = {(c.target.kind, c.target.ref.connector) for c in editor.selected()}
        # HubSpot takes person notes; Zendesk takes internal notes on tickets.
        assert picked == {(TargetKind.PERSON, "Acme HubSpot"), (TargetKind.TICKET, "Acme Zendesk")}
        editor.query_one(TextArea).text = "Escalated to tier 2; callback tomorrow 9am."
        await pilot.press("ctrl+s")
        await editor.workers.wait_for_complete()
        await pilot.pause()
        assert {state for state, _ in editor.states.values()} == {"delivered"}, editor.states

    [note] = hubspot.api.calls_to("POST", r"^/crm/v3/objects/notes$")
    body = note.json
    assert "Escalated to tier 2; callback tomorrow 9am." in body["properties"]["hs_note_body"]
    assert "hs_timestamp" in body["properties"]
    [assoc] = body["associations"]
    assert assoc["to"]["id"] == "101"
    assert assoc["types"] == [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}]
    [update] = zendesk.api.calls_to("PUT", r"^/api/v2/tickets/3001")
    comment = update.json["ticket"]["comment"]
    assert comment["public"] is False
    assert "Escalated to tier 2; callback tomorrow 9am." in comment["body"]
