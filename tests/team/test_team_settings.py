"""The [team] section: what it accepts, and a password in the URL refused by name."""

from __future__ import annotations

import pytest

from cx_tui.team.settings import TeamSettings, TeamSettingsError, parse_team


def test_no_section_means_no_team() -> None:
    assert parse_team(None) is None


def test_a_tls_address_and_a_namespace() -> None:
    found = parse_team({"redis_url": "rediss://cx-redis.internal:6379/0", "namespace": "acme"})
    assert found == TeamSettings("rediss://cx-redis.internal:6379/0", "acme")
    assert found.tls and found.where == "cx-redis.internal:6379"


@pytest.mark.parametrize(
    "url", ["redis://:s3cret@cx-redis:6379/0", "rediss://agent:s3cret@cx-redis/0", "redis://u@h/0"]
)
def test_a_password_in_the_url_is_refused_without_repeating_it(url: str) -> None:
    with pytest.raises(TeamSettingsError) as caught:
        parse_team({"redis_url": url})
    message = str(caught.value)
    assert message.startswith("[team] redis_url:") and "team-redis" in message
    assert "s3cret" not in message
    assert caught.value.key == "team.redis_url"


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"redis_url": "http://cx-redis/0"}, "redis_url"),
        ({"redis_url": "redis:///0"}, "redis_url"),
        ({"redis_url": "redis://h/zero"}, "redis_url"),
        ({}, "redis_url"),
        ({"redis_url": "redis://h/0", "namespace": "a b"}, "namespace"),
        ({"redis_url": "redis://h/0", "socket_timeout": 30}, "socket_timeout"),
        ({"redis_url": "redis://h/0", "password": "x"}, "password"),
    ],
)
def test_unusable_values_name_their_key(table: dict[str, object], key: str) -> None:
    with pytest.raises(TeamSettingsError) as caught:
        parse_team(table)
    assert caught.value.key == f"team.{key}"
