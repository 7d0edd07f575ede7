"""A note the outbox delivers through a shared source, on a real Redis: each cache that knew
the person forgets it once (the team's entries by the source that wrote, the store's rows in
the delivery's transaction, the engine's memory), and the next lookup reads her details from
the vendor once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from cx_tui.cache import ResultCache
from cx_tui.delivery import Delivery
from cx_tui.identity import parse_query
from cx_tui.models import NoteTarget, SourceRef, TargetKind
from cx_tui.store import Store
from tests.team.agents import NAME, PHONE, agent, hubspot_fake, searches
from tests.team.conftest import RedisServer


async def test_a_delivered_note_is_forgotten_once_everywhere_and_re_read_once(
    redis_server: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = hubspot_fake()
    query = parse_query(PHONE, "US")
    with Store(tmp_path / "state.db") as store:
        one = agent(redis_server.url, fake, local=ResultCache(rows=store))
        await one.engine.lookup(query)
        first = Counter((c.method, c.path) for c in fake.calls)
        team_forgets: list[str] = []
        store_forgets: list[str] = []
        team_cache, invalidate = one.team.cache, one.team.cache.invalidate_record

        async def counted(account: str, source: str, record_id: str) -> None:
            team_forgets.append(record_id)
            await invalidate(account, source, record_id)

        monkeypatch.setattr(team_cache, "invalidate_record", counted)
        for name in ("forget_cached_record", "forget_cached_searches"):
            monkeypatch.setattr(store, name, lambda *a, n=name: store_forgets.append(n))
        delivery = Delivery(store, one.engine)
        target = NoteTarget(TargetKind.PERSON, SourceRef(NAME, "101"))
        states = [s async for _t, s, _m in delivery.send("Router replaced", [target])]
        await delivery.stop()
        assert states == ["queued", "delivered"]
        assert team_forgets == ["101"] and store_forgets == []
        assert store.cached("details", NAME, "101") is None
        fake.calls.clear()
        profile = await one.engine.lookup(query)
        again = Counter((c.method, c.path) for c in fake.calls)
        fake.calls.clear()
        await one.engine.lookup(query)
        assert fake.calls == []  # the lookup after it is served from the caches
    assert any("Router replaced" in i.summary for i in profile.timeline)
    assert searches(fake) == 0  # who matches did not change: the team's search entry held
    # Her details were read again, each of their requests once (her companies, as the first
    # lookup read them, and now her note too).
    assert set(again.values()) == {1}
    companies = ("POST", "/crm/v4/associations/contacts/companies/batch/read")
    assert first[companies] == again[companies] == 1
    assert again[("POST", "/crm/v3/objects/notes/batch/read")] == 1
