"""Recent lookups grouped by caller, and calls named by a later lookup of their number, both
derived at read time from the store's lookup rows and links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cx_tui.lookup_history import group_recent, name_calls, point_of
from cx_tui.store import CallRecord, Store

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
MARIA = ("Demo CRM", "1")
MARIA_DESK = ("Demo Helpdesk", "7")
TOM = ("Demo CRM", "2")


def history(*rows: tuple[str, str, str | None, tuple[str, str] | None]) -> Store:
    """A store whose lookup history holds `rows` (query, state, name, key), oldest first, a
    minute apart."""
    store = Store(clock=lambda: NOW)
    for minute, (query, state, name, key) in enumerate(rows):
        kind = "email" if "@" in query else "phone" if any(c.isdigit() for c in query) else "name"
        store.record_lookup(
            query, kind, state, person_name=name, person_key=key, at=NOW + timedelta(minutes=minute)
        )
    return store


def test_points_are_normalised_numbers_addresses_and_folded_names() -> None:
    assert point_of("(415) 555-0132", "US") == "+14155550132"
    assert point_of("+1 415 555 0132 ext. 12", "US") == "+14155550132;ext=12"
    assert point_of("Maria.Gonzalez@Example.com", "US") == "maria.gonzalez@example.com"
    assert point_of("415-555-O132", "US") == "415-555-O132"  # unparsable: as typed


def test_one_caller_in_two_spellings_and_by_email_is_one_row_with_the_count() -> None:
    with history(
        ("+14155550132", "resolved", "Maria Gonzalez", MARIA),
        ("Tom Becker", "resolved", "Tom Becker", TOM),
        ("(415) 555-0132", "resolved", "Maria Gonzalez", MARIA),
        ("maria@example.com", "resolved", "Maria Gonzalez", MARIA),
    ) as store:
        rows = group_recent(store.lookups(), "US")
    assert [(r.name, r.count, r.query) for r in rows] == [
        ("Maria Gonzalez", 3, "maria@example.com"),
        ("Tom Becker", 1, "Tom Becker"),
    ]
    maria = rows[0]
    assert maria.points == ("maria@example.com", "+14155550132")
    assert maria.latest == NOW + timedelta(minutes=3) and maria.resolved


def test_records_the_agent_linked_are_one_person() -> None:
    with history(
        ("+14155550132", "resolved", "Maria Gonzalez", MARIA),
        ("maria@example.com", "resolved", "Maria Gonzalez", MARIA_DESK),
    ) as store:
        assert len(group_recent(store.lookups(), "US")) == 2  # two records, nothing says one
        store.confirm_link([MARIA, MARIA_DESK])
        [row] = group_recent(store.lookups(), "US", store.confirmed_links())
    assert row.count == 2 and row.name == "Maria Gonzalez"


def test_unknown_numbers_group_by_e164_and_join_the_person_they_resolved_to() -> None:
    with history(
        ("+14155550199", "unknown", "nobody found", None),
        ("(415) 555-0199", "unknown", "nobody found", None),
        ("4155550188", "unknown", "nobody found", None),
        ("+1 415 555 0188", "resolved", "Rosa Diaz", ("Demo CRM", "9")),
    ) as store:
        rows = group_recent(store.lookups(), "US")
    assert [(r.name, r.resolved, r.count, r.points) for r in rows] == [
        ("Rosa Diaz", True, 2, ("+14155550188",)),
        ("nobody found", False, 2, ("+14155550199",)),
    ]


def test_two_people_on_one_shared_line_stay_two_rows() -> None:
    with history(
        ("+12125550100", "resolved", "Ann Lee", ("Demo CRM", "5")),
        ("+12125550100", "resolved", "Bo Lee", ("Demo CRM", "6")),
    ) as store:
        rows = group_recent(store.lookups(), "US")
    assert [r.name for r in rows] == ["Bo Lee", "Ann Lee"]


def missed(call_id: str, number: str | None, **fields: object) -> CallRecord:
    return CallRecord(call_id, "inbound", NOW - timedelta(hours=1), number=number, **fields)  # type: ignore[arg-type]


def test_a_call_is_named_once_a_later_lookup_resolves_its_number() -> None:
    calls = [missed("m1", "+14155550199", missed=True), missed("w", None, missed=True)]
    with history(("+14155550199", "unknown", "nobody found", None)) as store:
        still = name_calls(calls, store.lookups(), "US")
        assert [(c.person_name, c.person_key) for c in still] == [(None, None), (None, None)]
        store.record_lookup(
            "(415) 555-0199", "phone", "resolved", person_name="Rosa Diaz", person_key=("C", "9")
        )
        named = name_calls(calls, store.lookups(), "US")
    assert [(c.person_name, c.person_key) for c in named] == [
        ("Rosa Diaz", ("C", "9")),
        (None, None),
    ]


def test_an_identified_call_keeps_its_caller_and_an_ambiguous_lookup_names_nobody() -> None:
    calls = [
        missed("a", "+12125550100", person_name="Ann Lee", person_key=("Demo CRM", "5")),
        missed("b", "+14155550132"),
    ]
    with history(
        ("+12125550100", "resolved", "Bo Lee", ("Demo CRM", "6")),
        ("+14155550132", "ambiguous", "2 candidates", None),
    ) as store:
        named = name_calls(calls, store.lookups(), "US")
    assert [c.person_name for c in named] == ["Ann Lee", None]
