"""Values a source stores, read against a query: a stored phone as E.164, why it matches the
query's number (exact, national digits, last digits), a number's region, an email's comparison
form.

For data a source already holds, where a bad value is not the agent's mistake: nothing here
raises. Connectors confirm a vendor's loose search with these (`connectors/kit/matching.py`);
the profile reads stored numbers in the caller's region with them (`merge.canonical_person`).
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException

from cx_tui.identity import SUFFIX_DIGITS, PhoneQuery, QueryError, normalize_phone
from cx_tui.models import MatchReason


def phone_e164(raw: str, region: str | None) -> tuple[str, str | None] | None:
    """Normalise a stored phone string to (E.164, extension), or None if it is not valid.

    For data a source already holds (where a bad value is not the agent's mistake).
    """
    try:
        parsed = normalize_phone(raw, region)
    except QueryError:
        return None
    return parsed.e164, parsed.extension


def compare_phone(stored: str, query: PhoneQuery, region: str | None) -> MatchReason | None:
    """How a phone string a source stores relates to the query, or None if it does not match.

    Connectors use this to confirm, client-side, what a vendor's loose search returned. Digits
    alone are evidence only when what surrounds them fits the query's country: the national
    number behind a trunk prefix or country code of that country (so `020 7946 0457` is
    +44 20 7946 0457, not +1 207-946-0457), and the last digits of a number whose country, when
    it can be told (a `+` form, or the source's region), is the query's.
    """
    normalised = phone_e164(stored, region or query.region)
    if normalised is not None and normalised[0] == query.e164:
        return MatchReason.EXACT_E164
    digits = "".join(ch for ch in stored if ch.isdigit())
    national = query.national_digits
    if (
        len(digits) >= len(national) >= SUFFIX_DIGITS
        and digits.endswith(national)
        and digits[: len(digits) - len(national)] in _national_lead_ins(query)
    ):
        return MatchReason.NATIONAL_DIGITS
    if (
        len(digits) >= SUFFIX_DIGITS
        and digits[-SUFFIX_DIGITS:] == query.last_digits()
        and _country_code(stored, region) in (None, query.country_code)
    ):
        return MatchReason.SUFFIX
    return None


def _national_lead_ins(query: PhoneQuery) -> frozenset[str]:
    """Digits that may stand before the national number in the query's country: none, the
    trunk prefix, the country code, or an international prefix and the country code."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(query.region or "")
    trunk = (metadata.national_prefix if metadata else None) or ""
    code = str(query.country_code)
    international = {f"{idd}{code}{t}" for idd in ("", "00", "011") for t in ("", trunk)}
    return frozenset({"", trunk, *international})


def _country_code(stored: str, region: str | None) -> int | None:
    """The country code a stored number carries or its source implies; None when unknowable."""
    try:
        return phonenumbers.parse(stored, region.upper() if region else None).country_code
    except NumberParseException:
        return None


def region_of(e164: str) -> str | None:
    """The region an E.164 number belongs to (its country code's main one when the range is
    not known), or None."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number) or (
        phonenumbers.region_code_for_country_code(number.country_code or 0)
    )
    return region if region and region != "ZZ" else None


def fold_email(value: str) -> str:
    """The comparison form of an email a source stores (never raises)."""
    return value.strip().casefold()
