"""Note drafts: what the agent typed, kept per context (a call, a person) until it is queued."""

from __future__ import annotations

from cx_tui.store.file import StoreFile
from cx_tui.store.records import Draft
from cx_tui.utc import from_iso, to_iso


class Drafts(StoreFile):
    """The drafts table's methods of `Store`."""

    def save_draft(self, context_key: str, text: str) -> None:
        """Keep what the agent typed for `context_key` (a call, a person); blank text clears it.

        Raises:
            StoreError: it was not saved (the caller still has the text).
        """
        if not text.strip():
            self.clear_draft(context_key)
            return
        with self._writing("save the draft") as conn:
            conn.execute(
                "INSERT INTO drafts (context_key, text, updated) VALUES (?, ?, ?) "
                "ON CONFLICT (context_key) DO UPDATE SET text = excluded.text, "
                "updated = excluded.updated",
                (context_key, text, to_iso(self.clock())),
            )

    def draft(self, context_key: str) -> str | None:
        """The saved draft for `context_key`, or None."""
        with self._reading("read the draft") as conn:
            row = conn.execute(
                "SELECT text FROM drafts WHERE context_key = ?", (context_key,)
            ).fetchone()
        return None if row is None else str(row[0])

    def clear_draft(self, context_key: str) -> None:
        """Forget the draft (the note was queued, or the agent threw it away)."""
        with self._writing("clear the draft") as conn:
            conn.execute("DELETE FROM drafts WHERE context_key = ?", (context_key,))

    def drafts(self) -> list[Draft]:
        """Every saved draft, newest first (to offer them back after a crash)."""
        with self._reading("read the drafts") as conn:
            rows = conn.execute("SELECT * FROM drafts ORDER BY updated DESC").fetchall()
        return [Draft(str(r["context_key"]), str(r["text"]), from_iso(r["updated"])) for r in rows]
