"""The outbox: every note (or call log) is saved locally first, then delivered with retries.

Writing goes through one door (docs/ARCHITECTURE.md, "The flow of one call"):

1. `Outbox.enqueue` commits one item per (note, target) to the store, each with its own
   idempotency key (a uuid4), before any network call. From then on nothing loses the note.
2. `OutboxWorker` delivers what is due through the target's connector, `add_note(target, text,
   idempotency_key)` (or `add_call(target, call, key=...)` for a call log, a `CallLog` read
   back from the item by `calls.call_log`, when the connector has it). It claims
   an item with a lease inside a `BEGIN IMMEDIATE` transaction, so two processes sharing the
   store never send the same item at the same time; a lease held by a crashed process expires
   (or is taken over at once when the process is known to be gone on this host).
3. Every retry of an item reuses its key, so a note sent twice (a crash after the source
   answered but before the item was marked delivered, a lost response) is written once.

What happens on an error (a rate limit, an outage, a refused token, a refused note) is decided
in `cx_tui.outbox.retry`.

The idempotency contract for connectors. A source with native idempotency (an
`Idempotency-Key` header, a unique external id) gets the key as it is. A source without it
dedupes by a marker: the connector writes `delivery_marker(key)`, i.e. `cx-tui:` followed by
the key (a lower-case uuid4, 36 characters), e.g. `cx-tui:0b7e4c2a-5d2f-4f57-9a0c-3c1f7d2e9b41`,
into the note where the vendor keeps it with the note (the body's last line, a custom field,
an external id), and before creating a note it searches the target's notes for that exact
marker; when found it returns that note's receipt with `duplicate=True` instead of writing
again. The lease guarantees no two deliverers send one item concurrently, so search-then-write
is enough. `tests/marker_vendor.py` is a working example.

Modules: `queue` (saving and managing items), `worker` (claiming and delivering), `retry` (the
verdict on each error, the backoff), `calls` (a call log's payload, this version's and earlier
ones'), `texts` (the marker, call logs as notes), `testhold`.

Test hook: with `CX_TUI_TEST_HOLD=STEP:FILE` in its environment, a process that reaches STEP
writes FILE and freezes (see `hold_for_test`), so the reliability tests can SIGKILL it exactly
there. STEP is `before-send` (claimed, nothing sent), `after-send` (the source answered, not yet
marked delivered), or `during-send`, which test connectors call between the vendor's write and
their answer. Unset, it costs one dictionary lookup.
"""

from cx_tui.outbox.calls import call_log, call_payload
from cx_tui.outbox.common import OutboxError
from cx_tui.outbox.queue import Outbox, note_target, target_kinds
from cx_tui.outbox.retry import AUTH_RETRY_DELAY, exponential_backoff
from cx_tui.outbox.testhold import TEST_HOLD_ENV, hold_for_test
from cx_tui.outbox.texts import call_note_text, delivery_marker
from cx_tui.outbox.worker import (
    DEFAULT_LEASE,
    DEFAULT_SEND_TIMEOUT,
    IDLE_POLL,
    MIN_NAP,
    STORE_RETRY_DELAY,
    UNROUTABLE_RETRY_DELAY,
    DeliveryCounts,
    OutboxWorker,
)
from cx_tui.store import ItemKind, ItemState, OutboxItem, target_label

__all__ = [
    "AUTH_RETRY_DELAY",
    "DEFAULT_LEASE",
    "DEFAULT_SEND_TIMEOUT",
    "IDLE_POLL",
    "MIN_NAP",
    "STORE_RETRY_DELAY",
    "TEST_HOLD_ENV",
    "UNROUTABLE_RETRY_DELAY",
    "DeliveryCounts",
    "ItemKind",
    "ItemState",
    "Outbox",
    "OutboxError",
    "OutboxItem",
    "OutboxWorker",
    "call_log",
    "call_note_text",
    "call_payload",
    "delivery_marker",
    "exponential_backoff",
    "hold_for_test",
    "note_target",
    "target_kinds",
    "target_label",
]
