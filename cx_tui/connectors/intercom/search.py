"""The contact search Intercom is asked, built only from re-checked values.

POST /contacts/search compares `phone` as a plain string (no normalisation is documented), so
one OR group asks for every written form the kit knows (`=`) plus the national digits at the
end of the stored string (`$`, which catches "+14155550132", "0014155550132", "1-4155550132"
...); an email is asked lowercased, as typed forms differ only in case. Both roles (users and
leads) are contacts, so no `role` filter is added. Intercom allows at most 15 filters per
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


def phone_forms(phone: PhoneQuery) -> list[str]:
    """Written forms a person may have typed into Intercom's phone field, canonical first."""
    groups = re.split(r"[ \-]", phone.international_formatted.split(" ", 1)[-1])
    cc = str(phone.country_code)
    forms = [
        *phone.candidate_forms(),
        "-".join(groups),
        ".".join(groups),
        " ".join(groups),
        f"+{cc} {' '.join(groups)}",
        f"+{cc} {phone.national_formatted}",
        f"+{cc}{phone.national_digits}",
        f"00{cc}{phone.national_digits}",
    ]
    return list(dict.fromkeys(f for f in forms if f))


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
            {"field": "phone", "operator": "$", "value": phone.national_digits}
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
