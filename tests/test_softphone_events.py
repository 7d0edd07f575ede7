"""Call events: numbers as softphones send them, the socket message and the generic CTI format."""

from __future__ import annotations

from typing import Any

import pytest

from cx_tui.identity import parse_query
from cx_tui.softphone.events import (
    CallEvent,
    CallKind,
    Direction,
    EventError,
    event_from_cti,
    event_from_message,
    parse_number,
)

HERO = "+14155550132"


@pytest.mark.parametrize(
    ("raw", "region", "e164", "extension"),
    [
        ("+1 415 555 0132", None, HERO, None),
        ("(415) 555-0132", "US", HERO, None),
        ("14155550132", "US", HERO, None),
        ("sip:+14155550132@pbx.example;user=phone", None, HERO, None),
        ('"Maria Gonzalez" <sip:4155550132@pbx.example>', "US", HERO, None),
        ("sips:%2B14155550132@pbx.example", None, HERO, None),
        ("tel:+1-415-555-0132;ext=12", None, HERO, "12"),
        ("+1 212 555 0100 x210", None, "+12125550100", "210"),
        # International digits without "+", as the generic CTI format sends them.
        ("493055571600", "US", "+493055571600", None),
        ("442079460321", None, "+442079460321", None),
    ],
)
def test_numbers_in_the_forms_softphones_send(
    raw: str, region: str | None, e164: str, extension: str | None
) -> None:
    phone, withheld = parse_number(raw, region)
    assert phone is not None and not withheld
    assert (phone.e164, phone.extension) == (e164, extension)


@pytest.mark.parametrize("raw", ["anonymous", "Anonymous", "private", "withheld", "unknown"])
def test_a_withheld_caller_is_not_an_error(raw: str) -> None:
    assert parse_number(raw, "US") == (None, True)


@pytest.mark.parametrize(
    ("raw", "region", "fragment"),
    [
        ("12", "US", "too few digits"),
        ("call me maybe", "US", "does not belong in a phone number"),
        ("4155550132", None, "default_region"),
        ("", "US", "empty"),
        ("1" * 200, "US", "characters long"),
        ("mailto:someone@example.com", "US", "does not belong"),
        ("0123", "DE", "not a valid phone number"),
    ],
)
def test_bad_numbers_are_refused_with_the_reason(
    raw: str, region: str | None, fragment: str
) -> None:
    with pytest.raises(EventError, match=fragment):
        parse_number(raw, region)


def test_national_reading_wins_over_adding_a_plus() -> None:
    # 4155550132 is a valid US number and also "+41 55 555 01 32"-like: the region decides.
    phone, _ = parse_number("4155550132", "US")
    assert phone is not None and phone.e164 == HERO


def test_lookup_text_round_trips_through_the_lookup_parser() -> None:
    event = event_from_message(
        {"event": "lookup", "number": "+1 212 555 0100", "extension": "210"}, default_region=None
    )
    query = parse_query(event.lookup_text() or "", None)
    assert query.phone is not None
    assert (query.phone.e164, query.phone.extension) == ("+12125550100", "210")
    assert CallEvent(kind=CallKind.HANGUP).lookup_text() is None


# --- socket messages -------------------------------------------------------------------------


def test_a_full_socket_message() -> None:
    event = event_from_message(
        {
            "v": 1,
            "event": "RING",
            "number": "+14155550132",
            "call_id": 12345,
            "line": "  Support  ",
            "direction": "outgoing",
            "user": ["Ana", "Ben"],
            "cause": None,
            "future_field": "ignored",
        },
        default_region=None,
    )
    assert event.kind is CallKind.RING
    assert (event.number, event.call_id, event.line) == (HERO, "12345", "Support")
    assert (event.direction, event.user) == (Direction.OUTBOUND, "Ana, Ben")


def test_a_ring_without_v_is_read_as_v1_and_defaults_to_inbound() -> None:
    event = event_from_message({"event": "ring", "number": HERO}, default_region=None)
    assert event.direction is Direction.INBOUND


def test_a_withheld_ring_is_an_event_without_a_number() -> None:
    event = event_from_message({"event": "ring", "number": "anonymous"}, default_region="US")
    assert (event.number, event.withheld) == (None, True)


@pytest.mark.parametrize(
    ("message", "fragment"),
    [
        ("ring", "expected a JSON object"),
        ({"v": True, "event": "ring", "number": HERO}, "protocol version"),
        ({"event": "lookup", "number": "anonymous"}, "not a withheld caller"),
        ({"event": "lookup"}, "needs a number"),
        ({"event": "ring", "number": HERO, "direction": "sideways"}, "inbound or outbound"),
        ({"event": "ring", "number": HERO, "call_id": "x" * 251}, "limit is 250"),
        ({"event": "ring", "number": HERO, "user": {"name": "x"}}, "user must be text"),
        ({"event": "ring", "number": HERO, "line": True}, "line must be text"),
        ({"event": "ring", "number": HERO, "cause": "a\u202eb"}, "control character"),
    ],
)
def test_bad_socket_messages(message: Any, fragment: str) -> None:
    with pytest.raises(EventError, match=fragment):
        event_from_message(message, default_region="US")


# --- the generic CTI format ------------------------------------------------------------------


def test_newcall_inbound_takes_the_number_from_from() -> None:
    event = event_from_cti(
        {
            "event": "newCall",
            "from": "493055571600",
            "to": "491711234567890",
            "direction": "in",
            "callId": "123456",
            "user[]": ["Alice", "Bob"],
        },
        default_region="DE",
    )
    assert event.kind is CallKind.RING and event.source == "http"
    assert (event.number, event.direction) == ("+493055571600", Direction.INBOUND)
    assert (event.call_id, event.user, event.line) == ("123456", "Alice, Bob", "491711234567890")


def test_newcall_outbound_takes_the_number_from_to() -> None:
    event = event_from_cti(
        {"event": "newCall", "from": "4921199999999", "to": "14155550132", "direction": "out"},
        default_region="US",
    )
    assert (event.number, event.direction) == (HERO, Direction.OUTBOUND)


def test_a_queue_names_the_line() -> None:
    event = event_from_cti(
        {"event": "newCall", "from": HERO, "to": "100", "queue": "helpdesk"}, default_region=None
    )
    assert event.line == "helpdesk"


def test_anonymous_newcall_is_a_withheld_ring() -> None:
    event = event_from_cti(
        {"event": "newCall", "from": "anonymous", "to": "1"}, default_region=None
    )
    assert (event.kind, event.number, event.withheld) == (CallKind.RING, None, True)


def test_answer_and_hangup_keep_user_and_cause() -> None:
    answer = event_from_cti(
        {"event": "answer", "callId": "1", "user": "John Doe", "from": HERO, "direction": "in"},
        default_region=None,
    )
    hangup = event_from_cti(
        {"event": "hangup", "callId": "1", "cause": "normalClearing", "from": HERO},
        default_region=None,
    )
    assert (answer.kind, answer.user, answer.number) == (CallKind.ANSWER, "John Doe", HERO)
    assert (hangup.kind, hangup.cause) == (CallKind.HANGUP, "normalClearing")


def test_a_hangup_with_a_bad_number_is_kept_with_a_warning() -> None:
    event = event_from_cti({"event": "hangup", "callId": "1", "from": "12"}, default_region="US")
    assert event.number is None and event.warning and "number dropped" in event.warning


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({}, "missing field: event"),
        ({"event": "dtmf"}, "unknown event"),
        ({"event": "newCall", "to": "1"}, "missing field: from"),
        ({"event": "newCall", "from": "1", "direction": "out"}, "missing field: to"),
        ({"event": "newCall", "from": "12", "to": "1"}, "not a valid phone number"),
        ({"event": "newCall", "from": HERO, "direction": "both"}, "inbound or outbound"),
    ],
)
def test_bad_cti_events(fields: dict[str, Any], fragment: str) -> None:
    with pytest.raises(EventError, match=fragment):
        event_from_cti(fields, default_region="US")
