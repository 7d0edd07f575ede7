"""Safe values for vendor query languages: checked, or refused before any request.

The engine hands connectors validated queries; these builders check again at the boundary
(defence in depth: the values reach a vendor's search language) and refuse rather than
escape. Escaping rules differ per vendor and some languages have none (Zendesk search), so a
value holding anything outside a small allowed set is refused as `InvalidInput`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from cx_tui.connectors.base import InvalidInput
from cx_tui.identity import QueryError, normalize_email, normalize_name

if TYPE_CHECKING:
    from cx_tui.identity import PhoneQuery

MAX_NAME: Final = 100
MAX_PHONE_FORMS: Final = 12
_PHONE_CHARS = re.compile(r"[0-9 +().\-]{4,40}")

SEARCH_SYNTAX: Final = re.compile(r"[\s\"\\:*<>()]")
"""Characters that carry meaning in most search languages (field:value, "phrase", `*`, `<`,
`>`, grouping) and whitespace: a value holding one could change the query."""
NAME_CHARS: Final = re.compile(r"[^\W\d_](?:[^\W\d_]|[ .'-])*")
"""A person's name as search languages can take it quoted: letters, spaces, `.`, `'`, `-`."""


def checked_email(email: str) -> str:
    """The email as `identity.normalize_email` would return it, or `InvalidInput`."""
    if _normalized(normalize_email, email) != email:
        raise InvalidInput("That email address is not in its normalised form.")
    return email


def checked_name(name: str) -> str:
    """The name as `identity.normalize_name` would return it, or `InvalidInput`."""
    if len(name) > MAX_NAME:
        raise InvalidInput("That name is too long to look up.")
    if _normalized(normalize_name, name) != name:
        raise InvalidInput("That name is not in its normalised form.")
    return name


def checked_digits(digits: str, vendor: str) -> str:
    """4 to 15 digits and nothing else (a national number), or `InvalidInput`."""
    if not re.fullmatch(r"\d{4,15}", digits):
        raise InvalidInput(f"A phone lookup in {vendor} takes 4 to 15 digits, nothing else.")
    return digits


def checked_phone(phone: PhoneQuery, vendor: str) -> PhoneQuery:
    """The phone query, its parts re-checked (E.164, national digits, written forms)."""
    if not (
        re.fullmatch(r"\+\d{6,15}", phone.e164)
        and re.fullmatch(r"\d{4,15}", phone.national_digits)
        and _PHONE_CHARS.fullmatch(phone.national_formatted)
        and _PHONE_CHARS.fullmatch(phone.international_formatted)
    ):
        raise InvalidInput(f"That phone number holds characters cx-tui will not send to {vendor}.")
    return phone


def phone_forms(phone: PhoneQuery, *, limit: int = MAX_PHONE_FORMS) -> list[str]:
    """The written forms of a number a free-text phone field commonly holds, canonical first:
    E.164, national and international formats, digits, with `-`, `.` or spaces between the
    groups, with or without the country code (and the extension, when the query has one)."""
    groups = re.split(r"[ \-]", phone.international_formatted.split(" ", 1)[-1])
    cc = str(phone.country_code)
    forms = [
        *phone.candidate_forms(),
        "-".join(groups),
        ".".join(groups),
        " ".join(groups),
        f"+{cc} {' '.join(groups)}",
        f"+{cc} {phone.national_formatted}",
        f"{cc}-{'-'.join(groups)}",
    ]
    return list(dict.fromkeys(f for f in forms if f))[:limit]


def refuse_unless(value: str, allowed: re.Pattern[str], message: str) -> str:
    """`value` when all of it matches `allowed`, else `InvalidInput(message)`: for a query
    language, refusing is safer than escaping."""
    if not allowed.fullmatch(value):
        raise InvalidInput(message)
    return value


def search_email(email: str, vendor: str) -> str:
    """An email fit to paste into a search language without quotes: normalised, and none of
    `SEARCH_SYNTAX`."""
    if _normalized(normalize_email, email) != email or SEARCH_SYNTAX.search(email):
        raise InvalidInput(f"That email address holds characters {vendor}'s search would misread.")
    return email


def search_name(name: str, vendor: str) -> str:
    """A name fit to put between double quotes in a search language: normalised, at most
    `MAX_NAME` characters, only `NAME_CHARS`."""
    normalized = _normalized(normalize_name, name)
    if normalized != name or len(name) > MAX_NAME or not NAME_CHARS.fullmatch(name):
        raise InvalidInput(f"A name lookup in {vendor} takes letters, spaces, . ' and - only.")
    return name


def _normalized(normalize: Callable[[str], str], value: str) -> str:
    try:
        return normalize(value)
    except QueryError as exc:
        raise InvalidInput(exc.message) from None


def quoted(value: str, allowed: re.Pattern[str], message: str, *, quote: str = '"') -> str:
    """`value` between `quote`s for a query language, refused (`InvalidInput(message)`) when
    it holds anything outside `allowed` or the quote itself: nothing is ever escaped."""
    if quote in value:
        raise InvalidInput(message)
    return f"{quote}{refuse_unless(value, allowed, message)}{quote}"


TAG_CHARS: Final = re.compile(r"[a-z0-9][a-z0-9_\-/.]{0,79}")
"""A ticket tag as helpdesks store them (lower case, no spaces): letters, digits, `_`, `-`,
`/`, `.`; none of a search language's operators (`:`, quotes, `*`, `<`, `>`, parentheses)."""


def checked_tag(tag: str, vendor: str) -> str:
    """The tag, lower case, or `InvalidInput` when it holds anything that could change a
    search query's meaning (spaces, quotes, `:`, `*`, `<`, `>`, parentheses, a leading `-`)."""
    if not TAG_CHARS.fullmatch(tag):
        raise InvalidInput(
            f"{vendor} is searched only for plain tags (a-z, 0-9, '_', '-', '/', '.'), "
            f"not {tag[:40]!r}."
        )
    return tag
