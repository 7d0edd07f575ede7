"""The `cx-tui` command end to end on the demo data: output, JSON, exit codes, bad input."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.fail
import pytest

from cx_tui import cli, paths
from cx_tui.connectors import registry
from tests.conftest import MemoryKeyring
from tests.fakes import FakeConnector, email, person, phone

HERO = "+1 415 555 0132"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def lookup_json(capsys: pytest.CaptureFixture[str], query: str) -> dict[str, Any]:
    code, out, err = run(capsys, "lookup", query, "--json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


@pytest.mark.parametrize(
    "query", [HERO, "(415) 555-0132", "415.555.0132", "MARIA.Gonzalez@EXAMPLE.com"]
)
def test_same_demo_person_by_e164_national_and_email_in_other_case(
    capsys: pytest.CaptureFixture[str], query: str
) -> None:
    data = lookup_json(capsys, query)
    assert data["state"] == "resolved"
    assert data["person"]["name"] == "Maria Gonzalez"
    # Provenance from both demo sources, on the person and on the fields.
    assert {m["source"] for m in data["matches"]} == {"Demo CRM", "Demo Helpdesk"}
    name_sources = {s["source"] for s in data["fields"]["name"][0]["sources"]}
    assert name_sources == {"Demo CRM", "Demo Helpdesk"}
    # The plan disagrees between the systems: flagged, both values kept with their source.
    [plan] = [c for c in data["conflicts"] if c["field"] == "plan"]
    assert {(v["value"], v["sources"][0]["source"]) for v in plan["values"]} == {
        ("Pro", "Demo CRM"),
        ("Professional", "Demo Helpdesk"),
    }
    assert any(a["rule"] == "conflicting_data" for a in data["next_actions"])


def test_json_holds_the_whole_profile(capsys: pytest.CaptureFixture[str]) -> None:
    data = lookup_json(capsys, HERO)
    assert data["schema"] == "cx-tui/profile@1"
    assert data["query_kind"] == "phone"
    assert [s["state"] for s in data["sources"]] == ["found", "found"]
    open_tickets = [t for t in data["tickets"] if t["open"]]
    assert open_tickets and data["tickets"][0]["open"]
    assert any(not c["public"] for t in open_tickets for c in t["comments"])
    times = [i["at"] for i in data["timeline"]]
    assert times == sorted(times, reverse=True)
    assert data["already_tried"] and all(i["ticket"] for i in data["already_tried"])
    phones = [c for c in data["contacts"] if c["kind"] == "phone"]
    assert phones[0]["value"] == "+14155550132"
    priorities = [a["priority"] for a in data["next_actions"]]
    assert priorities == sorted(priorities, reverse=True)


def test_rich_output_shows_the_merged_profile(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lookup", HERO)
    assert code == 0
    for words in (
        "Maria Gonzalez",
        "conflict",
        "Professional",
        "Next actions",
        "Already tried",
        "Demo CRM: found",
        "Demo Helpdesk: found",
    ):
        assert words in out


def test_switchboard_gives_candidates_and_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    data = lookup_json(capsys, "+1 212 555 0100")
    assert data["state"] == "ambiguous"
    assert len(data["candidates"]) >= 3
    assert data["next_actions"][0]["rule"] == "shared_number"


def test_nobody_found_exits_1_and_offers_create_contact(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lookup", "+1 415 555 0199 x5", "--json")
    assert code == 1
    data = json.loads(out)
    assert data["state"] == "unknown"
    action, attach = data["next_actions"]  # the demo's sources can also take the number
    assert action["kind"] == "create-contact"
    assert action["prefill"] == {"phone": "+14155550199", "extension": "5"}
    assert attach["kind"] == "attach-number" and attach["prefill"] == action["prefill"]


@pytest.mark.parametrize(
    ("query", "prefill"),
    [
        ("Zed Nobody", {"name": "Zed Nobody"}),
        ("Zed@Nowhere.example", {"email": "zed@nowhere.example"}),
    ],
)
def test_create_contact_prefill_is_what_was_looked_up(
    capsys: pytest.CaptureFixture[str], query: str, prefill: dict[str, str]
) -> None:
    code, out, _ = run(capsys, "lookup", query, "--json")
    assert code == 1
    assert json.loads(out)["next_actions"][0]["prefill"] == prefill


@pytest.mark.parametrize("query", ["+1 646 555 0142", "+1 213 555 0142", "+1 207 946 0457"])
def test_a_last_digits_match_is_a_candidate_to_confirm(
    capsys: pytest.CaptureFixture[str], query: str
) -> None:
    data = lookup_json(capsys, query)
    assert data["state"] == "ambiguous"
    assert data["matches"] and all(m["reason"] == "last digits" for m in data["matches"])
    assert data["person"] == {} and data["tickets"] == []
    assert data["next_actions"][0]["rule"] == "weak_match"
    code, out, _ = run(capsys, "lookup", query)
    assert code == 0
    flat = " ".join(out.split())
    assert "Only a weak match" in flat and "only the last digits agree" in flat


@pytest.mark.parametrize("query", ["+44 20 7555 0142", "+61 2 9555 0142"])
def test_last_digits_from_another_country_match_nobody(
    capsys: pytest.CaptureFixture[str], query: str
) -> None:
    code, out, _ = run(capsys, "lookup", query, "--json")
    assert code == 1
    data = json.loads(out)
    assert data["state"] == "unknown" and data["candidates"] == []


def test_a_match_short_of_exact_says_why_on_the_card(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lookup", "+44 20 7946 0457")
    assert code == 0
    flat = " ".join(out.split())
    assert "Oliver Hughes" in flat
    assert "Matched by national digits: stored as '020 7946 0457'" in flat
    # An exact match needs no explaining.
    _, out, _ = run(capsys, "lookup", HERO)
    assert "Matched by" not in out


def test_extension_on_the_switchboard_picks_that_person(capsys: pytest.CaptureFixture[str]) -> None:
    data = lookup_json(capsys, "+1 212 555 0100 x210")
    assert data["state"] == "resolved" and data["person"]["name"] == "Tom Becker"


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("", "Type a phone number"),
        ("415-555-O132", "does not belong in a phone number"),
        ("+999 123", "not a valid phone number"),
        ("x" * 10_000, "characters"),
        ("+1 415\x07555 0132", "control character"),
    ],
)
def test_bad_queries_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], query: str, words: str
) -> None:
    code, out, err = run(capsys, "lookup", query)
    assert code == 2
    assert out == ""
    assert words in err
    assert err.count("\n") == 1 and err.startswith("cx-tui: ")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ("default_region = \n", "invalid TOML"),
        ("colour = 'red'\n", "colour"),
        ("[lookup]\ndeadline = 'fast'\n", "lookup.deadline"),
        (
            "[[connectors]]\nname = 'X'\ntype = 'nosuch'\n",
            'unknown connector type "nosuch"; known types: ',
        ),
        (
            "[[connectors]]\nname = 'A'\ntype = 'local'\n"
            "[[connectors]]\nname = 'a'\ntype = 'local'\n",
            "connectors[2]",
        ),
    ],
)
def test_bad_config_exits_2_naming_file_and_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, toml: str, words: str
) -> None:
    config = _write(tmp_path / "config.toml", toml)
    code, _, err = run(capsys, "lookup", HERO, "--config", str(config))
    assert code == 2
    assert str(config) in err and words in err
    assert "Traceback" not in err


def _corrupt_demo() -> list[tuple[Path, bytes]]:
    junk = b"this is not a database" * 50
    files = []
    for name in ("demo-crm.sqlite3", "demo-helpdesk.sqlite3"):
        path = paths.ensure_private_dir(paths.data_dir()) / name
        path.write_bytes(junk)
        files.append((path, junk))
    return files


def test_every_source_failing_exits_3_and_leaves_files_alone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = _corrupt_demo()
    code, out, _ = run(capsys, "lookup", HERO, "--json")
    assert code == 3
    data = json.loads(out)
    assert [s["state"] for s in data["sources"]] == ["unreachable", "unreachable"]
    for (path, junk), status in zip(files, data["sources"], strict=True):
        assert str(path) in status["message"]
        assert path.read_bytes() == junk


def test_some_nobody_some_failed_exits_1_names_the_failure_and_offers_a_retry(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = paths.ensure_private_dir(paths.data_dir()) / "demo-helpdesk.sqlite3"
    path.write_bytes(b"this is not a database" * 50)
    code, out, _ = run(capsys, "lookup", "+1 415 555 0199")
    assert code == 1
    flat = " ".join(out.split())
    assert (
        "No one found for +1 415-555-0199 in Demo CRM; Demo Helpdesk could not be searched "
        "(unreachable)." in flat
    )
    assert "Retry the lookup" in flat and "Create a contact" not in flat
    code, out, _ = run(capsys, "lookup", "+1 415 555 0199", "--json")
    assert code == 1
    assert [a["kind"] for a in json.loads(out)["next_actions"]] == ["retry-lookup"]


def test_every_source_failing_says_no_source_could_be_searched(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _corrupt_demo()
    code, out, _ = run(capsys, "lookup", HERO)
    assert code == 3
    flat = " ".join(out.split())
    assert "No source could be searched for +1 415-555-0132: Demo CRM (unreachable)" in flat
    assert "No one found" not in flat and "Create a contact" not in flat


def test_demo_reset_reseeds_and_keeps_the_old_file(capsys: pytest.CaptureFixture[str]) -> None:
    files = _corrupt_demo()
    code, out, _ = run(capsys, "demo", "reset")
    assert code == 0
    assert out.count("re-seeded") == 2
    for path, junk in files:
        kept = [p for p in path.parent.iterdir() if p.name.startswith(path.name + ".corrupt-")]
        assert len(kept) == 1 and kept[0].read_bytes() == junk
    assert run(capsys, "lookup", HERO)[0] == 0


def test_demo_reset_with_a_file_as_data_dir_is_one_line_not_a_bug(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv("CX_TUI_DATA_DIR", str(afile))
    code, out, err = run(capsys, "demo", "reset")
    assert code == 3, err
    assert "bug" not in err and "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 2  # one line per demo source
    for line, name in zip(lines, ("Demo CRM", "Demo Helpdesk"), strict=True):
        assert line.startswith(f"cx-tui: {name}: ") and str(afile) in line
    assert "re-seeded" not in out
    assert afile.read_text(encoding="utf-8") == "not a directory"


def test_demo_reset_of_a_directory_path_fails_that_source_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "crm.sqlite3"
    folder.mkdir()
    config = _write(
        tmp_path / "c.toml",
        f"[[connectors]]\nname = 'Dir'\ntype = 'local'\ndataset = 'crm'\npath = '{folder}'\n"
        f"[[connectors]]\nname = 'Fine'\ntype = 'local'\ndataset = 'helpdesk'\n"
        f"path = '{tmp_path / 'fine.sqlite3'}'\n",
    )
    code, out, err = run(capsys, "demo", "reset", "--config", str(config))
    assert code == 1, err
    assert err.startswith("cx-tui: Dir: ") and err.count("\n") == 1
    assert "is a directory" in err and "bug" not in err
    assert out.startswith("Fine: re-seeded")
    assert folder.is_dir()


def test_a_connector_error_escaping_a_command_is_not_called_a_bug(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cx_tui.connectors.base import Unavailable

    def refuse(*_: Any, **__: Any) -> None:
        raise Unavailable("the widget is unplugged")

    from cx_tui.cli import check

    monkeypatch.setattr(check, "run", refuse)
    code, _, err = run(capsys, "connectors")
    assert (code, err) == (3, "cx-tui: the widget is unplugged\n")


def test_connectors_lists_and_checks_each_source(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "connectors")
    assert code == 0
    assert "Demo CRM" in out and "Demo Helpdesk" in out
    assert out.count("✓") == 2


# --- secrets --------------------------------------------------------------------------------


class SecretConnector(FakeConnector):
    """A connector type that needs a token, registered like a plugin for these tests."""

    type_name = "secretive"
    needs_secret = True

    def __init__(
        self, name: str, settings: dict[str, Any], secret: str | None = None, **_: Any
    ) -> None:
        super().__init__(
            fake_name=name,
            people=[
                person(
                    name,
                    "7",
                    "Maria Gonzalez",
                    phone("+14155550132"),
                    email("maria.gonzalez@example.com"),
                )
            ],
        )
        self.token = secret


class _EntryPoint:
    def __init__(self, cls: type) -> None:
        self.cls = cls

    def load(self) -> type:
        return self.cls


@pytest.fixture
def secretive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    points = dict(registry._entry_points())
    points["secretive"] = _EntryPoint(SecretConnector)  # type: ignore[assignment]
    monkeypatch.setattr(registry, "_entry_points", lambda: points)
    yield _write(tmp_path / "c.toml", "[[connectors]]\nname = 'Acme Desk'\ntype = 'secretive'\n")


TOKEN = "tok_live_9f8e7d6c5b4a3f2e1d0c"


def test_token_from_env_fallback_never_reaches_output(
    capsys: pytest.CaptureFixture[str], secretive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    monkeypatch.setenv("CX_TUI_SECRET_ACME_DESK", TOKEN)
    code, out, err = run(capsys, "lookup", HERO, "--json", "--config", str(secretive))
    assert code == 0
    assert json.loads(out)["person"]["name"] == "Maria Gonzalez"
    assert TOKEN not in out and TOKEN not in err


def test_missing_secret_fails_that_source_with_the_way_to_fix_it(
    capsys: pytest.CaptureFixture[str], secretive: Path, memory_keyring: MemoryKeyring
) -> None:
    code, out, _ = run(capsys, "lookup", HERO, "--json", "--config", str(secretive))
    assert code == 3
    [status] = json.loads(out)["sources"]
    assert status["state"] == "auth failed"
    assert 'cx-tui secret set "Acme Desk"' in status["message"]
    assert "CX_TUI_SECRET_ACME_DESK" in status["message"]


def test_secret_set_and_delete_through_the_keyring(
    capsys: pytest.CaptureFixture[str],
    secretive: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(TOKEN + "\n"))  # echo $TOKEN | cx-tui ...
    code, out, err = run(capsys, "secret", "set", "acme desk", "--config", str(secretive))
    assert code == 0 and TOKEN not in out and err == ""
    assert memory_keyring.store[("cx-tui", "Acme Desk")] == TOKEN
    assert run(capsys, "lookup", HERO, "--config", str(secretive))[0] == 0
    assert run(capsys, "secret", "delete", "Acme Desk", "--config", str(secretive))[0] == 0
    assert memory_keyring.store == {}


def test_secret_for_an_unknown_connector_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], secretive: Path
) -> None:
    code, _, err = run(capsys, "secret", "set", "Nope", "--config", str(secretive))
    assert code == 2 and '"Acme Desk"' in err


def test_secret_set_without_a_keyring_names_the_env_fallback(
    capsys: pytest.CaptureFixture[str], secretive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    asked: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": asked.append(prompt) or TOKEN)
    stdin = io.StringIO(TOKEN + "\n")
    monkeypatch.setattr("sys.stdin", stdin)
    code, _, err = run(capsys, "secret", "set", "Acme Desk", "--config", str(secretive))
    assert code == 2
    assert "CX_TUI_SECRET_ACME_DESK" in err and TOKEN not in err
    # Said before asking: nobody types (or pipes) a token only to hear it cannot be kept.
    assert asked == [] and stdin.tell() == 0


def test_secret_set_reads_a_pipe_without_python_warnings(tmp_path: Path) -> None:
    config = _write(tmp_path / "c.toml", "[[connectors]]\nname = 'Acme Desk'\ntype = 'local'\n")
    env = {
        **os.environ,
        "CX_TUI_CONFIG": str(config),
        "PYTHON_KEYRING_BACKEND": "tests.conftest.MemoryKeyring",
    }
    result = subprocess.run(
        [sys.executable, "-m", "cx_tui", "secret", "set", "Acme Desk"],
        input=TOKEN + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parent.parent,
        start_new_session=True,  # no controlling terminal, as under a script or CI
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert 'Stored the token for "Acme Desk"' in result.stdout and TOKEN not in result.stdout


# --- as a real process ----------------------------------------------------------------------


def test_installed_command_prints_no_traceback_on_bad_config(tmp_path: Path) -> None:
    config = _write(tmp_path / "bad.toml", "[lookup\n")
    env = {**os.environ, "CX_TUI_CONFIG": str(config)}
    result = subprocess.run(
        [sys.executable, "-m", "cx_tui", "lookup", HERO],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"cx-tui: {config}: invalid TOML")


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "lookup")
    assert code == 2 and "QUERY" in err
