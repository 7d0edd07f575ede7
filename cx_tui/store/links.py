"""Confirmed links: groups of records (across sources) the agent said are one person, and who
a number or an email belongs to (the agent's pick on a shared line, or confirmation of a weak
match)."""

from __future__ import annotations

from collections.abc import Iterable

from cx_tui.models import ConfirmedLink
from cx_tui.store.file import StoreFile
from cx_tui.store.records import RecordKey
from cx_tui.utc import from_iso, to_iso


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

    # --- who a number or email belongs to ---------------------------------------------------

    def remember(self, point: str, keys: Iterable[RecordKey], by: str) -> ConfirmedLink:
        """The agent picked these records for `point` (`identity.link_point`): replaces the
        pick kept before.

        Raises:
            ValueError: no record, or an empty point.
            StoreError: it was not saved.
        """
        unique = list(dict.fromkeys((str(c), str(r)) for c, r in keys))
        if not unique or not point:
            raise ValueError("a link needs a number or email and at least one record")
        at = self.clock()
        with self._writing("remember who the caller is") as conn:
            conn.execute("DELETE FROM contact_links WHERE point = ?", (point,))
            conn.executemany(
                "INSERT INTO contact_links (point, connector, record_id, confirmed_by, confirmed)"
                " VALUES (?, ?, ?, ?, ?)",
                [(point, c, r, by, to_iso(at)) for c, r in unique],
            )
        return ConfirmedLink(point, tuple(unique), by, at)

    def remembered(self, point: str) -> ConfirmedLink | None:
        """The pick kept for `point`, or None."""
        with self._reading("read who the caller is") as conn:
            rows = conn.execute(
                "SELECT connector, record_id, confirmed_by, confirmed FROM contact_links "
                "WHERE point = ? ORDER BY connector, record_id",
                (point,),
            ).fetchall()
        if not rows:
            return None
        records = tuple((str(row[0]), str(row[1])) for row in rows)
        return ConfirmedLink(point, records, str(rows[0][2]), from_iso(rows[0][3]))

    def forget(self, point: str) -> bool:
        """Forget the pick kept for `point`; False when there was none."""
        with self._writing("forget who the caller is") as conn:
            return conn.execute("DELETE FROM contact_links WHERE point = ?", (point,)).rowcount > 0
