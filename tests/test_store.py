"""The local store: file and permissions, migrations, refusing files that are not ours, every
table's API, and clear errors when the disk is full or read-only."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cx_tui import paths
from cx_tui.identity import parse_query
from cx_tui.lookup import LookupEngine
from cx_tui.models import NoteTarget, ProfileState, SourceRef, TargetKind
from cx_tui.store import (
    APPLICATION_ID,
    LOOKUP_HISTORY_LIMIT,
    SCHEMA_VERSION,
    CallRecord,
    ItemKind,
    ItemState,
    Store,
    StoreError,
    default_path,
    migrate,
)
from tests.fakes import FakeConnector, email, person, phone

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def store() -> Store:
    with Store(clock=lambda: NOW) as opened:
        yield opened


def target(record_id: str = "12", connector: str = "Demo CRM") -> NoteTarget:
    return NoteTarget(TargetKind.PERSON, SourceRef(connector, record_id))


def one_line(error: StoreError, path: Path) -> str:
    message = str(error)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message


# --- The file ------------------------------------------------------------------------------


def test_new_store_is_private_in_wal_mode_at_the_current_version(store: Store) -> None:
    assert store.path == paths.data_dir() / "state.db" == default_path()
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    store.save_draft("call:1", "hello")  # a write creates the -wal and -shm files
    for suffix in ("-wal", "-shm"):
        sidecar = store.path.with_name(store.path.name + suffix)
        assert stat.S_IMODE(sidecar.stat().st_mode) == 0o600
    assert store.schema_version == SCHEMA_VERSION
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_busy_timeout_lets_a_writer_wait_for_another(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with Store(path, busy_timeout=10) as first:
        raw = first._connection()
        assert raw.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
        # Another process holds the write lock for a moment; our write waits, then succeeds.
        code = (
            "import sqlite3, sys, time, pathlib\n"
            f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE')\n"
            f"pathlib.Path({str(tmp_path / 'locked')!r}).write_text('x')\n"
            "time.sleep(0.5)\n"
            "c.execute('COMMIT')\n"
        )
        holder = subprocess.Popen([sys.executable, "-c", code])
        try:
            _wait_for(tmp_path / "locked", holder)
            first.save_draft("ticket:9", "still typing")
        finally:
            holder.wait(timeout=30)
        assert first.draft("ticket:9") == "still typing"


def _wait_for(marker: Path, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not marker.exists():
        assert proc.poll() is None, "the helper process ended early"
        assert time.monotonic() < deadline, f"{marker} did not appear"
        time.sleep(0.01)


def test_migrating_from_version_1_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=1) == 0
    conn.execute(
        "INSERT INTO outbox (batch, kind, text, connector, target_kind, record_id, "
        "idempotency_key, state, created, updated, due, attempts, last_error) VALUES "
        "('b1', 'note', 'Rebooted the router', 'Demo CRM', 'person', '12', 'key-1', "
        "'pending', ?, ?, ?, 2, 'Demo CRM is unreachable')",
        (NOW.isoformat(),) * 3,
    )
    conn.execute("INSERT INTO drafts VALUES ('call:7', 'half a note', ?)", (NOW.isoformat(),))
    conn.execute(
        "INSERT INTO person_links VALUES ('Demo CRM', '12', 1, ?), ('Demo Helpdesk', '40', 1, ?)",
        (NOW.isoformat(), NOW.isoformat()),
    )
    conn.close()

    with Store(path, clock=lambda: NOW) as store:
        assert store.schema_version == SCHEMA_VERSION > 1
        [item] = store.outbox_items()
        assert (item.text, item.idempotency_key, item.attempts) == (
            "Rebooted the router",
            "key-1",
            2,
        )
        assert item.state is ItemState.PENDING and item.last_error == "Demo CRM is unreachable"
        assert store.draft("call:7") == "half a note"
        assert store.confirmed_links() == [[("Demo CRM", "12"), ("Demo Helpdesk", "40")]]
        # The tables version 2 added work on the migrated file.
        store.record_lookup("+14155550132", "phone", "resolved", person_name="Maria")
        assert store.lookups()[0].person_name == "Maria"


def test_migrating_from_version_2_keeps_the_call_history_and_adds_returned(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.db"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=2) == 0
    conn.execute(
        "INSERT INTO call_history (call_id, number, direction, started, missed) VALUES "
        "('m1', '+14155550132', 'inbound', ?, 1)",
        (NOW.isoformat(),),
    )
    conn.close()
    with Store(path, clock=lambda: NOW) as store:
        assert store.schema_version == SCHEMA_VERSION >= 3
        [missed] = store.calls(missed_only=True)
        assert (missed.call_id, missed.returned) == ("m1", None)
        store.record_call(
            CallRecord("back", "outbound", NOW + timedelta(hours=1), number="+14155550132")
        )
        assert store.calls(missed_only=True) == []
        returned = store.call("m1")
        assert returned is not None and returned.returned == NOW + timedelta(hours=1)


def test_migrating_from_version_4_drops_the_old_unused_lookup_cache(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=4) == 0
    conn.execute(
        "INSERT INTO lookup_cache VALUES ('CRM', 'phone:+14155550132', '[1]', ?)",
        (NOW.isoformat(),),
    )
    conn.execute("INSERT INTO drafts VALUES ('call:7', 'half a note', ?)", (NOW.isoformat(),))
    conn.close()
    with Store(path, clock=lambda: NOW) as store:
        assert store.schema_version == SCHEMA_VERSION >= 5
        assert store.draft("call:7") == "half a note"
        tables = {
            row[0]
            for row in store._connection().execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
        }
        columns = [
            row[1] for row in store._connection().execute("PRAGMA table_info('lookup_cache')")
        ]
        assert store.cached_rows() == 0  # version 2's row went with its table
    assert "lookup_cache_people" not in tables
    # Version 9 keeps the cache in the store again, in a table of its own shape.
    assert columns == [
        "kind", "source", "key", "format", "value", "stored_at", "expires_at"
    ]  # fmt: skip
    assert {"outbox", "drafts", "person_links", "call_history", "lookup_history"} <= tables


def test_migrating_from_version_11_indexes_the_cache_expiry_and_logs_forgets(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.db"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=11) == 0
    conn.execute(
        "INSERT INTO lookup_cache VALUES ('details', 'CRM', '1', 'f', 'v', 100.0, 200.0), "
        "('details', 'CRM', '2', 'f', 'v', 100.0, 9e9)"
    )
    conn.execute("INSERT INTO lookup_cache_records VALUES ('details', 'CRM', '2', '2')")
    conn.close()
    with Store(path, clock=lambda: NOW) as store:
        assert store.schema_version == SCHEMA_VERSION >= 13
        raw = store._connection()
        indexes = {
            row[0]: row[1]
            for row in raw.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'lookup_cache'"
            )
        }
        assert (
            "lookup_cache_expires" in indexes and "(expires_at)" in indexes["lookup_cache_expires"]
        )
        assert store.cached_rows() == 2  # the rows the file had are kept
        row = store.cached("details", "CRM", "2")
        assert row is not None and row.expires_at == 9e9
        # Version 13's log: a delivery records what it forgot.
        with store._writing("deliver") as conn:
            store._forget_delivered(conn, "CRM", "2", searches=True)
        logged = raw.execute("SELECT source, record_id, searches FROM lookup_cache_forgotten")
        assert [tuple(r) for r in logged] == [("CRM", "2", 1)]
        assert store.cached("details", "CRM", "2") is None


def test_two_processes_opening_a_new_store_migrate_it_once(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    code = (
        "import sys\nfrom cx_tui.store import Store\n"
        f"s = Store({str(path)!r})\ns.record_lookup('x', 'name', 'unknown')\ns.close()\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=REPO) for _ in range(3)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0]
    with Store(path) as store:
        assert len(store.lookups()) == 3
        assert store.schema_version == SCHEMA_VERSION


def test_a_newer_store_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError) as raised:
        Store(path)
    message = one_line(raised.value, path)
    assert "newer cx-tui" in message and "left untouched" in message
    assert path.read_bytes() == before


# --- Files that are not ours -----------------------------------------------------------------


def _foreign_database(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE songs (title TEXT)")
    conn.execute("INSERT INTO songs VALUES ('So What')")
    conn.commit()
    conn.close()


def _damaged_database(path: Path) -> None:
    Store(path).close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the first page's schema, past the header
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p.write_bytes(b"\x00junk bytes, not a database" * 40), "not a SQLite database"),
        (lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\x07" * 2000), "damaged"),
        (_foreign_database, "another program's SQLite database"),
        (_damaged_database, "damaged"),
    ],
    ids=["junk", "bad-pages", "another-app", "damaged"],
)
def test_a_file_that_is_not_a_usable_store_is_refused_and_left_untouched(
    tmp_path: Path, make: object, words: str
) -> None:
    path = tmp_path / "state.db"
    make(path)  # type: ignore[operator]
    before = path.read_bytes()
    with pytest.raises(StoreError) as raised:
        Store(path)
    message = one_line(raised.value, path)
    assert words in message and "left untouched" in message
    assert path.read_bytes() == before
    assert not path.with_name("state.db-wal").exists()


def test_a_store_with_a_garbled_version_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = 'two' WHERE key = 'schema_version'")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError) as raised:
        Store(path)
    message = one_line(raised.value, path)
    assert "damaged (its schema version is 'two', not a number)" in message
    assert path.read_bytes() == before


def test_a_directory_in_place_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.mkdir()
    with pytest.raises(StoreError) as raised:
        Store(path)
    assert "is a directory" in one_line(raised.value, path)


# --- Read-only and full ------------------------------------------------------------------------


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="root (or Windows) writes anywhere"
)
def test_read_only_data_dir_for_real(tmp_path: Path) -> None:
    data = tmp_path / "ro"
    data.mkdir(mode=0o500)
    try:
        with pytest.raises(StoreError) as raised:
            Store(data / "state.db")
    finally:
        data.chmod(0o700)
    message = one_line(raised.value, data / "state.db")
    assert "Permission denied" in message and "nothing was saved" in message


@pytest.mark.parametrize(
    ("errno_", "reason"), [(13, "Permission denied"), (30, "Read-only file system")]
)
def test_read_only_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, errno_: int, reason: str
) -> None:
    # Root ignores permissions (CI containers run as root), so refuse the way the OS would.
    path = tmp_path / "state.db"
    real_open = os.open

    def refuse(file: object, *args: object, **kwargs: object) -> int:
        if Path(str(file)) == path:
            raise OSError(errno_, reason, str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(StoreError) as raised:
        Store(path)
    message = one_line(raised.value, path)
    assert f"cannot create the store ({reason})" in message and "nothing was saved" in message
    assert not path.exists()


def test_data_dir_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    path = blocker / "cx-tui" / "state.db"
    with pytest.raises(StoreError) as raised:
        Store(path)
    assert "cannot create its directory" in one_line(raised.value, path)


def test_read_only_store_file_refuses_writes_with_a_clear_error(store: Store) -> None:
    store.save_draft("call:1", "kept from before")
    store._connection().execute("PRAGMA query_only = ON")  # SQLite's own read-only refusal
    with pytest.raises(StoreError) as raised:
        store.save_draft("call:1", "new words")
    message = one_line(raised.value, store.path)
    assert "read-only" in message and "Nothing was saved" in message
    assert store.draft("call:1") == "kept from before"


def test_full_disk_saves_nothing_and_says_so(store: Store) -> None:
    store.outbox_insert(
        batch="b0",
        kind=ItemKind.NOTE,
        text="an earlier note",
        targets=[(target("1"), "key-0")],
        payload=None,
        now=NOW,
    )
    conn = store._connection()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLITE_FULL on the next growth
    text = "A long note. " * 2000
    with pytest.raises(StoreError) as raised:
        store.outbox_insert(
            batch="b1",
            kind=ItemKind.NOTE,
            text=text,
            targets=[(target("2"), "key-1"), (target("3"), "key-2")],
            payload=None,
            now=NOW,
        )
    message = one_line(raised.value, store.path)
    assert "disk is full" in message and "Nothing was saved" in message
    # All or nothing: neither target got the note; the earlier one is intact.
    assert [i.text for i in store.outbox_items()] == ["an earlier note"]
    conn.execute("PRAGMA max_page_count = 1073741823")
    assert len(store.outbox_insert(
        batch="b1", kind=ItemKind.NOTE, text=text,
        targets=[(target("2"), "key-1")], payload=None, now=NOW,
    )) == 1  # fmt: skip


def test_closed_store_says_so(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db")
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.draft("x")


# --- Drafts ------------------------------------------------------------------------------------


def test_drafts_save_replace_and_clear(store: Store) -> None:
    assert store.draft("call:1") is None
    store.save_draft("call:1", "Customer says")
    store.save_draft("call:1", "Customer says the router")
    store.save_draft("person:Demo CRM/12", "VIP")
    assert store.draft("call:1") == "Customer says the router"
    assert {d.context_key for d in store.drafts()} == {"call:1", "person:Demo CRM/12"}
    store.save_draft("call:1", "   ")  # blank = nothing to keep
    assert store.draft("call:1") is None
    store.clear_draft("person:Demo CRM/12")
    assert store.drafts() == []


def test_a_draft_survives_the_process_being_killed(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    code = (
        "import os, signal\nfrom cx_tui.store import Store\n"
        f"s = Store({str(path)!r})\n"
        "s.save_draft('call:42', 'Caller tried a factory reset')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    if sys.platform == "win32":
        pytest.skip("SIGKILL is POSIX")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, timeout=60, check=False)
    assert result.returncode == -signal.SIGKILL
    with Store(path) as store:
        assert store.draft("call:42") == "Caller tried a factory reset"


# --- Confirmed links -----------------------------------------------------------------------------


def test_links_merge_groups_and_unlink(store: Store) -> None:
    store.confirm_link([("CRM", "1"), ("Desk", "9")])
    store.confirm_link([("CRM", "2"), ("Desk", "8")])
    assert store.confirmed_links() == [[("CRM", "1"), ("Desk", "9")], [("CRM", "2"), ("Desk", "8")]]
    # A record already in a group brings its group along.
    store.confirm_link([("Desk", "9"), ("Desk", "8"), ("Other", "x")])
    [group] = store.confirmed_links()
    assert set(group) == {("CRM", "1"), ("Desk", "9"), ("CRM", "2"), ("Desk", "8"), ("Other", "x")}
    for key in [("CRM", "2"), ("Desk", "8"), ("Other", "x"), ("Desk", "9")]:
        store.unlink(key)
    assert store.confirmed_links() == []
    with pytest.raises(ValueError):
        store.confirm_link([("CRM", "1"), ("CRM", "1")])


async def test_links_feed_the_lookup_engine(store: Store) -> None:
    # One phone, conflicting emails: not merged on the phone alone; the agent's link joins them.
    crm = FakeConnector(
        fake_name="CRM",
        people=[person("CRM", "1", "Sam", phone("+14155550101"), email("sam@example.com"))],
    )
    desk = FakeConnector(
        fake_name="Desk",
        people=[person("Desk", "7", "Sam", phone("+14155550101"), email("sam@home.example"))],
    )
    engine = LookupEngine([crm, desk], links=store.confirmed_links)
    query = parse_query("+1 415 555 0101")

    assert (await engine.lookup(query)).state is ProfileState.AMBIGUOUS
    store.confirm_link([("CRM", "1"), ("Desk", "7")])
    linked = await engine.lookup(query)
    assert linked.state is ProfileState.RESOLVED
    assert {m.source for m in linked.matches} == {"CRM", "Desk"}


# --- Call and lookup history ------------------------------------------------------------------


def test_call_history_upserts_by_call_id_newest_first(store: Store) -> None:
    ring = CallRecord("c1", "inbound", NOW, number="+14155550132", line="Support")
    store.record_call(ring)
    store.record_call(CallRecord("c0", "inbound", NOW - timedelta(hours=1), missed=True))
    ended = CallRecord(
        "c1",
        "inbound",
        NOW,
        number="+14155550132",
        line="Support",
        answered=NOW + timedelta(seconds=5),
        ended=NOW + timedelta(minutes=4),
        duration_s=235.0,
        person_key=("Demo CRM", "12"),
        person_name="Maria Gonzalez",
        disposition="resolved",
        note="router rebooted",
    )
    store.record_call(ended)
    assert store.call("c1") == ended
    assert [c.call_id for c in store.calls()] == ["c1", "c0"]
    assert [c.call_id for c in store.calls(missed_only=True)] == ["c0"]


def test_lookup_history_keeps_the_last_200(store: Store) -> None:
    for n in range(LOOKUP_HISTORY_LIMIT + 25):
        store.record_lookup(f"query {n}", "name", "unknown")
    store.record_lookup(
        "maria@example.com", "email", "resolved", person_name="Maria", person_key=("CRM", "1")
    )
    history = store.lookups()
    assert len(history) == LOOKUP_HISTORY_LIMIT
    assert history[0].query == "maria@example.com" and history[0].person_key == ("CRM", "1")
    assert history[-1].query == "query 26"


def test_old_delivered_items_are_pruned_on_open(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    old = NOW - timedelta(days=200)
    with Store(path, clock=lambda: old) as store:
        [item] = store.outbox_insert(
            batch="b", kind=ItemKind.NOTE, text="old", targets=[(target(), "k")],
            payload=None, now=old,
        )  # fmt: skip
        store.outbox_update(item.id, states=[ItemState.PENDING], now=old, state=ItemState.DELIVERED)
        store.outbox_insert(
            batch="c", kind=ItemKind.NOTE, text="still waiting", targets=[(target(), "k2")],
            payload=None, now=old,
        )  # fmt: skip
    with Store(path, clock=lambda: NOW) as store:
        assert [i.text for i in store.outbox_items()] == ["still waiting"]
