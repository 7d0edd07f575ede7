"""The config file: where it is found, what it may say, and how each mistake is reported."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Sequence
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest

from cx_tui.config import (
    CONFIG_TEMPLATE,
    Config,
    ConfigError,
    ConnectorConfig,
    default_config_path,
    load_config,
    region_from_locale,
    resolve_config_path,
)
from cx_tui.connectors import registry
from cx_tui.connectors.base import Connector, Option
from cx_tui.models import Details, Match

# --- A connector type with one option of each kind, registered like a plugin ---------------


def _subdomain(value: str) -> str:
    if not value.isalnum():
        raise ValueError("a subdomain of letters and digits, such as acme")
    return value.lower()


class FakeConnector(Connector):
    type_name = "fake"
    display_name = "Fake"
    options = (
        Option(
            "subdomain",
            "Subdomain",
            "The account's subdomain.",
            required=True,
            validator=_subdomain,
        ),
        Option("page_size", "Page size", "Results per page.", type=int, default=25),
        Option("ratio", "Ratio", "A float option.", type=float, default=0.5),
        Option("verify", "Verify TLS", "A bool option.", type=bool, default=True),
        Option("label", "Label", "A str option without default.", type=str),
    )

    async def find_people(self, query: Any) -> Sequence[Match]:
        return []

    async def get_details(self, match: Match) -> Details:
        raise NotImplementedError


@pytest.fixture(autouse=True)
def fake_type(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Register `fake` (and a `broken` plugin that fails to import) next to the real types."""
    entry_points = registry._entry_points()
    group = registry.ENTRY_POINT_GROUP
    monkeypatch.setitem(
        entry_points, "fake", EntryPoint("fake", f"{__name__}:FakeConnector", group)
    )
    monkeypatch.setitem(
        entry_points, "broken", EntryPoint("broken", "cx_tui_no_such_module:Nothing", group)
    )
    yield


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


ACME = """
[[connectors]]
name = "Acme"
type = "fake"
subdomain = "acme"
"""


def load_text(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> Config:
    return load_config(write(tmp_path, text), env={} if env is None else env)


def error_for(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message
    return message


# --- A valid file ----------------------------------------------------------------------


def test_full_config_is_read_with_defaults_filled_in(tmp_path: Path) -> None:
    cfg = load_text(
        tmp_path,
        """
        default_region = "de"
        theme = "nord"
        [lookup]
        deadline = 2
        details_deadline = 7.5
        [keymap]
        focus-lookup = "ctrl+l, f2"
        "log-note" = "ctrl+n"
        [[connectors]]
        name = "  Acme HubSpot "
        type = "fake"
        subdomain = "ACME"
        ratio = 1
        deadline = 2
        base_url = "http://127.0.0.1:8080/"
        [[connectors]]
        name = "Other"
        type = "fake"
        subdomain = "other"
        page_size = 50
        verify = false
        label = "x"
        """,
    )
    assert cfg.path == tmp_path / "config.toml"
    assert cfg.default_region == "DE"
    assert cfg.theme == "nord"
    assert cfg.lookup_deadline == 2.0 and isinstance(cfg.lookup_deadline, float)
    assert cfg.details_deadline == 7.5
    assert cfg.keymap == {"focus-lookup": "ctrl+l,f2", "log-note": "ctrl+n"}
    assert cfg.demo is False
    assert cfg.connectors == (
        ConnectorConfig(
            "Acme HubSpot",
            "fake",
            {
                "subdomain": "acme",  # the validator's return value is kept
                "ratio": 1.0,
                "deadline": 2.0,
                "base_url": "http://127.0.0.1:8080",
                "page_size": 25,
                "verify": True,
            },
        ),
        ConnectorConfig(
            "Other",
            "fake",
            {"subdomain": "other", "page_size": 50, "verify": False, "label": "x", "ratio": 0.5},
        ),
    )
    assert isinstance(cfg.connectors[0].settings["ratio"], float)


def test_defaults_when_the_file_says_only_connectors(tmp_path: Path) -> None:
    cfg = load_text(tmp_path, ACME)
    assert (cfg.lookup_deadline, cfg.details_deadline, cfg.theme, cfg.keymap) == (
        3.0,
        5.0,
        "cx-dark",
        {},
    )


# --- Every mistake is one line naming the file, the key, what was expected and found -------

ERRORS: list[tuple[str, str, list[str]]] = [
    ("toml-syntax", 'theme = "x"\n[lookup\n', ["invalid TOML", "line 2"]),
    ("unknown-top-level", "lokup = 1\n" + ACME, ["lokup: unknown key", 'did you mean "lookup"']),
    ("unknown-top-level-no-match", "zzz = 1\n" + ACME, ["zzz: unknown key", "valid keys are"]),
    (
        "unknown-lookup-key",
        "[lookup]\ndedline = 2\n" + ACME,
        ["lookup.dedline: unknown key", 'did you mean "deadline"'],
    ),
    ("lookup-not-a-table", "lookup = 3\n" + ACME, ["lookup: expected a [lookup] table, got 3"]),
    (
        "deadline-string",
        '[lookup]\ndeadline = "fast"\n' + ACME,
        ["lookup.deadline: expected a number of seconds > 0", 'got "fast"'],
    ),
    ("deadline-zero", "[lookup]\ndeadline = 0\n" + ACME, ["lookup.deadline", "got 0"]),
    (
        "deadline-too-long",
        "[lookup]\ndetails_deadline = 61\n" + ACME,
        ["lookup.details_deadline", "<= 60", "got 61"],
    ),
    ("deadline-nan", "[lookup]\ndeadline = nan\n" + ACME, ["lookup.deadline", "got nan"]),
    ("deadline-bool", "[lookup]\ndeadline = true\n" + ACME, ["lookup.deadline", "got true"]),
    (
        "region-unknown",
        'default_region = "XX"\n' + ACME,
        ["default_region: expected an ISO 3166-1 alpha-2", 'got "XX"'],
    ),
    ("region-not-string", "default_region = 44\n" + ACME, ["default_region", "got 44"]),
    ("theme-empty", 'theme = " "\n' + ACME, ["theme: expected a theme name", 'got " "']),
    (
        "keymap-space",
        '[keymap]\nfocus-lookup = "ctrl l"\n' + ACME,
        ["keymap.focus-lookup: expected key names", 'got "ctrl l"'],
    ),
    (
        "keymap-empty-key",
        '[keymap]\nfocus-lookup = "ctrl+l,"\n' + ACME,
        ["keymap.focus-lookup", 'got "ctrl+l,"'],
    ),
    ("keymap-not-string", "[keymap]\nfocus-lookup = 3\n" + ACME, ["keymap.focus-lookup", "got 3"]),
    (
        "keymap-unknown-id",
        '[keymap]\nlog-nte = "ctrl+o"\n' + ACME,
        ['keymap.log-nte: unknown binding id "log-nte"', 'did you mean "log-note"?'],
    ),
    (
        "keymap-unknown-id-far",
        '[keymap]\nlaunch-rockets = "ctrl+o"\n' + ACME,
        ['keymap.launch-rockets: unknown binding id "launch-rockets"', "(?) lists every id"],
    ),
    (
        "empty-connectors",
        "connectors = []\n",
        ["connectors: no connectors", "[[connectors]]", "remove the `connectors` key"],
    ),
    (
        "single-bracket-connectors",
        '[connectors]\nname = "x"\n',
        ["connectors: expected an array of tables", "[[connectors]]"],
    ),
    (
        "connector-not-a-table",
        'connectors = ["x"]\n',
        ['connectors[1]: expected a [[connectors]] table, got "x"'],
    ),
    ("missing-name", '[[connectors]]\ntype = "fake"\n', ["connectors[1].name: missing"]),
    (
        "name-not-string",
        '[[connectors]]\nname = 7\ntype = "fake"\n',
        ["connectors[1].name: expected a name", "got 7"],
    ),
    ("name-empty", '[[connectors]]\nname = ""\ntype = "fake"\n', ["connectors[1].name", 'got ""']),
    (
        "name-too-long",
        f'[[connectors]]\nname = "{"n" * 65}"\ntype = "fake"\n',
        ["connectors[1].name: expected a name of 1 to 64"],
    ),
    (
        "name-control-char",
        '[[connectors]]\nname = "a\\u0007b"\ntype = "fake"\n',
        ["connectors[1].name", 'got "a\\u0007b"'],
    ),
    (
        "missing-type",
        '[[connectors]]\nname = "Acme"\n',
        ['connectors[1] ("Acme").type: missing', "local"],
    ),
    (
        "unknown-type",
        '[[connectors]]\nname = "Acme"\ntype = "hubspo"\n',
        [
            'connectors[1] ("Acme").type: unknown connector type "hubspo"',
            "known types:",
            "local",
            "fake",
        ],
    ),
    ("type-suggestion", '[[connectors]]\nname = "Acme"\ntype = "fak"\n', ['did you mean "fake"']),
    (
        "broken-plugin",
        '[[connectors]]\nname = "Acme"\ntype = "broken"\n',
        [
            'connectors[1] ("Acme").type: the broken connector could not be loaded',
            "ModuleNotFoundError",
        ],
    ),
    (
        "unknown-option",
        ACME + 'subdomian = "x"\n',
        ['connectors[1] ("Acme").subdomian: unknown key', 'did you mean "subdomain"'],
    ),
    (
        "missing-required",
        '[[connectors]]\nname = "Acme"\ntype = "fake"\n',
        ['connectors[1] ("Acme").subdomain: missing', "Subdomain"],
    ),
    (
        "validator",
        '[[connectors]]\nname = "Acme"\ntype = "fake"\nsubdomain = "a-b"\n',
        [
            'connectors[1] ("Acme").subdomain: expected a subdomain of letters and digits',
            'got "a-b"',
        ],
    ),
    (
        "int-option-bool",
        ACME + "page_size = true\n",
        ['connectors[1] ("Acme").page_size: expected an integer, got true'],
    ),
    ("int-option-float", ACME + "page_size = 2.5\n", ["page_size: expected an integer, got 2.5"]),
    ("float-option-bool", ACME + "ratio = false\n", ["ratio: expected a number, got false"]),
    ("float-option-string", ACME + 'ratio = "1"\n', ['ratio: expected a number, got "1"']),
    ("bool-option-int", ACME + "verify = 1\n", ["verify: expected true or false, got 1"]),
    ("str-option-int", ACME + "label = 1\n", ["label: expected a string, got 1"]),
    ("str-option-table", ACME + "label = {a = 1}\n", ["label: expected a string, got a table"]),
    (
        "connector-deadline-string",
        ACME + 'deadline = "fast"\n',
        ['connectors[1] ("Acme").deadline: expected a number', 'got "fast"'],
    ),
    (
        "connector-deadline-too-long",
        ACME + "deadline = 600\n",
        ['connectors[1] ("Acme").deadline: expected a number of seconds > 0 and <= 60'],
    ),
    (
        "base-url-not-http",
        ACME + 'base_url = "ftp://x"\n',
        ['connectors[1] ("Acme").base_url: expected an http:// or https:// URL'],
    ),
    (
        "base-url-plain-http-to-the-network",
        ACME + 'base_url = "http://api.example.com"\n',
        ['connectors[1] ("Acme").base_url: expected an https:// URL', "loopback", "unencrypted"],
    ),
    (
        "base-url-bad-port",
        ACME + 'base_url = "https://api.example.com:99999"\n',
        ['connectors[1] ("Acme").base_url: expected an http:// or https:// URL'],
    ),
    (
        "second-connector-index",
        ACME + '[[connectors]]\nname = "B"\ntype = "fake"\nsubdomain = "b"\ndeadline = true\n',
        ['connectors[2] ("B").deadline', "got true"],
    ),
    (
        "duplicate-name-case-insensitive",
        ACME + ACME.replace('"Acme"', '"ACME"'),
        ['connectors[2] ("ACME").name: duplicate name', 'connectors[1] ("Acme")'],
    ),
    (
        "same-secret-variable",
        ACME.replace("Acme", "Acme HubSpot") + ACME.replace("Acme", "acme-hubspot"),
        [
            'connectors[2] ("acme-hubspot").name',
            'connectors[1] ("Acme HubSpot")',
            "CX_TUI_SECRET_ACME_HUBSPOT",
        ],
    ),
    (
        "long-value-shortened",
        '[lookup]\ndeadline = "' + "s" * 500 + '"\n' + ACME,
        ['got "' + "s" * 39 + '…"'],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_mistakes_are_reported_with_file_key_and_expectation(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    message = error_for(tmp_path, text)
    for part in expected:
        assert part in message


def test_long_values_are_not_echoed_whole(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[lookup]\ndeadline = "' + "s" * 500 + '"\n' + ACME)
    assert "s" * 41 not in message


def test_error_carries_path_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[lookup]\ndeadline = "fast"\n' + ACME)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert info.value.path == path
    assert info.value.key == "lookup.deadline"


# --- Secrets never belong in the file ----------------------------------------------------

TOKEN = "sk-live-Zq81ExampleTokenValue"


@pytest.mark.parametrize(
    "key",
    [
        "token",
        "api_key",
        "APIKey",
        "Password",
        "secret",
        "access_token",
        "client_secret",
        "api-token",
    ],
)
def test_a_secret_in_a_connector_is_refused_without_echoing_it(tmp_path: Path, key: str) -> None:
    message = error_for(
        tmp_path,
        f'[[connectors]]\nname = "Acme HubSpot"\ntype = "fake"\n"{key}" = "{TOKEN}"\n',
    )
    assert f'connectors[1] ("Acme HubSpot").{key}: secrets do not belong' in message
    assert 'cx-tui secret set "Acme HubSpot"' in message
    assert "CX_TUI_SECRET_ACME_HUBSPOT" in message
    assert TOKEN not in message
    assert TOKEN[:8] not in message


@pytest.mark.parametrize(
    "text",
    [
        # Refused before the unknown type or the bad option could be reported.
        f'[[connectors]]\nname = "Acme"\ntype = "nope"\ntoken = "{TOKEN}"\n',
        f'[[connectors]]\ntype = "fake"\ntoken = "{TOKEN}"\n',
        f'[[connectors]]\nname = 3\ntoken = "{TOKEN}"\n',
        f'token = "{TOKEN}"\n' + ACME,
        f'[lookup]\napi_key = "{TOKEN}"\n' + ACME,
    ],
    ids=["unknown-type", "no-name", "bad-name", "top-level", "lookup"],
)
def test_a_secret_anywhere_is_refused_first(tmp_path: Path, text: str) -> None:
    message = error_for(tmp_path, text)
    assert "secrets do not belong in the config file" in message
    assert "keyring" in message
    assert TOKEN not in message


@pytest.mark.parametrize(
    "url",
    [
        "http://bob:hunter22@127.0.0.1:9",
        "https://bob:hunter22@api.example.com/v2",
        "https://:hunter22@api.example.com",
        "https://hunter22@api.example.com",  # a token as the user name
        "ftp://bob:hunter22@api.example.com",  # refused for the password before the scheme
        "http://bob:hunter22@[::1",  # even when the rest does not parse
    ],
)
def test_credentials_in_base_url_are_refused_without_echoing_them(tmp_path: Path, url: str) -> None:
    message = error_for(tmp_path, ACME.replace("Acme", "Acme HubSpot") + f'base_url = "{url}"\n')
    assert 'connectors[1] ("Acme HubSpot").base_url: ' in message
    assert "user name or password" in message
    assert 'cx-tui secret set "Acme HubSpot"' in message
    assert "CX_TUI_SECRET_ACME_HUBSPOT" in message
    assert "hunter22" not in message and "bob" not in message


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://localhost:9/",
        "http://[::1]:9",
        "http://127.0.0.2",
        "https://api.example.com",
        "HTTPS://api.example.com/base/",
    ],
)
def test_base_url_takes_https_and_loopback_http(tmp_path: Path, url: str) -> None:
    cfg = load_text(tmp_path, ACME + f'base_url = "{url}"\n')
    assert cfg.connectors[0].settings["base_url"] == url.rstrip("/")


def test_two_local_sources_in_one_file_are_refused(tmp_path: Path) -> None:
    shared = tmp_path / "crm.sqlite3"
    message = error_for(
        tmp_path,
        f'[[connectors]]\nname = "A"\ntype = "local"\npath = "{shared}"\n'
        f'[[connectors]]\nname = "B"\ntype = "local"\npath = "{tmp_path}/./crm.sqlite3"\n',
    )
    assert 'connectors[2] ("B").path: ' in message
    assert 'connectors[1] ("A")' in message and str(shared) in message


def test_a_path_that_is_another_sources_default_file_is_refused(tmp_path: Path) -> None:
    from cx_tui.connectors.local import default_path

    message = error_for(
        tmp_path,
        '[[connectors]]\nname = "Demo CRM"\ntype = "local"\n'
        f'[[connectors]]\nname = "Other"\ntype = "local"\npath = "{default_path("Demo CRM")}"\n',
    )
    assert 'connectors[2] ("Other").path: ' in message and 'connectors[1] ("Demo CRM")' in message


def test_local_sources_with_their_own_files_are_fine(tmp_path: Path) -> None:
    cfg = load_text(
        tmp_path,
        '[[connectors]]\nname = "Demo CRM"\ntype = "local"\n'
        '[[connectors]]\nname = "Demo Helpdesk"\ntype = "local"\n'
        f'[[connectors]]\nname = "Team"\ntype = "local"\npath = "{tmp_path / "team.sqlite3"}"\n',
    )
    assert len(cfg.connectors) == 3


def _room(name: str, settings: Any) -> str:
    return str(settings.get("room", name)).casefold()


class RoomConnector(FakeConnector):
    """A type whose option one account alone may use (as the local type's database file)."""

    type_name = "room"
    options = (Option("room", "Meeting room", "The room this account books.", unique=_room),)


@pytest.mark.parametrize(
    ("second", "key"),
    [('name = "B"\nroom = "blue"', '("B").room'), ('name = "Blue"', '("Blue").name')],
    ids=["set", "derived-from-the-name"],
)
def test_any_type_can_declare_an_option_no_two_accounts_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, second: str, key: str
) -> None:
    point = EntryPoint("room", f"{__name__}:RoomConnector", registry.ENTRY_POINT_GROUP)
    monkeypatch.setitem(registry._entry_points(), "room", point)
    first = '[[connectors]]\nname = "A"\ntype = "room"\nroom = "Blue"\n'
    message = error_for(tmp_path, first + f'[[connectors]]\ntype = "room"\n{second}\n')
    assert f'connectors[2] {key}: the same meeting room as connectors[1] ("A") (blue)' in message
    assert (
        len(load_text(tmp_path, first + '[[connectors]]\nname = "B"\ntype = "room"\n').connectors)
        == 2
    )


def test_keys_that_merely_mention_token_are_not_secrets(tmp_path: Path) -> None:
    message = error_for(tmp_path, ACME + 'token_url = "https://x"\n')
    assert "token_url: unknown key" in message


# --- Reading the file --------------------------------------------------------------------


def _invalid_utf8(path: Path) -> None:
    path.write_bytes(b'theme = "ok"\ntheme2 = "\xff"\n')


def _directory(path: Path) -> None:
    path.mkdir()


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (_invalid_utf8, "expected UTF-8 text, found an invalid byte at line 2"),
        (_directory, "expected a TOML file, found a directory"),
    ],
    ids=["invalid-utf8", "directory"],
)
def test_unreadable_file(tmp_path: Path, make: Any, expected: str) -> None:
    path = tmp_path / "config.toml"
    make(path)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert str(info.value) == f"{path}: {expected}"


DEEP = 100_000


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * DEEP + "]" * DEEP + "\n",
        "x = " + "{a = " * DEEP + "1" + "}" * DEEP + "\n",
        ".".join(["a"] * DEEP) + " = 1\n",
        "[" + ".".join(["a"] * DEEP) + "]\n",
        '[[connectors]]\nname = "A"\ntype = "fake"\nlabel = ' + "[" * DEEP + "]" * DEEP,
    ],
    ids=["arrays", "inline-tables", "dotted-key", "table-header", "in-a-connector"],
)
def test_a_config_nested_100_000_levels_deep_is_a_config_error(tmp_path: Path, text: str) -> None:
    # tomllib recurses per level of arrays (a RecursionError, once called "a bug") and spends
    # memory growing with the square of a dotted key's length (gigabytes at this depth).
    message = error_for(tmp_path, text)
    assert message.endswith(
        ": expected at most 100 levels of nested tables, arrays and dotted keys, "
        "found more at line " + ("4" if text.startswith("[[") else "1")
    ), message


def test_nesting_inside_strings_and_comments_is_not_counted(tmp_path: Path) -> None:
    deep = "[" * 500 + "." * 500
    cfg = load_text(
        tmp_path,
        ACME + f'label = "{deep}"  # {deep}\n' + f"ratio = 2.5 # {deep}\n"
        f"# {deep}\n[keymap]\n'focus-lookup' = 'f2'\n",
    )
    assert cfg.connectors[0].settings["label"] == deep
    assert cfg.keymap == {"focus-lookup": "f2"}


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="root (or Windows) reads any file"
)
def test_file_without_read_permission(tmp_path: Path) -> None:
    path = write(tmp_path, ACME)
    path.chmod(0)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert str(info.value) == f"{path}: cannot read the file (Permission denied)"


def test_read_error_is_reported_not_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The same path as a permission problem, for runs as root where chmod 0 does not stop reads.
    path = write(tmp_path, ACME)

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert str(info.value) == f"{path}: cannot read the file (Permission denied)"


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf" + ACME.encode())
    assert load_config(path, env={}).connectors[0].name == "Acme"


# --- Where the file is found -------------------------------------------------------------


def test_explicit_path_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load_config(missing, env={})
    assert str(info.value) == f"{missing}: no such file (named by --config)"


def test_env_path_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load_config(env={"CX_TUI_CONFIG": str(missing)})
    assert str(info.value) == f"{missing}: no such file (named by CX_TUI_CONFIG)"


def test_env_var_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, ACME, "from-env.toml")
    monkeypatch.setenv("CX_TUI_CONFIG", str(path))
    cfg = load_config()
    assert cfg.path == path
    assert cfg.connectors[0].name == "Acme"


def test_explicit_path_beats_env_and_env_beats_default(tmp_path: Path) -> None:
    explicit = write(tmp_path, ACME, "explicit.toml")
    from_env = write(tmp_path, ACME.replace("Acme", "Env"), "env.toml")
    default = default_config_path()
    default.parent.mkdir(parents=True)
    default.write_text(ACME.replace("Acme", "Default"), encoding="utf-8")
    env = {"CX_TUI_CONFIG": str(from_env)}
    assert load_config(str(explicit), env=env).connectors[0].name == "Acme"
    assert load_config(env=env).connectors[0].name == "Env"
    assert load_config(env={}).connectors[0].name == "Default"
    assert resolve_config_path(None, env) == from_env


def test_default_location_is_in_the_user_config_dir(isolated_env: Path) -> None:
    assert default_config_path() == isolated_env / ".config" / "cx-tui" / "config.toml"


def test_demo_when_there_is_no_file() -> None:
    assert not default_config_path().exists()
    cfg = load_config(env={"LANG": "fr_FR.UTF-8"})
    assert cfg.demo is True
    assert cfg.path is None
    assert cfg.default_region == "FR"
    assert [(c.name, c.type, c.settings["dataset"]) for c in cfg.connectors] == [
        ("Demo CRM", "local", "crm"),
        ("Demo Helpdesk", "local", "helpdesk"),
    ]


def test_a_file_without_connectors_runs_on_the_demo_sources(tmp_path: Path) -> None:
    cfg = load_text(tmp_path, 'default_region = "GB"\ntheme = "nord"\n')
    assert cfg.path == tmp_path / "config.toml"
    assert (cfg.default_region, cfg.theme) == ("GB", "nord")
    assert cfg.demo is True
    assert cfg.connectors == load_config(env={}).connectors


def test_demo_settings_are_validated_like_a_files(tmp_path: Path) -> None:
    demo = load_config(env={})
    written = "".join(
        f'[[connectors]]\nname = "{c.name}"\ntype = "local"\ndataset = "{c.settings["dataset"]}"\n'
        for c in demo.connectors
    )
    assert load_text(tmp_path, written).connectors == demo.connectors


def test_template_loads(tmp_path: Path) -> None:
    cfg = load_text(tmp_path, CONFIG_TEMPLATE)
    assert cfg.demo is False
    assert [c.type for c in cfg.connectors] == ["local", "local"]
    # Everything the template documents is a real key: uncommenting the keymap line works.
    uncommented = CONFIG_TEMPLATE.replace('# "focus-lookup"', '"focus-lookup"')
    assert load_text(tmp_path, uncommented).keymap == {"focus-lookup": "ctrl+l"}


def test_template_holds_no_token_and_no_country() -> None:
    lines = [line for line in CONFIG_TEMPLATE.splitlines() if not line.startswith("#")]
    assert not any(line.split("=")[0].strip().lower() in {"token", "api_key"} for line in lines)
    assert not any(line.startswith("default_region") for line in lines)


# --- The default region ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "region"),
    [
        ({"LANG": "en_GB.UTF-8"}, "GB"),
        ({"LANG": "de_DE"}, "DE"),
        ({"LANG": "sr_RS@latin"}, "RS"),
        ({"LANG": "pt-BR"}, "BR"),
        ({"LC_ALL": "fr_CA.UTF-8", "LC_MESSAGES": "de_DE", "LANG": "en_GB"}, "CA"),
        ({"LC_MESSAGES": "de_AT.UTF-8", "LANG": "en_GB"}, "AT"),
        ({"LC_ALL": "", "LANG": "es_MX.UTF-8"}, "MX"),
        ({"LC_ALL": "C", "LANG": "en_GB.UTF-8"}, None),  # LC_ALL decides, as in POSIX
        ({"LANG": "POSIX"}, None),
        ({"LANG": "C.UTF-8"}, None),
        ({"LANG": "en"}, None),
        ({"LANG": "en_ZZ.UTF-8"}, None),
        ({}, None),
    ],
)
def test_region_from_locale(env: dict[str, str], region: str | None) -> None:
    assert region_from_locale(env) == region


def test_region_from_locale_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert region_from_locale() == "JP"


def test_file_region_wins_over_locale(tmp_path: Path) -> None:
    env = {"LANG": "en_GB.UTF-8"}
    assert load_text(tmp_path, ACME, env).default_region == "GB"
    assert load_text(tmp_path, 'default_region = "nz"\n' + ACME, env).default_region == "NZ"


# --- Layering ----------------------------------------------------------------------------


def test_config_imports_neither_textual_nor_httpx_nor_keyring() -> None:
    code = (
        "import sys, cx_tui.config, cx_tui.secrets; "
        "print(sorted(m for m in ('textual', 'httpx', 'keyring') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# --- [calls] and cache_ttl (added with the wrap-up and the cache) ---------------------------


def _load_text(tmp_path: Path, text: str) -> Config:
    file = tmp_path / "c.toml"
    file.write_text(text + "\n[[connectors]]\nname = 'A'\ntype = 'local'\n", encoding="utf-8")
    return load_config(file)


def test_dispositions_and_cache_ttl_are_read(tmp_path: Path) -> None:
    config = _load_text(
        tmp_path, "[lookup]\ncache_ttl = 0\n[calls]\ndispositions = ['Done', ' Sold  it ']"
    )
    assert config.cache_ttl == 0
    assert config.dispositions == ("Done", "Sold it")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[calls]\ndispositions = []", "calls.dispositions"),
        ("[calls]\ndispositions = ['a', 'A']", "calls.dispositions"),
        ("[calls]\ndispositions = [1]", "calls.dispositions"),
        ("[calls]\ncolour = 1", "calls"),
        ("[lookup]\ncache_ttl = -1", "lookup.cache_ttl"),
        ("[lookup]\ncache_ttl = true", "lookup.cache_ttl"),
    ],
)
def test_bad_calls_and_cache_settings_name_the_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError) as raised:
        _load_text(tmp_path, text)
    assert key in str(raised.value)
