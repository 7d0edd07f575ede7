"""Custom fields on the card: `[connectors.fields]` parsed, read per vendor, merged by label,
compared (a different plan in two systems is a conflict), and checked by `cx-tui connectors`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from rich.console import Console

from cx_tui.config import Config, ConfigError, load_config
from cx_tui.connectors.hubspot import HubSpotConnector
from cx_tui.connectors.kit.fields import FieldMap, MappedField, field_map_validator
from cx_tui.connectors.local import LocalConnector
from cx_tui.connectors.zendesk import ZendeskConnector
from cx_tui.identity import parse_query
from cx_tui.merge import merge_fields
from cx_tui.models import Company, Match, MatchReason, SourceRef
from cx_tui.profile import ProfileBuilder
from cx_tui.render import identity_card
from tests.connectors.test_zendesk import SETTINGS
from tests.connectors.vendor_fakes import HUBSPOT_TOKEN, ZENDESK_TOKEN, HubSpotFake, ZendeskFake
from tests.fakes import person, phone

HUBSPOT_FIELDS = {"tier": "custom_tier", "plan": "company.plan", "owner": "hubspot_owner_id"}


def load(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_config(path, env={})


# --- config -----------------------------------------------------------------------------------


def test_a_fields_table_under_a_connector_is_read_into_a_field_map(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """
        [[connectors]]
        name = "Acme HubSpot"
        type = "hubspot"
        plan_property = "plan_tier"

        [connectors.fields]
        tier = "custom_tier"
        renewal = "company.renewal_date"
        """,
    )
    (hubspot,) = config.connectors
    assert hubspot.settings["plan_property"] == "plan_tier"  # the alias is still taken
    assert hubspot.settings["fields"] == FieldMap(
        (MappedField("tier", "custom_tier"), MappedField("renewal", "renewal_date", "company"))
    )


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ('tier = "ticket.tier"', "HubSpot has no related record 'ticket'"),
        ('tier = "custom tier"', "a field's internal name"),
        ("tier = 3", "(a string)"),
        ('"Tier!" = "x"', "labels of lower-case letters"),
    ],
)
def test_a_bad_mapping_is_refused_naming_the_key(tmp_path: Path, fields: str, words: str) -> None:
    text = f"""
[[connectors]]
name = "Acme HubSpot"
type = "hubspot"

[connectors.fields]
{fields}
"""
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    message = str(info.value)
    assert "fields" in message and words in message


def test_fields_must_be_a_table(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="a table"):
        load(tmp_path, '[[connectors]]\nname = "Z"\ntype = "hubspot"\nfields = "plan"\n')


# --- merging by label ---------------------------------------------------------------------------


def test_mapped_fields_merge_by_label_with_provenance_and_conflicts() -> None:
    crm = person("CRM", "1", "Ana", phone("+14155550132"), plan="Pro", custom=(("tier", "Gold"),))
    desk = person("Desk", "9", "Ana", phone("+14155550132"), custom=(("plan", "Enterprise"),))
    company = Company(SourceRef("Desk", "org-3"), "Acme", custom=(("tier", "gold"),))
    fields, conflicts = merge_fields([crm, desk], [company])
    assert [v.value for v in fields["plan"]] == ["Pro", "Enterprise"]
    assert [c.field for c in conflicts] == ["plan"]
    (tier,) = fields["tier"]  # the same value, case aside: one value from both
    assert tier.value == "Gold" and [r.connector for r in tier.sources] == ["CRM", "Desk"]


def test_the_card_shows_a_mapped_label_as_a_row_of_its_own() -> None:
    ana = person("CRM", "1", "Ana", phone("+14155550132"), custom=(("renewal_date", "2025-03-01"),))
    builder = ProfileBuilder("+1 415 555 0132", ["CRM"])
    builder.add_matches("CRM", [Match(ana, MatchReason.EXACT_E164, 1.0)])
    console = Console(width=100, record=True)
    console.print(identity_card(builder.build()))
    assert "Renewal date  2025-03-01" in console.export_text()


# --- vendors ----------------------------------------------------------------------------------


async def test_hubspot_asks_for_mapped_properties_and_reads_them() -> None:
    api = HubSpotFake()
    api.add("contacts", "101", firstname="Ana", phone="+1 415 555 0132", custom_tier="Gold")
    validate = field_map_validator(("company",), "HubSpot")
    settings = {"default_region": "US", "fields": validate(HUBSPOT_FIELDS)}
    connector = HubSpotConnector("HubSpot", settings, HUBSPOT_TOKEN, transport=api.transport())
    try:
        (match,) = await connector.find_people(parse_query("+1 415 555 0132", "US"))
        result = await connector.check()
    finally:
        await connector.aclose()
    assert match.person.custom == (("tier", "Gold"),)
    sent = api.calls_to("POST", r"/contacts/search$")[0].json
    assert {"custom_tier", "hubspot_owner_id"} <= set(sent["properties"])
    assert result.ok, result.summary
    missing = [d for d in result.details if d.startswith("fields.")]
    assert missing == [
        "fields.plan = 'company.plan': HubSpot has no companies property of that internal "
        "name; it is left off the card",
        "fields.owner = 'hubspot_owner_id': HubSpot has no contacts property of that "
        "internal name; it is left off the card",
    ]


async def test_hubspot_says_when_the_token_may_not_read_properties() -> None:
    api = HubSpotFake()
    api.schema_denied.add("contacts")
    validate = field_map_validator(("company",), "HubSpot")
    settings = {"default_region": "US", "fields": validate({"tier": "custom_tier"})}
    connector = HubSpotConnector("HubSpot", settings, HUBSPOT_TOKEN, transport=api.transport())
    try:
        result = await connector.check()
    finally:
        await connector.aclose()
    assert result.ok
    assert any("may not read contacts properties" in d for d in result.details)


async def test_zendesk_reads_user_and_organization_fields() -> None:
    api = ZendeskFake()
    api.add_organization(61, "Acme Corp", plan="Pro")
    api.add_user(
        501,
        "Ana",
        "ana@example.com",
        "+1 415 555 0132",
        organization_id=61,
        user_fields={"support_tier": "Gold", "plan": "Enterprise"},
    )
    validate = field_map_validator(("organization",), "Zendesk")
    fields = validate({"tier": "support_tier", "org_plan": "organization.plan"})
    settings = {**SETTINGS, "fields": fields}
    connector = ZendeskConnector("Zendesk", settings, ZENDESK_TOKEN, transport=api.transport())
    try:
        (match,) = await connector.find_people(parse_query("+1 415 555 0132", "US"))
        details = await connector.get_details(match)
    finally:
        await connector.aclose()
    assert match.person.custom == (("tier", "Gold"),)
    assert match.person.plan == "Enterprise"  # plan_field still reads the plan
    assert [c.custom for c in details.companies] == [(("org_plan", "Pro"),)]


async def test_local_reads_demo_columns_and_check_names_the_missing_one(
    isolated_env: Path,
) -> None:
    settings = {"dataset": "crm", "fields": {"role": "title", "tier": "company.tier"}}
    connector = LocalConnector("Demo CRM", settings)
    try:
        (match,) = await connector.find_people(parse_query("+1 415 555 0132", "US"))
        result = await connector.check()
    finally:
        await connector.aclose()
    assert match.person.custom == (("role", "Operations Manager"),)
    assert result.ok
    assert (
        "fields.tier = 'company.tier': the companies table has no column 'tier'; it is left "
        "off the card"
    ) in result.details
