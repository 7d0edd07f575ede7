"""The `local` connector: lookups, details, notes, new contacts, and damaged files."""

from __future__ import annotations

import json
import sqlite3
import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cx_tui import paths
from cx_tui.connectors.base import Capability, InvalidInput, NotFound, Unavailable
from cx_tui.connectors.local import LocalConnector, reset_database
from cx_tui.connectors.registry import connector_class
from cx_tui.identity import Query, QueryKind, parse_query
from cx_tui.models import (
    Channel,
    ContactKind,
    ContactPoint,
    Direction,
    Match,
    MatchReason,
    NoteTarget,
    Person,
    SourceRef,
    TargetKind,
    TicketStatus,
)

HERO_EMAIL = "maria.gonzalez@example.com"


def phone_point(
    value: str, *, extension: str | None = None, label: str | None = None, shared: bool = False
) -> ContactPoint:
    return ContactPoint(ContactKind.PHONE, value, extension=extension, label=label, shared=shared)


def email_point(value: str, *, label: str | None = None) -> ContactPoint:
    return ContactPoint(ContactKind.EMAIL, value, label=label)


@pytest.fixture
async def local(isolated_env: Path) -> AsyncIterator[LocalConnector]:
    connector = LocalConnector("Test Local", {"default_region": "US"})
    try:
        yield connector
    finally:
        await connector.aclose()


def db(connector: LocalConnector) -> sqlite3.Connection:
    """A second connection to the connector's file, to arrange and inspect rows directly."""
    conn = sqlite3.connect(connector.path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


async def find(connector: LocalConnector, text: str) -> list[Match]:
    return list(await connector.find_people(parse_query(text, "US")))


# --- Phone lookups ---------------------------------------------------------------------------


async def test_e164_query_finds_a_number_stored_in_national_format(
    local: LocalConnector,
) -> None:
    await local.create_person("Maria Gonzalez", [phone_point("(415) 555-0132")])

    for typed in ("+1 415 555 0132", "(415) 555-0132", "415.555.0132"):
        matches = await find(local, typed)
        assert [m.person.name for m in matches] == ["Maria Gonzalez"], typed
        assert matches[0].reason is MatchReason.EXACT_E164
        assert matches[0].confidence == 1.0
        assert matches[0].detail == "stored as '(415) 555-0132'"
    assert await find(local, "+1 415 555 0133") == []


async def test_person_carries_normalised_and_raw_contact_points(local: LocalConnector) -> None:
    created = await local.create_person(
        "Maria Gonzalez",
        [phone_point("(415) 555-0132", label="work"), email_point("Maria.Gonzalez@Example.com")],
    )
    person = (await find(local, "+14155550132"))[0].person

    assert _fields(person) == _fields(created)
    phone, mail = person.contact_points
    assert (phone.value, phone.raw, phone.label) == ("+14155550132", "(415) 555-0132", "work")
    assert (mail.value, mail.raw) == (HERO_EMAIL, "Maria.Gonzalez@Example.com")
    assert person.ref.connector == "Test Local"
    assert person.ref.record_id.isdigit()
    assert person.ref.fetched_at is not None and person.ref.fetched_at.tzinfo is not None


def _fields(person: Person) -> dict[str, object]:
    """Everything but the fetch time."""
    fields = {name: getattr(person, name) for name in Person.__dataclass_fields__}
    fields["ref"] = person.ref.key
    return fields


@pytest.mark.parametrize(
    ("stored_ext", "shared", "typed", "expected"),
    [
        ("204", False, "+1 212 555 0100 x204", 1.0),
        ("204", True, "+1 212 555 0100 x204", 1.0),
        ("204", False, "+1 212 555 0100 x210", None),
        ("204", True, "+1 212 555 0100 x210", None),
        ("204", False, "+1 212 555 0100", 0.9),
        ("204", True, "+1 212 555 0100", 0.7),
        (None, False, "+1 212 555 0100 x204", 0.9),
        (None, True, "+1 212 555 0100 x204", 0.7),
        (None, False, "+1 212 555 0100", 1.0),
        # A shared line with no extension on either side does not single anyone out.
        (None, True, "+1 212 555 0100", 0.7),
    ],
)
async def test_extension_rules(
    local: LocalConnector,
    stored_ext: str | None,
    shared: bool,
    typed: str,
    expected: float | None,
) -> None:
    await local.create_person(
        "Priya Raman", [phone_point("+12125550100", extension=stored_ext, shared=shared)]
    )

    matches = await find(local, typed)

    if expected is None:
        assert matches == []
    else:
        assert [(m.person.name, m.confidence) for m in matches] == [("Priya Raman", expected)]
        assert matches[0].reason is MatchReason.EXACT_E164


async def test_extension_is_kept_from_the_stored_text(local: LocalConnector) -> None:
    await local.create_person("Tom Becker", [phone_point("212-555-0100 x210", shared=True)])

    [match] = await find(local, "+1 212 555 0100 ext. 210")

    assert match.confidence == 1.0
    assert match.person.contact_points[0].extension == "210"
    assert match.person.contact_points[0].shared is True
    assert await find(local, "+1 212 555 0100 x204") == []


async def test_switchboard_returns_one_match_per_person_with_the_strongest_reason(
    local: LocalConnector,
) -> None:
    await local.create_person(
        "Priya Raman",
        [phone_point("+12125550100", shared=True), phone_point("+12125550100", extension="204")],
    )
    await local.create_person("Tom Becker", [phone_point("+12125550100", extension="210")])

    matches = await find(local, "+1 212 555 0100 x204")

    assert [(m.person.name, m.confidence) for m in matches] == [("Priya Raman", 1.0)]


async def test_numbers_that_could_not_be_normalised_match_on_digits(
    local: LocalConnector,
) -> None:
    grace = await local.create_person("Grace Liu", [])
    oliver = await local.create_person("Oliver Hughes", [])
    with db(local) as conn:
        for person, raw in ((grace, "555-0142"), (oliver, "020 7946 0457")):
            conn.execute(
                "INSERT INTO contact_points (person_id, kind, raw) VALUES (?, 'phone', ?)",
                (int(person.ref.record_id), raw),
            )

    [suffix] = await find(local, "+1 213 555 0142")
    [national] = await find(local, "+44 20 7946 0457")

    assert (suffix.person.name, suffix.reason, suffix.confidence) == (
        "Grace Liu",
        MatchReason.SUFFIX,
        0.5,
    )
    assert (national.person.name, national.reason, national.confidence) == (
        "Oliver Hughes",
        MatchReason.NATIONAL_DIGITS,
        0.8,
    )
    assert "'020 7946 0457'" in national.detail
    assert await find(local, "+1 213 555 0143") == []


# --- Email and name lookups ------------------------------------------------------------------


async def test_email_matches_in_any_case(local: LocalConnector) -> None:
    await local.create_person("Maria Gonzalez", [email_point("Maria.Gonzalez@Example.com")])

    [match] = await find(local, "MARIA.gonzalez@example.COM")

    assert (match.reason, match.confidence) == (MatchReason.PRIMARY_EMAIL, 1.0)
    assert "Maria.Gonzalez@Example.com" in match.detail


async def test_secondary_email_is_a_weaker_match(local: LocalConnector) -> None:
    await local.create_person(
        "Kenji Watanabe",
        [
            email_point("kenji.watanabe@kestrelfreight.example"),
            email_point("k.watanabe@example.net", label="secondary"),
        ],
    )

    [secondary] = await find(local, "K.Watanabe@Example.NET")
    [primary] = await find(local, "kenji.watanabe@kestrelfreight.example")

    assert (secondary.reason, secondary.confidence) == (MatchReason.SECONDARY_EMAIL, 0.9)
    assert (primary.reason, primary.confidence) == (MatchReason.PRIMARY_EMAIL, 1.0)
    assert await find(local, "watanabe@example.net") == []


async def test_name_needs_every_word_in_any_order_case_and_accent(local: LocalConnector) -> None:
    await local.create_person("María González", [])
    await local.create_person("Maria Schmidt", [])
    await local.create_person("Daniel Okafor", [])

    both = await find(local, "maria")
    one = await find(local, "GONZALEZ maría")

    assert {m.person.name for m in both} == {"María González", "Maria Schmidt"}
    assert [m.person.name for m in one] == ["María González"]
    assert (one[0].reason, one[0].confidence) == (MatchReason.NAME, 0.4)
    assert await find(local, "maria okafor") == []


async def test_name_query_treats_like_wildcards_literally(local: LocalConnector) -> None:
    await local.create_person("Maria Gonzalez", [])

    for token in ("%", "_", "\\"):
        query = Query(QueryKind.NAME, token, name=token)
        assert await local.find_people(query) == [], token


async def test_name_query_returns_at_most_20(local: LocalConnector) -> None:
    for index in range(25):
        await local.create_person(f"Alex Smith {index:02d}", [])

    matches = await find(local, "smith")

    assert len(matches) == 20


# --- Details --------------------------------------------------------------------------------


def arrange_history(local: LocalConnector, person_id: int) -> dict[str, int]:
    """A company, open and closed tickets with comments, interactions and a note."""
    now = datetime.now(UTC)
    ids: dict[str, int] = {}
    with db(local) as conn:
        cursor = conn.execute(
            "INSERT INTO companies (name, domain, plan, vip) VALUES (?, ?, ?, ?)",
            ("Brightwave Analytics", "brightwave.example", "Pro", 1),
        )
        conn.execute(
            "UPDATE people SET company_id = ?, plan = 'Pro' WHERE id = ?",
            (cursor.lastrowid, person_id),
        )

        def ticket(subject: str, status: str, age_days: float) -> int:
            cursor = conn.execute(
                "INSERT INTO tickets (requester_id, subject, status, priority, tags, created, "
                "updated, sla_due) VALUES (?, ?, ?, 'high', ?, ?, ?, ?)",
                (
                    person_id,
                    subject,
                    status,
                    json.dumps(["handsets"]),
                    iso(now - timedelta(days=age_days + 1)),
                    iso(now - timedelta(days=age_days)),
                    iso(now + timedelta(hours=5)) if status == "open" else None,
                ),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

        # An old open ticket must still come back although 60 closed ones are newer.
        ids["open"] = ticket("Desk phones drop calls", "open", 400)
        ids["pending"] = ticket("Porting question", "pending", 2)
        for index in range(60):
            ticket(f"Solved {index}", "solved", 1 + index / 100)
        ids["oldest_closed"] = ticket("Ancient history", "closed", 900)
        conn.executemany(
            "INSERT INTO comments (ticket_id, author, body, public, created) VALUES (?,?,?,?,?)",
            [
                (ids["open"], "Maria", "Calls drop after 30 s.", 1, iso(now - timedelta(days=3))),
                (
                    ids["open"],
                    "Chris P.",
                    "Tried: power-cycled the router; re-paired the handset",
                    0,
                    iso(now - timedelta(days=2)),
                ),
            ],
        )
        conn.executemany(
            "INSERT INTO interactions (person_id, ticket_id, channel, direction, at, summary) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (person_id, None, "email", "outbound", iso(now - timedelta(days=10)), "Quote"),
                (person_id, ids["open"], "call", "inbound", iso(now - timedelta(hours=1)), "Call"),
                (person_id, ids["open"], "chat", "inbound", iso(now - timedelta(days=2)), "Chat"),
            ],
        )
        conn.execute(
            "INSERT INTO notes (person_id, body, created) VALUES (?, ?, ?)",
            (person_id, "Renewal at risk", iso(now - timedelta(days=1))),
        )
    return ids


async def test_details_shape(local: LocalConnector) -> None:
    await local.create_person("Maria Gonzalez", [email_point(HERO_EMAIL)])
    [match] = await find(local, HERO_EMAIL)
    ids = arrange_history(local, int(match.person.ref.record_id))

    details = await local.get_details(match)

    [company] = details.companies
    assert (company.name, company.domain, company.plan, company.vip) == (
        "Brightwave Analytics",
        "brightwave.example",
        "Pro",
        True,
    )
    by_id = {t.ref.record_id: t for t in details.tickets}
    assert {str(ids["open"]), str(ids["pending"])} <= set(by_id)
    assert str(ids["oldest_closed"]) not in by_id  # beyond the 50 most recent closed ones
    assert sum(1 for t in details.tickets if not t.is_open) == 50
    opened = by_id[str(ids["open"])]
    assert opened.status is TicketStatus.OPEN
    assert opened.tags == ("handsets",)
    assert opened.sla_due is not None and opened.sla_due.tzinfo is UTC
    assert [(c.public, c.author) for c in opened.comments] == [(True, "Maria"), (False, "Chris P.")]
    assert all(t.updated.tzinfo is UTC for t in details.tickets)

    timeline = details.interactions
    assert [i.summary for i in timeline] == ["Call", "Renewal at risk", "Chat", "Quote"]
    assert [i.at for i in timeline] == sorted((i.at for i in timeline), reverse=True)
    note = timeline[1]
    assert (note.channel, note.direction, note.ticket_id) == (
        Channel.NOTE,
        Direction.INTERNAL,
        None,
    )
    assert timeline[0].ticket_id == str(ids["open"])


async def test_details_of_a_deleted_person_is_not_found(local: LocalConnector) -> None:
    person = await local.create_person("Gone Away", [email_point("gone@example.com")])
    [match] = await find(local, "gone@example.com")
    with db(local) as conn:
        conn.execute("DELETE FROM people WHERE id = ?", (int(person.ref.record_id),))

    with pytest.raises(NotFound):
        await local.get_details(match)


# --- Notes ----------------------------------------------------------------------------------


def count_notes(local: LocalConnector) -> int:
    with db(local) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM notes").fetchone()[0])


async def test_same_idempotency_key_writes_one_note(local: LocalConnector) -> None:
    person = await local.create_person("Maria Gonzalez", [])
    target = NoteTarget(TargetKind.PERSON, person.ref)

    first = await local.add_note(target, "Called about dropped calls.", "key-1")
    second = await local.add_note(target, "Called about dropped calls.", "key-1")

    assert first.duplicate is False
    assert second.duplicate is True
    assert second.ref.key == first.ref.key
    assert second.created == first.created
    assert count_notes(local) == 1
    third = await local.add_note(target, "Another call.", "key-2")
    assert third.ref.key != first.ref.key
    assert count_notes(local) == 2


async def test_ticket_note_is_an_internal_comment_and_on_the_timeline(
    local: LocalConnector,
) -> None:
    await local.create_person("Maria Gonzalez", [email_point(HERO_EMAIL)])
    [match] = await find(local, HERO_EMAIL)
    ids = arrange_history(local, int(match.person.ref.record_id))
    before = {t.ref.record_id: t for t in (await local.get_details(match)).tickets}
    ticket_ref = before[str(ids["open"])].ref

    receipt = await local.add_note(
        NoteTarget(TargetKind.TICKET, ticket_ref), "  Tried: swapped the cable.  ", "k"
    )

    tickets = {t.ref.record_id: t for t in (await local.get_details(match)).tickets}
    ticket = tickets[str(ids["open"])]
    assert ticket.comments[-1].body == "Tried: swapped the cable."
    assert ticket.comments[-1].public is False
    assert ticket.comments[-1].ref.record_id == receipt.ref.record_id
    assert ticket.updated > before[str(ids["open"])].updated
    timeline = (await local.get_details(match)).interactions
    assert timeline[0].summary == "Tried: swapped the cable."
    assert timeline[0].ticket_id == str(ids["open"])


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", InvalidInput),
        ("   \n\t ", InvalidInput),
        ("x" * (LocalConnector.note_limit + 1), InvalidInput),
    ],
)
async def test_note_text_is_validated(
    local: LocalConnector, text: str, error: type[Exception]
) -> None:
    person = await local.create_person("Maria Gonzalez", [])

    with pytest.raises(error):
        await local.add_note(NoteTarget(TargetKind.PERSON, person.ref), text, "key")

    assert count_notes(local) == 0


async def test_note_at_the_limit_is_accepted(local: LocalConnector) -> None:
    person = await local.create_person("Maria Gonzalez", [])

    receipt = await local.add_note(
        NoteTarget(TargetKind.PERSON, person.ref), "x" * LocalConnector.note_limit, "key"
    )

    assert receipt.duplicate is False
    assert count_notes(local) == 1


@pytest.mark.parametrize(
    ("target", "error"),
    [
        (NoteTarget(TargetKind.PERSON, SourceRef("Test Local", "999")), NotFound),
        (NoteTarget(TargetKind.TICKET, SourceRef("Test Local", "999")), NotFound),
        (NoteTarget(TargetKind.PERSON, SourceRef("Test Local", "not-a-number")), NotFound),
        (NoteTarget(TargetKind.PERSON, SourceRef("Another Source", "1")), InvalidInput),
    ],
)
async def test_note_target_must_exist_here(
    local: LocalConnector, target: NoteTarget, error: type[Exception]
) -> None:
    await local.create_person("Maria Gonzalez", [])

    with pytest.raises(error):
        await local.add_note(target, "hello", "key")

    assert count_notes(local) == 0


# --- Creating people ------------------------------------------------------------------------


async def test_create_person_is_found_by_phone_and_email(local: LocalConnector) -> None:
    created = await local.create_person(
        "  New   Caller ", [phone_point("+13125550150"), email_point("New.Caller@Example.org")]
    )

    assert created.name == "New Caller"
    assert created.phones() == {"+13125550150"}
    assert created.emails() == {"new.caller@example.org"}
    [by_phone] = await find(local, "+1 312 555 0150")
    [by_email] = await find(local, "new.caller@example.org")
    assert by_phone.person.ref.record_id == by_email.person.ref.record_id == created.ref.record_id


@pytest.mark.parametrize(
    ("name", "points"),
    [
        (None, []),
        ("Someone", [phone_point("+1 555")]),
        ("Someone", [email_point("not-an-email")]),
    ],
)
async def test_create_person_refuses_bad_input(
    local: LocalConnector, name: str | None, points: list[ContactPoint]
) -> None:
    assert (await local.check()).ok
    with pytest.raises(InvalidInput):
        await local.create_person(name, points)

    with db(local) as conn:
        assert conn.execute("SELECT COUNT(*) FROM people").fetchone()[0] == 0


async def test_region_option_reads_numbers_without_country_code(isolated_env: Path) -> None:
    connector = LocalConnector("UK Local", {"region": "GB", "default_region": "US"})
    try:
        await connector.create_person("Oliver Hughes", [phone_point("020 7946 0457")])
        [match] = await connector.find_people(parse_query("+44 20 7946 0457"))
    finally:
        await connector.aclose()

    assert (match.reason, match.confidence) == (MatchReason.EXACT_E164, 1.0)
    assert connector.region == "GB"


# --- Files ----------------------------------------------------------------------------------


async def test_database_is_created_lazily_and_owner_only(isolated_env: Path) -> None:
    data_dir = paths.data_dir()
    connector = LocalConnector("Demo CRM", {})
    assert not data_dir.exists()  # constructing it touches nothing

    try:
        result = await connector.check()
    finally:
        await connector.aclose()

    assert result.ok, result.summary
    assert connector.path == data_dir / "demo-crm.sqlite3"
    assert str(connector.path) in result.summary
    assert "0 people" in result.summary
    assert stat.S_IMODE(connector.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


async def test_junk_file_is_reported_and_left_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    path = folder / "crm.sqlite3"
    junk = b"this is not a database\x00\xff" * 100
    path.write_bytes(junk)
    connector = LocalConnector("Demo CRM", {"path": str(path), "dataset": "crm"})

    with pytest.raises(Unavailable) as raised:
        await connector.find_people(parse_query(HERO_EMAIL))
    result = await connector.check()
    await connector.aclose()

    assert str(path) in raised.value.message
    assert "untouched" in raised.value.message
    assert "cx-tui demo reset" in raised.value.message
    assert result.ok is False and str(path) in result.summary
    assert path.read_bytes() == junk
    assert [p.name for p in folder.iterdir()] == ["crm.sqlite3"]  # no journal, no new file


async def test_damaged_sqlite_file_is_reported_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite3"
    reset_database(path, "crm")
    damaged = bytearray(path.read_bytes())
    damaged[100:4096] = b"\xa5" * (4096 - 100)  # the schema page
    path.write_bytes(bytes(damaged))
    connector = LocalConnector("Demo CRM", {"path": str(path)})

    with pytest.raises(Unavailable) as raised:
        await connector.find_people(parse_query(HERO_EMAIL))
    await connector.aclose()

    assert str(path) in raised.value.message
    assert path.read_bytes() == bytes(damaged)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("CREATE TABLE invoices (id INTEGER)", "not a cx-tui database"),
        ("UPDATE meta SET value = '99' WHERE key = 'schema_version'", "schema version is 99"),
        ("DROP TABLE notes", "tables are missing (notes)"),
    ],
)
async def test_foreign_or_other_version_database_is_refused(
    tmp_path: Path, setup: str, expected: str
) -> None:
    path = tmp_path / "other.sqlite3"
    if setup.startswith("CREATE"):
        with sqlite3.connect(path) as conn:
            conn.execute(setup)
    else:
        reset_database(path, None)
        with sqlite3.connect(path) as conn:
            conn.execute(setup)
    before = path.read_bytes()
    connector = LocalConnector("Other", {"path": str(path), "dataset": "crm"})

    with pytest.raises(Unavailable) as raised:
        await connector.find_people(parse_query("someone@example.com"))
    await connector.aclose()

    assert expected in raised.value.message
    assert path.read_bytes() == before


async def test_unreadable_file_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "crm.sqlite3"
    reset_database(path, None)
    before = path.read_bytes()
    real_open = Path.open

    def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
        # chmod 000 would not stop root (CI containers), so refuse the way the OS would.
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    connector = LocalConnector("Demo CRM", {"path": str(path)})

    with pytest.raises(Unavailable) as raised:
        await connector.find_people(parse_query(HERO_EMAIL))
    await connector.aclose()

    monkeypatch.undo()
    assert "permission denied" in raised.value.message
    assert str(path) in raised.value.message
    assert path.read_bytes() == before


def test_reset_moves_a_corrupt_file_aside_and_seeds_a_fresh_one(tmp_path: Path) -> None:
    path = tmp_path / "demo-crm.sqlite3"
    junk = b"\x00garbage" * 64
    path.write_bytes(junk)
    (tmp_path / "demo-crm.sqlite3-journal").write_bytes(b"stale journal")
    now = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)

    moved = reset_database(path, "crm", now=now)

    assert moved == tmp_path / "demo-crm.sqlite3.corrupt-20300102T030405Z"
    assert moved.read_bytes() == junk
    assert (tmp_path / "demo-crm.sqlite3.corrupt-20300102T030405Z-journal").exists()
    assert not (tmp_path / "demo-crm.sqlite3-journal").exists()
    with sqlite3.connect(path) as conn:
        people = conn.execute("SELECT COUNT(*) FROM people").fetchone()[0]
        seeded_at = conn.execute("SELECT value FROM meta WHERE key = 'seeded_at'").fetchone()[0]
    assert people >= 20
    assert seeded_at.startswith("2030-01-02T03:04:05")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_reset_backs_up_a_healthy_file(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite3"
    assert reset_database(path, None) is None
    connector = LocalConnector("CRM", {"path": str(path)})
    await connector.create_person("First Version", [])
    await connector.aclose()

    moved = reset_database(path, None, now=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert moved == tmp_path / "crm.sqlite3.bak-20300102T030405Z"
    with sqlite3.connect(moved) as conn:
        assert conn.execute("SELECT name FROM people").fetchall() == [("First Version",)]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM people").fetchone()[0] == 0

    again = reset_database(path, "helpdesk")
    assert again is not None and again != moved
    with sqlite3.connect(moved) as conn:  # the first backup is still there
        assert conn.execute("SELECT name FROM people").fetchall() == [("First Version",)]
    connector = LocalConnector("CRM", {"path": str(path)})
    try:
        matches = await connector.find_people(parse_query("+1 415 555 0132"))
    finally:
        await connector.aclose()
    assert [m.person.name for m in matches] == ["Maria Gonzalez"]


def test_reset_refuses_a_directory(tmp_path: Path) -> None:
    with pytest.raises(Unavailable):
        reset_database(tmp_path, "crm")
    assert tmp_path.is_dir()


# --- Declarations ---------------------------------------------------------------------------


def test_declared_options_and_capabilities() -> None:
    options = {option.name: option for option in LocalConnector.options}

    assert set(options) == {"path", "dataset", "region", "fields"}
    assert LocalConnector.needs_secret is False
    for capability in (
        Capability.LOOKUP_PHONE,
        Capability.LOOKUP_EMAIL,
        Capability.LOOKUP_NAME,
        Capability.TICKETS,
        Capability.PERSON_NOTES,
        Capability.TICKET_NOTES,
        Capability.CALLS,
        Capability.CREATE_CONTACT,
    ):
        assert capability in LocalConnector.capabilities
    for name, bad, words in (
        ("dataset", "sales", '"crm" or "helpdesk"'),
        ("region", "Narnia", "ISO 3166"),
        ("path", "", "path"),
    ):
        validator = options[name].validator
        assert validator is not None
        with pytest.raises(ValueError, match=words):
            validator(bad)
    region_validator = options["region"].validator
    assert region_validator is not None and region_validator(" gb ") == "GB"


def test_registered_as_the_local_entry_point() -> None:
    assert connector_class("local") is LocalConnector


def test_local_connector_imports_neither_textual_nor_httpx() -> None:
    code = (
        "import sys, cx_tui.connectors.local\n"
        "print(sorted(m for m in ('textual', 'httpx') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# --- A file another program is using ---------------------------------------------------------


def _hold_exclusive_lock(path: Path) -> sqlite3.Connection:
    """What another process writing to the file looks like: readers and writers are shut out."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    return holder


async def test_locked_file_is_busy_not_corrupt_and_the_loop_keeps_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from cx_tui.connectors.local import database as local_database

    monkeypatch.setattr(local_database, "BUSY_WAIT", 0.6)
    path = tmp_path / "crm.sqlite3"
    reset_database(path, "crm")
    before = path.read_bytes()
    holder = _hold_exclusive_lock(path)
    connector = LocalConnector("Demo CRM", {"path": str(path), "dataset": "crm"})
    gaps: list[float] = []

    async def tick() -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(0.01)
            gaps.append(loop.time() - last)
            last = loop.time()

    ticker = asyncio.create_task(tick())
    try:
        with pytest.raises(Unavailable) as raised:
            await connector.find_people(parse_query(HERO_EMAIL))
        result = await connector.check()
    finally:
        ticker.cancel()
    holder.rollback()
    holder.close()

    message = raised.value.message
    assert "busy" in message and str(path) in message and "try again" in message.lower()
    assert "not a usable" not in message and "demo reset" not in message
    assert raised.value.title == "Local database busy"
    assert result.ok is False and "busy" in result.summary
    # The old code waited in sqlite3 for a whole second, freezing every other source.
    assert gaps and max(gaps) < 0.4
    assert path.read_bytes() == before
    try:  # once the other program is done, the same connector works
        matches = await connector.find_people(parse_query(HERO_EMAIL))
    finally:
        await connector.aclose()
    assert [m.person.name for m in matches] == ["Maria Gonzalez"]


async def test_a_busy_moment_is_waited_out(tmp_path: Path) -> None:
    import asyncio

    path = tmp_path / "crm.sqlite3"
    reset_database(path, "crm")
    holder = _hold_exclusive_lock(path)
    connector = LocalConnector("Demo CRM", {"path": str(path)})

    async def release() -> None:
        await asyncio.sleep(0.2)
        holder.rollback()

    releasing = asyncio.create_task(release())
    try:
        matches = await connector.find_people(parse_query(HERO_EMAIL))
    finally:
        await releasing
        holder.close()
        await connector.aclose()
    assert [m.person.name for m in matches] == ["Maria Gonzalez"]


def test_reset_refuses_a_file_in_use_and_moves_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    path = folder / "demo-crm.sqlite3"
    reset_database(path, "crm")
    before = path.read_bytes()
    holder = _hold_exclusive_lock(path)
    try:
        with pytest.raises(Unavailable) as raised:
            reset_database(path, "crm")
    finally:
        holder.rollback()
        holder.close()

    assert "busy" in raised.value.message and "left untouched" in raised.value.message
    assert sorted(p.name for p in folder.iterdir()) == ["demo-crm.sqlite3"]  # no .corrupt-*
    assert path.read_bytes() == before


async def test_unusable_file_without_dataset_does_not_suggest_demo_reset(tmp_path: Path) -> None:
    path = tmp_path / "team.sqlite3"
    path.write_bytes(b"not a database at all" * 20)
    connector = LocalConnector("Team CRM", {"path": str(path)})

    with pytest.raises(Unavailable) as raised:
        await connector.find_people(parse_query(HERO_EMAIL))
    await connector.aclose()

    assert str(path) in raised.value.message
    assert "demo reset" not in raised.value.message
    assert "move it aside" in raised.value.message.lower()


async def test_every_reset_keeps_its_own_timestamped_backup(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite3"
    reset_database(path, None)
    names = []
    for version in ("first", "second"):
        connector = LocalConnector("CRM", {"path": str(path)})
        await connector.create_person(version, [])
        await connector.aclose()
        moved = reset_database(path, None, now=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC))
        assert moved is not None
        names.append(moved.name)
        with sqlite3.connect(moved) as conn:
            assert conn.execute("SELECT name FROM people").fetchall() == [(version,)]

    # Same second, so the second backup gets a counter instead of replacing the first.
    assert names == ["crm.sqlite3.bak-20300102T030405Z", "crm.sqlite3.bak-20300102T030405Z-1"]
    for name in names:
        with sqlite3.connect(tmp_path / name) as conn:
            assert conn.execute("SELECT COUNT(*) FROM people").fetchone()[0] == 1
