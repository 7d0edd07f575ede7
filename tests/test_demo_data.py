"""The shipped demo data: every case the README promises, checked in freshly seeded databases.

Nothing here trusts ids or keys from demo.json: each case is found by querying the two seeded
databases (SQL for the shape of the data, the connector for what an agent would see).
"""

from __future__ import annotations

import importlib.util
import json
import re
import sqlite3
import sys
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import phonenumbers
import pytest

from cx_tui.connectors.local import LocalConnector, load_demo, reset_database
from cx_tui.identity import parse_query
from cx_tui.models import MatchReason, Person

NOW = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
SYSTEMS = ("crm", "helpdesk")
REPO = Path(__file__).resolve().parents[1]

FICTIONAL_PHONE = re.compile(r"\+1\d{3}55501\d{2}|\+442079460\d{3}")
RESERVED_EMAIL = re.compile(
    r"[^@\s]+@(?:[a-z0-9-]+\.)*(?:example\.(?:com|org|net)|[a-z0-9-]+\.example)"
)
TRIED = re.compile(r"(?im)^(?:tried:|already tried|steps so far)|^- \S")

Key = tuple[str, int]
"""A person row: (system, id)."""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("demo")
    files = {system: folder / f"demo-{system}.sqlite3" for system in SYSTEMS}
    for system, path in files.items():
        assert reset_database(path, system, now=NOW) is None
    return files


@pytest.fixture(scope="module")
def dbs(seeded: dict[str, Path]) -> Iterator[dict[str, sqlite3.Connection]]:
    conns = {}
    for system, path in seeded.items():
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        conns[system] = conn
    yield conns
    for conn in conns.values():
        conn.close()


@pytest.fixture
async def sources(seeded: dict[str, Path]) -> AsyncIterator[dict[str, LocalConnector]]:
    connectors = {
        system: LocalConnector(f"Demo {system}", {"path": str(path), "default_region": "US"})
        for system, path in seeded.items()
    }
    yield connectors
    for connector in connectors.values():
        await connector.aclose()


def at(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def emails_by_person(conn: sqlite3.Connection) -> dict[int, list[sqlite3.Row]]:
    rows: dict[int, list[sqlite3.Row]] = defaultdict(list)
    for row in conn.execute(
        "SELECT * FROM contact_points WHERE kind = 'email' ORDER BY person_id, position, id"
    ):
        rows[row["person_id"]].append(row)
    return rows


def identities(dbs: dict[str, sqlite3.Connection]) -> list[set[Key]]:
    """People across both systems, grouped when they share an email address."""
    parent: dict[Key, Key] = {}

    def root(key: Key) -> Key:
        while parent[key] != key:
            key = parent[key]
        return key

    owner: dict[str, Key] = {}
    for system, conn in dbs.items():
        for (person_id,) in conn.execute("SELECT id FROM people"):
            parent[(system, person_id)] = (system, person_id)
        for row in conn.execute(
            "SELECT person_id, normalized FROM contact_points WHERE kind = 'email'"
        ):
            key = (system, row["person_id"])
            first = owner.setdefault(row["normalized"], key)
            parent[root(key)] = root(first)
    groups: dict[Key, set[Key]] = defaultdict(set)
    for key in parent:
        groups[root(key)].add(key)
    return list(groups.values())


def linked(dbs: dict[str, sqlite3.Connection]) -> list[tuple[sqlite3.Row, sqlite3.Row]]:
    """(CRM row, helpdesk row) of every person known to both systems."""
    pairs = []
    for group in identities(dbs):
        crm = [pid for system, pid in group if system == "crm"]
        helpdesk = [pid for system, pid in group if system == "helpdesk"]
        if len(crm) == 1 and len(helpdesk) == 1:
            pairs.append(
                (
                    dbs["crm"].execute("SELECT * FROM people WHERE id = ?", crm).fetchone(),
                    dbs["helpdesk"]
                    .execute("SELECT * FROM people WHERE id = ?", helpdesk)
                    .fetchone(),
                )
            )
    return pairs


# --- The file itself -------------------------------------------------------------------------


def test_shipped_file_is_what_the_generator_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location(
        "make_demo_data", REPO / "scripts" / "make_demo_data.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclasses look themselves up
    spec.loader.exec_module(module)

    shipped = (REPO / "cx_tui" / "data" / "demo.json").read_text(encoding="utf-8")

    assert module.render() == shipped, "run scripts/make_demo_data.py and commit demo.json"
    assert module.render() == shipped  # deterministic: a second run gives the same text


def test_times_are_relative_to_seeding(tmp_path: Path) -> None:
    later = NOW + timedelta(days=400)
    path = tmp_path / "later.sqlite3"
    reset_database(path, "helpdesk", now=later)
    with sqlite3.connect(path) as conn:
        newest = conn.execute("SELECT MAX(at) FROM interactions").fetchone()[0]
        due = conn.execute("SELECT MIN(sla_due) FROM tickets WHERE sla_due IS NOT NULL").fetchone()[
            0
        ]

    assert later - timedelta(days=1) < at(newest) <= later
    assert at(due) > later


# --- Data hygiene ----------------------------------------------------------------------------


def test_every_phone_number_is_fictional_and_valid(dbs: dict[str, sqlite3.Connection]) -> None:
    unnormalised = []
    for conn in dbs.values():
        for row in conn.execute("SELECT raw, normalized FROM contact_points WHERE kind = 'phone'"):
            if row["normalized"] is None:
                unnormalised.append(row["raw"])
                continue
            assert FICTIONAL_PHONE.fullmatch(row["normalized"]), row["raw"]
            assert phonenumbers.is_valid_number(phonenumbers.parse(row["normalized"]))
    # Only the deliberate "stored without area/country code" cases.
    assert sorted(unnormalised) == ["020 7946 0457", "555-0142"]


def test_every_email_is_at_a_reserved_domain(dbs: dict[str, sqlite3.Connection]) -> None:
    count = 0
    for conn in dbs.values():
        for (value,) in conn.execute("SELECT normalized FROM contact_points WHERE kind = 'email'"):
            assert RESERVED_EMAIL.fullmatch(value), value
            count += 1
    assert count >= 100


def test_at_least_50_distinct_people_who_look_real(dbs: dict[str, sqlite3.Connection]) -> None:
    assert len(identities(dbs)) >= 50
    zones, languages, companies, titles = set(), set(), set(), set()
    for conn in dbs.values():
        for row in conn.execute(
            "SELECT p.*, c.name AS company FROM people p "
            "LEFT JOIN companies c ON c.id = p.company_id"
        ):
            assert row["name"] and len(row["name"].split()) >= 2
            ZoneInfo(row["timezone"])  # a real IANA zone
            zones.add(row["timezone"].split("/")[0] + "/" + row["timezone"].split("/")[1])
            languages.add(row["language"])
            companies.add(row["company"])
            titles.add(row["title"])
    assert len(zones) >= 8
    assert {"Europe/London", "Europe/Berlin", "Europe/Paris", "America/Sao_Paulo"} <= zones
    assert {"en", "es", "de", "fr", "pt"} <= languages
    assert len(companies - {None}) >= 15
    assert len(titles - {None}) >= 10


# --- The cases --------------------------------------------------------------------------------


async def test_hero_is_known_to_both_systems_with_conflicts_and_history(
    sources: dict[str, LocalConnector],
) -> None:
    found = {}
    for system, connector in sources.items():
        [match] = await connector.find_people(parse_query("+1 415 555 0132"))
        assert (match.reason, match.confidence) == (MatchReason.EXACT_E164, 1.0)
        found[system] = match
    crm, helpdesk = found["crm"].person, found["helpdesk"].person

    def raw_phone(person: Person) -> str | None:
        [point] = [p for p in person.contact_points if p.value == "+14155550132"]
        return point.raw or point.value

    def raw_email(person: Person) -> str | None:
        [point] = [p for p in person.contact_points if p.value == "maria.gonzalez@example.com"]
        return point.raw or point.value

    assert raw_phone(crm) == "+14155550132"
    assert raw_phone(helpdesk) == "(415) 555-0132"
    assert raw_email(crm) != raw_email(helpdesk)
    assert crm.plan and helpdesk.plan and crm.plan != helpdesk.plan
    for connector in sources.values():
        [by_email] = await connector.find_people(parse_query("Maria.Gonzalez@example.com"))
        assert by_email.reason is MatchReason.PRIMARY_EMAIL
    crm_details = await sources["crm"].get_details(found["crm"])
    helpdesk_details = await sources["helpdesk"].get_details(found["helpdesk"])
    assert len(crm_details.interactions) >= 2
    assert len(helpdesk_details.interactions) >= 2
    [open_ticket] = [t for t in helpdesk_details.tickets if t.is_open]
    internal = [c.body for c in open_ticket.comments if not c.public]
    assert any(TRIED.search(body) for body in internal)


def test_same_number_is_stored_in_different_formats(dbs: dict[str, sqlite3.Connection]) -> None:
    raws: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    all_raw = []
    for system, conn in dbs.items():
        for row in conn.execute("SELECT raw, normalized FROM contact_points WHERE kind = 'phone'"):
            raws[row["normalized"]][system].add(row["raw"])
            all_raw.append(row["raw"])

    hero = raws["+14155550132"]
    assert hero["crm"] == {"+14155550132"} and hero["helpdesk"] == {"(415) 555-0132"}
    differing = [n for n, by in raws.items() if n and len(by) == 2 and by["crm"] != by["helpdesk"]]
    assert len(differing) >= 10
    assert any(re.fullmatch(r"\d{3}\.\d{3}\.\d{4}", raw) for raw in all_raw)
    assert any(re.fullmatch(r"\d{3}-\d{3}-\d{4}", raw) for raw in all_raw)
    assert any(re.search(r"\d\s*(?:x|ext\.?)\s*\d+$", raw) for raw in all_raw)


def test_secondary_email_in_another_case(dbs: dict[str, sqlite3.Connection]) -> None:
    secondary = {
        rows[i]["normalized"]: rows[i]["raw"]
        for rows in emails_by_person(dbs["crm"]).values()
        for i in range(1, len(rows))
    }
    hits = [
        row["raw"]
        for rows in emails_by_person(dbs["helpdesk"]).values()
        for row in rows
        if row["normalized"] in secondary and row["raw"] != secondary[row["normalized"]]
    ]
    assert hits, "no helpdesk email is a CRM secondary address typed in another case"


def test_shared_switchboard(dbs: dict[str, sqlite3.Connection]) -> None:
    rows = (
        dbs["crm"]
        .execute(
            "SELECT normalized, COUNT(DISTINCT person_id) AS people, MAX(shared) AS shared, "
            "COUNT(extension) AS extensions FROM contact_points WHERE kind = 'phone' "
            "GROUP BY normalized HAVING people >= 3"
        )
        .fetchall()
    )
    assert any(r["shared"] and r["extensions"] >= 2 for r in rows), [dict(r) for r in rows]
    number = next(r["normalized"] for r in rows if r["shared"])
    in_helpdesk = (
        dbs["helpdesk"]
        .execute(
            "SELECT COUNT(DISTINCT person_id) FROM contact_points WHERE normalized = ?", (number,)
        )
        .fetchone()[0]
    )
    assert in_helpdesk >= 2


async def test_switchboard_extension_picks_the_person(sources: dict[str, LocalConnector]) -> None:
    crm = sources["crm"]
    everyone = await crm.find_people(parse_query("+1 212 555 0100"))
    with_extension = await crm.find_people(parse_query("+1 212 555 0100 x204"))

    assert len(everyone) >= 3 and all(m.confidence < 1.0 for m in everyone)
    assert with_extension[0].confidence == 1.0
    assert all(m.confidence < 1.0 for m in with_extension[1:])


def test_repeat_caller(dbs: dict[str, sqlite3.Connection]) -> None:
    since = (NOW - timedelta(days=5)).isoformat()
    rows = (
        dbs["helpdesk"]
        .execute(
            "SELECT i.person_id, i.ticket_id, COUNT(*) AS contacts FROM interactions i "
            "JOIN tickets t ON t.id = i.ticket_id "
            "WHERE i.direction = 'inbound' AND i.channel IN ('call', 'chat', 'email') "
            "AND i.at >= ? "
            "AND t.status IN ('new', 'open', 'pending', 'hold') "
            "GROUP BY i.person_id, i.ticket_id HAVING contacts >= 3",
            (since,),
        )
        .fetchall()
    )
    assert rows


def test_vip_ticket_breaches_in_about_40_minutes(dbs: dict[str, sqlite3.Connection]) -> None:
    rows = (
        dbs["helpdesk"]
        .execute(
            "SELECT t.sla_due FROM tickets t JOIN people p ON p.id = t.requester_id "
            "LEFT JOIN companies c ON c.id = p.company_id "
            "WHERE t.priority = 'urgent' AND t.status IN ('new', 'open') "
            "AND (p.vip = 1 OR c.vip = 1) AND t.sla_due IS NOT NULL"
        )
        .fetchall()
    )
    minutes = [(at(r["sla_due"]) - NOW) / timedelta(minutes=1) for r in rows]
    assert any(30 <= m <= 50 for m in minutes), minutes


def test_fields_conflict_between_systems(dbs: dict[str, sqlite3.Connection]) -> None:
    pairs = linked(dbs)
    assert len(pairs) >= 30
    assert any(c["plan"] and h["plan"] and c["plan"] != h["plan"] for c, h in pairs)
    names = [(c["name"], h["name"]) for c, h in pairs if c["name"] != h["name"]]
    assert names and all(h.split()[-1] == c.split()[-1] for c, h in names)  # same family name


def test_some_callers_are_known_to_one_system_only(dbs: dict[str, sqlite3.Connection]) -> None:
    groups = identities(dbs)
    only = {system: [g for g in groups if {s for s, _ in g} == {system}] for system in SYSTEMS}
    assert len(only["crm"]) >= 3
    assert len(only["helpdesk"]) >= 3


def test_long_time_customer(dbs: dict[str, sqlite3.Connection]) -> None:
    best = None
    for crm, helpdesk in linked(dbs):
        interactions = sum(
            dbs[system]
            .execute("SELECT COUNT(*) FROM interactions WHERE person_id = ?", (row["id"],))
            .fetchone()[0]
            for system, row in (("crm", crm), ("helpdesk", helpdesk))
        )
        tickets, first_ticket = (
            dbs["helpdesk"]
            .execute(
                "SELECT COUNT(*), MIN(created) FROM tickets WHERE requester_id = ?",
                (helpdesk["id"],),
            )
            .fetchone()
        )
        first_touch = (
            dbs["crm"]
            .execute("SELECT MIN(at) FROM interactions WHERE person_id = ?", (crm["id"],))
            .fetchone()[0]
        )
        if interactions >= 150 and tickets >= 20:
            best = min(at(first_ticket), at(first_touch))
    assert best is not None, "nobody with 150 interactions and 20 tickets"
    assert NOW - best >= timedelta(days=6 * 365)


def test_open_tickets_say_what_was_already_tried(dbs: dict[str, sqlite3.Connection]) -> None:
    rows = (
        dbs["helpdesk"]
        .execute(
            "SELECT DISTINCT t.id, c.body FROM tickets t JOIN comments c ON c.ticket_id = t.id "
            "WHERE c.public = 0 AND t.status IN ('new', 'open', 'pending', 'hold')"
        )
        .fetchall()
    )
    tried = {r["id"] for r in rows if TRIED.search(r["body"])}
    bullets = [r["body"] for r in rows if re.search(r"(?m)^- \S", r["body"])]
    assert len(tried) >= 5
    assert bullets


async def test_readme_people_resolve(sources: dict[str, LocalConnector]) -> None:
    readme = load_demo()["_readme"]
    assert len(readme) >= 6
    for entry in readme:
        assert entry["name"] and entry["shows"]
        for value in (entry["phone"], entry["email"]):
            query = parse_query(value.split(" (")[0], "US")
            found = [m for c in sources.values() for m in await c.find_people(query)]
            assert found, f"{entry['name']}: {value} finds nobody"


def test_demo_json_is_plain_relative_data() -> None:
    text = (REPO / "cx_tui" / "data" / "demo.json").read_text(encoding="utf-8")
    data = json.loads(text)

    assert data["region"] == "US"
    assert set(data["systems"]) == set(SYSTEMS)
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", text), "absolute timestamps in demo.json"


async def test_the_hero_has_people_to_loop_in(sources: dict[str, LocalConnector]) -> None:
    """A hand-off owner: her account manager in the CRM, the assignee and group of her ticket."""
    from cx_tui.models import OwnerRole

    [crm] = await sources["crm"].find_people(parse_query("+1 415 555 0132"))
    [owner] = crm.person.owners
    assert (owner.role, owner.source) == (OwnerRole.CONTACT_OWNER, "Demo crm")
    [helpdesk] = await sources["helpdesk"].find_people(parse_query("+1 415 555 0132"))
    details = await sources["helpdesk"].get_details(helpdesk)
    [open_ticket] = [t for t in details.tickets if t.is_open]
    roles = {o.role for o in open_ticket.owners}
    assert roles == {OwnerRole.ASSIGNEE, OwnerRole.GROUP}
    assert all(o.ref == open_ticket.ref and o.name for o in open_ticket.owners)


def test_a_file_made_before_the_owners_table_reads_no_owners(tmp_path: Path) -> None:
    from cx_tui.connectors.local.owners import read_owners
    from cx_tui.models import SourceRef

    conn = sqlite3.connect(tmp_path / "old.sqlite3")
    assert read_owners(conn, "person_id", 1, SourceRef("Demo", "1")) == ()
    conn.close()
