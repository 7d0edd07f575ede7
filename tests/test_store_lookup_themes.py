"""The lookup history keeps each caller's theme tags and matched records (schema version 10),
and `desk_today` reads the callers looked up since local midnight for trouble spots."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cx_tui import phrases
from cx_tui.insight.trouble import DeskLookup
from cx_tui.services import desk_today
from cx_tui.store import SCHEMA_VERSION, Store, migrate

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def test_tags_and_records_are_kept_per_lookup(tmp_path: Path) -> None:
    with Store(tmp_path / "state.db", clock=lambda: NOW) as store:
        store.record_lookup(
            "+14155550132",
            "phone",
            "resolved",
            person_name="Maria",
            person_key=("CRM", "1"),
            theme_tags=("login-failure", "billing"),
            records=[("CRM", "1"), ("Desk", "501")],
        )
        store.record_lookup("nobody@example.com", "email", "unknown")
        latest, first = store.lookups()
    assert latest.theme_tags == () and latest.records == ()
    assert first.theme_tags == ("login-failure", "billing")
    assert first.records == (("CRM", "1"), ("Desk", "501"))


def test_lookups_from_before_version_10_read_as_without_themes(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=8) == 0
    conn.execute(
        "INSERT INTO lookup_history (query, kind, at, state) VALUES ('x', 'name', ?, 'unknown')",
        (NOW.isoformat(),),
    )
    conn.close()
    with Store(path, clock=lambda: NOW) as store:
        assert store.schema_version == SCHEMA_VERSION >= 10
        (old,) = store.lookups()
        assert old.query == "x" and old.theme_tags == () and old.records == ()


def test_desk_today_is_since_local_midnight_and_only_with_themes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(phrases, "now_utc", lambda: NOW)
    midnight = NOW.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    with Store(tmp_path / "state.db", clock=lambda: NOW) as store:
        for at, query, tags in (
            (midnight - timedelta(minutes=1), "yesterday", ("porting",)),
            (midnight + timedelta(minutes=1), "today", ("porting",)),
            (midnight + timedelta(minutes=2), "no themes", ()),
        ):
            store.record_lookup(
                query, "name", "resolved", at=at, theme_tags=tags, records=[("Desk", query)]
            )
        assert desk_today(store) == [
            DeskLookup("today", frozenset({"porting"}), frozenset({("Desk", "today")}))
        ]
