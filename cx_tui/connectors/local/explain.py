"""What the local database was asked, and the near misses, for an explanation (`--explain`).

Only runs while an explanation is being recorded (`kit.explain.current_explanation`): the
ordinary lookup never pays for the extra scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cx_tui.connectors.kit.explain import Explanation, Searched, Verdict
from cx_tui.connectors.kit.matching import phone_miss, suffix_words
from cx_tui.connectors.local.schema import text_or_none
from cx_tui.identity import SUFFIX_DIGITS
from cx_tui.models import ContactKind, ContactPoint, MatchReason

if TYPE_CHECKING:
    import sqlite3

    from cx_tui.identity import Query
    from cx_tui.models import Evidence


def explain_search(
    conn: sqlite3.Connection,
    explanation: Explanation,
    query: Query,
    found: dict[int, Evidence],
    region: str | None,
) -> None:
    """Record the columns searched and, for a phone, the stored numbers that share the last
    digits but were not taken (another extension, another country)."""
    if query.phone is not None:
        phone = query.phone
        explanation.searched.append(_searched("contact_points.normalized", phone.e164, "equals"))
        explanation.searched.append(
            _searched("numbers stored without a country", phone.national_digits, "by digits")
        )
        for row in conn.execute(
            "SELECT cp.person_id, cp.raw, cp.extension, cp.shared, cp.normalized, p.name "
            "FROM contact_points AS cp JOIN people AS p ON p.id = cp.person_id "
            "WHERE cp.kind = 'phone' ORDER BY cp.person_id, cp.position"
        ):
            person_id = int(row["person_id"])
            raw = str(row["raw"])
            digits = "".join(ch for ch in raw if ch.isdigit())
            if digits[-SUFFIX_DIGITS:] != phone.last_digits():
                continue
            label = f"{row['name'] or '(no name)'} (record {person_id})"
            hit = found.get(person_id)
            if hit is not None:
                if hit.reason is MatchReason.SUFFIX:  # say what the weak match rests on
                    why = f"stored as '{raw}': {suffix_words(raw, region)} (weak, 50%)"
                    explanation.verdicts.append(Verdict(label, True, why))
                continue
            point = ContactPoint(
                ContactKind.PHONE,
                text_or_none(row["normalized"]) or raw,
                extension=text_or_none(row["extension"]),
                raw=raw,
                shared=bool(row["shared"]),
            )
            explanation.reject(label, phone_miss(point, phone, region))
    elif query.email is not None:
        explanation.searched.append(_searched("contact_points.normalized", query.email, "equals"))
    elif query.name is not None:
        explanation.searched.append(_searched("people.name", query.name, "holds every word of"))
    rejected = sum(1 for v in explanation.verdicts if not v.accepted)
    explanation.candidates = len(found) + rejected


def _searched(field: str, value: str, how: str) -> Searched:
    return Searched(field, (value,), how)
