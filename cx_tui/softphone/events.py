"""Call events: what a softphone, a PBX bridge or a `tel:` link tells the app.

Every door (control socket, HTTP endpoint, `tel:` handler) turns what it receives into one
`CallEvent` here, or refuses it with an `EventError` whose message is written for the person
setting the softphone up. Numbers are validated with `identity.normalize_phone` against the
app's default region and stored as E.164; free-text fields are bounded and must be printable.

What softphones and PBXs send as a number varies, so a few forms are accepted besides plain
numbers: `sip:+14155550132@pbx.example`, `"Maria" <sip:4155550132@pbx>`, `tel:` URIs, and digit
strings in international form without the `+` (`493055571600`, the generic CTI format's habit)
when they are not valid as national numbers of the default region. `anonymous`, `private`,
`withheld`, `unknown`, `restricted` and `unavailable` mean the caller hid the number.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from urllib.parse import unquote

from cx_tui.identity import InvalidPhoneError, PhoneQuery, QueryError, normalize_phone
from cx_tui.softphone import PROTOCOL_VERSION
from cx_tui.softphone.handler import UriError, parse_tel_uri

MAX_NUMBER_LENGTH = 128
MAX_CALL_ID_LENGTH = 250
"""The generic CTI format allows call ids of up to 250 characters."""
MAX_TEXT_LENGTH = 128
"""Line, user and cause: a name or a short code."""

WITHHELD_MARKERS = frozenset(
    {"anonymous", "private", "withheld", "unknown", "restricted", "unavailable"}
)


class CallKind(StrEnum):
    RING = "ring"
    """A call is ringing (or, outbound, being placed): show who it is."""
    ANSWER = "answer"
    """The call was answered: start the call timer."""
    HANGUP = "hangup"
    """The call ended: stop the timer, offer the wrap-up."""
    LOOKUP = "lookup"
    """A `tel:`/`callto:` link was opened: look the number up, no call involved."""
    QUIT = "quit"
    """Another cx-tui starting with `--replace` asks this one to quit."""


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class EventError(ValueError):
    """The event cannot be used. `str(error)` says what is wrong, for the person wiring it up."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class CallEvent:
    """One thing that happened to a call, validated.

    Text fields hold no control characters, but may hold anything else a PBX sends (including
    `[` and `]`): render them as plain text, never as markup.
    """

    kind: CallKind
    number: str | None = None
    """The other party's number in E.164 (`+14155550132`), or None: not sent, or withheld."""
    extension: str | None = None
    """The extension, when the number came with one (`;ext=210`, `x210`)."""
    withheld: bool = False
    """True when the softphone said the caller hid the number (`anonymous`...)."""
    call_id: str | None = None
    """The softphone's or PBX's id of the call, to pair ring, answer and hangup."""
    line: str | None = None
    """The line, queue or called number the call came in on."""
    direction: Direction | None = None
    """Inbound or outbound; None for lookups and quit."""
    user: str | None = None
    """The agent(s) the PBX says are involved (several are joined with ", ")."""
    cause: str | None = None
    """Why a call ended (`normalClearing`, `busy`, `cancel`, ...), as the PBX said it."""
    source: str = "socket"
    """Which door it came through: `socket` or `http`."""
    warning: str | None = None
    """Set when a part of an answer/hangup event was dropped (an unreadable number)."""
    received_at: datetime = field(default_factory=_now)
    """When the app received it (UTC)."""

    def lookup_text(self) -> str | None:
        """What to hand `identity.parse_query` to look the caller up, or None (no number)."""
        if self.number is None:
            return None
        return f"{self.number} x{self.extension}" if self.extension else self.number


# --- Numbers ---------------------------------------------------------------------------------


def _sip_user(text: str) -> str:
    """The user part of a SIP URI or name-addr: `"Ann" <sip:+1415@pbx;user=phone>` → `+1415`."""
    if "<" in text and text.rstrip().endswith(">"):
        text = text[text.rindex("<") + 1 : text.rstrip().rindex(">")]
    scheme, colon, rest = text.partition(":")
    if colon and scheme.strip().lower() in ("sip", "sips"):
        user = rest.split("@", 1)[0].split(";", 1)[0]
        return unquote(user).strip()
    return text


def parse_number(raw: str, default_region: str | None) -> tuple[PhoneQuery | None, bool]:
    """Validate a number as a softphone sends it.

    Returns:
        (the number, False); or (None, True) when the caller withheld it.

    Raises:
        EventError: empty, too long, or not a valid phone number (with the reason).
    """
    text = raw.strip()
    if not text:
        raise EventError("the number is empty")
    if len(text) > MAX_NUMBER_LENGTH:
        raise EventError(f"the number is {len(text):,} characters long; expected a phone number")
    text = _sip_user(text)
    if text.lower().startswith(("tel:", "callto:")):
        try:
            number, extension = parse_tel_uri(text)
        except UriError as error:
            raise EventError(str(error)) from None
        text = f"{number};ext={extension}" if extension else number
    if text.strip().lower() in WITHHELD_MARKERS:
        return None, True
    try:
        return normalize_phone(text, default_region), False
    except InvalidPhoneError as error:
        digits = "".join(ch for ch in text if ch not in " -.()/")
        if digits.isdigit() and not digits.startswith("0"):
            # International digits without the "+", as many PBXs and the generic CTI format
            # send them: tried only after the national reading failed.
            try:
                return normalize_phone("+" + digits, default_region), False
            except QueryError:
                pass
        raise EventError(error.message) from None
    except QueryError as error:
        raise EventError(error.message) from None


# --- Free text -------------------------------------------------------------------------------


def _text(value: object, key: str, limit: int = MAX_TEXT_LENGTH) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        parts = [_text(part, key, limit) for part in value]
        value = ", ".join(part for part in parts if part)
        if not value:
            return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise EventError(f"{key} must be text, got {type(value).__name__}")
    text = str(value).strip()
    if not text:
        return None
    if len(text) > limit:
        raise EventError(f"{key} is {len(text):,} characters long; the limit is {limit}")
    for index, ch in enumerate(text):
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co"):
            raise EventError(
                f"{key} holds an invisible control character (U+{ord(ch):04X} at position "
                f"{index + 1})"
            )
    return text


_DIRECTIONS = {
    "in": Direction.INBOUND,
    "inbound": Direction.INBOUND,
    "incoming": Direction.INBOUND,
    "out": Direction.OUTBOUND,
    "outbound": Direction.OUTBOUND,
    "outgoing": Direction.OUTBOUND,
}


def _direction(value: object) -> Direction | None:
    text = _text(value, "direction")
    if text is None:
        return None
    try:
        return _DIRECTIONS[text.lower()]
    except KeyError:
        raise EventError(f"direction must be inbound or outbound, got {text!r}") from None


# --- Building events -------------------------------------------------------------------------

_CALL_KINDS = (CallKind.RING, CallKind.ANSWER, CallKind.HANGUP, CallKind.LOOKUP)


def build_event(
    kind: CallKind,
    *,
    number: object = None,
    extension: object = None,
    call_id: object = None,
    line: object = None,
    direction: object = None,
    user: object = None,
    cause: object = None,
    default_region: str | None,
    source: str,
) -> CallEvent:
    """Validate the parts of an event and build it.

    A ring or a lookup needs a valid number (or, for a ring, a withheld one). An answer or a
    hangup is kept even when its number is unreadable, so the app's call state never sticks:
    the number is dropped and `warning` says why.

    Raises:
        EventError: the first problem found.
    """
    number_text = _text(number, "number", MAX_NUMBER_LENGTH)
    phone: PhoneQuery | None = None
    withheld = False
    warning: str | None = None
    if number_text is None:
        if kind in (CallKind.RING, CallKind.LOOKUP):
            raise EventError(f"a {kind.value} event needs a number")
    else:
        try:
            phone, withheld = parse_number(number_text, default_region)
        except EventError as error:
            if kind in (CallKind.RING, CallKind.LOOKUP):
                raise
            warning = f"number dropped: {error}"
        if kind is CallKind.LOOKUP and withheld:
            raise EventError("a lookup needs a phone number, not a withheld caller")
    ext = _text(extension, "extension", 7)
    if ext is not None and not ext.isdigit():
        raise EventError(f"extension must be 1 to 7 digits, got {ext!r}")
    resolved_direction = _direction(direction)
    if kind in (CallKind.RING, CallKind.ANSWER, CallKind.HANGUP) and resolved_direction is None:
        resolved_direction = Direction.INBOUND
    if kind is CallKind.LOOKUP:
        resolved_direction = None
    return CallEvent(
        kind=kind,
        number=phone.e164 if phone else None,
        extension=ext or (phone.extension if phone else None),
        withheld=withheld,
        call_id=_text(call_id, "call_id", MAX_CALL_ID_LENGTH),
        line=_text(line, "line"),
        direction=resolved_direction,
        user=_text(user, "user"),
        cause=_text(cause, "cause"),
        source=source,
        warning=warning,
    )


_SOCKET_KEYS = frozenset(
    {"v", "event", "number", "extension", "call_id", "line", "direction", "user", "cause"}
)


def event_from_message(
    message: object, *, default_region: str | None, source: str = "socket"
) -> CallEvent:
    """A control-socket message (one decoded JSON object) as an event.

    `{"v": 1, "event": "ring", "number": "+14155550132", "call_id": "...", "line": "..."}`.
    `event` is one of ring, answer, hangup, lookup, quit; `v` defaults to 1; unknown keys are
    ignored so a newer client can talk to an older app.

    Raises:
        EventError: not an object, another protocol version, an unknown event, a bad field.
    """
    if not isinstance(message, Mapping):
        raise EventError('expected a JSON object such as {"event": "ring", "number": ...}')
    version = message.get("v", PROTOCOL_VERSION)
    if version != PROTOCOL_VERSION or isinstance(version, bool):
        raise EventError(f"unsupported protocol version {version!r}; this app speaks v1")
    name = message.get("event")
    if name is None:
        raise EventError("missing field: event (ring, answer, hangup, lookup or quit)")
    if not isinstance(name, str):
        raise EventError(f"event must be text, got {type(name).__name__}")
    try:
        kind = CallKind(name.strip().lower())
    except ValueError:
        raise EventError(
            f"unknown event {name[:40]!r}; expected ring, answer, hangup, lookup or quit"
        ) from None
    if kind is CallKind.QUIT:
        return CallEvent(kind=kind, source=source)
    fields = {key: message.get(key) for key in _SOCKET_KEYS - {"v", "event"}}
    return build_event(kind, default_region=default_region, source=source, **fields)


_CTI_EVENTS = {"newcall": CallKind.RING, "answer": CallKind.ANSWER, "hangup": CallKind.HANGUP}


def event_from_cti(fields: Mapping[str, object], *, default_region: str | None) -> CallEvent:
    """A generic CTI event (the newCall / answer / hangup format many PBX bridges POST).

    Fields: `event` (newCall, answer, hangup), `from`, `to`, `direction` (in, out), `callId`,
    `user` or `user[]` (several allowed), `cause`, and optionally `queue`. The other party is
    `from` on inbound calls and `to` on outbound ones; the line is `queue`, else our side's
    number.

    Raises:
        EventError: a missing or unknown event, a bad direction, an invalid number on newCall.
    """
    name = _text(fields.get("event"), "event")
    if name is None:
        raise EventError("missing field: event (newCall, answer or hangup)")
    kind = _CTI_EVENTS.get(name.lower())
    if kind is None:
        raise EventError(f"unknown event {name[:40]!r}; expected newCall, answer or hangup")
    direction = _direction(fields.get("direction")) or Direction.INBOUND
    theirs, ours = ("from", "to") if direction is Direction.INBOUND else ("to", "from")
    number = fields.get(theirs)
    if kind is CallKind.RING and _text(number, theirs, MAX_NUMBER_LENGTH) is None:
        raise EventError(f"missing field: {theirs} (the other party's number on a newCall)")
    users = fields.get("user[]", fields.get("user"))
    return build_event(
        kind,
        number=number,
        call_id=fields.get("callId"),
        line=fields.get("queue") or fields.get(ours),
        direction=direction,
        user=users,
        cause=fields.get("cause"),
        default_region=default_region,
        source="http",
    )
