"""`cx-tui lookup` and `cx-tui connectors` on trouble spots: the JSON field, the mask, the
explanation when there is none, the plain banner, and which sources cannot count."""

from __future__ import annotations

import json

import pytest

from tests.test_cli import HERO, lookup_json, run

DANIEL = "+1 617 555 0148"


def test_the_json_has_the_trouble_spot_of_the_demo_caller(
    capsys: pytest.CaptureFixture[str],
) -> None:
    (spot,) = lookup_json(capsys, DANIEL)["trouble_spots"]
    assert (spot["theme"], spot["count"], spot["window_minutes"]) == ("porting", 5, 60)
    assert len(spot["ticket_ids"]) == 5
    assert {t["source"] for t in spot["ticket_ids"]} == {"Demo Helpdesk"}
    assert spot["problem"]["subject"] == "Carrier delay: number ports not completing"
    assert lookup_json(capsys, HERO)["trouble_spots"] == []


def test_redact_keeps_the_spot_and_masks_like_everything_else(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "lookup", DANIEL, "--json", "--redact")
    assert code == 0
    data = json.loads(out)
    (spot,) = data["trouble_spots"]
    assert spot["count"] == 5 and data["person"]["name"] == "D. O."


def test_explain_says_why_there_is_no_trouble_spot(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lookup", HERO, "--json", "--explain")
    assert code == 0
    notes = json.loads(out)["explain_trouble_spots"]
    assert any("below the threshold of 3" in note for note in notes)
    code, out, _ = run(capsys, "lookup", HERO, "--explain")
    assert "Trouble spots:" in out and "below the threshold" in out


def test_the_plain_output_shows_the_banner(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lookup", DANIEL)
    assert code == 0
    assert "Trouble spot: 5 customers about porting in the last hour" in out
    assert "Link to problem #" in out


def test_connectors_say_which_sources_cannot_count(capsys: pytest.CaptureFixture[str]) -> None:
    from rich.text import Text

    from cx_tui.cli.check import _can_cell, _Checked
    from cx_tui.connectors.base import CheckResult
    from cx_tui.connectors.registry import connector_class

    hubspot = connector_class("hubspot")
    row = _Checked("CRM", "hubspot", CheckResult(ok=True, summary="ok"), hubspot.capabilities)
    cell: Text = _can_cell(row)
    assert f"cannot count recent tickets (trouble spots): {hubspot.no_recent_count}" in cell.plain
    zendesk = connector_class("zendesk")
    row = _Checked("Desk", "zendesk", CheckResult(ok=True, summary="ok"), zendesk.capabilities)
    assert "recent tickets" in _can_cell(row).plain
    assert "cannot count" not in _can_cell(row).plain
    code, out, _ = run(capsys, "connectors")
    assert code == 0 and "recent tickets" in out
