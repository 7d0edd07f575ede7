"""Finding people in the local database by phone, email or name."""

from __future__ import annotations

import sqlite3
import unicodedata
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cx_tui.connectors.base import InvalidInput
from cx_tui.connectors.kit.explain import current_explanation
from cx_tui.connectors.kit.fields import read_fields
from cx_tui.connectors.kit.matching import extension_confidence
from cx_tui.connectors.kit.query import checked_email
from cx_tui.connectors.kit.readers import fold_text
from cx_tui.connectors.local.connection import LocalBase
from cx_tui.connectors.local.explain import explain_search
from cx_tui.connectors.local.owners import read_owners
from cx_tui.connectors.local.schema import tags_of, text_or_none
from cx_tui.models import ContactKind, ContactPoint, Evidence, Match, MatchReason, Person
from cx_tui.source_values import compare_phone, fold_email
from cx_tui.utc import from_iso_or_none

if TYPE_CHECKING:
    from cx_tui.identity import PhoneQuery, Query

MAX_NAME_MATCHES = 20
"""People returned for a name query."""

_REASON_RANK = {reason: rank for rank, reason in enumerate(MatchReason)}


class Search(LocalBase):
    """`find_people` of `LocalConnector`, and the person loader the writes reuse."""

    async def find_people(self, query: Query) -> list[Match]:
        """Find the people whose phone, email or name matches the query.

        Phones match on E.164 (extensions compared as described in `_extension_confidence`),
        or on digits for stored values that could not be normalised; emails match case-folded;
        names match when every word appears in the name.

        Args:
            query: A validated phone, email or name query.

        Returns:
            One match per person (the strongest reason), most confident first.

        Raises:
            Unavailable: the database file cannot be used, or stays busy (`DatabaseBusy`).
        """
        matches = await self._attempt(lambda conn: self._find(conn, query))
        matches.sort(key=lambda m: (-m.confidence, _REASON_RANK[m.reason], m.person.name or ""))
        return matches

    def _find(self, conn: sqlite3.Connection, query: Query) -> list[Match]:
        if query.phone is not None:
            found = self._match_phone(conn, query.phone)
        elif query.email is not None:
            found = self._match_email(conn, checked_email(query.email))
        elif query.name is not None:
            found = self._match_name(conn, query.name)
        else:
            return []
        explanation = current_explanation()
        if explanation is not None:
            explain_search(conn, explanation, query, found, self.region)
        now = datetime.now(UTC)
        matches = []
        for person_id, hit in found.items():
            person = self._load_person(conn, person_id, now)
            if person is not None:
                matches.append(Match(person, hit.reason, hit.confidence, hit.detail))
        return matches

    def _match_phone(self, conn: sqlite3.Connection, phone: PhoneQuery) -> dict[int, Evidence]:
        found: dict[int, Evidence] = {}

        def keep(person_id: int, hit: Evidence) -> None:
            if hit.beats(found.get(person_id)):
                found[person_id] = hit

        rows = conn.execute(
            "SELECT person_id, raw, extension, shared FROM contact_points "
            "WHERE kind = 'phone' AND normalized = ?",
            (phone.e164,),
        )
        for row in rows:
            shared = bool(row["shared"])
            stored_ext = text_or_none(row["extension"])
            confidence = extension_confidence(phone.extension, stored_ext, shared)
            if confidence is None:
                continue
            keep(
                int(row["person_id"]),
                Evidence(
                    confidence,
                    MatchReason.EXACT_E164,
                    _phone_detail(str(row["raw"]), phone.extension, stored_ext, shared),
                ),
            )
        # Values that could not be normalised when stored (no area code, a foreign number in
        # national form) can still share the number's digits.
        rows = conn.execute(
            "SELECT person_id, raw, shared FROM contact_points "
            "WHERE kind = 'phone' AND normalized IS NULL"
        )
        for row in rows:
            raw = str(row["raw"])
            reason = compare_phone(raw, phone, self.region)
            if reason is None:
                continue
            if reason is MatchReason.EXACT_E164:
                confidence = extension_confidence(phone.extension, None, bool(row["shared"]))
                assert confidence is not None  # a stored value without extension never differs
            else:
                confidence = 0.8 if reason is MatchReason.NATIONAL_DIGITS else 0.5
            why = {
                MatchReason.NATIONAL_DIGITS: "without its country code",
                MatchReason.SUFFIX: "only the last digits agree",
            }.get(reason, "")
            detail = f"stored as '{raw}'" + (f" ({why})" if why else "")
            keep(int(row["person_id"]), Evidence(confidence, reason, detail))
        return found

    def _match_email(self, conn: sqlite3.Connection, email: str) -> dict[int, Evidence]:
        found: dict[int, Evidence] = {}
        rows = conn.execute(
            "SELECT cp.person_id, cp.raw, cp.id = ("
            "  SELECT first.id FROM contact_points AS first"
            "  WHERE first.person_id = cp.person_id AND first.kind = 'email'"
            "  ORDER BY first.position, first.id LIMIT 1"
            ") AS is_primary "
            "FROM contact_points AS cp WHERE cp.kind = 'email' AND cp.normalized = ?",
            (fold_email(email),),
        )
        for row in rows:
            raw = str(row["raw"])
            if row["is_primary"]:
                hit = Evidence(1.0, MatchReason.PRIMARY_EMAIL, f"stored as '{raw}'")
            else:
                hit = Evidence(0.9, MatchReason.SECONDARY_EMAIL, f"stored as '{raw}' (not primary)")
            person_id = int(row["person_id"])
            if hit.beats(found.get(person_id)):
                found[person_id] = hit
        return found

    def _match_name(self, conn: sqlite3.Connection, name: str) -> dict[int, Evidence]:
        if any(unicodedata.category(c) == "Cc" for c in name):
            # SQLite's LIKE reads a pattern only up to a NUL: "%ana\x00%" would mean "%ana".
            raise InvalidInput("A name holds a control character; it cannot be looked up.")
        tokens = fold_text(name).split()
        if not tokens:
            return {}
        where = " AND ".join("cx_fold(name) LIKE ? ESCAPE '\\'" for _ in tokens)
        rows = conn.execute(
            f"SELECT id, name FROM people WHERE {where} ORDER BY name, id LIMIT ?",
            (*[_like_pattern(token) for token in tokens], MAX_NAME_MATCHES),
        )
        return {
            int(row["id"]): Evidence(0.4, MatchReason.NAME, f"name '{row['name']}'") for row in rows
        }

    def _load_person(
        self, conn: sqlite3.Connection, person_id: int, now: datetime
    ) -> Person | None:
        row = conn.execute(
            "SELECT p.*, c.name AS company_name FROM people AS p "
            "LEFT JOIN companies AS c ON c.id = p.company_id WHERE p.id = ?",
            (person_id,),
        ).fetchone()
        if row is None:
            return None
        points = []
        for cp in conn.execute(
            "SELECT * FROM contact_points WHERE person_id = ? ORDER BY position, id", (person_id,)
        ):
            raw = str(cp["raw"])
            kind = ContactKind(cp["kind"])
            value = text_or_none(cp["normalized"]) or raw.strip()
            points.append(
                ContactPoint(
                    kind=kind,
                    value=value,
                    extension=text_or_none(cp["extension"]),
                    label=text_or_none(cp["label"]),
                    raw=raw if raw != value else None,
                    shared=bool(cp["shared"]),
                )
            )
        vip = row["vip"]
        last = conn.execute(
            "SELECT MAX(at) FROM interactions WHERE person_id = ?", (person_id,)
        ).fetchone()[0]
        ref = self._ref(str(person_id), now)
        return Person(
            ref=ref,
            owners=read_owners(conn, "person_id", person_id, ref),
            name=text_or_none(row["name"]),
            contact_points=tuple(points),
            company=text_or_none(row["company_name"]),
            title=text_or_none(row["title"]),
            plan=text_or_none(row["plan"]),
            timezone=text_or_none(row["timezone"]),
            language=text_or_none(row["language"]),
            vip=None if vip is None else bool(vip),
            tags=tags_of(row["tags"]),
            last_contact=from_iso_or_none(last),
            custom=read_fields(self.fields, dict(row)),
        )


def _like_pattern(token: str) -> str:
    escaped = token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _phone_detail(raw: str, query_ext: str | None, stored_ext: str | None, shared: bool) -> str:
    detail = f"stored as '{raw}'"
    notes = []
    if shared:
        notes.append("a shared line")
    if stored_ext and not query_ext:
        notes.append(f"extension {stored_ext}; the call gave none")
    elif query_ext and not stored_ext:
        notes.append(f"stored without extension {query_ext}")
    return f"{detail} ({'; '.join(notes)})" if notes else detail
