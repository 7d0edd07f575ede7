"""`cx-tui note` and `cx-tui outbox list|retry|flush` end to end on the demo data."""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cx_tui import cli, paths
from cx_tui.connectors import registry
from cx_tui.connectors.base import Capability
from cx_tui.models import NoteReceipt, NoteTarget, SourceRef, TargetKind
from cx_tui.outbox import Outbox
from cx_tui.store import ItemState, Store, StoreError
from tests.conftest import MemoryKeyring
from tests.outbox_fakes import ScriptedConnector

TEXT = "Called back: the router firmware update fixed the evening drops."
MARIA = "Demo CRM/person/1"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def demo_notes(name: str = "demo-crm") -> list[str]:
    path = paths.data_dir() / f"{name}.sqlite3"
    with sqlite3.connect(path) as conn:
        bodies = [row[0] for row in conn.execute("SELECT body FROM notes ORDER BY id")]
    conn.close()
    return bodies


def stored() -> list[Any]:
    with Store() as store:
        return store.outbox_items(ItemState)


# --- note --------------------------------------------------------------------------------------


def test_note_is_delivered_to_a_demo_person(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "note", "--to", MARIA, TEXT)
    assert (code, err) == (0, "")
    assert out.startswith(f"{MARIA}: delivered (note-")
    assert demo_notes().count(TEXT) == 1
    [item] = stored()
    assert item.state is ItemState.DELIVERED and item.receipt is not None


def test_note_to_several_targets_reports_each(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "note", "--to", "demo crm/person/1", "--to", "Demo CRM/person/99999", TEXT
    )
    assert code == 1
    assert out.splitlines() == [
        f"{MARIA}: delivered (note-{len(demo_notes())})",
        "Demo CRM/person/99999: failed (Person 99999 does not exist in Demo CRM.); "
        "see `cx-tui outbox list`",
    ]


def test_note_text_from_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(TEXT + "\n"))
    assert run(capsys, "note", "--to", MARIA, "-")[0] == 0
    assert demo_notes()[-1] == TEXT


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--to", MARIA, "   "], "The note is empty."),
        (["--to", MARIA, "x" * 65_537], "The note is 65,537 characters; Demo CRM takes at most"),
        (
            ["--to", "Demo CRM", TEXT],
            'expected "SOURCE NAME/person/ID", "SOURCE NAME/ticket/ID" or '
            '"SOURCE NAME/new-ticket/PERSON_ID"',
        ),
        (["--to", "Nope/person/1", TEXT], 'no source named "Nope"'),
        (["--to", "Demo CRM/company/1", TEXT], "expected person, ticket or new-ticket"),
        (["--to", "Demo CRM/person/ ", TEXT], "the record id is missing"),
        (["--to", MARIA, "--wait", "0", TEXT], "--wait: expected a number of seconds"),
    ],
)
def test_note_usage_errors_exit_2_and_save_nothing(
    capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    code, out, err = run(capsys, "note", *argv)
    assert code == 2 and out == ""
    assert words in err and err.count("\n") == 1 and err.startswith("cx-tui: ")
    assert not (paths.data_dir() / "state.db").exists()


def _break_helpdesk() -> tuple[Path, bytes]:
    path = paths.ensure_private_dir(paths.data_dir()) / "demo-helpdesk.sqlite3"
    junk = b"half-copied file " * 64
    path.write_bytes(junk)
    return path, junk


def test_an_unreachable_source_queues_the_note_then_flush_delivers_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    helpdesk, junk = _break_helpdesk()
    code, out, _ = run(capsys, "note", "--to", "Demo Helpdesk/ticket/1", "--to", MARIA, TEXT)
    assert code == 1
    queued, delivered = out.splitlines()
    assert queued.startswith("Demo Helpdesk/ticket/1: queued (Cannot use the local database")
    assert queued.endswith("), will retry")
    assert delivered.startswith(f"{MARIA}: delivered")
    assert helpdesk.read_bytes() == junk

    code, out, _ = run(capsys, "outbox", "list", "--json")
    data = json.loads(out)
    assert code == 0 and (data["pending"], data["failed"]) == (1, 0)
    [item] = data["items"]
    assert item["target"] == {
        "source": "Demo Helpdesk",
        "kind": "ticket",
        "id": "1",
        "label": None,  # queued by `cx-tui note`, which knows no name
    }
    assert (item["state"], item["attempts"], item["text"]) == ("pending", 1, TEXT)
    assert "Cannot use the local database" in item["last_error"]

    code, out, _ = run(capsys, "outbox", "list")
    assert code == 0 and "Demo Helpdesk/ticket/1" in out and "pending" in out

    # Still broken: flush tries (after `retry` made it due) and reports what is left.
    assert run(capsys, "outbox", "retry")[0] == 0
    code, out, _ = run(capsys, "outbox", "flush")
    assert code == 1 and out.startswith("Delivered 0; 1 waiting, 0 failed.")

    # Fixed (the admin re-seeds the demo); the item is due again after `retry`.
    assert run(capsys, "demo", "reset")[0] == 0
    code, out, _ = run(capsys, "outbox", "retry", str(item["id"]))
    assert code == 0 and out.startswith(f"{item['id']} Demo Helpdesk/ticket/1: due now")
    code, out, _ = run(capsys, "outbox", "flush")
    assert (code, out) == (0, "Delivered 1; 0 waiting, 0 failed.\n")
    assert demo_notes("demo-helpdesk").count(TEXT) == 1
    assert run(capsys, "outbox", "list")[1] == "The outbox is empty: every note was delivered.\n"


def test_a_store_failing_after_the_note_was_saved_keeps_it_queued(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_update = Store.outbox_update

    def full_disk_on_delivery(self: Store, *args: Any, **changes: Any) -> Any:
        if changes.get("state") is ItemState.DELIVERED:
            raise StoreError(self.path, "could not update the outbox: the disk is full")
        return real_update(self, *args, **changes)

    monkeypatch.setattr(Store, "outbox_update", full_disk_on_delivery)
    code, out, err = run(capsys, "note", "--to", MARIA, TEXT)
    assert code == 1
    assert err.startswith("cx-tui: ") and "the disk is full" in err
    assert out == f"{MARIA}: queued (delivery not confirmed yet), will retry\n"
    monkeypatch.setattr(Store, "outbox_update", real_update)

    # The source did get it; the retry reuses the key, so it stays one note.
    [item] = stored()
    assert item.state is ItemState.SENDING
    assert demo_notes().count(TEXT) == 1


def test_outbox_retry_refuses_unknown_and_delivered_items(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run(capsys, "note", "--to", MARIA, TEXT)
    code, _, err = run(capsys, "outbox", "retry", "1")
    assert code == 2 and err == "cx-tui: Cannot retry outbox item 1: it was already delivered.\n"
    code, _, err = run(capsys, "outbox", "retry", "42")
    assert code == 2 and err == "cx-tui: There is no outbox item 42.\n"
    code, out, _ = run(capsys, "outbox", "retry")
    assert code == 0 and out == "Nothing to retry: no item is waiting or failed.\n"
    code, _, err = run(capsys, "outbox", "retry", "one")
    assert code == 2 and "invalid int value" in err


def test_outbox_flush_exits_1_while_a_failed_item_remains(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run(capsys, "note", "--to", "Demo CRM/person/99999", TEXT)
    code, out, _ = run(capsys, "outbox", "flush")
    assert code == 1
    assert out.splitlines() == [
        "Delivered 0; 0 waiting, 1 failed.",
        "1 Demo CRM/person/99999: failed (Person 99999 does not exist in Demo CRM.); "
        "see `cx-tui outbox list`",
    ]
    code, out, _ = run(capsys, "outbox", "list", "--all", "--json")
    assert [i["state"] for i in json.loads(out)["items"]] == ["failed"]


def test_empty_outbox(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "outbox", "flush") == (0, "Delivered 0; 0 waiting, 0 failed.\n", "")
    out = run(capsys, "outbox", "list", "--json")[1]
    assert json.loads(out) == {"schema": "cx-tui/outbox@1", "pending": 0, "failed": 0, "items": []}


# --- Sources that hang or are not set up ----------------------------------------------------------


class HangingConnector(ScriptedConnector):
    """A source whose note endpoint never answers."""

    type_name = "hanging"

    def __init__(self, name: str, settings: dict[str, Any], secret: str | None = None, **_: Any):
        super().__init__(name)
        self.token = secret

    async def add_note(self, target: NoteTarget, text: str, idempotency_key: str) -> NoteReceipt:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


class TokenConnector(HangingConnector):
    type_name = "needs-token"
    needs_secret = True
    capabilities = Capability.PERSON_NOTES


class _EntryPoint:
    def __init__(self, cls: type) -> None:
        self.cls = cls

    def load(self) -> type:
        return self.cls


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    points = dict(registry._entry_points())
    points["hanging"] = _EntryPoint(HangingConnector)  # type: ignore[assignment]
    points["needs-token"] = _EntryPoint(TokenConnector)  # type: ignore[assignment]
    monkeypatch.setattr(registry, "_entry_points", lambda: points)
    config = tmp_path / "config.toml"
    config.write_text(
        "[[connectors]]\nname = 'Slow Desk'\ntype = 'hanging'\n"
        "[[connectors]]\nname = 'Acme CRM'\ntype = 'needs-token'\n",
        encoding="utf-8",
    )
    yield config


def test_note_gives_up_waiting_in_bounded_time_and_keeps_the_note(
    capsys: pytest.CaptureFixture[str], plugins: Path
) -> None:
    started = time.monotonic()
    code, out, _ = run(
        capsys,
        "note",
        "--config",
        str(plugins),
        "--to",
        "Slow Desk/ticket/7",
        "--wait",
        "0.5",
        TEXT,
    )
    assert time.monotonic() - started < 10
    assert code == 1
    assert out == "Slow Desk/ticket/7: queued (Slow Desk did not answer within 0.4 s), will retry\n"
    [item] = stored()
    assert item.state is ItemState.PENDING and item.lease_owner is None


def test_a_source_without_its_token_keeps_the_note_waiting(
    capsys: pytest.CaptureFixture[str], plugins: Path, memory_keyring: MemoryKeyring
) -> None:
    code, out, _ = run(capsys, "note", "--config", str(plugins), "--to", "Acme CRM/person/5", TEXT)
    assert code == 1
    assert out.startswith("Acme CRM/person/5: queued (")
    assert 'cx-tui secret set "Acme CRM"' in out and out.endswith("will retry\n")
    [item] = stored()
    assert item.state is ItemState.PENDING  # not failed: fixing the token delivers it


def test_a_source_that_takes_no_notes_of_that_kind_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], plugins: Path
) -> None:
    code, _, err = run(capsys, "note", "--config", str(plugins), "--to", "Acme CRM/ticket/5", TEXT)
    assert code == 2 and "Acme CRM takes no notes on a ticket" in err


def test_flush_leaves_items_of_sources_no_longer_configured(
    capsys: pytest.CaptureFixture[str], plugins: Path
) -> None:
    with Store() as store:
        Outbox(store).enqueue(TEXT, [NoteTarget(TargetKind.PERSON, SourceRef("Gone CRM", "3"))])
    code, out, _ = run(capsys, "outbox", "flush", "--config", str(plugins))
    assert code == 1
    assert out.splitlines()[1] == (
        "1 Gone CRM/person/3: queued (no source named 'Gone CRM' is configured; it waits "
        "until one is), will retry"
    )


# --- As a real process -------------------------------------------------------------------------


def test_the_installed_command_queues_and_delivers(isolated_env: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cx_tui", "note", "--to", MARIA, TEXT],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{MARIA}: delivered") and result.stderr == ""
    listing = subprocess.run(
        [sys.executable, "-m", "cx_tui", "outbox", "list", "--all", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert json.loads(listing.stdout)["items"][0]["state"] == "delivered"
