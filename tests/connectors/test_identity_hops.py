"""Issue 14 through the HubSpot and Zendesk doubles: the bounded second hop (secondary emails in
both directions) and one number shown once however each system spells it."""

from __future__ import annotations

from typing import Any

from cx_tui.connectors.hubspot import HubSpotConnector
from cx_tui.connectors.zendesk import ZendeskConnector
from cx_tui.identity import parse_query
from cx_tui.lookup import LookupEngine
from cx_tui.models import ContactKind, ProfileState, SourceState
from tests.connectors.vendor_fakes import (
    HUBSPOT_TOKEN,
    ZENDESK_AGENT,
    ZENDESK_TOKEN,
    HubSpotFake,
    ZendeskFake,
)

HS, ZD = "Acme HubSpot", "Acme Zendesk"
PHONE = "+1 415 555 0132"


def engine(hubspot: HubSpotFake, zendesk: ZendeskFake, *, region: str | None = "US") -> Any:
    common = {"default_region": region} if region else {}
    return LookupEngine(
        [
            HubSpotConnector(HS, dict(common), HUBSPOT_TOKEN, transport=hubspot.transport()),
            ZendeskConnector(
                ZD,
                {"subdomain": "acme", "email": ZENDESK_AGENT, **common},
                ZENDESK_TOKEN,
                transport=zendesk.transport(),
            ),
        ]
    )


def ming(**properties: str) -> tuple[HubSpotFake, ZendeskFake]:
    """Ming Chen in HubSpot, by phone and work email (plus `properties`); Zendesk empty."""
    hubspot, zendesk = HubSpotFake(), ZendeskFake()
    hubspot.add(
        "contacts",
        "101",
        firstname="Ming",
        lastname="Chen",
        email="ming.chen@corp.example",
        phone="(415) 555-0132",
        **properties,
    )
    return hubspot, zendesk


def user_searches(zendesk: ZendeskFake) -> int:
    # Users are searched with /api/v2/users/search (identities side-loaded, issue 16).
    return len(zendesk.calls_to("GET", r"/api/v2/users/search"))


async def test_helpdesk_found_through_the_crms_secondary_email() -> None:
    hubspot, zendesk = ming(hs_additional_emails="m.chen@home.example")
    zendesk.add_user(501, "Ming Chen", "m.chen@home.example")  # no phone on record
    zendesk.add_ticket(3001, 501, "Cannot log in", "open", priority="high")
    profile = await engine(hubspot, zendesk).lookup(parse_query(PHONE))
    assert profile.state is ProfileState.RESOLVED
    assert {m.source for m in profile.matches} == {HS, ZD}
    [hop] = [m for m in profile.matches if m.source == ZD]
    assert hop.detail == (f"found in {ZD} through {HS}'s secondary email m.chen@home.example")
    assert [t.subject for t in profile.tickets] == ["Cannot log in"]
    assert profile.sources[ZD].state is SourceState.FOUND
    # One extra round: the phone search, then one search per identifier HubSpot gave.
    assert user_searches(zendesk) == 3  # the phone, then both emails, side by side


async def test_crm_found_through_the_helpdesks_secondary_email() -> None:
    hubspot, zendesk = HubSpotFake(), ZendeskFake()
    hubspot.add("contacts", "101", firstname="Ming", lastname="Chen", email="m.chen@home.example")
    zendesk.add_user(
        501,
        "Ming Chen",
        "ming.chen@corp.example",
        "+1 415 555 0132",
        extra_identities=(("email", "m.chen@home.example"),),
    )
    profile = await engine(hubspot, zendesk).lookup(parse_query(PHONE))
    assert profile.state is ProfileState.RESOLVED
    [hop] = [m for m in profile.matches if m.source == HS]
    assert hop.detail == f"found in {HS} through {ZD}'s secondary email m.chen@home.example"


async def test_a_hop_never_joins_someone_whose_email_conflicts() -> None:
    hubspot, zendesk = ming(mobilephone="+1 415 555 0199")
    # Zendesk knows the mobile, but on another person with their own email.
    zendesk.add_user(501, "Ana Ortiz", "ana@other.example", "+1 415 555 0199")
    profile = await engine(hubspot, zendesk).lookup(parse_query(PHONE))
    assert profile.state is ProfileState.RESOLVED
    assert {m.source for m in profile.matches} == {HS}
    assert profile.sources[ZD].state is SourceState.NOBODY


async def test_no_hop_when_every_source_agrees() -> None:
    hubspot, zendesk = ming(hs_additional_emails="m.chen@home.example")
    zendesk.add_user(501, "Ming Chen", "ming.chen@corp.example", "+1 415 555 0132")
    profile = await engine(hubspot, zendesk).lookup(parse_query(PHONE))
    assert {m.source for m in profile.matches} == {HS, ZD}
    assert user_searches(zendesk) == 1


async def test_national_and_e164_spellings_of_one_number_show_once() -> None:
    hubspot, zendesk = HubSpotFake(), ZendeskFake()
    hubspot.add(
        "contacts",
        "101",
        firstname="Maria",
        lastname="Gonzalez",
        email="maria@example.com",
        phone="+14155550132",
    )
    zendesk.add_user(501, "Maria Gonzalez", "maria@example.com", "(415) 555-0132")
    # No default region on either source: Zendesk's number cannot be read by itself.
    profile = await engine(hubspot, zendesk, region=None).lookup(parse_query(PHONE))
    assert profile.state is ProfileState.RESOLVED
    phones = [c for c in profile.contacts if c.point.kind is ContactKind.PHONE]
    assert [c.point.value for c in phones] == ["+14155550132"]
    assert {r.connector for r in phones[0].sources} == {HS, ZD}
    assert (ZD, "(415) 555-0132") in phones[0].spellings
