"""`o` opens the highlighted record's deep link, `c` copies it; a record without one says so."""

from __future__ import annotations

import dataclasses

from cx_tui.app import CxApp
from cx_tui.config import load_config
from cx_tui.lookup import LookupEngine
from cx_tui.models import Details, SourceRef
from tests.fakes import FakeConnector, person, phone, ticket

HERO = "+14155550111"
CONTACT_URL = "https://app.hubspot.com/contacts/123/record/0-1/1"
TICKET_URL = "https://acme.zendesk.com/agent/tickets/77"


class Links:
    """What the app was asked to open and copy, instead of doing it."""

    def __init__(self, app: CxApp) -> None:
        self.opened: list[str] = []
        self.copied: list[str] = []
        app.open_url = lambda url, *, new_tab=True: self.opened.append(url)  # type: ignore[method-assign]
        app.copy_to_clipboard = self.copied.append  # type: ignore[method-assign]


def make_app(*, with_links: bool = True) -> tuple[CxApp, Links]:
    ana = person("Linked", "1", "Ana Silva", phone(HERO))
    open_ticket = ticket("Linked", "77", "Router reboots nightly")
    if with_links:
        ana = dataclasses.replace(ana, ref=SourceRef("Linked", "1", CONTACT_URL))
        open_ticket = dataclasses.replace(open_ticket, ref=SourceRef("Linked", "77", TICKET_URL))
    source = FakeConnector(
        fake_name="Linked", people=[ana], details={"1": Details(tickets=(open_ticket,))}
    )
    app = CxApp(load_config(), engine=LookupEngine([source]))
    return app, Links(app)


async def test_o_and_c_act_on_the_person_then_on_the_highlighted_ticket() -> None:
    app, links = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l", *HERO, "enter")
        await app.main.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("o", "c")  # focus is on the next actions: the person's record
        assert links.opened == [CONTACT_URL] and links.copied == [CONTACT_URL]
        await pilot.press("2", "o", "c")  # the ticket table, its first (only) row
        assert links.opened[-1] == TICKET_URL and links.copied[-1] == TICKET_URL


async def test_a_record_without_a_link_says_so() -> None:
    app, links = make_app(with_links=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+l", *HERO, "enter")
        await app.main.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert links.opened == []
        assert any("has no web link" in str(n.message) for n in app._notifications)
