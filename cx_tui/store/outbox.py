"""Outbox rows: insert, read, claim, update and postpone, each one transaction.

Persistence only; the delivery policy (claims, retries, backoff) lives in `cx_tui.outbox`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from cx_tui.models import NoteTarget, SourceRef, TargetKind
from cx_tui.store.file import StoreFile
from cx_tui.store.records import ItemKind, ItemState, OutboxItem
from cx_tui.utc import from_iso, from_iso_or_none, to_iso

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
    )


class OutboxRows(StoreFile):
    """The outbox table's methods of `Store`."""

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
                        record_id, target_url, idempotency_key, state, created, updated, due)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)""",
                    (
                        batch,
                        kind.value,
                        text,
                        payload_json,
                        target.ref.connector,
                        target.kind.value,
                        target.ref.record_id,
                        target.ref.url,
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
        now: datetime,
        lease_until: datetime,
        connectors: Collection[str],
        exclude: Collection[int] = (),
        ids: Collection[int] | None = None,
        owner_alive: Callable[[str], bool] = lambda _owner: True,
    ) -> OutboxItem | None:
        """Claim the next item to send, atomically across processes.

        Claimable: a pending item that is due, or a sending one whose lease expired or whose
        owner is known to be gone. The claim sets `sending`, the lease and `attempts + 1` in
        one `BEGIN IMMEDIATE` transaction, so two deliverers never hold the same item.

        Args:
            owner: The claiming deliverer's id.
            now: The current time.
            lease_until: When the claim expires if the owner never reports back.
            connectors: Only items for these sources.
            exclude: Item ids not to claim (already tried in this pass).
            ids: When given, only these items.
            owner_alive: Whether the owner of an unexpired lease still runs.

        Returns:
            The claimed item, or None when nothing is claimable.
        """
        if not connectors:
            return None
        stamp = to_iso(now)
        marks = ", ".join("?" for _ in connectors)
        with self._writing("claim an outbox item") as conn:
            rows = conn.execute(
                f"""SELECT * FROM outbox WHERE connector IN ({marks})
                AND ((state = 'pending' AND due <= ?) OR state = 'sending')
                ORDER BY due, id""",
                (*connectors, stamp),
            ).fetchall()
            for row in rows:
                if row["id"] in exclude or (ids is not None and row["id"] not in ids):
                    continue
                if row["state"] == ItemState.SENDING.value and (
                    row["lease_until"] is not None
                    and row["lease_until"] > stamp
                    and owner_alive(str(row["lease_owner"]))
                ):
                    continue
                conn.execute(
                    """UPDATE outbox SET state = 'sending', lease_owner = ?, lease_until = ?,
                    attempts = attempts + 1, updated = ? WHERE id = ?""",
                    (owner, to_iso(lease_until), stamp, row["id"]),
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
            return self._rows(conn, [item_id])[0]

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
            row = conn.execute(
                f"""SELECT MIN(CASE state WHEN 'pending' THEN due ELSE lease_until END)
                FROM outbox WHERE connector IN ({marks}) AND state IN ('pending', 'sending')""",
                tuple(connectors),
            ).fetchone()
        return from_iso_or_none(row[0]) if row is not None else None

    def _rows(self, conn: sqlite3.Connection, ids: Sequence[int]) -> list[OutboxItem]:
        marks = ", ".join("?" for _ in ids)
        rows = conn.execute(f"SELECT * FROM outbox WHERE id IN ({marks})", tuple(ids)).fetchall()
        by_id = {int(row["id"]): _item(row) for row in rows}
        return [by_id[i] for i in ids]
