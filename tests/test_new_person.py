"""No duplicate people (issue 18): `a` on a known caller writes nothing, and a create that
would copy a person the vendor already has by phone or email is refused, naming them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.connectors.base import Capability, Unavailable
from cx_tui.lookup import LookupEngine
from cx_tui.models import ContactKind, ContactPoint, Person, ProfileState, SourceRef
from cx_tui.new_person import ATTACH_INSTEAD, DuplicatePersonError, create_refusal
from cx_tui.screens.create_contact import CreateContact
from tests.fakes import FakeConnector, email, person, phone
from tests.test_ui_burst import type_in

SIZE = (120, 40)
MARIA = "+14155550132"


@dataclass
class WritableCRM(FakeConnector):
    """A fake that creates contacts, and counts every write."""

    created: list[tuple[str | None, tuple[ContactPoint, ...]]] = field(default_factory=list)
    capabilities = Capability.LOOKUP_PHONE | Capability.LOOKUP_EMAIL | Capability.CREATE_CONTACT

    async def create_person(
        self, name: str | None, contact_points: Sequence[ContactPoint]
    ) -> Person:
        self.created.append((name, tuple(contact_points)))
        made = Person(SourceRef(self.name, f"new{len(self.created)}"), name, tuple(contact_points))
        self.people.append(made)
        return made


def crm() -> WritableCRM:
    return WritableCRM(
        fake_name="HubSpot",
        people=[
            person(
                "HubSpot", "51000000123", "Maria Gonzalez", phone(MARIA), email("maria@example.com")
            )
        ],
    )


def notices(app: CxApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def test_a_on_a_known_caller_writes_nothing_and_says_why() -> None:
    source = crm()
    app = CxApp(load_config(), engine=LookupEngine([source]))
    async with app.run_test(size=SIZE) as pilot:
        await type_in(app, pilot, *MARIA, "enter")
        assert app.main.profile is not None
        assert app.main.profile.state is ProfileState.RESOLVED
        # `a`, then what a form would take, in one burst: nothing may reach a create.
        await type_in(app, pilot, "a", *"Maria", "ctrl+s", "enter")
        assert not isinstance(app.screen, CreateContact)
        assert source.created == []
        assert len(source.people) == 1
        said = notices(app)
        assert "Maria Gonzalez is already known in HubSpot" in said
        assert ATTACH_INSTEAD in said


async def test_the_create_action_is_offered_only_when_every_source_answered_nobody() -> None:
    source = crm()
    down = FakeConnector(fake_name="Zendesk", error=Unavailable("connection refused"))
    app = CxApp(load_config(), engine=LookupEngine([source, down]))
    async with app.run_test(size=SIZE) as pilot:
        await type_in(app, pilot, *"+14155550199", "enter")
        assert app.main.profile is not None
        assert app.main.profile.state is ProfileState.UNKNOWN
        await type_in(app, pilot, "a")
        assert not isinstance(app.screen, CreateContact)
        assert "Zendesk could not be searched" in notices(app)
        down.error = None
        await type_in(app, pilot, "ctrl+l", *"+14155550199", "enter")
        await type_in(app, pilot, "a")
        assert isinstance(app.screen, CreateContact)


async def test_a_form_changed_to_a_known_number_is_refused_naming_the_record() -> None:
    source = crm()
    app = CxApp(load_config(), engine=LookupEngine([source]))
    async with app.run_test(size=SIZE) as pilot:
        await type_in(app, pilot, *"+14155550199", "enter")
        await type_in(app, pilot, "a")
        form = app.screen
        assert isinstance(form, CreateContact)
        form.query_one("#contact-phone").value = MARIA  # type: ignore[attr-defined]
        await type_in(app, pilot, *"Maria G", "ctrl+s")
        assert source.created == []
        said = notices(app)
        assert "HubSpot already has Maria Gonzalez (record 51000000123)" in said


async def test_the_engine_refuses_a_duplicate_by_email_and_creates_a_new_one() -> None:
    source = crm()
    engine = LookupEngine([source])
    points = [ContactPoint(ContactKind.EMAIL, "maria@example.com")]
    with pytest.raises(DuplicatePersonError, match=r"Maria Gonzalez \(record 51000000123\)"):
        await engine.create_person("HubSpot", "M. Gonzalez", points)
    assert source.created == []
    fresh = [ContactPoint(ContactKind.PHONE, "+14155550199")]
    made = await engine.create_person("HubSpot", "Rosa Diaz", fresh)
    assert made.name == "Rosa Diaz" and len(source.created) == 1


async def test_a_vendor_that_cannot_be_searched_creates_nothing() -> None:
    source = crm()
    source.error = Unavailable("connection refused")
    engine = LookupEngine([source])
    with pytest.raises(Unavailable):
        await engine.create_person("HubSpot", "Rosa", [ContactPoint(ContactKind.PHONE, MARIA)])
    assert source.created == []


def test_no_lookup_yet_is_no_reason_to_create() -> None:
    refusal = create_refusal(None)
    assert refusal is not None and "Look the caller up first" in refusal
