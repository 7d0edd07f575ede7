"""Issue 17, item 7: a vendor's detailed refusal reaches the failed item's reason. Zendesk
answers an update of a closed ticket with 422 `RecordInvalid` and, in `details`, the words an
agent can act on: "Status: closed prevents ticket update"."""

from __future__ import annotations

from pathlib import Path

from cx_tui.connectors.zendesk import ZendeskConnector
from cx_tui.outbox import Outbox, OutboxWorker
from cx_tui.store import ItemState, Store
from tests import vendor_doubles
from tests.connectors.vendor_fakes import ZENDESK_AGENT, ZENDESK_TOKEN, ZendeskFake


async def test_a_closed_ticket_fails_the_note_with_zendesks_own_reason(tmp_path: Path) -> None:
    fake = vendor_doubles.vendor_fake("zendesk")
    assert isinstance(fake, ZendeskFake)
    fake.tickets[vendor_doubles.TICKET]["status"] = "closed"
    name = vendor_doubles.NAMES["zendesk"]
    settings = {"subdomain": "acme", "email": ZENDESK_AGENT}
    desk = ZendeskConnector(name, settings, ZENDESK_TOKEN, transport=fake.transport())
    with Store(tmp_path / "state.db") as store:
        [item] = Outbox(store).enqueue(
            "Customer confirmed the fix", [vendor_doubles.target("zendesk")]
        )
        counts = await OutboxWorker(store, {name: desk}).deliver_once()
        [after] = store.outbox_items(ItemState, ids=[item.id])
    await desk.aclose()
    assert counts.failed == 1
    assert after.state is ItemState.FAILED
    assert after.last_error is not None
    assert "Status: closed prevents ticket update" in after.last_error
    assert "422" in after.last_error
