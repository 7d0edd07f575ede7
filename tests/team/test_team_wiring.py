"""[team] in the config file, and what the engine is built with when it is there or not."""

from __future__ import annotations

from pathlib import Path

import pytest

from cx_tui.config import ConfigError, load_config
from cx_tui.connectors.kit import limiter as kit_limiter
from cx_tui.sources import build_engine
from cx_tui.store import Store
from cx_tui.team import wiring
from cx_tui.team.limiter import TeamLimiter
from cx_tui.team.source import SharedSource, TeamResultCache
from tests.connectors.vendor_fakes import HUBSPOT_TOKEN
from tests.team.conftest import RedisServer

HUBSPOT = """
[[connectors]]
name = "Acme HubSpot"
type = "hubspot"
base_url = "http://127.0.0.1:9"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_password_in_the_team_url_is_a_config_error_naming_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[team]\nredis_url = "redis://:hunter2@cx-redis:6379/0"\n' + HUBSPOT)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == "team.redis_url" and "hunter2" not in str(caught.value)
    assert "team-redis" in str(caught.value)


def test_without_team_the_engine_is_as_before(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, HUBSPOT))
    assert config.team is None
    engine = build_engine(config, env={"CX_TUI_SECRET_ACME_HUBSPOT": HUBSPOT_TOKEN})
    assert not isinstance(engine.cache, TeamResultCache)
    assert not any(isinstance(c, SharedSource) for c in engine.connectors)
    assert wiring.current() is None and wiring.status() is None


async def test_with_team_the_engine_shares_limiters_and_cache(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    text = f'[team]\nredis_url = "{redis_server.url}"\nnamespace = "acme-support"\n' + HUBSPOT
    config = load_config(write(tmp_path, text))
    assert config.team is not None and config.team.namespace == "acme-support"
    with Store(tmp_path / "state.db") as store:
        engine = build_engine(
            config, env={"CX_TUI_SECRET_ACME_HUBSPOT": HUBSPOT_TOKEN}, cache_rows=store
        )
    [source] = engine.connectors
    assert isinstance(source, SharedSource) and source.name == "Acme HubSpot"
    assert isinstance(engine.cache, TeamResultCache)
    assert engine.cache.rows is store  # the store stays behind it, for a restart offline
    assert all(isinstance(v, TeamLimiter) for v in kit_limiter._LIMITERS.values())
    lines = await wiring.report()
    assert lines[0].startswith("Team: Redis at 127.0.0.1:")
    assert "HubSpot search: 0 used, 5 left of 5 per 1 s (team)" in lines
    await engine.aclose()


async def test_the_app_hears_once_when_the_team_cache_goes_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cx_tui.services import Services

    monkeypatch.setenv("CX_TUI_SECRET_ACME_HUBSPOT", HUBSPOT_TOKEN)
    text = '[team]\nredis_url = "redis://127.0.0.1:9/0"\nnamespace = "acme"\n' + HUBSPOT
    services = Services(load_config(write(tmp_path, text)))
    said: list[str] = []
    services.watch_team(said.append)
    shared = wiring.current()
    assert shared is not None
    shared.health.failed("connection refused")
    shared.health.failed("connection refused")
    assert said == ["team cache offline (connection refused)"]
    shared.health.answered()
    assert said[1:] == ["team cache back"]


def test_without_team_nothing_is_watched(tmp_path: Path) -> None:
    from cx_tui.services import Services

    services = Services(load_config(write(tmp_path, HUBSPOT)))
    said: list[str] = []
    services.watch_team(said.append)
    assert wiring.current() is None and said == []
