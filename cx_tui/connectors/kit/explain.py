"""Why a source found whom it found: what its search sent, and what confirmation decided.

An explanation is recorded only when someone asks (`cx-tui lookup --explain`, the app's
"why nobody matched" key): the engine opens one `Explanation` per source with `explaining`,
runs the source's ordinary `find_people` inside it, and the code on the way records into it
through this module's functions. They do nothing when nobody is explaining, so a lookup pays
nothing for them.

- A vendor's search says what it asked with `searched(field, forms)` (HubSpot: `phone IN
  [...]`; Zendesk: `phone:*4155550142`); a vendor that says nothing is described from the query.
- `kit.matching.confirm_person` says which person it looked at (`considered`), and the
  template turns each candidate into a `Verdict`: accepted with the match's reason, or
  rejected with `kit.matching.why_not`'s ("stored as '+44 20 7946 0142': the last 7 digits
  agree but it is another country's number").

The context variable keeps concurrent lookups apart: only the explained task records.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cx_tui.identity import Query
    from cx_tui.models import Match, Person


@dataclass(frozen=True, slots=True)
class Searched:
    """One field a source searched, and the written forms it sent for it."""

    field: str
    forms: tuple[str, ...]
    how: str = ""
    """How the field was compared ("any of", "equals", "ends with"); "" when plain."""

    def line(self) -> str:
        values = ", ".join(f"'{form}'" for form in self.forms)
        how = f" {self.how}" if self.how else ""
        return f"{self.field}{how} {values}" if values else self.field


@dataclass(frozen=True, slots=True)
class Verdict:
    """One candidate the search returned, and why it was kept or dropped."""

    record: str
    """Who it is, as the source has them ("Maya Chen (contact 501)")."""
    accepted: bool
    reason: str

    def line(self) -> str:
        return f"{'accepted' if self.accepted else 'rejected'} {self.record}: {self.reason}"


@dataclass(slots=True)
class Explanation:
    """What one source did for one query."""

    source: str
    searched: list[Searched] = field(default_factory=list)
    candidates: int | None = None
    """How many records the vendor's search returned (None: the source did not say)."""
    verdicts: list[Verdict] = field(default_factory=list)
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    _considered: Person | None = None

    def accept(self, match: Match, reason: str | None = None) -> None:
        """Record a kept candidate (its match's reason and confidence unless `reason`)."""
        text = reason or match.detail or match.reason.value
        self.verdicts.append(
            Verdict(record_label(match.person), True, f"{text} ({_strength(match.confidence)})")
        )

    def reject(self, record: str, reason: str) -> None:
        self.verdicts.append(Verdict(record, False, reason))

    def finish(self, matches: Sequence[Match]) -> None:
        """Give every returned match that has no verdict yet an accepted one (a source that
        records nothing still shows whom it found)."""
        seen = {v.record for v in self.verdicts if v.accepted}
        for match in matches:
            if record_label(match.person) not in seen:
                self.accept(match)
        if self.candidates is None and self.error is None:
            self.candidates = len(self.verdicts)

    def take_considered(self) -> Person | None:
        person, self._considered = self._considered, None
        return person

    def lines(self) -> list[str]:
        """The explanation as plain lines: the source, what it searched, what came back."""
        out = [f"{self.source}:"]
        if not self.searched:
            out.append("  searched: (this source does not say)")
        for searched_field in self.searched:
            out.append(f"  searched {searched_field.line()}")
        if self.error is not None:
            out.append(f"  failed: {self.error}")
        else:
            count = "?" if self.candidates is None else str(self.candidates)
            kept = sum(1 for v in self.verdicts if v.accepted)
            out.append(f"  {count} candidate(s) came back, {kept} accepted")
        out.extend(f"  {verdict.line()}" for verdict in self.verdicts)
        out.extend(f"  note: {note}" for note in self.notes)
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "searched": [
                {"field": s.field, "how": s.how, "forms": list(s.forms)} for s in self.searched
            ],
            "candidates": self.candidates,
            "verdicts": [
                {"record": v.record, "accepted": v.accepted, "reason": v.reason}
                for v in self.verdicts
            ],
            "error": self.error,
            "notes": list(self.notes),
        }


_CURRENT: ContextVar[Explanation | None] = ContextVar("cx_tui_explaining", default=None)


@contextmanager
def explaining(explanation: Explanation) -> Iterator[Explanation]:
    """Record into `explanation` what the code run inside does (this task and its children)."""
    token = _CURRENT.set(explanation)
    try:
        yield explanation
    finally:
        _CURRENT.reset(token)


def current_explanation() -> Explanation | None:
    """The explanation being recorded, or None (the usual case: nothing to record)."""
    return _CURRENT.get()


def searched(field_name: str, forms: Sequence[str], how: str = "") -> None:
    """Say that the search asked `field_name` for `forms` (nothing when not explaining)."""
    explanation = _CURRENT.get()
    if explanation is not None:
        explanation.searched.append(Searched(field_name, tuple(forms), how))


def considered(person: Person) -> None:
    """Say which person the confirmation looked at (nothing when not explaining)."""
    explanation = _CURRENT.get()
    if explanation is not None:
        explanation._considered = person


def query_searched(query: Query, forms: Sequence[str]) -> list[Searched]:
    """What a search that itemised nothing was given: the query's value in `forms`."""
    kind = query.kind.value
    return [Searched(f"{kind} (the vendor's own search)", tuple(forms))]


def record_label(person: Person) -> str:
    """A person as an explanation names them: name (record id)."""
    name = person.name or "(no name)"
    return f"{name} (record {person.ref.record_id})"


def _strength(confidence: float) -> str:
    word = "certain" if confidence >= 1.0 else "strong" if confidence >= 0.8 else "weak"
    return f"{word}, {round(confidence * 100)}%"
