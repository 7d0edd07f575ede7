"""Confirmed links: groups of records (across sources) the agent said are one person."""

from __future__ import annotations

from collections.abc import Iterable

from cx_tui.store.file import StoreFile
from cx_tui.store.records import RecordKey
from cx_tui.utc import to_iso


class Links(StoreFile):
    """The person_links table's methods of `Store`."""

    def confirmed_links(self) -> list[list[RecordKey]]:
        """The record groups the agent confirmed are one person (for `LookupEngine(links=)`).

        Returns:
            Groups of two or more (connector, record id) keys, each group sorted.
        """
        with self._reading("read the confirmed links") as conn:
            rows = conn.execute(
                "SELECT group_id, connector, record_id FROM person_links "
                "ORDER BY group_id, connector, record_id"
            ).fetchall()
        groups: dict[int, list[RecordKey]] = {}
        for row in rows:
            groups.setdefault(int(row[0]), []).append((str(row[1]), str(row[2])))
        return [group for group in groups.values() if len(group) > 1]

    def confirm_link(self, keys: Iterable[RecordKey]) -> None:
        """Record that these records are one person; groups they already belong to merge.

        Raises:
            ValueError: fewer than two distinct records.
            StoreError: it was not saved.
        """
        unique = list(dict.fromkeys((str(c), str(r)) for c, r in keys))
        if len(unique) < 2:
            raise ValueError("a link needs at least two different records")
        stamp = to_iso(self.clock())
        with self._writing("save the link") as conn:
            found: set[int] = set()
            for connector, record_id in unique:
                row = conn.execute(
                    "SELECT group_id FROM person_links WHERE connector = ? AND record_id = ?",
                    (connector, record_id),
                ).fetchone()
                if row is not None:
                    found.add(int(row[0]))
            if found:
                group = min(found)
                marks = ", ".join("?" for _ in found)
                conn.execute(
                    f"UPDATE person_links SET group_id = ? WHERE group_id IN ({marks})",
                    (group, *found),
                )
            else:
                group = int(
                    conn.execute(
                        "SELECT COALESCE(MAX(group_id), 0) + 1 FROM person_links"
                    ).fetchone()[0]
                )
            conn.executemany(
                "INSERT INTO person_links (connector, record_id, group_id, confirmed) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (connector, record_id) DO NOTHING",
                [(connector, record_id, group, stamp) for connector, record_id in unique],
            )

    def unlink(self, key: RecordKey) -> None:
        """Take one record out of its group (a group left with one record disappears)."""
        with self._writing("remove the link") as conn:
            row = conn.execute(
                "SELECT group_id FROM person_links WHERE connector = ? AND record_id = ?", key
            ).fetchone()
            if row is None:
                return
            conn.execute("DELETE FROM person_links WHERE connector = ? AND record_id = ?", key)
            conn.execute(
                "DELETE FROM person_links WHERE group_id = ? AND "
                "(SELECT COUNT(*) FROM person_links WHERE group_id = ?) < 2",
                (row[0], row[0]),
            )
