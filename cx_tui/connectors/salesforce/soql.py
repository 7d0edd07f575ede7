"""SOSL and SOQL built only from validated values, escaped as Salesforce documents.

- SOSL `FIND {...}`: the reserved characters `? & | ! { } [ ] ( ) ^ ~ * : \\ " ' + -` are each
  preceded by a backslash ("Example Text Searches", SOQL and SOSL Reference); values are also
  wrapped in double quotes, so the words AND, OR and NOT inside them are text, not operators.
- SOQL string literals: `\\` and `'` are preceded by a backslash ("Reserved Characters"); record
  ids are checked against Salesforce's 15/18-character alphanumeric form and field names against
  `API_NAME` before they are put into a query at all.

Anything else (control characters, over-long values) is refused as `InvalidInput` before a
request is sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Final

from cx_tui.connectors.base import InvalidInput
from cx_tui.connectors.kit.query import checked_phone, search_email, search_name
from cx_tui.connectors.salesforce.options import API_NAME

if TYPE_CHECKING:
    from cx_tui.identity import PhoneQuery

SOSL_RESERVED: Final = frozenset("?&|!{}[]()^~*:\\\"'+-")
RECORD_ID: Final = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
MAX_TERM: Final = 200
"""Longest single search value; SOSL drops its operators past 4,000 characters."""
VENDOR: Final = "Salesforce"


def sosl_escape(value: str) -> str:
    """`value` with every SOSL reserved character backslash-escaped, as a quoted phrase.

    Raises:
        InvalidInput: control characters, or longer than `MAX_TERM`.
    """
    if len(value) > MAX_TERM or not value.strip() or any(not c.isprintable() for c in value):
        raise InvalidInput("That value cannot be sent to Salesforce's search.")
    escaped = "".join("\\" + c if c in SOSL_RESERVED else c for c in value)
    return f'"{escaped}"'


def soql_literal(value: str) -> str:
    """A SOQL string literal: `'` and `\\` escaped with a backslash, in single quotes."""
    if any(not c.isprintable() for c in value):
        raise InvalidInput("That value cannot be sent to Salesforce.")
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def record_id(value: str) -> str:
    """A Salesforce record id (15 or 18 letters and digits), or `InvalidInput`."""
    if not RECORD_ID.fullmatch(value):
        raise InvalidInput("That is not a Salesforce record id.")
    return value


def id_literal(value: str) -> str:
    return soql_literal(record_id(value))


def field_list(fields: Iterable[str]) -> str:
    """Field names (ours, or checked config names), comma-separated, no repeats."""
    names = list(dict.fromkeys(fields))
    for name in names:
        if not all(API_NAME.fullmatch(part) for part in name.split(".")):
            raise InvalidInput(f"{name!r} is not a Salesforce field name.")
    return ", ".join(names)


def phone_terms(phone: PhoneQuery) -> list[str]:
    """The written forms of a number that Salesforce's phone search may hold, as SOSL terms.

    Salesforce documents no normalisation of phone fields beyond word splitting, and its own
    example passes bare national digits; so the search asks for the national digits, the
    digits with the country code, the national digits with a trunk prefix ("020..."), and the
    national groups as a phrase ("415 555 0132" matches "(415) 555-0132", "415.555.0132",
    "+1 415-555-0132"). Every hit is confirmed locally afterwards.
    """
    checked_phone(phone, VENDOR)
    trunk = re.sub(r"\D", "", phone.national_formatted)
    groups = " ".join(re.findall(r"\d+", phone.international_formatted.split(" ", 1)[-1]))
    national_groups = " ".join(re.findall(r"\d+", phone.national_formatted))
    forms = [phone.national_digits, phone.digits, trunk, groups, national_groups]
    terms = []
    for form in dict.fromkeys(f for f in forms if f):
        if not re.fullmatch(r"\d+(?: \d+)*", form):
            raise InvalidInput("That phone number cannot be sent to Salesforce's search.")
        terms.append(sosl_escape(form))
    return terms


def find_phone(phone: PhoneQuery, returning: Sequence[str]) -> str:
    return f"FIND {{{' OR '.join(phone_terms(phone))}}} IN PHONE FIELDS RETURNING " + ", ".join(
        returning
    )


def find_email(email: str, returning: Sequence[str]) -> str:
    value = sosl_escape(search_email(email, VENDOR))
    return f"FIND {{{value}}} IN EMAIL FIELDS RETURNING " + ", ".join(returning)


def find_name(name: str, returning: Sequence[str]) -> str:
    value = sosl_escape(search_name(name, VENDOR))
    return f"FIND {{{value}}} IN NAME FIELDS RETURNING " + ", ".join(returning)
