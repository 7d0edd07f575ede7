"""Outbox rows: insert, read, claim, update and postpone, each one transaction.

Persistence only; the delivery policy (claims, retries, backoff) lives in `cx_tui.outbox`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from cx_tui.models import NoteTarget, SourceRef, TargetKind
from cx_tui.store.lookup_cache import LookupCache
from cx_tui.store.records import ItemKind, ItemState, OutboxItem
from cx_tui.utc import from_iso, from_iso_or_none, to_iso

CLOCK_SLACK: Final = 60.0
"""Seconds an item's `updated` may lie ahead of the store's clock before the item counts as
written under a wrong clock (and is due now, whatever its due time says)."""

_UPDATABLE = frozenset(
    (
        "state",
        "text",
        "idempotency_key",
        "due",
        "attempts",
        "last_error",
        "lease_owner",
        "lease_until",
        "delivered_at",
        "unsure_since",
    )
)


def _filters(
    states: Iterable[ItemState] | None, ids: Collection[int] | None
) -> tuple[str, tuple[Any, ...]]:
    clauses: list[str] = []
    params: list[Any] = []
    if states is not None:
        wanted = [ItemState(s).value for s in states]
        clauses.append(f"state IN ({', '.join('?' for _ in wanted)})" if wanted else "0")
        params += wanted
    if ids is not None:
        clauses.append(f"id IN ({', '.join('?' for _ in ids)})" if ids else "0")
        params += list(ids)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), tuple(params)


def _item(row: sqlite3.Row) -> OutboxItem:
    receipt = None
    if row["receipt_id"] is not None:
        receipt = SourceRef(
            connector=str(row["receipt_connector"]),
            record_id=str(row["receipt_id"]),
            url=row["receipt_url"],
        )
    return OutboxItem(
        id=int(row["id"]),
        kind=ItemKind(row["kind"]),
        text=str(row["text"]),
        target=NoteTarget(
            TargetKind(row["target_kind"]),
            SourceRef(str(row["connector"]), str(row["record_id"]), url=row["target_url"]),
            label=row["target_label"],
        ),
        idempotency_key=str(row["idempotency_key"]),
        state=ItemState(row["state"]),
        created=from_iso(row["created"]),
        updated=from_iso(row["updated"]),
        due=from_iso(row["due"]),
        attempts=int(row["attempts"]),
        batch=str(row["batch"]),
        last_error=row["last_error"],
        payload=None if row["payload"] is None else json.loads(row["payload"]),
        receipt=receipt,
        delivered_at=from_iso_or_none(row["delivered_at"]),
        lease_owner=row["lease_owner"],
        lease_until=from_iso_or_none(row["lease_until"]),
        unsure_since=from_iso_or_none(row["unsure_since"]),
    )


class OutboxRows(LookupCache):
    """The outbox table's methods of `Store` (on the lookup cache's: a delivery forgets what
    the cache knew of the record it changed, in its own transaction)."""

    def outbox_insert(
        self,
        *,
        batch: str,
        kind: ItemKind,
        text: str,
        targets: Sequence[tuple[NoteTarget, str]],
        payload: Mapping[str, Any] | None,
        now: datetime,
    ) -> list[OutboxItem]:
        """Add one pending item per (target, idempotency key), all or none, due at `now`.

        Raises:
            StoreError: nothing was saved.
        """
        stamp = to_iso(now)
        payload_json = None if payload is None else json.dumps(dict(payload), sort_keys=True)
        ids: list[int] = []
        with self._writing("save the note") as conn:
            for target, key in targets:
                cursor = conn.execute(
                    """INSERT INTO outbox (batch, kind, text, payload, connector, target_kind,
                        record_id, target_url, target_label, idempotency_key, state, created,
                        updated, due)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)""",
                    (
                        batch,
                        kind.value,
                        text,
                        payload_json,
                        target.ref.connector,
                        target.kind.value,
                        target.ref.record_id,
                        target.ref.url,
                        target.label,
                        key,
                        stamp,
                        stamp,
                        stamp,
                    ),
                )
                assert cursor.lastrowid is not None
                ids.append(cursor.lastrowid)
            rows = self._rows(conn, ids)
        return rows

    def outbox_get(self, item_id: int) -> OutboxItem | None:
        """The item with this id, in any state, or None."""
        with self._reading("read the outbox") as conn:
            row = conn.execute("SELECT * FROM outbox WHERE id = ?", (item_id,)).fetchone()
        return None if row is None else _item(row)

    def outbox_items(
        self, states: Iterable[ItemState] | None = None, *, ids: Collection[int] | None = None
    ) -> list[OutboxItem]:
        """Items in these states (default: all), oldest first."""
        clauses, params = _filters(states, ids)
        with self._reading("read the outbox") as conn:
            rows = conn.execute(
                f"SELECT * FROM outbox {clauses} ORDER BY created, id", params
            ).fetchall()
        return [_item(row) for row in rows]

    def outbox_counts(self) -> dict[ItemState, int]:
        """How many items are in each state."""
        with self._reading("count the outbox") as conn:
            rows = conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()
        counts = dict.fromkeys(ItemState, 0)
        counts.update({ItemState(row[0]): int(row[1]) for row in rows})
        return counts

    def outbox_claim(
        self,
        *,
        owner: str,
        lease_seconds: float,
        connectors: Collection[str],
        exclude: Collection[int] = (),
        ids: Collection[int] | None = None,
        owner_alive: Callable[[str], bool | None] = lambda _owner: None,
        settle: Mapping[str, float] | None = None,
    ) -> OutboxItem | None:
        """Claim the next item to send, atomically across processes, on the store's clock.

        The store's time (`store_time`) is read once, inside the `BEGIN IMMEDIATE`
        transaction; the lease and "due" are measured on it, never on the claimant's clock.

        Claimable:
        - a pending item that is due, or that was written under a clock ahead of the store's
          (its `updated` is later than now: the clock was wrong, so its due time is too);
        - a sending item whose claimant is known to be gone (`owner_alive` says False: a
          process on this machine that no longer exists or is a zombie), or, when liveness
          cannot be told (None: another machine, this very process), whose lease expired.
          A claimant alive on this machine keeps its item, whatever the clocks say.

        An item taken over from a dead or expired claimant may have reached its source: its
        `unsure_since` is set, and when its source has a settle delay (`settle`), it goes back
        to pending, due after that delay, instead of being claimed now.

        Args:
            owner: The claiming deliverer's id.
            lease_seconds: How long the claim lasts on the store's clock.
            connectors: Only items for these sources.
            exclude: Item ids not to claim (already tried in this pass).
            ids: When given, only these items.
            owner_alive: Whether the owner of a lease still runs (True, False, None: unknown).
            settle: Seconds per source to wait before a taken-over item is tried again.

        Returns:
            The claimed item (`sending`, `attempts + 1`), or None when nothing is claimable.
        """
        if not connectors:
            return None
        marks = ", ".join("?" for _ in connectors)
        with self._writing("claim an outbox item") as conn:
            now = self.store_time(conn)
            stamp = to_iso(now)
            skewed = to_iso(now + timedelta(seconds=CLOCK_SLACK))
            rows = conn.execute(
                f"""SELECT * FROM outbox WHERE connector IN ({marks})
                AND ((state = 'pending' AND (due <= ? OR updated > ?)) OR state = 'sending')
                ORDER BY due, id""",
                (*connectors, stamp, skewed),
            ).fetchall()
            for row in rows:
                if row["id"] in exclude or (ids is not None and row["id"] not in ids):
                    continue
                unsure = row["unsure_since"]
                if row["state"] == ItemState.SENDING.value:
                    alive = owner_alive(str(row["lease_owner"]))
                    expired = row["lease_until"] is None or row["lease_until"] <= stamp
                    if alive or (alive is None and not expired):
                        continue
                    unsure = unsure or stamp
                    wait = (settle or {}).get(str(row["connector"]), 0.0)
                    if wait > 0:
                        conn.execute(
                            """UPDATE outbox SET state = 'pending', lease_owner = NULL,
                            lease_until = NULL, due = ?, unsure_since = ?, updated = ?,
                            last_error = ? WHERE id = ?""",
                            (
                                to_iso(now + timedelta(seconds=wait)),
                                unsure,
                                stamp,
                                f"the attempt was cut off; in {wait:g} s cx-tui looks whether "
                                "the source saved it before sending again",
                                row["id"],
                            ),
                        )
                        continue
                conn.execute(
                    """UPDATE outbox SET state = 'sending', lease_owner = ?, lease_until = ?,
                    attempts = attempts + 1, unsure_since = ?, updated = ? WHERE id = ?""",
                    (
                        owner,
                        to_iso(now + timedelta(seconds=lease_seconds)),
                        unsure,
                        stamp,
                        row["id"],
                    ),
                )
                return self._rows(conn, [row["id"]])[0]
        return None

    def outbox_update(
        self,
        item_id: int,
        *,
        states: Collection[ItemState],
        now: datetime,
        owner: str | None = None,
        **changes: Any,
    ) -> OutboxItem | None:
        """Change an item if it is in one of `states` (and, when given, leased by `owner`).

        Args:
            item_id: The item.
            states: The states the change is valid from.
            now: Recorded as `updated`.
            owner: Only if this deliverer holds the lease.
            **changes: Columns to set: state, text, idempotency_key, due, attempts,
                last_error, lease_owner, lease_until, delivered_at, receipt (a SourceRef).

        Returns:
            The changed item, or None when it was not in a state the change is valid from.
        """
        values: dict[str, Any] = {"updated": to_iso(now)}
        for name, value in changes.items():
            if name == "receipt":
                ref: SourceRef | None = value
                values["receipt_connector"] = ref.connector if ref else None
                values["receipt_id"] = ref.record_id if ref else None
                values["receipt_url"] = ref.url if ref else None
            elif name in _UPDATABLE:
                if isinstance(value, datetime):
                    value = to_iso(value)
                elif isinstance(value, StrEnum):
                    value = value.value
                values[name] = value
            else:
                raise ValueError(f"outbox column {name!r} cannot be changed")
        assignments = ", ".join(f"{column} = ?" for column in values)
        state_marks = ", ".join("?" for _ in states)
        where = f"id = ? AND state IN ({state_marks})"
        params: list[Any] = [*values.values(), item_id, *(s.value for s in states)]
        if owner is not None:
            where += " AND lease_owner = ?"
            params.append(owner)
        with self._writing("update the outbox") as conn:
            cursor = conn.execute(f"UPDATE outbox SET {assignments} WHERE {where}", params)
            if cursor.rowcount == 0:
                return None
            item = self._rows(conn, [item_id])[0]
            if item.state is ItemState.DELIVERED:
                # The record changed: whichever process delivered, the cache forgets it (a
                # number added to a person also changes who that source's searches find).
                ref = item.target.ref
                self._forget_delivered(
                    conn, ref.connector, ref.record_id, searches=item.kind is ItemKind.ADD_PHONE
                )
            return item

    def outbox_postpone(
        self, connector: str, *, until: datetime, last_error: str | None, now: datetime
    ) -> list[OutboxItem]:
        """Push every pending item of `connector` due before `until` back to `until`.

        Used when a whole source is unusable for a while (rate limited, down, refusing the
        token): the items wait together instead of each trying and failing. Attempts are not
        counted; `last_error` says why they wait.

        Returns:
            The items moved.
        """
        with self._writing("reschedule the outbox") as conn:
            ids = [
                int(row[0])
                for row in conn.execute(
                    "SELECT id FROM outbox WHERE connector = ? AND state = 'pending' AND due < ?",
                    (connector, to_iso(until)),
                )
            ]
            if not ids:
                return []
            marks = ", ".join("?" for _ in ids)
            conn.execute(
                f"UPDATE outbox SET due = ?, last_error = COALESCE(?, last_error), updated = ? "
                f"WHERE id IN ({marks})",
                (to_iso(until), last_error, to_iso(now), *ids),
            )
            return self._rows(conn, ids)

    def outbox_connectors(self, states: Iterable[ItemState]) -> set[str]:
        """The sources that have items in these states."""
        clauses, params = _filters(states, None)
        with self._reading("read the outbox") as conn:
            rows = conn.execute(f"SELECT DISTINCT connector FROM outbox {clauses}", params)
            return {str(row[0]) for row in rows}

    def outbox_next_due(self, connectors: Collection[str]) -> datetime | None:
        """The earliest time an item of these sources becomes claimable (due or lease end)."""
        if not connectors:
            return None
        marks = ", ".join("?" for _ in connectors)
        with self._reading("read the outbox") as conn:
            now = self.store_time(conn)
            row = conn.execute(
                f"""SELECT MIN(CASE WHEN state = 'sending' THEN lease_until WHEN updated > ? THEN ?
                ELSE due END)
                FROM outbox WHERE connector IN ({marks}) AND state IN ('pending', 'sending')""",
                (to_iso(now + timedelta(seconds=CLOCK_SLACK)), to_iso(now), *connectors),
            ).fetchone()
        return from_iso_or_none(row[0]) if row is not None else None

    def _rows(self, conn: sqlite3.Connection, ids: Sequence[int]) -> list[OutboxItem]:
        marks = ", ".join("?" for _ in ids)
        rows = conn.execute(f"SELECT * FROM outbox WHERE id IN ({marks})", tuple(ids)).fetchall()
        by_id = {int(row["id"]): _item(row) for row in rows}
        return [by_id[i] for i in ids]
