"""Outbox items are named by who or what they are for, kept with the item (store version 11),
so another process after a restart names them the same; old items show the raw target."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cx_tui import cli
from cx_tui.models import NoteTarget, SourceRef, TargetKind
from cx_tui.note_targets import note_choices
from cx_tui.outbox import Outbox
from cx_tui.outbox.labels import describe, person_label, person_name, ticket_label
from cx_tui.store import SCHEMA_VERSION, ItemKind, Store, migrate
from tests.fakes import email, person, phone

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
MARIA = person("HubSpot", "51000000123", "Maria Gonzalez", phone("+14155550100"))
MARIA_LABEL = "Maria Gonzalez (+1 415-555-0100)"


def labelled(
    kind: TargetKind, record_id: str, label: str | None, source: str = "HubSpot"
) -> NoteTarget:
    return NoteTarget(kind, SourceRef(source, record_id), label)


def test_a_person_is_named_with_their_number_and_a_ticket_with_its_subject() -> None:
    assert person_label(MARIA) == MARIA_LABEL
    assert person_label(person("CRM", "1", "Li Wei", email("li@example.com"))) == "Li Wei"
    assert person_label(person("CRM", "1", "", phone("+442071838750"))) == (
        "unnamed person (+44 20 7183 8750)"
    )
    assert ticket_label("1008", "  Login   fails ") == "Ticket #1008 Login fails"
    assert ticket_label("1008") == "Ticket #1008"


def test_the_label_is_not_part_of_the_target_identity() -> None:
    plain = labelled(TargetKind.PERSON, "51000000123", None)
    named = labelled(TargetKind.PERSON, "51000000123", MARIA_LABEL)
    assert plain == named and hash(plain) == hash(named)


def test_the_label_is_kept_and_read_back_by_another_store_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    targets = [
        labelled(TargetKind.PERSON, "51000000123", MARIA_LABEL),
        labelled(TargetKind.TICKET, "1008", "Ticket #1008 Login fails", "Zendesk"),
        labelled(TargetKind.NEW_TICKET, "51000000123", MARIA_LABEL, "Zendesk"),
    ]
    with Store(path, clock=lambda: NOW) as store:
        Outbox(store).enqueue("Called back, fixed.", targets)
        Outbox(store).enqueue("+14155550100", targets[:1], ItemKind.ADD_PHONE)
    with Store(path, clock=lambda: NOW) as again:
        shown = [describe(item) for item in Outbox(again).items()]
    assert shown == [
        "Maria Gonzalez (+1 415-555-0100) · HubSpot note",
        "Ticket #1008 Login fails · Zendesk comment",
        "Maria Gonzalez (+1 415-555-0100) · Zendesk new ticket",
        "Maria Gonzalez (+1 415-555-0100) · HubSpot new number",
    ]


def test_an_item_queued_before_version_9_shows_its_raw_target(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=8) == 0
    conn.execute(
        """INSERT INTO outbox (batch, kind, text, connector, target_kind, record_id,
            idempotency_key, state, created, updated, due)
        VALUES ('b', 'note', 'old note', 'HubSpot', 'person', '51000000123', 'k1', 'pending',
            ?, ?, ?)""",
        (NOW.isoformat(),) * 3,
    )
    conn.close()
    with Store(path, clock=lambda: NOW) as store:
        assert store.schema_version == SCHEMA_VERSION >= 9
        [item] = Outbox(store).items()
    assert item.target.label is None
    assert describe(item) == "HubSpot/person/51000000123"
    assert person_name(item) is None


def test_the_person_name_is_read_back_for_the_mask() -> None:
    with Store(clock=lambda: NOW) as store:
        items = Outbox(store).enqueue(
            "note",
            [
                labelled(TargetKind.PERSON, "1", MARIA_LABEL),
                labelled(TargetKind.PERSON, "2", "Li Wei"),
                labelled(TargetKind.PERSON, "3", "unnamed person (+1 415-555-0101)"),
                labelled(TargetKind.TICKET, "4", "Ticket #4 Maria Gonzalez's router"),
            ],
        )
    assert [person_name(item) for item in items] == ["Maria Gonzalez", "Li Wei", None, None]


def test_note_choices_carry_the_labels_the_outbox_keeps() -> None:
    from cx_tui.connectors.base import Capability
    from cx_tui.lookup import LookupEngine
    from cx_tui.models import Match, MatchReason, Profile, ProfileState
    from tests.fakes import FakeConnector, ticket

    class NotesCRM(FakeConnector):
        capabilities = Capability.LOOKUP_PHONE | Capability.PERSON_NOTES | Capability.TICKET_NOTES

    crm = NotesCRM(fake_name="HubSpot", people=[MARIA])
    profile = Profile(
        query="+14155550100",
        state=ProfileState.RESOLVED,
        matches=(Match(MARIA, MatchReason.EXACT_E164, 1.0),),
        tickets=(ticket("HubSpot", "1008", "Login fails"),),
    )
    labels = {c.target.kind: c.target.label for c in note_choices(profile, LookupEngine([crm]))}
    assert labels[TargetKind.PERSON] == MARIA_LABEL
    assert labels[TargetKind.TICKET] == "Ticket #1008 Login fails"


def test_cx_tui_outbox_list_names_the_items(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    with Store() as store:
        Outbox(store).enqueue("Called back.", [labelled(TargetKind.PERSON, "1", MARIA_LABEL)])
        Outbox(store).enqueue("Old style.", [labelled(TargetKind.PERSON, "2", None)])
    assert cli.main(["outbox", "list"]) == 0
    out = capsys.readouterr().out
    assert "Maria Gonzalez (+1 415-555-0100) · HubSpot note" in out
    assert "HubSpot/person/2" in out
    assert cli.main(["outbox", "list", "--json"]) == 0
    import json

    items = json.loads(capsys.readouterr().out)["items"]
    assert [i["target"]["label"] for i in items] == [MARIA_LABEL, None]


def test_a_long_target_is_cut_in_its_who_part_and_keeps_its_destination() -> None:
    from cx_tui.screens.outbox import MIN_TARGET, fitted

    shown = "Ticket #2 Desk phones drop calls after about 30 seconds · Demo Helpdesk comment"
    assert fitted(shown, len(shown)) == shown
    cut = fitted(shown, 50)
    assert len(cut) <= 50 and cut == "Ticket #2 Desk phones dro… · Demo Helpdesk comment"
    # No room for the destination: the whole text is cut.
    assert fitted(shown, MIN_TARGET) == shown[: MIN_TARGET - 1] + "…"
    assert fitted("hubspot/person/51000000123", 24) == "hubspot/person/51000000…"
