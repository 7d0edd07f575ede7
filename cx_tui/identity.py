"""Turn what the agent typed (or the softphone sent) into a validated query.

A query is a phone number, an email address or a name. Phones go through `phonenumbers` against
a configurable default region. A number in a range the metadata knows is `recognised`; one that
is only *possible* for its country (the right length, a range the metadata does not list yet:
allocations outrun it) is looked up all the same, with a quiet note. Only impossible input is
refused: letters, an unknown country code, a length no number of that country has, nothing at
all. The extension stays apart.
Everything a vendor search language will ever see is built from the validated values here, so
bad input is refused before a request is made, with a message an agent can act on. How a value
a source stores compares with a query is `source_values.py`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

MAX_QUERY_LENGTH = 254
"""The longest valid email address; nothing an agent looks up is longer."""

SUFFIX_DIGITS = 7
"""How many trailing digits a "last digits" match compares."""

MIN_UNRECOGNISED_DIGITS = 7
"""A number outside the known ranges is taken only with at least this many national digits:
shorter ones (a service code, `0123`) are possible for some countries but name no caller."""

UNRECOGNISED_RANGE_NOTE = "number range not recognised: looked up as given"
"""The quiet note a profile carries for a possible number outside the known ranges."""


class QueryKind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    NAME = "name"


class QueryError(ValueError):
    """The query cannot be looked up. `str(error)` is written for the agent."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EmptyQueryError(QueryError):
    pass


class QueryTooLongError(QueryError):
    pass


class ControlCharacterError(QueryError):
    pass


class InvalidPhoneError(QueryError):
    pass


class InvalidEmailError(QueryError):
    pass


class InvalidNameError(QueryError):
    pass


@dataclass(frozen=True, slots=True)
class PhoneQuery:
    """A valid phone number in every form a vendor search may need."""

    e164: str
    """`+14155550132`"""
    extension: str | None
    country_code: int
    region: str | None
    """ISO region the number belongs to (`US`), not the agent's default region."""
    national_digits: str
    """National significant number, digits only: `4155550132`."""
    national_formatted: str
    """`(415) 555-0132`, as people in that country write it."""
    international_formatted: str
    """`+1 415-555-0132`"""
    recognised: bool = True
    """False: possible for its country, but in no range `phonenumbers`' metadata knows."""

    @property
    def digits(self) -> str:
        """Country code plus national digits, no `+`: `14155550132`."""
        return self.e164[1:]

    def last_digits(self, n: int = SUFFIX_DIGITS) -> str:
        """The last `n` digits, for vendors that can only match a suffix."""
        return self.national_digits[-n:]

    def candidate_forms(self) -> tuple[str, ...]:
        """Distinct string forms a stored number commonly takes, most canonical first."""
        forms = (
            self.e164,
            self.national_digits,
            self.national_formatted,
            self.international_formatted,
            self.digits,
        )
        return tuple(dict.fromkeys(forms))

    def display(self) -> str:
        base = self.international_formatted
        return f"{base} ext. {self.extension}" if self.extension else base


@dataclass(frozen=True, slots=True)
class Query:
    """A validated lookup: exactly one of `phone`, `email` or `name` is set."""

    kind: QueryKind
    text: str
    """The input, trimmed (safe to show: it holds no control characters)."""
    phone: PhoneQuery | None = None
    email: str | None = None
    name: str | None = None

    def display(self) -> str:
        if self.phone is not None:
            return self.phone.display()
        return self.email or self.name or self.text


# Characters people and softphones put in phone numbers, besides digits.
_PHONE_PUNCTUATION = set(" +-.()/\u00a0\u2010\u2011\u2012\u2013\u2212")
_EXTENSION = re.compile(r"(?:\s*(?:;\s*ext=|ext\.?|extension|x|#)\s*(\d{1,7}))\s*$", re.IGNORECASE)
_EMAIL = re.compile(
    r"^(?P<local>[a-z0-9](?:[a-z0-9._%+'-]{0,62}[a-z0-9_%+-])?)"
    r"@(?P<domain>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})$"
)
_NAME_CHARS = re.compile(r"^[\w\s.'\-]+$")


def parse_query(text: str, default_region: str | None = None) -> Query:
    """Classify and validate what the agent typed.

    Args:
        text: The raw input (a phone in any common format, an email, or a name).
        default_region: ISO 3166 region (`"US"`, `"GB"`) for numbers typed without `+`.

    Returns:
        A `Query` with the normalised value.

    Raises:
        QueryError: (a subclass) with a message an agent understands.
    """
    text = _clean(text)
    if "@" in text:
        return Query(QueryKind.EMAIL, text, email=normalize_email(text))
    if text.lower().startswith(("tel:", "callto:")):
        text = text.split(":", 1)[1].strip()
        return Query(QueryKind.PHONE, text, phone=normalize_phone(text, default_region))
    if any(ch.isdigit() for ch in text):
        return Query(QueryKind.PHONE, text, phone=normalize_phone(text, default_region))
    if text.startswith("+"):
        raise InvalidPhoneError("A phone number needs digits after the +.")
    return Query(QueryKind.NAME, text, name=normalize_name(text))


def _clean(text: str) -> str:
    if len(text) > 4 * MAX_QUERY_LENGTH:
        # Refuse before doing any per-character work on a pasted blob.
        raise QueryTooLongError(
            f"That is {len(text):,} characters; a phone number or email is much shorter."
        )
    text = text.strip()
    if not text:
        raise EmptyQueryError("Type a phone number, an email address or a name.")
    for index, ch in enumerate(text):
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") and ch != "\u00a0":
            raise ControlCharacterError(
                f"The query holds an invisible control character (U+{ord(ch):04X} at position "
                f"{index + 1}); retype it rather than pasting."
            )
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryTooLongError(
            f"That is {len(text):,} characters; a phone number or email is much shorter."
        )
    return text


def normalize_phone(text: str, default_region: str | None = None) -> PhoneQuery:
    """Validate a phone number and produce its candidate forms.

    Raises:
        InvalidPhoneError: letters, an unknown country code, a wrong length, or no region to
            interpret a national number with.
    """
    body = text.strip()
    extension: str | None = None
    ext_match = _EXTENSION.search(body)
    if ext_match:
        extension = ext_match.group(1)
        body = body[: ext_match.start()]
    for index, ch in enumerate(body):
        if not (ch.isdigit() or ch in _PHONE_PUNCTUATION):
            raise InvalidPhoneError(
                f"'{ch}' (position {index + 1}) does not belong in a phone number: use digits, "
                "spaces and + - ( ) . only."
            )
    if "+" in body[1:] or not any(ch.isdigit() for ch in body):
        raise InvalidPhoneError(f"'{text}' is not a phone number: a + may only come first.")
    international = body.startswith("+") or body.startswith("00")
    region = default_region.upper() if default_region else None
    if not international and region is None:
        raise InvalidPhoneError(
            f"'{text}' has no country code: type it with + (e.g. +1 415 555 0132), "
            "or set default_region in the config."
        )
    try:
        number = phonenumbers.parse(body, region)
    except NumberParseException as exc:
        raise InvalidPhoneError(_parse_failure(text, exc)) from None
    recognised = phonenumbers.is_valid_number(number)
    if not recognised and not _possible(number):
        raise InvalidPhoneError(_invalid_reason(text, number))
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    country_code = number.country_code or 0
    region = phonenumbers.region_code_for_number(number)
    if region is None:  # outside the known ranges: the country code's main region
        main = phonenumbers.region_code_for_country_code(country_code)
        region = main if main != "ZZ" else None
    return PhoneQuery(
        e164=e164,
        extension=extension or number.extension or None,
        country_code=country_code,
        region=region,
        national_digits=phonenumbers.national_significant_number(number),
        national_formatted=phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL),
        international_formatted=phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
        recognised=recognised,
    )


def _possible(number: phonenumbers.PhoneNumber) -> bool:
    """A real country code, a length that country's numbers have, and enough digits to be a
    subscriber's number rather than a short code."""
    country_code = number.country_code or 0
    if phonenumbers.region_code_for_country_code(country_code) == "ZZ":
        return False
    if phonenumbers.is_possible_number_with_reason(number) != ValidationResult.IS_POSSIBLE:
        return False
    return len(phonenumbers.national_significant_number(number)) >= MIN_UNRECOGNISED_DIGITS


def _parse_failure(text: str, exc: NumberParseException) -> str:
    reasons = {
        NumberParseException.INVALID_COUNTRY_CODE: "its country code is unknown",
        NumberParseException.NOT_A_NUMBER: "it does not look like a phone number",
        NumberParseException.TOO_SHORT_NSN: "it is too short",
        NumberParseException.TOO_SHORT_AFTER_IDD: "it is too short after the country prefix",
        NumberParseException.TOO_LONG: "it is too long",
    }
    return f"'{text}' is not a valid phone number: {reasons.get(exc.error_type, 'unreadable')}."


def _invalid_reason(text: str, number: phonenumbers.PhoneNumber) -> str:
    country_code = number.country_code or 0
    if phonenumbers.region_code_for_country_code(country_code) == "ZZ":
        why = f"+{country_code} is not a country code"
    else:
        possible = phonenumbers.is_possible_number_with_reason(number)
        why = {
            ValidationResult.TOO_SHORT: "it has too few digits",
            ValidationResult.TOO_LONG: "it has too many digits",
            ValidationResult.INVALID_LENGTH: "it has the wrong number of digits",
        }.get(possible, "it is too short to be a caller's number")
        region = phonenumbers.region_code_for_country_code(country_code)
        why += f" for +{country_code} ({region})"
    return f"'{text}' is not a valid phone number: {why}."


def normalize_email(text: str) -> str:
    """Trim and case-fold an email address, refusing anything outside a strict shape.

    The shape is narrower than RFC 5322 on purpose: it admits no whitespace, quotes, colons or
    `*`, so the value is safe to place in any vendor's search language.

    Raises:
        InvalidEmailError: with what is wrong.
    """
    value = text.strip().casefold()
    if value.count("@") != 1:
        raise InvalidEmailError(f"'{text}' is not an email address: it needs exactly one @.")
    if not value.isascii():
        raise InvalidEmailError(
            f"'{text}' holds non-ASCII characters; type the address as the customer's mail "
            "system shows it."
        )
    match = _EMAIL.match(value)
    if not match or ".." in value:
        local, _, domain = value.partition("@")
        if not local:
            why = "nothing before the @"
        elif not domain or "." not in domain:
            why = "the part after @ needs a domain such as example.com"
        else:
            why = "it holds characters an address cannot have"
        raise InvalidEmailError(f"'{text}' is not a valid email address: {why}.")
    return value


def normalize_name(text: str) -> str:
    """Collapse whitespace in a name query and refuse symbols.

    Raises:
        InvalidNameError: too short or holding symbols.
    """
    value = " ".join(text.split())
    if len(value) < 2:
        raise InvalidNameError("Type at least two letters of the name.")
    if not _NAME_CHARS.match(value) or "_" in value:
        raise InvalidNameError(
            f"'{text}' is neither a phone number, an email nor a name: names hold letters, "
            "spaces, hyphens, apostrophes and dots."
        )
    return value


def contact_prefill(query: Query) -> dict[str, str]:
    """What a new contact for a caller nobody knows starts with, by what was looked up:
    `{"phone": E.164, "extension": ...}` (the extension only when there is one), `{"email"}`,
    or `{"name"}`."""
    if query.phone is not None:
        prefill = {"phone": query.phone.e164}
        if query.phone.extension:
            prefill["extension"] = query.phone.extension
        return prefill
    if query.email is not None:
        return {"email": query.email}
    return {"name": query.name or query.text}


def link_point(query: Query) -> str | None:
    """The key a confirmed link is kept under: the line (E.164, `;ext=` and the extension when
    there is one) or the mailbox; None for a name (a name names nobody for sure)."""
    if query.phone is not None:
        ext = query.phone.extension
        return f"{query.phone.e164};ext={ext}" if ext else query.phone.e164
    return query.email
