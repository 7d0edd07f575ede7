"""`tel:` and `callto:` links: parse them, and register cx-tui as their desktop handler.

`cx-tui install-handler` writes a freedesktop.org desktop entry whose `Exec` runs
`cx-tui open-uri %u`, and makes it the default for both schemes with `xdg-mime`. Clicking a
link then sends a "lookup" event to the running app, which looks the number up.

Parsing is on the client's fast path, so this module imports only `os`, `sys` and
`urllib.parse` at the top (and `typing`, which `cx_tui.cli` has loaded already); the installer's
tools are imported when it runs.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import unquote

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

SCHEMES = ("tel", "callto")
DESKTOP_FILE = "cx-tui-tel.desktop"
MIME_TYPES = tuple(f"x-scheme-handler/{scheme}" for scheme in SCHEMES)
MAX_URI_LENGTH = 2048


class UriError(ValueError):
    """The link is not a phone link cx-tui can read; the message says why."""


def parse_tel_uri(uri: str) -> tuple[str, str | None]:
    """The number and extension of a `tel:` (RFC 3966) or `callto:` link.

    `tel:+1-415-555-0132;ext=12` → (`+1-415-555-0132`, `12`). Percent-encoding is decoded,
    `callto://` and `tel://` are accepted, a local number whose `phone-context` is a global
    prefix gets that prefix (`tel:5550132;phone-context=+1-415` → `+14155550132`), and other
    parameters are dropped. The number itself is validated by the app, against its region.

    Raises:
        UriError: another scheme, an empty number, or a malformed extension.
    """
    text = uri.strip()
    if len(text) > MAX_URI_LENGTH:
        raise UriError(f"the link is {len(text):,} characters long; a phone link is much shorter")
    scheme, colon, rest = text.partition(":")
    if not colon or scheme.lower() not in SCHEMES:
        shown = text if len(text) <= 60 else text[:59] + "…"
        raise UriError(f"{shown!r} is not a tel: or callto: link")
    rest = rest.removeprefix("//").split("?", 1)[0].split("#", 1)[0]
    number_part, *params = rest.split(";")
    number = unquote(number_part).strip().rstrip("/")
    extension: str | None = None
    context: str | None = None
    for param in params:
        name, _, value = param.partition("=")
        name = unquote(name).strip().lower()
        value = unquote(value).strip()
        if name == "ext":
            digits = "".join(ch for ch in value if ch not in "-.() ")
            if not digits.isdigit() or len(digits) > 7:
                raise UriError(f"the extension {value!r} is not 1 to 7 digits")
            extension = digits
        elif name == "phone-context":
            context = value
    if not number:
        raise UriError(f"{text!r} holds no number")
    if context and context.startswith("+") and not number.startswith("+"):
        number = context + number
    return number, extension


# --- The desktop entry -----------------------------------------------------------------------

# Characters that force quoting in a desktop entry's Exec key (Desktop Entry Specification,
# "The Exec key"), and those escaped with a backslash inside the quotes.
_EXEC_RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`=")
_EXEC_ESCAPED = frozenset('"`$\\')


def exec_argument(arg: str) -> str:
    """One argument of an `Exec=` line, quoted and escaped as the specification requires."""
    arg = arg.replace("%", "%%")
    if arg and not any(ch in _EXEC_RESERVED for ch in arg):
        return arg
    quoted = '"' + "".join("\\" + ch if ch in _EXEC_ESCAPED else ch for ch in arg) + '"'
    # The string-value escape applies on top of the quoting rule: a literal backslash in a
    # quoted argument is written as four.
    return quoted.replace("\\", "\\\\")


def handler_command(argv0: str | None = None) -> list[str]:
    """The command that runs this cx-tui: its console script, or `python -m cx_tui`."""
    import shutil

    script = sys.argv[0] if argv0 is None else argv0
    if os.path.basename(script).startswith("cx-tui") and os.path.isfile(script):
        return [os.path.abspath(script)]
    found = shutil.which("cx-tui")
    if found:
        return [os.path.abspath(found)]
    return [os.path.abspath(sys.executable), "-m", "cx_tui"]


def desktop_entry(command: Sequence[str]) -> str:
    """The text of the desktop entry that hands tel: and callto: links to `command open-uri`."""
    exec_line = " ".join(exec_argument(arg) for arg in [*command, "open-uri"]) + " %u"
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Version=1.5\n"
        "Name=cx-tui caller lookup\n"
        "Comment=Look the number of a tel: or callto: link up in the running cx-tui\n"
        f"Exec={exec_line}\n"
        f"MimeType={';'.join(MIME_TYPES)};\n"
        "NoDisplay=true\n"
        "Terminal=false\n"
    )


def applications_dir(env: Mapping[str, str] | None = None) -> str:
    """`$XDG_DATA_HOME/applications`, by default `~/.local/share/applications`."""
    environ = os.environ if env is None else env
    data_home = environ.get("XDG_DATA_HOME", "")
    if not data_home or not os.path.isabs(data_home):
        data_home = os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(data_home, "applications")


class InstallResult(NamedTuple):
    """What `install_handler` did: the file written and the registration's outcome."""

    path: str
    registered: bool
    message: str


def _run(argv: list[str]) -> int:
    import subprocess

    try:
        return subprocess.run(argv, capture_output=True, timeout=20, check=False).returncode
    except (OSError, subprocess.TimeoutExpired):
        return 127


def install_handler(
    *,
    command: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    which: Callable[[str], str | None] | None = None,
    run: Callable[[list[str]], int] = _run,
) -> InstallResult:
    """Write the desktop entry and make it the default tel:/callto: handler.

    Args:
        command: The cx-tui command for `Exec` (default: `handler_command()`).
        env: Environment for `XDG_DATA_HOME` (default: `os.environ`).
        which: Finds a program on PATH (default: `shutil.which`).
        run: Runs a command, returning its exit status (tests pass a fake).

    Raises:
        OSError: the file cannot be written.
    """
    import shutil

    find = which or shutil.which
    folder = applications_dir(env)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, DESKTOP_FILE)
    text = desktop_entry(list(command) if command is not None else handler_command())
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(temporary, path)

    xdg_mime = find("xdg-mime")
    manual = f"xdg-mime default {DESKTOP_FILE} {' '.join(MIME_TYPES)}"
    if xdg_mime is None:
        return InstallResult(
            path,
            registered=False,
            message=(
                "xdg-mime was not found, so the handler is not the default yet. On a desktop "
                f"with xdg-utils run: {manual}"
            ),
        )
    database = find("update-desktop-database")
    if database is not None:
        run([database, "-q", folder])  # refreshes the MIME cache; harmless when absent
    status = run([xdg_mime, "default", DESKTOP_FILE, *MIME_TYPES])
    if status != 0:
        return InstallResult(
            path,
            registered=False,
            message=f"xdg-mime failed (exit {status}); register it by hand: {manual}",
        )
    return InstallResult(
        path,
        registered=True,
        message=f"tel: and callto: links now open with cx-tui ({', '.join(MIME_TYPES)}).",
    )
