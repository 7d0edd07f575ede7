"""Tokens: the keyring first, the environment for headless hosts, and never in a message."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.errors import KeyringLocked, PasswordSetError

from cx_tui.secrets import (
    SERVICE,
    MissingSecretError,
    NoKeyringBackendError,
    SecretError,
    delete_secret,
    env_var_name,
    get_secret,
    prompt_secret,
    redact,
    require_keyring,
    secret_set_command,
    secret_source,
    set_secret,
)

if TYPE_CHECKING:
    from conftest import MemoryKeyring

TOKEN = "pat-na1-0123456789abcdef"
ENV = "CX_TUI_SECRET_ACME_HUBSPOT"


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """A host without any keyring backend (a container, a CI runner)."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


# --- Names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "variable"),
    [
        ("Acme HubSpot", "CX_TUI_SECRET_ACME_HUBSPOT"),
        ("zd-eu.prod", "CX_TUI_SECRET_ZD_EU_PROD"),
        ("a  b", "CX_TUI_SECRET_A__B"),  # each character, not each run
        ("sf2", "CX_TUI_SECRET_SF2"),
        ("Zürich CRM", "CX_TUI_SECRET_Z_RICH_CRM"),  # portable names: ASCII only
        ("straße", "CX_TUI_SECRET_STRA_E"),
    ],
)
def test_env_var_name(name: str, variable: str) -> None:
    assert env_var_name(name) == variable


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("Acme HubSpot", 'cx-tui secret set "Acme HubSpot"'),
        ('Say "hi"', "cx-tui secret set 'Say \"hi\"'"),
        ("it's $HOME", "cx-tui secret set 'it'\"'\"'s $HOME'"),
    ],
)
def test_secret_set_command_is_safe_to_paste(name: str, command: str) -> None:
    assert secret_set_command(name) == command


# --- With a keyring ----------------------------------------------------------------------


def test_set_get_delete(memory_keyring: MemoryKeyring) -> None:
    set_secret("Acme HubSpot", f"  {TOKEN}\n")
    assert memory_keyring.store == {(SERVICE, "Acme HubSpot"): TOKEN}
    assert get_secret("Acme HubSpot", env={}) == TOKEN
    assert secret_source("Acme HubSpot", env={}) == "keyring"
    assert delete_secret("Acme HubSpot") is True
    assert memory_keyring.store == {}
    assert delete_secret("Acme HubSpot") is False


def test_keyring_wins_over_env(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.store[(SERVICE, "Acme HubSpot")] = TOKEN
    assert get_secret("Acme HubSpot", env={ENV: "from-env"}) == TOKEN


def test_env_fallback_when_keyring_has_no_entry(memory_keyring: MemoryKeyring) -> None:
    assert get_secret("Acme HubSpot", env={ENV: f"{TOKEN}\n"}) == TOKEN
    assert secret_source("Acme HubSpot", env={ENV: TOKEN}) == "env"


def test_env_fallback_reads_os_environ(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, TOKEN)
    assert get_secret("Acme HubSpot") == TOKEN


@pytest.mark.parametrize("env", [{}, {ENV: ""}, {ENV: "  "}])
def test_missing_everywhere(memory_keyring: MemoryKeyring, env: dict[str, str]) -> None:
    with pytest.raises(MissingSecretError) as info:
        get_secret("Acme HubSpot", env=env)
    message = str(info.value)
    assert 'no token for connector "Acme HubSpot"' in message
    assert 'cx-tui secret set "Acme HubSpot"' in message
    assert ENV in message
    assert "no keyring backend" not in message
    assert info.value.env_var == ENV
    assert secret_source("Acme HubSpot", env=env) is None


@pytest.mark.parametrize("value", ["", "   ", "\n"])
def test_empty_value_is_refused(memory_keyring: MemoryKeyring, value: str) -> None:
    with pytest.raises(SecretError, match="empty"):
        set_secret("Acme HubSpot", value)
    assert memory_keyring.store == {}


def test_other_keyring_names_are_separate(memory_keyring: MemoryKeyring) -> None:
    set_secret("Acme HubSpot", TOKEN)
    with pytest.raises(MissingSecretError):
        get_secret("acme hubspot", env={})


# --- Without a keyring -------------------------------------------------------------------


@pytest.mark.usefixtures("no_keyring")
def test_no_backend_uses_env() -> None:
    assert get_secret("Acme HubSpot", env={ENV: TOKEN}) == TOKEN
    assert secret_source("Acme HubSpot", env={ENV: TOKEN}) == "env"
    assert secret_source("Acme HubSpot", env={}) is None


@pytest.mark.usefixtures("no_keyring")
def test_no_backend_and_no_env_says_so() -> None:
    with pytest.raises(MissingSecretError) as info:
        get_secret("Acme HubSpot", env={})
    message = str(info.value)
    assert "no keyring backend is available" in message
    assert ENV in message
    assert 'cx-tui secret set "Acme HubSpot"' in message


@pytest.mark.usefixtures("no_keyring")
@pytest.mark.parametrize(
    ("call", "verb"),
    [
        (lambda: set_secret("Acme HubSpot", TOKEN), "store"),
        (lambda: delete_secret("Acme HubSpot"), "delete"),
    ],
    ids=["set", "delete"],
)
def test_no_backend_writes_name_the_env_var(call: object, verb: str) -> None:
    with pytest.raises(NoKeyringBackendError) as info:
        call()  # type: ignore[operator]
    message = str(info.value)
    assert f'cannot {verb} the token for connector "Acme HubSpot"' in message
    assert ENV in message
    assert TOKEN not in message


@pytest.mark.usefixtures("no_keyring")
def test_require_keyring_says_so_before_anything_is_asked() -> None:
    with pytest.raises(NoKeyringBackendError) as info:
        require_keyring("Acme HubSpot")
    assert 'cannot store the token for connector "Acme HubSpot"' in str(info.value)
    assert ENV in str(info.value)


def test_require_keyring_passes_with_a_backend(memory_keyring: MemoryKeyring) -> None:
    require_keyring("Acme HubSpot")  # does not raise
    assert memory_keyring.store == {}


def test_null_backend_counts_as_none() -> None:
    # The null backend accepts a token and forgets it; storing must not look successful.
    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    try:
        with pytest.raises(NoKeyringBackendError):
            set_secret("Acme HubSpot", TOKEN)
        with pytest.raises(MissingSecretError, match="no keyring backend"):
            get_secret("Acme HubSpot", env={})
    finally:
        keyring.set_keyring(previous)


# --- Secrets never reach a message -------------------------------------------------------


class LeakyKeyring(KeyringBackend):
    """A backend whose errors quote what it was given, and that is locked for reading."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError(f"could not store {password!r} for {username}")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("collection is locked")


@pytest.fixture
def leaky_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(LeakyKeyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.mark.usefixtures("leaky_keyring")
def test_keyring_errors_are_wrapped_without_the_token() -> None:
    with pytest.raises(SecretError) as info:
        set_secret("Acme HubSpot", f" {TOKEN} ")
    message = str(info.value)
    assert "PasswordSetError" in message
    assert ENV in message
    assert TOKEN not in message and TOKEN not in repr(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.mark.usefixtures("leaky_keyring")
def test_locked_keyring_falls_back_to_env() -> None:
    assert get_secret("Acme HubSpot", env={ENV: TOKEN}) == TOKEN
    with pytest.raises(MissingSecretError, match="KeyringLocked"):
        get_secret("Acme HubSpot", env={})
    with pytest.raises(SecretError, match="could not delete"):
        delete_secret("Acme HubSpot")


# --- Prompting ---------------------------------------------------------------------------


def test_prompt_secret_asks_once_without_echo() -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str) -> str:
        prompts.append(prompt)
        return f"  {TOKEN}  "

    assert prompt_secret("Acme HubSpot", getpass_fn=fake_getpass) == TOKEN
    assert prompts == ["Token for Acme HubSpot: "]


def _eof(prompt: str) -> str:
    raise EOFError


@pytest.mark.parametrize(
    "getpass_fn", [lambda _: "", lambda _: " \t", _eof], ids=["empty", "blank", "eof"]
)
def test_prompt_secret_refuses_nothing(getpass_fn: object) -> None:
    with pytest.raises(SecretError, match='no token entered for connector "Acme HubSpot"'):
        prompt_secret("Acme HubSpot", getpass_fn=getpass_fn)  # type: ignore[arg-type]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_piped_stdin_is_read_without_getpass_or_its_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_getpass(prompt: str = "") -> str:
        raise AssertionError("getpass warns and may read the terminal instead of the pipe")

    monkeypatch.setattr("getpass.getpass", no_getpass)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        token = prompt_secret("Acme HubSpot", stdin=io.StringIO(f"  {TOKEN}\n"))
    assert token == TOKEN


def test_piped_stdin_of_several_lines_is_refused_without_quoting_it() -> None:
    with pytest.raises(SecretError) as info:
        prompt_secret("Acme HubSpot", stdin=io.StringIO(f"{TOKEN}\nsecond-line-value\n"))
    assert "one line" in str(info.value) and 'connector "Acme HubSpot"' in str(info.value)
    assert TOKEN not in str(info.value) and "second-line-value" not in str(info.value)


def test_empty_pipe_is_nothing_entered() -> None:
    with pytest.raises(SecretError, match='no token entered for connector "Acme HubSpot"'):
        prompt_secret("Acme HubSpot", stdin=io.StringIO(""))


def test_a_terminal_gets_the_getpass_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return TOKEN

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    terminal = _Terminal("typed ahead, not the token\n")
    assert prompt_secret("Acme HubSpot", stdin=terminal) == TOKEN
    assert prompts == ["Token for Acme HubSpot: "]


# --- Redaction ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "secrets", "expected"),
    [
        (f"401: invalid token {TOKEN}", [TOKEN], "401: invalid token ***"),
        (f"{TOKEN} and {TOKEN}", [TOKEN], "*** and ***"),
        ("key abc in text", ["abc"], "key abc in text"),  # too short to redact
        ("abcd-1234 x", ["abcd", "abcd-1234"], "*** x"),  # the longer secret is replaced whole
        ("a=s3cr%2Ft&b", ["s3cr/t"], "a=***&b"),  # as it appears in a URL
        ("nothing here", [], "nothing here"),
        ("empty secrets are ignored", ["", "ab"], "empty secrets are ignored"),
    ],
)
def test_redact(text: str, secrets: list[str], expected: str) -> None:
    assert redact(text, secrets) == expected
