"""Issue 14, attach to existing: the action, the `add-phone` outbox item (schema 8), and the
whole flow on the demo data, keyboard only."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from cx_tui.actions import ActionKind, suggest
from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.identity import parse_query
from cx_tui.models import Profile, ProfileState, SourceState, SourceStatus
from cx_tui.outbox import ItemKind, ItemState, Outbox, OutboxError
from cx_tui.screens.attach_number import AttachNumber
from cx_tui.store import SCHEMA_VERSION, Store
from cx_tui.store.schema import migrate
from tests.outbox_fakes import person_target, ticket_target
from tests.test_ui_flows import look_up

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
UNKNOWN = "+14155550199"


def nobody(query: str, *, attach_to: tuple[str, ...] = ("CRM",), failed: bool = False) -> Profile:
    state = SourceState.UNREACHABLE if failed else SourceState.NOBODY
    return Profile(
        query,
        ProfileState.UNKNOWN,
        sources={"CRM": SourceStatus("CRM", state)},
        attach_to=attach_to,
    )


# --- the action ---------------------------------------------------------------------------


def test_offered_for_a_number_nobody_knows_where_a_source_can_take_it() -> None:
    [attach] = [a for a in suggest(nobody("+14155550199")) if a.kind is ActionKind.ATTACH_NUMBER]
    assert attach.title == "Add this number to an existing person"
    assert attach.prefill == {"phone": "+14155550199"}
    assert "CRM" in attach.why


@pytest.mark.parametrize(
    "profile",
    [
        nobody("+14155550199", attach_to=()),  # no source can add a number
        nobody("+14155550199", failed=True),  # a source could not be searched
        nobody("someone@example.com"),  # no number to add
        nobody("Rosa Diaz"),
    ],
)
def test_not_offered_otherwise(profile: Profile) -> None:
    assert ActionKind.ATTACH_NUMBER not in [a.kind for a in suggest(profile)]


# --- the outbox item ----------------------------------------------------------------------


def test_an_added_number_is_a_line_on_a_person(tmp_path: Path) -> None:
    with Store(tmp_path / "state.db", clock=lambda: NOW) as store:
        box = Outbox(store)
        [item] = box.enqueue("+1 (415) 555-0177 ext. 12", [person_target()], ItemKind.ADD_PHONE)
        assert (item.kind, item.text) == (ItemKind.ADD_PHONE, "+14155550177 ext. 12")
        with pytest.raises(OutboxError, match="not to a ticket"):
            box.enqueue("+14155550177", [ticket_target()], ItemKind.ADD_PHONE)
        with pytest.raises(OutboxError, match="number to add"):
            box.enqueue("call me maybe", [person_target()], ItemKind.ADD_PHONE)
        edited = box.edit_and_resend(item.id, "+1 415 555 0178")
        assert edited.text == "+14155550178"


def test_migrating_from_version_7_keeps_the_outbox_and_takes_added_numbers(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.db"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=7) == 0
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO outbox (batch, kind, text, connector, target_kind, record_id, "
            "idempotency_key, state, created, updated, due) VALUES "
            "('b', 'add-phone', '+1', 'CRM', 'person', '1', 'k0', 'pending', 'x', 'x', 'x')"
        )
    conn.execute(
        "INSERT INTO outbox (batch, kind, text, connector, target_kind, record_id, "
        "idempotency_key, state, created, updated, due, unsure_since) VALUES "
        "('b', 'note', 'kept', 'CRM', 'person', '12', 'k1', 'pending', ?, ?, ?, ?)",
        (NOW.isoformat(),) * 4,
    )
    conn.close()
    with Store(path, clock=lambda: NOW) as store:
        assert store.schema_version == SCHEMA_VERSION >= 8
        [kept] = store.outbox_items([ItemState.PENDING])
        assert (kept.text, kept.unsure_since) == ("kept", NOW)
        [added] = Outbox(store).enqueue(
            "+14155550177", [person_target("12", "CRM")], ItemKind.ADD_PHONE
        )
        assert store.outbox_get(added.id) == added


# --- the demo, keyboard only --------------------------------------------------------------


async def test_attach_on_the_demo_then_the_number_is_that_person() -> None:
    app = CxApp(load_config())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await look_up(app, pilot, UNKNOWN)
        assert screen.profile is not None and screen.profile.state is ProfileState.UNKNOWN
        assert ActionKind.ATTACH_NUMBER in [a.kind for a in screen.actions]

        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AttachNumber)
        assert app.focused is dialog.query_one("#attach-query", Input)
        await pilot.press(*"maria.gonzalez@example.com", "enter")
        await dialog.workers.wait_for_complete()
        await pilot.pause()
        assert dialog.query_one("#attach-results", OptionList).option_count == 1
        await pilot.press("enter")
        await pilot.pause()
        await screen.workers.wait_for_complete()
        await pilot.pause()
        await screen.workers.wait_for_complete()
        await pilot.pause()

        profile = screen.profile
        assert profile is not None and profile.state is ProfileState.RESOLVED
        assert profile.value("name") == "Maria Gonzalez"
        delivery = app.services.delivery
        assert delivery is not None
        [item] = delivery.outbox.items([ItemState.DELIVERED])
        assert (item.kind, item.text, item.target.ref.connector) == (
            ItemKind.ADD_PHONE,
            UNKNOWN,
            "Demo CRM",
        )
        store = app.services.store
        assert store is not None
        link = store.remembered(UNKNOWN)
        assert link is not None and link.records == (item.target.ref.key,)

        # A fresh lookup of the number (no pick carried over) finds Maria by it.
        fresh = await app.services.engine.lookup(parse_query(UNKNOWN))
        assert fresh.state is ProfileState.RESOLVED and fresh.value("name") == "Maria Gonzalez"
        assert any(
            m.person.ref.key == item.target.ref.key and m.reason.value == "exact E.164"
            for m in fresh.matches
        )
