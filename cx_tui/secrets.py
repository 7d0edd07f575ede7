"""Connector tokens: the OS keyring first, an environment variable for headless hosts.

A token is stored under the keyring service `cx-tui` with the connector's configured name as the
user. Where no keyring exists (a container, a CI runner, an SSH box without a desktop session),
`CX_TUI_SECRET_<NAME>` provides it instead; `env_var_name` spells that variable.

`keyring` is imported inside the functions that need it: finding its backend takes a noticeable
moment at start-up, and the local demo needs no secrets at all.

No value passed to or returned by this module ever appears in an exception message or repr:
errors name the connector and the ways to provide its token, never the token.
"""

from __future__ import annotations

import getpass
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Literal, TextIO
from urllib.parse import quote

SERVICE = "cx-tui"
"""The keyring service every cx-tui token is stored under."""

ENV_PREFIX = "CX_TUI_SECRET_"
"""Prefix of the environment variables that provide tokens when no keyring entry exists."""

REDACTED = "***"
MIN_REDACT_LENGTH = 4
"""Shorter strings are not redacted: replacing every "a" in a message would make it unreadable."""

SecretSource = Literal["keyring", "env"]

_NO_BACKEND = "no keyring backend is available on this system"


# --- Errors ------------------------------------------------------------------------------


class SecretError(Exception):
    """A token could not be read, stored or deleted. The message never contains a token."""


class MissingSecretError(SecretError):
    """Neither the keyring nor the environment holds a token for this connector."""

    def __init__(self, name: str, keyring_problem: str | None = None) -> None:
        self.name = name
        self.env_var = env_var_name(name)
        self.keyring_problem = keyring_problem
        message = (
            f'no token for connector "{name}": store it with `{secret_set_command(name)}` '
            f"or set the environment variable {self.env_var}"
        )
        if keyring_problem is not None:
            message += f" ({keyring_problem}, so use the environment variable)"
        super().__init__(message)


class NoKeyringBackendError(SecretError):
    """There is no keyring to write to (or delete from); the environment variable is the way."""

    def __init__(self, name: str, action: str = "store") -> None:
        self.name = name
        self.env_var = env_var_name(name)
        super().__init__(
            f'cannot {action} the token for connector "{name}": {_NO_BACKEND}; '
            f"provide it with the environment variable {self.env_var} instead"
        )


# --- Names -------------------------------------------------------------------------------


def env_var_name(name: str) -> str:
    """The environment variable that provides the token of connector `name`.

    Every character that is not an ASCII letter or digit becomes `_`, and letters are
    upper-cased: "Acme HubSpot" → `CX_TUI_SECRET_ACME_HUBSPOT`, "zd-eu.prod" →
    `CX_TUI_SECRET_ZD_EU_PROD`.
    """
    # Replace before upper-casing: "ß".upper() is "SS", which would shift the mapping.
    return ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def secret_set_command(name: str) -> str:
    """The command an admin types to store the token of connector `name`, ready to paste."""
    if re.search(r'["$`\\!]', name):
        # Double quotes would not protect these characters from the shell.
        return "cx-tui secret set '" + name.replace("'", "'\"'\"'") + "'"
    return f'cx-tui secret set "{name}"'


# --- Keyring access (lazy) ---------------------------------------------------------------


def _keyring_usable() -> bool:
    """Whether the active keyring backend can hold secrets (this finds it, on first use)."""
    import keyring
    from keyring.backends import fail, null

    backend = keyring.get_keyring()
    # The fail backend raises on every call; the null one silently forgets what it is given,
    # which would make `set_secret` look successful and the token vanish.
    return not isinstance(backend, fail.Keyring | null.Keyring)


def _keyring_get(name: str) -> tuple[str | None, str | None]:
    """Read the keyring: (token or None, why the keyring could not be used or None)."""
    import keyring
    from keyring.errors import KeyringError, NoKeyringError

    if not _keyring_usable():
        return None, _NO_BACKEND
    try:
        value = keyring.get_password(SERVICE, name)
    except NoKeyringError:
        return None, _NO_BACKEND
    except KeyringError as exc:
        return None, f"the keyring could not be read ({type(exc).__name__})"
    if isinstance(value, str) and value:
        return value, None
    return None, None


def _env_get(name: str, env: Mapping[str, str] | None) -> str | None:
    environ = os.environ if env is None else env
    value = environ.get(env_var_name(name), "").strip()
    return value or None


# --- Public API --------------------------------------------------------------------------


def get_secret(name: str, env: Mapping[str, str] | None = None) -> str:
    """The token of connector `name`: from the keyring, else from `CX_TUI_SECRET_<NAME>`.

    Args:
        name: The connector's configured name (the keyring user).
        env: The environment to read the fallback variable from (default: `os.environ`).

    Returns:
        The token.

    Raises:
        MissingSecretError: neither holds one; the message says how to provide it, and that
            the keyring is unavailable when it is.
    """
    value, keyring_problem = _keyring_get(name)
    if value is not None:
        return value
    from_env = _env_get(name, env)
    if from_env is not None:
        return from_env
    raise MissingSecretError(name, keyring_problem)


def secret_source(name: str, env: Mapping[str, str] | None = None) -> SecretSource | None:
    """Where `get_secret` would find the token of connector `name`, or None when nowhere."""
    value, _ = _keyring_get(name)
    if value is not None:
        return "keyring"
    if _env_get(name, env) is not None:
        return "env"
    return None


def require_keyring(name: str, action: str = "store") -> None:
    """Fail early, before a token is asked for, when there is no keyring to keep it in.

    Raises:
        NoKeyringBackendError: no usable backend; the message names `CX_TUI_SECRET_<NAME>`.
    """
    if not _keyring_usable():
        raise NoKeyringBackendError(name, action)


def set_secret(name: str, value: str) -> None:
    """Store the token of connector `name` in the keyring (surrounding whitespace removed).

    Raises:
        SecretError: the value is empty, or the keyring refused it.
        NoKeyringBackendError: there is no keyring; the message names the environment variable.
    """
    import keyring
    from keyring.errors import KeyringError, NoKeyringError

    token = value.strip()
    if not token:
        raise SecretError(f'the token for connector "{name}" is empty; nothing was stored')
    if not _keyring_usable():
        raise NoKeyringBackendError(name, "store")
    try:
        keyring.set_password(SERVICE, name, token)
    except NoKeyringError:
        raise NoKeyringBackendError(name, "store") from None
    except KeyringError as exc:
        # `from None`: a backend's own exception text is not ours to trust with the token.
        detail = redact(str(exc), [token, value])
        raise SecretError(
            f'the keyring refused the token for connector "{name}" ({type(exc).__name__}: '
            f"{detail}); set the environment variable {env_var_name(name)} instead"
        ) from None


def delete_secret(name: str) -> bool:
    """Remove the token of connector `name` from the keyring.

    Returns:
        True when a token was removed, False when there was none.

    Raises:
        NoKeyringBackendError: there is no keyring.
        SecretError: the keyring failed.
    """
    import keyring
    from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

    if not _keyring_usable():
        raise NoKeyringBackendError(name, "delete")
    try:
        keyring.delete_password(SERVICE, name)
    except NoKeyringError:
        raise NoKeyringBackendError(name, "delete") from None
    except PasswordDeleteError:
        # Every backend reports "no such entry" this way.
        return False
    except KeyringError as exc:
        raise SecretError(
            f'the keyring could not delete the token for connector "{name}" '
            f"({type(exc).__name__}: {exc})"
        ) from exc
    return True


def prompt_secret(
    name: str,
    *,
    getpass_fn: Callable[[str], str] | None = None,
    stdin: TextIO | None = None,
) -> str:
    """Ask for the token of connector `name` on the terminal, without echo, or read it from a pipe.

    When standard input is not a terminal (`echo "$TOKEN" | cx-tui secret set NAME`), the token
    is its one line: `getpass` would print a multi-line warning there, and might read the
    terminal instead of the pipe.

    Args:
        name: The connector's name (shown in the prompt).
        getpass_fn: The prompt function; `getpass.getpass` when None (then `stdin` decides).
        stdin: Standard input (default `sys.stdin`).

    Raises:
        SecretError: nothing was entered (or input ended), or a pipe held several lines.
    """
    stream = sys.stdin if stdin is None else stdin
    if getpass_fn is None and (stream is None or not stream.isatty()):
        value = _read_piped(name, stream)
    else:
        ask = getpass_fn or getpass.getpass
        try:
            value = ask(f"Token for {name}: ")
        except EOFError:
            value = ""
    token = value.strip()
    if not token:
        raise SecretError(f'no token entered for connector "{name}"')
    return token


def _read_piped(name: str, stream: TextIO | None) -> str:
    try:
        text = stream.read() if stream is not None else ""
    except (OSError, ValueError):  # a closed stream, bytes that are not text
        # `from None`: a decoding error quotes the bytes, which may be the token.
        raise SecretError(
            f'could not read the token for connector "{name}" from standard input'
        ) from None
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > 1:
        raise SecretError(
            f'expected the token for connector "{name}" on one line of standard input, '
            f"found {len(lines)} lines; nothing was stored"
        )
    return lines[0] if lines else ""


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret (of at least 4 characters) replaced by `***`.

    Use it on anything that may echo a vendor's response or a request (error bodies, URLs)
    before it reaches a message, a log line or the screen. URL-encoded forms are replaced too.
    """
    variants: set[str] = set()
    for secret in secrets:
        if not secret or len(secret) < MIN_REDACT_LENGTH:
            continue
        variants.add(secret)
        variants.add(quote(secret, safe=""))
        variants.add(quote(secret))
    # Longest first, so a secret that contains another is replaced whole.
    for variant in sorted(variants, key=len, reverse=True):
        text = text.replace(variant, REDACTED)
    return text
