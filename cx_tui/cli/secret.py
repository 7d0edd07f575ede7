"""`cx-tui secret set|delete NAME`: a connector's token in the system keyring."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cx_tui.cli.common import UsageError, say

if TYPE_CHECKING:
    from cx_tui.config import Config


def run(config: Config, action: str, name: str) -> int:
    """`set` prompts for the token (or reads one piped line); `delete` removes it."""
    from cx_tui import secrets

    names = {entry.name.casefold(): entry.name for entry in config.connectors}
    # The softphone HTTP endpoint's token lives beside the connectors' ([softphone] table).
    names.setdefault(config.softphone.http_token_name.casefold(), config.softphone.http_token_name)
    if name.casefold() not in names:
        listed = ", ".join(f'"{n}"' for n in names.values()) or "none"
        raise UsageError(
            f'no connector named "{name}" in {config.path or "the configuration"} '
            f"(connectors: {listed})"
        )
    name = names[name.casefold()]
    if action == "set":
        secrets.require_keyring(name)  # before asking for a token it could not keep
        secrets.set_secret(name, secrets.prompt_secret(name))
        say(f'Stored the token for "{name}" in the keyring (service "{secrets.SERVICE}").')
        return 0
    if secrets.delete_secret(name):
        say(f'Deleted the token for "{name}" from the keyring.')
        return 0
    say(f'The keyring held no token for "{name}".')
    return 1
