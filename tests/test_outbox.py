"""The outbox API: queue first, deliver with the same key, classify errors, manage items; call
logs as one `CallLog`, items queued by the earlier call payload included."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from cx_tui import outbox as outbox_module
from cx_tui.connectors.base import (
    AuthError,
    BadResponse,
    InvalidInput,
    NotFound,
    RateLimited,
    Unavailable,
    Unsupported,
)
from cx_tui.models import CallLog
from cx_tui.outbox import (
    AUTH_RETRY_DELAY,
    UNROUTABLE_RETRY_DELAY,
    DeliveryCounts,
    ItemKind,
    ItemState,
    Outbox,
    OutboxError,
    OutboxItem,
    OutboxWorker,
    call_log,
    call_note_text,
    call_payload,
    delivery_marker,
    exponential_backoff,
)
from cx_tui.outbox import worker as outbox_worker
from cx_tui.store import Store, StoreError
from tests import marker_vendor
from tests.outbox_fakes import (
    START,
    CallingConnector,
    FakeClock,
    ScriptedConnector,
    person_target,
    ticket_target,
)

TEXT = "Customer rebooted the router; still drops at 9pm."


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    with Store(tmp_path / "state.db", clock=clock) as opened:
        yield opened


def worker(
    store: Store, clock: FakeClock, *connectors: ScriptedConnector, **kwargs: Any
) -> OutboxWorker:
    kwargs.setdefault("backoff", lambda attempt: 10.0 * attempt)
    return OutboxWorker(store, {c.name: c for c in connectors}, clock=clock, **kwargs)


def only(store: Store) -> OutboxItem:
    [item] = store.outbox_items(ItemState)
    return item


# --- Queueing ----------------------------------------------------------------------------------


def test_enqueue_commits_every_target_before_any_network_call(store: Store) -> None:
    desk = ScriptedConnector()
    seen: list[OutboxItem] = []
    box = Outbox(store, clock=store.clock, on_change=seen.append)

    items = box.enqueue(TEXT, [person_target(), ticket_target(), person_target()])

    assert desk.calls == []
    assert [i.target_label for i in items] == ["Desk/person/12", "Desk/ticket/9"]
    assert seen == items
    keys = [i.idempotency_key for i in items]
    assert len(set(keys)) == 2 and all(uuid.UUID(k).version == 4 for k in keys)
    assert len({i.batch for i in items}) == 1
    # Committed: another connection (another process) sees them at once.
    with Store(store.path) as other:
        assert [(i.state, i.text, i.attempts) for i in other.outbox_items()] == [
            (ItemState.PENDING, TEXT, 0),
            (ItemState.PENDING, TEXT, 0),
        ]
    assert box.counts() == (2, 0)


@pytest.mark.parametrize(
    ("text", "targets", "kind", "payload", "words"),
    [
        ("  \n", [person_target()], "note", None, "empty"),
        (TEXT, [], "note", None, "at least one"),
        (TEXT, [person_target()], "fax", None, "Unknown outbox item kind"),
        (TEXT, [person_target()], "note", {"when": object()}, "not JSON"),
        (TEXT, [person_target()], "call", {"direction": "sideways"}, "direction"),
        (TEXT, [person_target()], "call", {"duration_s": "long"}, "lasts between"),
        (TEXT, [person_target()], "call", {"duration_s": 90_000}, "lasts between"),
        (TEXT, [person_target()], "call", {"started": "yesterday"}, "ISO 8601"),
        (TEXT, [person_target()], "call", {"at": "2026-11-22T10:00:00"}, "UTC offset"),
    ],
)
def test_enqueue_refuses_what_could_never_be_sent(
    store: Store, text: str, targets: list[Any], kind: str, payload: Any, words: str
) -> None:
    with pytest.raises(OutboxError, match=words):
        Outbox(store).enqueue(text, targets, kind, payload)
    assert store.outbox_items(ItemState) == []


# --- Delivering --------------------------------------------------------------------------------


async def test_deliver_once_sends_with_the_key_and_remembers_the_receipt(
    store: Store, clock: FakeClock
) -> None:
    desk = ScriptedConnector(clock=clock)
    [item] = Outbox(store).enqueue(TEXT, [ticket_target()])
    changes: list[tuple[int, ItemState]] = []

    counts = await worker(
        store, clock, desk, on_change=lambda i: changes.append((i.id, i.state))
    ).deliver_once()

    assert counts == DeliveryCounts(delivered=1)
    [call] = desk.calls
    assert (call.method, call.key, call.text, call.target) == (
        "add_note",
        item.idempotency_key,
        TEXT,
        ticket_target(),
    )
    done = only(store)
    assert done.state is ItemState.DELIVERED and done.attempts == 1
    assert done.receipt is not None and done.receipt.record_id == "note-1"
    assert done.delivered_at == clock.now and done.lease_owner is None
    assert changes == [(item.id, ItemState.SENDING), (item.id, ItemState.DELIVERED)]
    assert Outbox(store).counts() == (0, 0)
    # Nothing is sent twice: a second pass has nothing to do.
    assert await worker(store, clock, desk).deliver_once() == DeliveryCounts()
    assert len(desk.calls) == 1


async def test_each_source_gets_its_own_items(store: Store, clock: FakeClock) -> None:
    crm, desk = ScriptedConnector("CRM"), ScriptedConnector("Desk")
    Outbox(store).enqueue(TEXT, [person_target("1", "CRM"), ticket_target("9", "Desk")])
    assert (await worker(store, clock, crm, desk).deliver_once()).delivered == 2
    assert [c.target.ref.connector for c in crm.calls] == ["CRM"]
    assert [c.target.ref.connector for c in desk.calls] == ["Desk"]


@pytest.mark.parametrize(
    "error",
    [
        NotFound("Ticket 9 does not exist in Desk."),
        InvalidInput("Body is over 65,536 characters."),
        Unsupported("Desk takes no notes on tickets."),
    ],
)
async def test_a_refusal_that_can_never_succeed_fails_the_item_with_its_message(
    store: Store, clock: FakeClock, error: Exception
) -> None:
    desk = ScriptedConnector(script=[error])
    Outbox(store).enqueue(TEXT, [ticket_target()])
    assert (await worker(store, clock, desk).deliver_once()).failed == 1
    item = only(store)
    assert item.state is ItemState.FAILED and item.last_error == str(error)
    assert Outbox(store).counts() == (0, 1)


@pytest.mark.parametrize(("status", "state"), [(400, "failed"), (422, "failed"), (None, "pending")])
async def test_bad_response_fails_only_when_the_source_refused_the_request(
    store: Store, clock: FakeClock, status: int | None, state: str
) -> None:
    error = BadResponse("HubSpot: Property values were not valid")
    error.status = status  # type: ignore[attr-defined]
    desk = ScriptedConnector(script=[error])
    Outbox(store).enqueue(TEXT, [ticket_target()])
    await worker(store, clock, desk).deliver_once()
    assert only(store).state.value == state


async def test_auth_errors_keep_trying_slowly_and_hold_the_sources_other_items(
    store: Store, clock: FakeClock
) -> None:
    desk = ScriptedConnector(script=[AuthError("The token was revoked; run cx-tui secret set.")])
    Outbox(store).enqueue(TEXT, [person_target("1"), person_target("2")])
    counts = await worker(store, clock, desk).deliver_once()
    assert counts == DeliveryCounts(retrying=1)
    first, second = store.outbox_items()
    assert first.state is ItemState.PENDING and "revoked" in (first.last_error or "")
    assert first.due >= START + timedelta(seconds=AUTH_RETRY_DELAY)
    # The other item was not tried (same credentials), only rescheduled with the first.
    assert second.attempts == 0 and second.due == first.due
    assert len(desk.calls) == 1


async def test_an_unexpected_exception_is_retried_without_its_text(
    store: Store, clock: FakeClock
) -> None:
    desk = ScriptedConnector(script=[RuntimeError("Bearer tok_live_secret in a header")])
    Outbox(store).enqueue(TEXT, [person_target()])
    assert (await worker(store, clock, desk).deliver_once()).retrying == 1
    item = only(store)
    assert item.state is ItemState.PENDING
    assert item.last_error == "unexpected error in the Desk connector (RuntimeError)"
    assert item.due == START + timedelta(seconds=10)  # backoff(1)


async def test_a_send_that_hangs_times_out_and_is_retried(store: Store, clock: FakeClock) -> None:
    desk = ScriptedConnector()
    desk.block = asyncio.Event()  # never set: the source never answers
    Outbox(store).enqueue(TEXT, [person_target()])
    w = worker(store, clock, desk, send_timeout=0.05, lease_seconds=1)
    assert (await asyncio.wait_for(w.deliver_once(), 10)).retrying == 1
    item = only(store)
    assert item.state is ItemState.PENDING and item.lease_owner is None
    assert item.last_error == "Desk did not answer within 0.05 s"


async def test_cancelling_a_pass_hands_the_item_back(store: Store, clock: FakeClock) -> None:
    desk = ScriptedConnector()
    desk.block = asyncio.Event()
    Outbox(store).enqueue(TEXT, [person_target()])
    task = asyncio.ensure_future(worker(store, clock, desk).deliver_once())
    await _until(lambda: bool(desk.calls))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    item = only(store)
    assert (item.state, item.lease_owner, item.attempts) == (ItemState.PENDING, None, 1)
    assert item.due == clock.now  # due again at once, same key
    desk.block = None
    await worker(store, clock, desk).deliver_once()
    assert [c.key for c in desk.calls] == [item.idempotency_key] * 2
    assert desk.written() == [TEXT]


async def _until(condition: Any, timeout: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


async def test_items_for_a_source_that_is_not_configured_wait_with_the_reason(
    store: Store, clock: FakeClock
) -> None:
    Outbox(store).enqueue(TEXT, [person_target("1", "Gone CRM")])
    assert await worker(store, clock, ScriptedConnector()).deliver_once() == DeliveryCounts()
    item = only(store)
    assert item.state is ItemState.PENDING and item.attempts == 0
    assert item.last_error == "no source named 'Gone CRM' is configured; it waits until one is"
    assert item.due == START + timedelta(seconds=UNROUTABLE_RETRY_DELAY)


async def test_a_failing_on_change_does_not_stop_delivery(store: Store, clock: FakeClock) -> None:
    def broken(item: OutboxItem) -> None:
        raise RuntimeError("a UI bug")

    Outbox(store).enqueue(TEXT, [person_target()])
    desk = ScriptedConnector()
    assert (await worker(store, clock, desk, on_change=broken).deliver_once()).delivered == 1


def test_lease_must_outlast_a_send(store: Store) -> None:
    with pytest.raises(ValueError, match="lease"):
        OutboxWorker(store, {}, send_timeout=30, lease_seconds=30)


# --- Calls ------------------------------------------------------------------------------------

STARTED = datetime(2026, 11, 22, 14, 50, tzinfo=UTC)
CALL = CallLog(
    "Router reset", direction="inbound", duration_s=252, outcome="resolved", started=STARTED
)
EARLIER_PAYLOAD = {
    "duration_s": 252,
    "direction": "inbound",
    "disposition": "resolved",
    "at": "2026-11-22T14:50:00+00:00",
}
"""A call item's payload as cx-tui queued it before `CallLog`."""


def queued_earlier(store: Store, clock: FakeClock, payload: dict[str, Any], source: str) -> str:
    """A call item written straight into the store, as an earlier version left it; its key."""
    key = str(uuid.uuid4())
    store.outbox_insert(
        batch="earlier",
        kind=ItemKind.CALL,
        text="Router reset",
        targets=[(person_target("5", source), key)],
        payload=payload,
        now=clock(),
    )
    return key


def test_a_call_log_round_trips_through_its_payload() -> None:
    payload = call_payload(CALL)
    assert payload == {
        "direction": "inbound",
        "duration_s": 252,
        "outcome": "resolved",
        "started": "2026-11-22T14:50:00+00:00",
    }
    assert call_log("Router reset", payload) == CALL
    assert call_payload(CallLog("Rang")) == {} and call_log("Rang", None) == CallLog("Rang")


def test_an_earlier_payload_reads_as_the_same_call() -> None:
    assert call_log("Router reset", EARLIER_PAYLOAD) == CALL


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"direction": "sideways"}, "direction"),
        ({"duration_s": -1}, "lasts between"),
        ({"duration_s": 86_400}, "lasts between"),
        ({"duration_s": True}, "lasts between"),
        ({"started": datetime(2026, 11, 22, 14, 50)}, "UTC offset"),
    ],
)
def test_a_call_no_one_could_make_is_refused(values: dict[str, Any], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        CallLog("x", **values)


async def test_a_call_goes_through_add_call_when_the_source_has_it(
    store: Store, clock: FakeClock
) -> None:
    hub = CallingConnector("Hub")
    [item] = Outbox(store).enqueue(
        CALL.summary, [person_target("5", "Hub")], "call", call_payload(CALL)
    )
    assert item.kind is ItemKind.CALL and item.payload == call_payload(CALL)
    await worker(store, clock, hub).deliver_once()
    [sent] = hub.calls
    assert sent.method == "add_call" and sent.call == CALL
    assert sent.key == item.idempotency_key


async def test_enqueue_stores_the_earlier_names_in_the_current_shape(store: Store) -> None:
    [item] = Outbox(store).enqueue("Router reset", [person_target()], "call", EARLIER_PAYLOAD)
    assert item.payload == call_payload(CALL)


async def test_an_item_queued_by_the_earlier_format_still_delivers(
    store: Store, clock: FakeClock
) -> None:
    hub, desk = CallingConnector("Hub"), ScriptedConnector("Desk")
    key = queued_earlier(store, clock, EARLIER_PAYLOAD, "Hub")
    queued_earlier(store, clock, EARLIER_PAYLOAD, "Desk")
    await worker(store, clock, hub, desk).deliver_once()
    # A source with calls gets the same CallLog as if it had been queued today...
    [sent] = hub.calls
    assert sent.method == "add_call" and sent.call == CALL
    assert sent.key == key
    # ...and one without them the note made of it.
    [note] = desk.calls
    local = STARTED.astimezone().strftime("%a %d %b %Y, %H:%M %Z").strip()
    assert note.method == "add_note"
    assert note.text == f"Inbound call · 4 min · resolved · {local}\nRouter reset"
    assert {i.state for i in store.outbox_items(ItemState)} == {ItemState.DELIVERED}


async def test_a_damaged_call_item_fails_with_a_reason_and_sends_nothing(
    store: Store, clock: FakeClock
) -> None:
    hub = CallingConnector("Hub")
    queued_earlier(store, clock, {"direction": "sideways"}, "Hub")
    await worker(store, clock, hub).deliver_once()
    item = only(store)
    assert hub.calls == [] and item.state is ItemState.FAILED
    assert item.last_error == (
        "This call log cannot be sent: A call's direction is inbound or outbound, not 'sideways'."
    )


@pytest.mark.parametrize("connector", [ScriptedConnector, CallingConnector])
async def test_a_call_falls_back_to_a_note_its_nearest_equivalent(
    store: Store, clock: FakeClock, connector: type[ScriptedConnector]
) -> None:
    desk = connector("Desk")
    if isinstance(desk, CallingConnector):
        desk.script = [Unsupported("Calls go on contacts, not tickets.")]
    Outbox(store).enqueue(CALL.summary, [ticket_target()], "call", call_payload(CALL))
    await worker(store, clock, desk).deliver_once()
    note = desk.calls[-1]
    assert note.method == "add_note"
    header, body = note.text.split("\n")
    # Minutes and this machine's local time, never a raw ISO timestamp.
    local = STARTED.astimezone().strftime("%a %d %b %Y, %H:%M")
    assert header.startswith(f"Inbound call · 4 min · resolved · {local}")
    assert "2026-11-22T" not in note.text and body == "Router reset"
    assert only(store).state is ItemState.DELIVERED


def test_call_note_text_reads_as_a_person_writes_it() -> None:
    paris = timezone(timedelta(hours=1), "CET")
    call = CallLog(
        "Walked her through QoS",
        direction="inbound",
        duration_s=21,
        outcome="Resolved",
        started=datetime(2026, 11, 30, 14, 32, 9, 41646, tzinfo=UTC),
    )
    assert call_note_text(call, tz=paris) == (
        "Inbound call · 21 s · Resolved · Mon 30 Nov 2026, 15:32 CET\nWalked her through QoS"
    )
    long_call = CallLog(
        "x",
        direction="outbound",
        duration_s=252.4,
        started=datetime(2026, 11, 30, 14, 32, 9, tzinfo=UTC),
    )
    assert call_note_text(long_call, tz=UTC) == (
        "Outbound call · 4 min · Mon 30 Nov 2026, 14:32 UTC\nx"
    )


def test_call_note_text_with_little_to_go_on() -> None:
    assert call_note_text(CallLog("Left a voicemail")) == "Call\nLeft a voicemail"
    assert call_note_text(CallLog("x", duration_s=42)) == "Call · 42 s\nx"


# --- Managing items ----------------------------------------------------------------------------


async def test_edit_and_resend_uses_a_new_key_and_the_new_text(
    store: Store, clock: FakeClock
) -> None:
    desk = ScriptedConnector(script=[InvalidInput("The note mentions a card number.")])
    box = Outbox(store, clock=clock)
    [item] = box.enqueue("Card 4111 1111 1111 1111 declined", [person_target()])
    await worker(store, clock, desk).deliver_once()
    assert only(store).state is ItemState.FAILED

    edited = box.edit_and_resend(item.id, "Card ending 1111 declined")

    assert edited.idempotency_key != item.idempotency_key
    assert (edited.state, edited.attempts, edited.last_error) == (ItemState.PENDING, 0, None)
    await worker(store, clock, desk).deliver_once()
    assert [c.key for c in desk.calls] == [item.idempotency_key, edited.idempotency_key]
    assert desk.written() == ["Card ending 1111 declined"]
    assert only(store).state is ItemState.DELIVERED


async def test_retry_now_makes_a_failed_or_waiting_item_due(store: Store, clock: FakeClock) -> None:
    desk = ScriptedConnector(script=[NotFound("Ticket 9 was merged into 10."), Unavailable("503")])
    box = Outbox(store, clock=clock)
    failed, waiting = box.enqueue(TEXT, [ticket_target("9"), ticket_target("11")])
    w = worker(store, clock, desk)
    await w.deliver_once()
    assert store.outbox_get(waiting.id).due > clock.now  # type: ignore[union-attr]

    assert box.retry_now(failed.id).state is ItemState.PENDING
    assert box.retry_now(waiting.id).due == clock.now
    assert (await w.deliver_once()).delivered == 2
    # Same key each time: retrying never makes a second note.
    assert [c.key for c in desk.calls if c.target == ticket_target("9")] == [
        failed.idempotency_key
    ] * 2


async def test_discard_drops_an_item_for_good(store: Store, clock: FakeClock) -> None:
    box = Outbox(store, clock=clock)
    [item] = box.enqueue(TEXT, [person_target()])
    assert box.discard(item.id).state is ItemState.DISCARDED
    desk = ScriptedConnector()
    assert await worker(store, clock, desk).deliver_once() == DeliveryCounts()
    assert desk.calls == [] and box.counts() == (0, 0)
    assert box.items() == [] and len(box.items(ItemState)) == 1


async def test_managing_a_delivered_or_busy_item_is_refused(store: Store, clock: FakeClock) -> None:
    box = Outbox(store, clock=clock)
    delivered, busy = box.enqueue(TEXT, [person_target("1"), person_target("2")])
    await worker(store, clock, ScriptedConnector(), ).deliver_once(ids=[delivered.id])  # fmt: skip
    _lease(store, busy, "otherhost:1:abc", clock.now + timedelta(minutes=1))
    for action in (box.retry_now, box.discard, lambda i: box.edit_and_resend(i, "new")):
        with pytest.raises(OutboxError, match="already delivered"):
            action(delivered.id)
        with pytest.raises(OutboxError, match="being sent right now"):
            action(busy.id)
    with pytest.raises(OutboxError, match="no outbox item 999"):
        box.retry_now(999)
    with pytest.raises(OutboxError, match="empty"):
        box.edit_and_resend(busy.id, " ")


# --- Leases ------------------------------------------------------------------------------------


def _lease(store: Store, item: OutboxItem, owner: str, until: datetime) -> None:
    store.outbox_update(
        item.id,
        states=[ItemState.PENDING],
        now=START,
        state=ItemState.SENDING,
        lease_owner=owner,
        lease_until=until,
        attempts=1,
    )


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=30)
    return proc.pid


@pytest.mark.parametrize(
    ("owner", "lease", "claimed"),
    [
        ("otherhost:4242:abc", 60, False),  # alive as far as we know, lease running
        ("otherhost:4242:abc", -1, True),  # lease expired: the owner crashed or hung
        ("{host}:{dead}:abc", 60, True),  # on this host and gone: taken over at once
        ("{host}:{me}:abc", 60, False),  # another deliverer in this very process
    ],
)
async def test_a_leased_item_is_claimed_only_when_its_owner_is_gone(
    store: Store, clock: FakeClock, owner: str, lease: int, claimed: bool
) -> None:
    if "{dead}" in owner and sys.platform == "win32":
        pytest.skip("probing a pid is POSIX only; Windows waits for the lease")
    import os

    [item] = Outbox(store).enqueue(TEXT, [person_target()])
    owner = owner.format(host=outbox_worker._HOST, dead=_dead_pid(), me=os.getpid())
    _lease(store, item, owner, clock.now + timedelta(seconds=lease))
    desk = ScriptedConnector()
    counts = await worker(store, clock, desk).deliver_once()
    assert counts.delivered == int(claimed)
    assert only(store).attempts == 1 + int(claimed)
    if claimed:
        assert [c.key for c in desk.calls] == [item.idempotency_key]


async def test_a_slow_deliverer_that_lost_its_lease_still_ends_with_one_note(
    store: Store, clock: FakeClock
) -> None:
    slow = ScriptedConnector("Desk", clock=clock)
    slow.block = asyncio.Event()
    Outbox(store).enqueue(TEXT, [person_target()])
    first = worker(store, clock, slow, send_timeout=30, lease_seconds=60)
    task = asyncio.ensure_future(first.deliver_once())
    await _until(lambda: bool(slow.calls))

    clock.advance(61)  # the first deliverer's lease runs out while its send hangs
    fast = ScriptedConnector("Desk", clock=clock)
    fast.notes = slow.notes  # one vendor, two clients
    assert (await worker(store, clock, fast).deliver_once()).delivered == 1
    slow.block.set()
    assert (await asyncio.wait_for(task, 10)).delivered == 1

    assert slow.written() == [TEXT]  # the same key twice: one note
    item = only(store)
    assert item.state is ItemState.DELIVERED and item.attempts == 2


# --- run() -------------------------------------------------------------------------------------


async def test_run_delivers_when_kicked_and_stops_when_cancelled(store: Store) -> None:
    desk = ScriptedConnector()
    naps: list[float] = []

    async def long_nap(seconds: float) -> None:
        naps.append(seconds)
        await asyncio.sleep(3600)  # only a kick can end it within the test

    w = OutboxWorker(store, {"Desk": desk}, sleep=long_nap)
    task = asyncio.ensure_future(w.run())
    await _until(lambda: len(naps) == 1)
    assert naps == [outbox_module.IDLE_POLL]  # nothing due: the idle check interval

    Outbox(store).enqueue(TEXT, [person_target()])
    w.kick()
    await _until(lambda: bool(desk.notes))
    await _until(lambda: len(naps) == 2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)
    assert desk.written() == [TEXT] and w.problem is None


async def test_run_sleeps_until_the_next_item_is_due(store: Store, clock: FakeClock) -> None:
    desk = ScriptedConnector(script=[Unavailable("Desk answered 503")])
    Outbox(store).enqueue(TEXT, [person_target()])
    naps: list[float] = []

    async def nap(seconds: float) -> None:
        naps.append(seconds)
        clock.advance(seconds)
        if desk.notes:
            await asyncio.Event().wait()  # delivered: hold still until cancelled

    w = worker(store, clock, desk, sleep=nap)
    task = asyncio.ensure_future(w.run())
    await _until(lambda: bool(desk.notes) and len(naps) >= 2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert naps[0] == pytest.approx(10.0)  # backoff(1) after the 503, not a fixed poll
    assert only(store).attempts == 2


async def test_run_survives_a_store_failure(
    store: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_claim = store.outbox_claim
    failures = [StoreError(store.path, "could not claim an outbox item: the disk is full")]

    def flaky_claim(**kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return real_claim(**kwargs)

    monkeypatch.setattr(store, "outbox_claim", flaky_claim)
    desk = ScriptedConnector()
    Outbox(store).enqueue(TEXT, [person_target()])
    problems: list[str | None] = []
    naps: list[float] = []

    async def nap(seconds: float) -> None:
        naps.append(seconds)
        problems.append(w.problem)
        await asyncio.sleep(0)

    w = worker(store, clock, desk, sleep=nap)
    task = asyncio.ensure_future(w.run())
    await _until(lambda: bool(desk.notes))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert naps[0] == outbox_module.STORE_RETRY_DELAY
    assert problems[0] is not None and "disk is full" in problems[0]


# --- Policy helpers ----------------------------------------------------------------------------


def test_exponential_backoff_doubles_with_jitter_up_to_a_cap() -> None:
    for attempt in range(1, 15):
        full = min(600.0, 2.0 * 2 ** (attempt - 1))
        for _ in range(20):
            assert full / 2 <= exponential_backoff(attempt) <= full
    assert len({exponential_backoff(5) for _ in range(20)}) > 1  # jittered


def test_the_marker_format_is_the_documented_one() -> None:
    key = "0b7e4c2a-5d2f-4f57-9a0c-3c1f7d2e9b41"
    assert delivery_marker(key) == f"cx-tui:{key}" == marker_vendor.marker(key)
    assert delivery_marker(key) in (outbox_module.__doc__ or "")


async def test_the_marker_vendor_dedupes_by_searching_for_the_marker(tmp_path: Path) -> None:
    vendor = marker_vendor.MarkerVendor("Vendor", {"path": str(tmp_path / "vendor.db")})
    key = str(uuid.uuid4())
    first = await vendor.add_note(ticket_target("9", "Vendor"), TEXT, key)
    again = await vendor.add_note(ticket_target("9", "Vendor"), TEXT, key)
    other = await vendor.add_note(ticket_target("9", "Vendor"), TEXT, str(uuid.uuid4()))
    assert (first.duplicate, again.duplicate, other.duplicate) == (False, True, False)
    assert again.ref == first.ref != other.ref
    bodies = [body for _, _, body in marker_vendor.notes(tmp_path / "vendor.db")]
    assert bodies[0] == f"{TEXT}\n\n[cx-tui:{key}]" and len(bodies) == 2


def test_rate_limited_is_judged_for_the_whole_source(store: Store, clock: FakeClock) -> None:
    w = worker(store, clock, ScriptedConnector())
    [item] = Outbox(store).enqueue(TEXT, [person_target()])
    verdict = w._judge(ScriptedConnector(), item, RateLimited("Slow down", retry_after=42))
    assert (verdict.state, verdict.delay, verdict.whole_source) == (ItemState.PENDING, 42, True)
