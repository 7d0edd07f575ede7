"""What a connector type declares as data: its capabilities, its options (with validators),
and what `cx-tui connectors` reports."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class Capability(enum.Flag):
    """What a connector can do; the UI only offers what a source declares."""

    NONE = 0
    LOOKUP_PHONE = enum.auto()
    LOOKUP_EMAIL = enum.auto()
    LOOKUP_NAME = enum.auto()
    TICKETS = enum.auto()
    PERSON_NOTES = enum.auto()
    TICKET_NOTES = enum.auto()
    CALLS = enum.auto()
    CREATE_CONTACT = enum.auto()
    CREATE_TICKET = enum.auto()
    """`add_note` to a `TargetKind.NEW_TICKET` opens a ticket for the person with the note."""
    ASSIGN = enum.auto()
    """`hand_off`: a ticket note that also assigns the ticket to a group or an agent."""
    UPDATE_PERSON = enum.auto()
    """`add_phone` adds a number to an existing person (an unknown caller who is someone's new
    phone: "add this number to an existing person")."""
    RECENT_TICKETS = enum.auto()
    """`count_recent`: tickets with a tag opened lately, across customers (trouble spots)."""
    LOOKUP = LOOKUP_PHONE | LOOKUP_EMAIL | LOOKUP_NAME
    """Every kind of lookup (phone, email, name)."""


def new_ticket_subject(text: str, limit: int) -> str:
    """The subject of a ticket opened from a note: the note's first non-blank line, its
    whitespace collapsed, cut to `limit` characters with an ellipsis.

    Raises:
        ValueError: the note has no text.
    """
    line = next((" ".join(line.split()) for line in text.splitlines() if line.strip()), "")
    if not line:
        raise ValueError("the note is empty")
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


Validator = Callable[[Any], Any]
"""Takes the config value, returns the value to use, raises ValueError with what is expected."""


def text_validator(pattern: re.Pattern[str], expected: str, *, fold: bool = False) -> Validator:
    """A validator for a text option: the value, stripped (and lower-cased with `fold`), must
    match `pattern` in full.

    Args:
        pattern: What a valid value looks like.
        expected: The error's words: 'expected a host name such as "app.hubspot.com"'.
        fold: Lower-case the value first (host names, subdomains).
    """

    def validate(value: Any) -> str:
        text = value.strip() if isinstance(value, str) else ""
        text = text.lower() if fold else text
        if not pattern.fullmatch(text):
            raise ValueError(expected)
        return text

    return validate


@dataclass(frozen=True, slots=True)
class Option:
    """One configuration key a connector type accepts."""

    name: str
    label: str
    description: str
    type: type = str
    """The TOML type expected: str, int, float, bool, or dict (a table such as
    `[connectors.fields]`, whose validator checks its keys and values)."""
    default: Any = None
    required: bool = False
    validator: Validator | None = None
    unique: Callable[[str, Mapping[str, Any]], object] | None = None
    """What this option gives an account alone, from its name and validated settings (the
    option may be unset and derive from the name), e.g. a database file: config refuses two
    accounts with the same. Paths are compared by where they really lead."""

    def expected(self) -> str:
        """Words for error messages: what this option wants."""
        names = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
        names[dict] = "a table"
        return names.get(self.type, self.type.__name__)


COMMON_OPTIONS: tuple[Option, ...] = (
    Option(
        "base_url",
        "Base URL",
        "Override the API address (a sandbox, a proxy, a self-hosted instance, tests).",
    ),
    Option(
        "deadline",
        "Lookup deadline",
        "Seconds this source gets to answer a lookup before it is shown as timed out "
        "(default: the [lookup] deadline).",
        type=float,
    ),
)
"""Options every connector type accepts, besides `name` and `type`."""


def _settle_value(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 3600:
        raise ValueError("expected seconds between 0 and 3600")
    return float(value)


SETTLE_OPTION = Option(
    "settle_seconds",
    "Settle delay",
    "Seconds a write whose outcome is unknown is left before cx-tui looks whether the vendor "
    "saved it (its index lag). Default: the vendor's.",
    type=float,
    validator=_settle_value,
)
"""For vendors that write through markers (`kit.writes`): listed in their `OPTIONS`, so
config validates it from the declaration like any other option."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What `cx-tui connectors` reports for one account."""

    ok: bool
    summary: str
    """One line for the admin: "authenticated as ...", or what is wrong and what to do."""
    details: tuple[str, ...] = ()
    permissions: tuple[str, ...] = field(default_factory=tuple)
    """What the credentials may do (scopes, roles), when the vendor says."""
    capabilities: Capability | None = None
    """Which of the type's declared capabilities these credentials allow, when the check could
    tell (a token without write scope cannot write notes); None when it could not."""
