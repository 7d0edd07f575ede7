"""Parsing what the agent types: phones, emails, names and the ways input goes wrong."""

from __future__ import annotations

import pytest

from cx_tui.identity import (
    ControlCharacterError,
    EmptyQueryError,
    InvalidEmailError,
    InvalidNameError,
    InvalidPhoneError,
    QueryError,
    QueryKind,
    QueryTooLongError,
    contact_prefill,
    normalize_phone,
    parse_query,
)
from cx_tui.models import MatchReason
from cx_tui.source_values import compare_phone


@pytest.mark.parametrize(
    ("text", "region", "e164", "extension"),
    [
        ("+1 415 555 0132", None, "+14155550132", None),
        ("(415) 555-0132", "US", "+14155550132", None),
        ("415.555.0132", "us", "+14155550132", None),
        ("001 415 555 0132", "GB", "+14155550132", None),
        ("tel:+14155550132", None, "+14155550132", None),
        ("+1 212 555 0100 x204", None, "+12125550100", "204"),
        ("212-555-0100 ext. 310", "US", "+12125550100", "310"),
        ("020 7946 0958", "GB", "+442079460958", None),
        ("+44 20 7946 0958", "US", "+442079460958", None),
    ],
)
def test_phone_forms_normalise_to_e164(
    text: str, region: str | None, e164: str, extension: str | None
) -> None:
    query = parse_query(text, region)
    assert query.kind is QueryKind.PHONE
    assert query.phone is not None
    assert query.phone.e164 == e164
    assert query.phone.extension == extension


def test_candidate_forms_cover_what_vendors_store() -> None:
    phone = normalize_phone("+1 415 555 0132")
    assert phone.national_digits == "4155550132"
    assert phone.national_formatted == "(415) 555-0132"
    assert phone.digits == "14155550132"
    assert phone.last_digits(4) == "0132"
    forms = phone.candidate_forms()
    assert forms[0] == "+14155550132"
    assert {"4155550132", "(415) 555-0132", "+1 415-555-0132"} <= set(forms)
    assert len(forms) == len(set(forms))


def test_region_is_the_numbers_own_not_the_agents() -> None:
    phone = normalize_phone("+44 20 7946 0958", "US")
    assert phone.region == "GB"
    assert phone.country_code == 44


@pytest.mark.parametrize(
    ("text", "error", "words"),
    [
        ("", EmptyQueryError, "Type a phone number"),
        ("   \t ", EmptyQueryError, "Type a phone number"),
        ("415-555-O132", InvalidPhoneError, "'O' (position 9)"),
        ("+999 123", InvalidPhoneError, "not a valid phone number"),
        ("+1 415 555", InvalidPhoneError, "not a valid phone number"),
        ("+1 415 555 01325555", InvalidPhoneError, "not a valid phone number"),
        ("415 555 0132", InvalidPhoneError, "default_region"),
        ("+", InvalidPhoneError, "digits"),
        ("12+34", InvalidPhoneError, "+ may only come first"),
        ("x" * 10_000, QueryTooLongError, "10,000 characters"),
        ("a" * 300, QueryTooLongError, "300 characters"),
        ("jane\x00@example.com", ControlCharacterError, "U+0000"),
        ("+1 415\u200b555 0132", ControlCharacterError, "U+200B"),
        ("\x1b[31m+14155550132", ControlCharacterError, "U+001B"),
        ("jane@", InvalidEmailError, "domain"),
        ("@example.com", InvalidEmailError, "nothing before the @"),
        ("a@b@example.com", InvalidEmailError, "exactly one @"),
        ('jane"@example.com', InvalidEmailError, "characters"),
        ("jane doe@example.com", InvalidEmailError, "characters"),
        ("j*@example.com", InvalidEmailError, "characters"),
        ("jane..doe@example.com", InvalidEmailError, "characters"),
        ("zoë@example.com", InvalidEmailError, "non-ASCII"),
        ("J", InvalidNameError, "two letters"),
        ("type:ticket", InvalidNameError, "neither a phone number"),
        ("Robert'); DROP TABLE", InvalidNameError, "neither a phone number"),
    ],
)
def test_bad_input_gets_a_typed_error_an_agent_can_read(
    text: str, error: type[QueryError], words: str
) -> None:
    with pytest.raises(error) as raised:
        parse_query(text, "US" if "default_region" not in words else None)
    assert words in str(raised.value)
    assert "Traceback" not in str(raised.value)


def test_region_missing_message_only_when_no_region() -> None:
    assert parse_query("415 555 0132", "US").phone is not None


def test_emails_are_trimmed_and_case_folded() -> None:
    query = parse_query("  Maria.Gonzalez@Example.COM \n")
    assert query.kind is QueryKind.EMAIL
    assert query.email == "maria.gonzalez@example.com"


def test_plus_addressing_and_apostrophes_are_valid_emails() -> None:
    assert parse_query("o'brien+support@example.org").email == "o'brien+support@example.org"


def test_names_collapse_whitespace() -> None:
    query = parse_query("  Maria   González ")
    assert query.kind is QueryKind.NAME
    assert query.name == "Maria González"


@pytest.mark.parametrize(
    ("stored", "reason"),
    [
        ("+14155550132", MatchReason.EXACT_E164),
        ("(415) 555-0132", MatchReason.EXACT_E164),
        ("1-415-555-0132", MatchReason.EXACT_E164),
        ("4155550132 (junk)", MatchReason.NATIONAL_DIGITS),
        ("555-0132", MatchReason.SUFFIX),
        ("0132", None),
        ("650 555 0132", MatchReason.SUFFIX),
        ("+14155550199", None),
    ],
)
def test_compare_phone_explains_how_a_stored_number_matches(
    stored: str, reason: MatchReason | None
) -> None:
    query = normalize_phone("+1 415 555 0132")
    assert compare_phone(stored, query, "US") is reason


@pytest.mark.parametrize(
    ("stored", "query", "region", "reason"),
    [
        # A number stored without area code is in the source's region: its last digits say
        # nothing about a caller from another country.
        ("555-0142", "+1 646 555 0142", "US", MatchReason.SUFFIX),
        ("555-0142", "+44 20 7555 0142", "US", None),
        ("555-0142", "+61 2 9555 0142", "US", None),
        ("+1 646 555 0142", "+44 20 7555 0142", None, None),
        # Without a region the stored number's country cannot be told: still a (weak) match.
        ("555-0142", "+44 20 7555 0142", None, MatchReason.SUFFIX),
        # A foreign number in national form matches its own country's caller...
        ("020 7946 0457", "+44 20 7946 0457", "US", MatchReason.NATIONAL_DIGITS),
        ("0044 20 7946 0457", "+44 20 7946 0457", "US", MatchReason.NATIONAL_DIGITS),
        # ...not a caller whose national number happens to be the same digits after the 0.
        ("020 7946 0457", "+1 207 946 0457", "US", MatchReason.SUFFIX),
    ],
)
def test_digits_match_only_when_the_country_fits(
    stored: str, query: str, region: str | None, reason: MatchReason | None
) -> None:
    assert compare_phone(stored, normalize_phone(query), region) is reason


@pytest.mark.parametrize(
    ("text", "prefill"),
    [
        ("+1 415 555 0199 ext. 5", {"phone": "+14155550199", "extension": "5"}),
        ("(415) 555-0199", {"phone": "+14155550199"}),
        ("Zed.Nobody@Example.com", {"email": "zed.nobody@example.com"}),
        ("  Zed   Nobody ", {"name": "Zed Nobody"}),
    ],
)
def test_contact_prefill_follows_the_kind_of_query(text: str, prefill: dict[str, str]) -> None:
    assert contact_prefill(parse_query(text, "US")) == prefill


# --- Issue 14, item 5: possible numbers outside the known ranges are looked up ---------------


@pytest.mark.parametrize(
    ("text", "region", "e164", "country"),
    [
        ("+1 200 555 0132", None, "+12005550132", "US"),  # area code 200 is not allocated
        ("(200) 555-0132", "US", "+12005550132", "US"),
    ],
)
def test_a_possible_number_outside_the_known_ranges_is_looked_up(
    text: str, region: str | None, e164: str, country: str
) -> None:
    query = parse_query(text, region)
    assert query.phone is not None
    assert query.phone.e164 == e164
    assert query.phone.recognised is False
    assert query.phone.region == country
    assert parse_query("+1 415 555 0132").phone.recognised is True  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "region"),
    [("0123", "DE"), ("+1 415 555", None), ("+999 1234 5678", None), ("12", "US")],
)
def test_impossible_numbers_are_still_refused(text: str, region: str | None) -> None:
    with pytest.raises(InvalidPhoneError, match="not a valid phone number"):
        parse_query(text, region)
