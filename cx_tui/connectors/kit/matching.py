"""Confirming a vendor's candidates client-side: one phone matcher, one email and name rule.

Vendors search loosely (a phone field holds whatever people typed); every candidate is checked
here before it becomes a `Match`, with the same rules the local connector uses, so the same
caller gets the same confidence from every source.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from cx_tui.connectors.base import InvalidInput
from cx_tui.connectors.kit.explain import considered
from cx_tui.connectors.kit.readers import fold_text
from cx_tui.identity import SUFFIX_DIGITS, PhoneQuery
from cx_tui.models import ContactKind, ContactPoint, Evidence, Match, MatchReason
from cx_tui.source_values import compare_phone, fold_email, phone_e164

if TYPE_CHECKING:
    from cx_tui.identity import Query
    from cx_tui.models import Person, SourceRef


def phone_point(
    raw: str, region: str | None, *, label: str | None = None, shared: bool = False
) -> ContactPoint:
    """A stored phone as a contact point: E.164 plus extension when it parses, raw kept."""
    parsed = phone_e164(raw, region)
    value = parsed[0] if parsed else raw.strip()
    extension = parsed[1] if parsed else None
    return ContactPoint(
        ContactKind.PHONE,
        value,
        extension=extension,
        label=label,
        raw=raw if raw != value else None,
        shared=shared,
    )


def email_point(raw: str, *, label: str | None = None) -> ContactPoint:
    """A stored email as a contact point (case-folded, raw kept when it differs)."""
    value = raw.strip().casefold()
    return ContactPoint(ContactKind.EMAIL, value, label=label, raw=raw if raw != value else None)


def extension_confidence(
    query_ext: str | None, stored_ext: str | None, shared: bool
) -> float | None:
    """Confidence of an exact number match given both extensions: None when they differ (a
    different extension is another person), lower when one side has none or the line is
    shared."""
    if query_ext and stored_ext:
        return 1.0 if query_ext == stored_ext else None
    if query_ext or stored_ext:
        return 0.7 if shared else 0.9
    return 0.7 if shared else 1.0


def match_phone(
    stored: Iterable[ContactPoint], query: PhoneQuery, region: str | None
) -> Evidence | None:
    """The best confirmation, client-side, that one of a person's numbers is the query's.

    An exact E.164 match is certain unless extensions differ (a different extension is another
    person) or the line is shared; a number stored without its country code is a strong match;
    the last seven digits alone are a weak one.
    """
    best: Evidence | None = None
    for point in stored:
        if point.kind is not ContactKind.PHONE:
            continue
        raw = point.raw or point.value
        reason = compare_phone(raw, query, region)
        if reason is None:
            continue
        notes: list[str] = []
        if reason is MatchReason.EXACT_E164:
            confidence = extension_confidence(query.extension, point.extension, point.shared)
            if confidence is None:
                continue
            if point.shared:
                notes.append("a shared line")
            if point.extension and not query.extension:
                notes.append(f"extension {point.extension}; the call gave none")
            elif query.extension and not point.extension:
                notes.append(f"stored without extension {query.extension}")
        elif reason is MatchReason.NATIONAL_DIGITS:
            confidence = 0.7 if point.shared else 0.8
            notes.append("without its country code")
        else:
            confidence = 0.5
            notes.append(f"only the last {SUFFIX_DIGITS} digits agree")
        detail = f"stored as '{raw}'" + (f" ({'; '.join(notes)})" if notes else "")
        hit = Evidence(confidence, reason, detail)
        if hit.beats(best):
            best = hit
    return best


def name_matches(query: str, name: str | None) -> bool:
    """Every word of the query appears in the name (case and accents ignored)."""
    if not name:
        return False
    folded = fold_text(name)
    return all(token in folded for token in fold_text(query).split())


def confirm_person(
    person: Person, query: Query, region: str | None, *, secondary: str = "a secondary email"
) -> Match | None:
    """The match a vendor's candidate really is for `query`, or None to drop it.

    A phone must pass `match_phone`; an email must equal a stored one (the one labelled
    "primary" is certain, others 0.9, described as `secondary`); a name must contain every
    word of the query (a weak 0.4).
    """
    considered(person)  # for an explanation, when one is being recorded
    if query.phone is not None:
        hit = match_phone(person.contact_points, query.phone, region)
        return None if hit is None else Match(person, hit.reason, hit.confidence, hit.detail)
    if query.email is not None:
        wanted = fold_email(query.email)
        for point in person.contact_points:
            if point.kind is ContactKind.EMAIL and point.value == wanted:
                stored = point.raw or point.value
                if point.label == "primary":
                    return Match(person, MatchReason.PRIMARY_EMAIL, 1.0, f"stored as '{stored}'")
                detail = f"stored as '{stored}' ({secondary})"
                return Match(person, MatchReason.SECONDARY_EMAIL, 0.9, detail)
        return None
    if query.name is not None and name_matches(query.name, person.name):
        return Match(person, MatchReason.NAME, 0.4, f"name '{person.name}'")
    return None


def unique_points(points: Iterable[ContactPoint]) -> tuple[ContactPoint, ...]:
    """Contact points without repeats (same line or mailbox), first kept, order kept."""
    return tuple(dict((p.key, p) for p in reversed(list(points))).values())[::-1]


def why_not(person: Person, query: Query, region: str | None) -> str:
    """Why `confirm_person` dropped this candidate, in words an admin can fix a record by."""
    if query.phone is not None:
        phones = [p for p in person.contact_points if p.kind is ContactKind.PHONE]
        if not phones:
            return "no phone number stored"
        return "; ".join(phone_miss(p, query.phone, region) for p in phones)
    if query.email is not None:
        emails = [p.raw or p.value for p in person.contact_points if p.kind is ContactKind.EMAIL]
        if not emails:
            return "no email address stored"
        stored = ", ".join(f"'{e}'" for e in emails)
        return f"stored {stored}; none is '{query.email}'"
    if query.name is not None:
        if not person.name:
            return "no name stored"
        folded = fold_text(person.name)
        missing = [t for t in fold_text(query.name).split() if t not in folded]
        return f"name '{person.name}' lacks {', '.join(repr(t) for t in missing)}"
    return "nothing to compare"


def phone_miss(point: ContactPoint, query: PhoneQuery, region: str | None) -> str:
    """Why one stored number is not the caller's (or how weakly it is)."""
    raw = point.raw or point.value
    stored = f"stored as '{raw}'"
    reason = compare_phone(raw, query, region)
    if reason is MatchReason.EXACT_E164:
        if extension_confidence(query.extension, point.extension, point.shared) is None:
            return f"{stored}: extension {point.extension}, the call was {query.extension}"
        return f"{stored}: the same number"
    if reason is MatchReason.SUFFIX:
        return f"{stored}: {suffix_words(raw, region)}"
    if reason is MatchReason.NATIONAL_DIGITS:
        return f"{stored}: the same digits without the country code"
    digits = "".join(ch for ch in raw if ch.isdigit())
    if len(digits) < SUFFIX_DIGITS:
        return f"{stored}: too few digits to compare"
    if digits[-SUFFIX_DIGITS:] == query.last_digits():
        parsed = phone_e164(raw, region)
        other = f" ({parsed[0]})" if parsed else ""
        return (
            f"{stored}: the last {SUFFIX_DIGITS} digits agree "
            f"but it is another country's number{other}"
        )
    return f"{stored}: a different number"


def suffix_words(raw: str, region: str | None) -> str:
    """What a last-digits match rests on ("only the last 7 digits match, country unknown")."""
    country = "" if phone_e164(raw, region) else ", country unknown"
    return f"only the last {SUFFIX_DIGITS} digits match{country}"


def accepted_why(person: Person, match: Match, query: Query, region: str | None) -> str:
    """A kept candidate's reason for an explanation: the match's, with the country question
    spelt out for a last-digits match."""
    if match.reason is MatchReason.SUFFIX and query.phone is not None:
        for point in person.contact_points:
            raw = point.raw or point.value
            if point.kind is ContactKind.PHONE and compare_phone(raw, query.phone, region) is (
                MatchReason.SUFFIX
            ):
                return f"stored as '{raw}': {suffix_words(raw, region)}"
    return match.detail or match.reason.value


# --- adding a number to a person ---------------------------------------------------------


def phone_to_add(person: SourceRef, e164: str, extension: str | None, source: str) -> str:
    """The number `add_phone` writes, as the vendor will store it (`+14155550132 ext. 12`).

    Raises:
        InvalidInput: another source's record, or a number that is not E.164 (nothing sent).
    """
    if person.connector != source:
        raise InvalidInput(f"That person belongs to {person.connector}, not {source}.")
    parsed = phone_e164(e164, None)
    if parsed is None or parsed[0] != e164 or parsed[1]:
        raise InvalidInput(f"'{e164}' is not a phone number in E.164 form (+ and digits).")
    if extension is not None and not extension.isdigit():
        raise InvalidInput(f"'{extension}' is not an extension (digits only).")
    return f"{e164} ext. {extension}" if extension else e164


def holds_phone(
    stored: Iterable[str | None], e164: str, extension: str | None, region: str | None
) -> bool:
    """Whether one of the numbers a record stores, however written, is this line (E.164 and
    extension): `add_phone` then writes nothing."""
    for raw in stored:
        parsed = phone_e164(raw, region) if raw else None
        if parsed is not None and parsed == (e164, extension or None):
            return True
    return False
