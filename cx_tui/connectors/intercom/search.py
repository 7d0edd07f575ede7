"""The contact search Intercom is asked, built only from re-checked values.

POST /contacts/search compares `phone` as a plain string (no normalisation is documented), so
one OR group asks for the national number, as people write it, at the end of the stored string
(`$` "4155550132", "415-555-0132", "415.555.0132", "415 555 0132", "(415) 555-0132": whatever
prefix a country code took) and for the whole canonical forms (`=` "+14155550132" ...). An
email is asked lowercased (typed forms differ only in case). Both roles (users and leads) are
contacts, so no `role` filter is added. Intercom allows at most 15 filters per
group; candidates are confirmed locally before they become matches.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from cx_tui.connectors.base import InvalidInput
from cx_tui.identity import normalize_email, normalize_name

if TYPE_CHECKING:
    from cx_tui.identity import PhoneQuery, Query

MAX_FILTERS: Final = 15
"""Intercom's limit of filters in one AND/OR group."""
_PHONE_CHARS = re.compile(r"[0-9 +().\-]{4,40}")


def national_tails(phone: PhoneQuery) -> list[str]:
    """The national number as people write it, without country code or trunk prefix: a
    stored string that ends with one of these holds the number whatever came before it
    ("+1 ", "1-", "001 ", "+44 (0)")."""
    groups = re.split(r"[ \-]", phone.international_formatted.split(" ", 1)[-1])
    forms = [
        phone.national_digits,
        "-".join(groups),
        ".".join(groups),
        " ".join(groups),
        phone.national_formatted,
    ]
    return list(dict.fromkeys(f for f in forms if f))


def phone_forms(phone: PhoneQuery) -> list[str]:
    """Whole written forms a person may have typed into Intercom's phone field."""
    return list(dict.fromkeys(f for f in phone.candidate_forms() if f))


def _checked_phone(phone: PhoneQuery) -> PhoneQuery:
    if not (
        re.fullmatch(r"\+\d{6,15}", phone.e164)
        and re.fullmatch(r"\d{4,15}", phone.national_digits)
        and _PHONE_CHARS.fullmatch(phone.national_formatted)
        and _PHONE_CHARS.fullmatch(phone.international_formatted)
    ):
        raise InvalidInput("That phone number holds characters cx-tui will not send to Intercom.")
    return phone


def _normalized(value: str, normalize: Any, what: str) -> str:
    try:
        same = normalize(value) == value
    except ValueError:
        same = False
    if not same:
        raise InvalidInput(f"That {what} is not in its normalised form.")
    return value


def contact_query(query: Query) -> dict[str, Any]:
    """The `query` object of POST /contacts/search for a validated lookup.

    Raises:
        InvalidInput: a value that is not what the engine validated (nothing is sent).
    """
    if query.phone is not None:
        phone = _checked_phone(query.phone)
        filters: list[dict[str, Any]] = [
            {"field": "phone", "operator": "$", "value": tail} for tail in national_tails(phone)
        ]
        for form in phone_forms(phone):
            if len(filters) >= MAX_FILTERS:
                break
            filters.append({"field": "phone", "operator": "=", "value": form})
        return {"operator": "OR", "value": filters}
    if query.email is not None:
        email = _normalized(query.email, normalize_email, "email address")
        return {"field": "email", "operator": "=", "value": email}
    if query.name is not None:
        name = _normalized(query.name, normalize_name, "name")
        if len(name) > 100:
            raise InvalidInput("That name is too long to look up.")
        return {"field": "name", "operator": "~", "value": name}
    raise InvalidInput("Nothing to look up.")
