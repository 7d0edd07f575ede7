"""The mask (a profile with its personal data hidden) and the local audit log of lookups."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cx_tui import models as m
from cx_tui.audit import AuditEntry, AuditLog
from cx_tui.insight.redact import RedactMemo, initials, mask_email, mask_number, redact
from cx_tui.paths import data_dir
from cx_tui.profile import ProfileBuilder
from tests.fakes import email, person, phone, ticket
from tests.test_cli import run


def test_mask_shapes() -> None:
    assert initials("Maria  Gonzalez") == "M. G."
    assert mask_email("maria.gonzalez@example.com") == "m•••@example.com"
    assert mask_number("+1 (415) 555-0132") == "•••32"


def test_redact_masks_every_personal_value_of_a_profile() -> None:
    builder = ProfileBuilder("+14155550132", ["Desk"])
    p = person("Desk", "1", "Maria Gonzalez", phone("+14155550132"), email("maria.g@example.com"))
    builder.add_matches(
        "Desk", [m.Match(p, m.MatchReason.EXACT_E164, 1.0, "stored as '(415) 555-0132'")]
    )
    builder.set_status(m.SourceStatus("Desk", m.SourceState.FOUND, matches=1))
    t = ticket(
        "Desk",
        "42",
        "Maria cannot call +1 415 555 0132",
        internal=["Tried: called Maria back on 415-555-0132; emailed maria.g@example.com twice"],
    )
    note = m.Interaction(
        m.SourceRef("Desk", "n1"),
        m.Channel.CALL,
        m.Direction.INBOUND,
        t.created,
        "Maria Gonzalez says the phone rings once then drops",
        "42",
    )
    builder.add_details(("Desk", "1"), m.Details(tickets=(t,), interactions=(note,)))
    masked = redact(builder.build())
    dumped = repr(masked)
    for secret in ("Maria", "Gonzalez", "0132", "555", "maria.g@"):
        assert secret not in dumped, secret
    assert masked.value("name") == "M. G."
    assert masked.query == "•••32"
    assert [c.point.value for c in masked.contacts] == ["•••32", "m•••@example.com"]
    assert masked.tickets[0].subject == "M. cannot call •••32"
    assert masked.tickets[0].comments[0].body == "Tried: called M. …"
    assert masked.timeline[0].summary == "M. G. says …"
    assert masked.matches[0].detail == "stored as '•••32'"
    # Record ids and states are not personal: they stay, so the profile still works.
    assert masked.tickets[0].ref == t.ref and masked.state is builder.build().state


def test_a_memo_hands_back_the_same_masked_records_while_they_do_not_change() -> None:
    builder = ProfileBuilder("+14155550132", ["Desk"])
    p = person("Desk", "1", "Maria Gonzalez", phone("+14155550132"))
    builder.add_matches("Desk", [m.Match(p, m.MatchReason.EXACT_E164, 1.0, "")])
    builder.set_status(m.SourceStatus("Desk", m.SourceState.FOUND, matches=1))
    builder.add_details(("Desk", "1"), m.Details(tickets=(ticket("Desk", "42", "Maria's line"),)))
    memo = RedactMemo()
    first = redact(builder.build(), memo)
    again = redact(builder.build(), memo)
    # The same records: the same masked tuple, so the screen's tables skip their repaint.
    assert again.tickets is first.tickets and first.tickets[0].subject == "M.'s line"
    builder.add_details(("Desk", "1"), m.Details(tickets=(ticket("Desk", "43", "Maria again"),)))
    changed = redact(builder.build(), memo)
    assert changed.tickets is not first.tickets
    assert [t.subject for t in changed.tickets] == ["M. again"]
    # Without a memo every call masks afresh.
    assert redact(builder.build()).tickets is not redact(builder.build()).tickets


def test_lookup_json_redact_masks_the_whole_output_and_is_audited(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "lookup", "+1 415 555 0132", "--json", "--redact")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    assert data["person"]["name"] == "M. G."
    assert data["themes"] and all(t["ticket_ids"] for t in data["themes"])
    for secret in ("Gonzalez", "4155550132", "maria.gonzalez@"):
        assert secret not in out, secret
    code, out, _ = run(capsys, "audit")
    assert code == 0
    assert "json [masked]  '+1 415 555 0132' -> resolved: M. G. · 2 tickets" in out

    [entry] = AuditLog(data_dir() / "audit").entries()
    assert entry.masked and entry.where == "json" and entry.user
    assert entry.records and all(":" in r for r in entry.records)


def _entry(at: datetime, query: str = "+14155550132") -> AuditEntry:
    return AuditEntry(at.isoformat(), "agent", query, "screen", False, "resolved", "x")


def test_audit_files_are_owner_only_and_rotate_by_day_and_size(tmp_path: Path) -> None:
    now = datetime(2026, 11, 20, 23, 59, tzinfo=UTC)
    log = AuditLog(tmp_path / "audit", max_bytes=300, clock=lambda: now)
    first = log.append(_entry(now))
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert stat.S_IMODE(first.parent.stat().st_mode) == 0o700
    for _ in range(3):
        log.append(_entry(now))  # ~150 bytes each: the day's file rolls over past 300
    names = [p.name for p in log.files()]
    assert names == ["audit-2026-11-20.jsonl", "audit-2026-11-20.1.jsonl"]
    now += timedelta(minutes=2)  # the next UTC day: a new file
    log.append(_entry(now, "next day"))
    assert [p.name for p in log.files()][-1] == "audit-2026-11-21.jsonl"
    entries = list(log.entries())
    assert len(entries) == 5 and entries[-1].query == "next day"
    # Only ever appended: the first line is still the first entry.
    assert json.loads(first.read_text().splitlines()[0])["at"] == "2026-11-20T23:59:00+00:00"


def test_audit_retention_drops_old_days_only(tmp_path: Path) -> None:
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    clock = [now - timedelta(days=40)]
    log = AuditLog(tmp_path / "audit", retention_days=30, clock=lambda: clock[0])
    log.append(_entry(clock[0], "old"))
    clock[0] = now - timedelta(days=29)
    log.append(_entry(clock[0], "recent"))
    clock[0] = now
    log.append(_entry(now, "today"))
    assert [e.query for e in log.entries()] == ["recent", "today"]


def test_insight_config_is_checked(tmp_path: Path) -> None:
    from cx_tui.config import ConfigError, load_config

    path = tmp_path / "config.toml"
    path.write_text("[insight]\naudit_retention_days = 7\n")
    assert load_config(path).insight.audit_retention_days == 7
    path.write_text("[insight]\naudit_retention_days = 0\n")
    with pytest.raises(ConfigError, match=r"insight\.audit_retention_days"):
        load_config(path)
