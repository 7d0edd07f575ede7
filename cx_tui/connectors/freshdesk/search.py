"""What cx-tui asks Freshdesk to find a person, built only from validated values.

Freshdesk's contact filters (`?phone=`, `?mobile=`) compare the stored string exactly, so a
phone is asked in the written forms people type; `?email=` also matches secondary emails. The
filter language (`/api/v2/search/contacts?query="..."`) puts values between single quotes and
documents no escape: a value holding a quote or a backslash is refused before any request.
"""

from __future__ import annotations

import re
from typing import Final

from cx_tui.connectors.base import InvalidInput
from cx_tui.connectors.freshdesk.options import SEARCH_QUERY_LIMIT
from cx_tui.identity import PhoneQuery

PHONE_CHARS: Final = re.compile(r"[+(0-9][0-9 ().\-]{3,30}")
EMAIL_CHARS: Final = re.compile(r"[A-Za-z0-9._%+'\-]{1,64}@[A-Za-z0-9.\-]{1,253}")
MAX_FILTER_FORMS: Final = 3
"""Written forms asked through the exact list filters (each costs a request per field)."""


def phone_forms(phone: PhoneQuery) -> list[str]:
    """The written forms a phone field commonly holds, canonical first: E.164, national and
    international formats, digits, and the groups joined by `-`, `.` or spaces."""
    groups = re.split(r"[ \-]", phone.international_formatted.split(" ", 1)[-1])
    cc = str(phone.country_code)
    forms = [
        phone.e164,
        phone.national_formatted,
        phone.international_formatted,
        phone.national_digits,
        phone.digits,
        "-".join(groups),
        ".".join(groups),
        " ".join(groups),
        f"+{cc} {' '.join(groups)}",
    ]
    return [f for f in dict.fromkeys(forms) if f and PHONE_CHARS.fullmatch(f)]


def quoted(value: str) -> str:
    """`'value'` for the filter language; a quote, backslash or control character is refused."""
    if any(ch in value for ch in "'\"\\") or not value.isprintable():
        raise InvalidInput(
            "That value holds a quote or backslash; cx-tui will not send it to Freshdesk's search."
        )
    return f"'{value}'"


def checked_email(email: str) -> str:
    if not EMAIL_CHARS.fullmatch(email):
        raise InvalidInput("That email address holds characters cx-tui will not send to Freshdesk.")
    return email


def phone_query(forms: list[str]) -> str:
    """`"phone:'f1' OR mobile:'f1' OR ..."` within Freshdesk's 512 characters."""
    terms: list[str] = []
    for form in forms:
        for field in ("phone", "mobile"):
            term = f"{field}:{quoted(form)}"
            if len(" OR ".join([*terms, term])) > SEARCH_QUERY_LIMIT:
                return f'"{" OR ".join(terms)}"'
            terms.append(term)
    return f'"{" OR ".join(terms)}"'


def email_query(email: str) -> str:
    return f'"email:{quoted(checked_email(email))}"'
