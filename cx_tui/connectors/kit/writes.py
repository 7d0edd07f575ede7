"""Notes written at most once through a marker: the template's write path, settling included.

`MarkerWrites` is the part of `VendorConnector` that writes. `add_note` checks the target and the
note, formats it (`format_note`: the body as the vendor stores it, marker included), looks for
the marker (`find_marker`) and writes (`write_note`). Around it, what the outbox needs when an
attempt's outcome is unknown (a timeout after the body went out, a 5xx, a lost connection, the
process killed mid-send):

- `settle_seconds`: how long the outbox waits before looking (the vendor's index lag); the
  vendor's `settle_default`, or the account's `settle_seconds` option.
- `find_delivery`: the look-up it makes after that wait (default `find_marker`), before
  `add_note` looks once more right before writing.
- `remove_duplicates`: after an uncertain item is written, where the vendor lets cx-tui delete
  its own copy safely (`find_copies` + `remove_copy`, e.g. HubSpot notes), every copy with the
  key's marker but the oldest is removed; the removed ids are returned for the record.

A vendor implements `find_marker` and `write_note` (and, optionally, `find_copies` and
`remove_copy`); nothing here knows a vendor.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from cx_tui.connectors.base import (
    Capability,
    Connector,
    InvalidInput,
    Unsupported,
)
from cx_tui.connectors.kit.markers import checked_marker, marker
from cx_tui.models import TargetKind

if TYPE_CHECKING:
    from cx_tui.models import NoteReceipt, NoteTarget

_NOTE_CAPABILITY: Mapping[TargetKind, Capability] = {
    TargetKind.PERSON: Capability.PERSON_NOTES,
    TargetKind.TICKET: Capability.TICKET_NOTES,
    TargetKind.NEW_TICKET: Capability.CREATE_TICKET,
}


class MarkerWrites(Connector):
    """`add_note` and the settle hooks of a vendor without (or beside) native idempotency."""

    unsupported_targets: ClassVar[Mapping[TargetKind, str]] = {}
    """A note target kind this vendor refuses, with what to do instead (`{name}`: the
    connector's name)."""
    settle_default: ClassVar[float] = 10.0
    """The vendor's settle delay: long enough for a write to be committed and searchable, in
    the vendor's own words (quote them where you set it)."""

    @property
    def settle_seconds(self) -> float:
        value = self.settings.get("settle_seconds")
        return float(value) if isinstance(value, int | float) else self.settle_default

    async def add_note(self, target: NoteTarget, text: str, idempotency_key: str) -> NoteReceipt:
        """Write a note at most once per key: checks, `format_note`, `find_marker`, `write_note`.

        Raises:
            Unsupported: a target kind this vendor does not take (nothing is sent).
            InvalidInput: an empty or too long note, a bad key, another source's target.
            NotFound, AuthError, RateLimited, Unavailable, Timeout, BadResponse: see `kit`.
        """
        stored = self.stored_note(target, text, idempotency_key)
        found = await self.find_marker(target, idempotency_key)
        if found is not None:
            return found
        return await self.write_note(target, stored, idempotency_key)

    def stored_note(self, target: NoteTarget, text: str, idempotency_key: str) -> str:
        """The note as the vendor will store it, or the refusal (before any request)."""
        if target.ref.connector != self.name:
            raise InvalidInput(
                f"That {target.kind.value} belongs to {target.ref.connector}, not {self.name}."
            )
        refusal = self.unsupported_targets.get(target.kind)
        if refusal is not None:
            raise Unsupported(refusal.format(name=self.name))
        if _NOTE_CAPABILITY[target.kind] not in self.capabilities:
            raise Unsupported(f"{self.name} does not take notes on a {target.kind.value}.")
        body = self.note_text(text)
        checked_marker(idempotency_key)  # refused before anything is sent
        return self.format_note(target, body, idempotency_key)

    def ticket_text(self, subject: str, body: str, max_subject: int) -> tuple[str, str]:
        """A new ticket's subject (runs of spaces made one) and description (stripped), or the
        refusal (`InvalidInput`) when either is empty or too long, before any request."""
        title = " ".join(subject.split())
        if not title or len(title) > max_subject:
            raise InvalidInput(f"A ticket needs a subject of 1 to {max_subject} characters.")
        text = body.strip()
        if not text or len(text) > self.note_limit:
            raise InvalidInput(
                f"A ticket needs a description of 1 to {self.note_limit:,} characters."
            )
        return title, text

    def formatted_length(self, target: NoteTarget, text: str) -> int:
        """Characters the note takes as the vendor stores it (a sample marker), for the
        length shown while typing; `format_note`'s own refusal is raised as is."""
        body = text.strip() or "."
        return len(self.format_note(target, body, "00000000-0000-4000-8000-000000000000"))

    def format_note(self, target: NoteTarget, body: str, key: str) -> str:  # noqa: ARG002
        """The note as the vendor stores it, refused (`InvalidInput`) if it cannot fit.
        Default: the text, a blank line, the marker line (`marker(key)`)."""
        return f"{body}\n\n{marker(key)}"

    @abstractmethod
    async def find_marker(self, target: NoteTarget, key: str) -> NoteReceipt | None:
        """The receipt (`duplicate=True`) of what this key already wrote, if anything (look
        for `marker(key)` with `has_marker`). Look through everything the target holds (the
        vendor's search, or every page), never only the first page."""

    @abstractmethod
    async def write_note(self, target: NoteTarget, stored: str, key: str) -> NoteReceipt:
        """Write the note (`stored`, from `format_note`) and return its receipt."""

    async def find_delivery(self, target: NoteTarget, idempotency_key: str) -> NoteReceipt | None:
        """After the settle delay: what the key already wrote (default: `find_marker`)."""
        checked_marker(idempotency_key)
        return await self.find_marker(target, idempotency_key)

    async def find_copies(self, target: NoteTarget, key: str) -> Sequence[NoteReceipt]:  # noqa: ARG002
        """Every note on `target` carrying the key's marker, oldest first, where the vendor
        lets cx-tui remove its own copies (override with `remove_copy`). Default: none."""
        return ()

    async def remove_copy(self, target: NoteTarget, copy: NoteReceipt) -> None:  # noqa: ARG002
        """Delete one copy `find_copies` found (only cx-tui's own note)."""
        raise Unsupported(f"{self.name} cannot remove a note.")

    async def remove_duplicates(self, target: NoteTarget, idempotency_key: str) -> tuple[str, ...]:
        """Keep the oldest note with this key's marker, remove the newer ones.

        Returns:
            The record ids removed (the outbox records them on the item).
        """
        checked_marker(idempotency_key)
        copies = list(await self.find_copies(target, idempotency_key))
        removed: list[str] = []
        for copy in copies[1:]:
            await self.remove_copy(target, copy)
            removed.append(copy.ref.record_id)
        return tuple(removed)
