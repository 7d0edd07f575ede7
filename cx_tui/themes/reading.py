"""Theme files: the shipped ones and the user's, read into Textual `Theme`s.

The shipped themes live in the package `cx_tui.builtin_themes` and are read with
`importlib.resources`, so they load from a wheel as well as from a checkout. User themes are
`*.toml` files in `paths.data_dir() / "themes"`; one whose `name` is a shipped theme's
replaces it. A file that cannot be used is skipped and described
in one line; loading never raises for a bad file.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.theme import Theme

from cx_tui import paths
from cx_tui.themes.checking import check
from cx_tui.tomltext import TomlProblem, parse, quote

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

BUILTIN_PACKAGE = "cx_tui.builtin_themes"
"""The shipped themes: `cx_tui/builtin_themes/*.toml`."""

USER_THEMES_DIRNAME = "themes"
"""User themes are read from this folder in `paths.data_dir()`."""

THEME_SUFFIX = ".toml"

_MAX_PROBLEMS_SHOWN = 3


class ThemeError(Exception):
    """A theme file cannot be used. `str(error)` says what is wrong, key by key."""


def load_themes(user_dir: Path | None = None) -> tuple[list[Theme], list[str]]:
    """Read the shipped themes, then the user's, skipping any file that cannot be used.

    Args:
        user_dir: Folder of user theme files (`*.toml`); default `paths.data_dir()/themes`.
            A missing folder is not a problem. A user theme named like a shipped one
            replaces it.

    Returns:
        The themes (shipped first, by name, then the user's own, by name) and one line per
        file that was skipped, naming the file and what is wrong with it.
    """
    if user_dir is None:
        user_dir = paths.data_dir() / USER_THEMES_DIRNAME
    themes: dict[str, Theme] = {}
    problems: list[str] = []

    try:
        shipped = _shipped_files()
    except (ImportError, OSError) as exc:
        problems.append(
            f"the shipped themes are missing from this installation ({BUILTIN_PACKAGE}: "
            f"{type(exc).__name__}); reinstall cx-tui"
        )
        shipped = []
    for entry in shipped:
        label = f"shipped theme {entry.name}"
        theme = _load_one(label, entry.read_bytes, problems)
        if theme is not None:
            themes[theme.name] = theme

    user_sources: dict[str, Path] = {}
    for path in _user_files(user_dir, problems):
        theme = _load_one(str(path), path.read_bytes, problems)
        if theme is None:
            continue
        if theme.name in user_sources:
            problems.append(
                f"{path}: name: {quote(theme.name)} is already the name of "
                f"{user_sources[theme.name]}; this file was skipped"
            )
            continue
        user_sources[theme.name] = path
        themes[theme.name] = theme
    return list(themes.values()), problems


def read_theme(text: str) -> Theme:
    """Build a Theme from the text of a theme file.

    Args:
        text: TOML: the Theme fields at the top level and a `[variables]` table.

    Returns:
        The theme, with every colour checked.

    Raises:
        ThemeError: The text is not TOML, or a key is missing, unknown or has a bad value;
            the message lists the first few problems, key by key.
    """
    try:
        document = parse(text, invalid="not valid TOML")
    except TomlProblem as exc:
        raise ThemeError(str(exc)) from None
    problems = check(document)
    if problems:
        shown = problems[:_MAX_PROBLEMS_SHOWN]
        if len(problems) > len(shown):
            shown.append(f"and {len(problems) - len(shown)} more")
        raise ThemeError("; ".join(shown))
    fields: dict[str, Any] = {key: value for key, value in document.items() if key != "variables"}
    if "luminosity_spread" in fields:
        fields["luminosity_spread"] = float(fields["luminosity_spread"])
    if "text_alpha" in fields:
        fields["text_alpha"] = float(fields["text_alpha"])
    theme = Theme(**fields, variables=dict(document.get("variables", {})))
    try:
        theme.to_color_system().generate()
    except Exception as exc:  # Textual's own checks, should ours ever miss one
        raise ThemeError(f"Textual cannot build colours from it ({exc})") from None
    return theme


def _shipped_files() -> list[Traversable]:
    folder = resources.files(BUILTIN_PACKAGE)
    return sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(THEME_SUFFIX)),
        key=lambda entry: entry.name,
    )


def _user_files(user_dir: Path, problems: list[str]) -> list[Path]:
    try:
        if not user_dir.is_dir():
            return []
        return sorted(path for path in user_dir.glob(f"*{THEME_SUFFIX}") if path.is_file())
    except OSError as exc:
        problems.append(f"{user_dir}: the theme folder could not be read ({_os_error(exc)})")
        return []


def _load_one(label: str, read: Callable[[], bytes], problems: list[str]) -> Theme | None:
    """The theme in one file, or None after adding a line to `problems`."""
    try:
        text = read().decode("utf-8")
    except OSError as exc:
        problems.append(f"{label}: could not be read ({_os_error(exc)}); this file was skipped")
        return None
    except UnicodeDecodeError:
        problems.append(f"{label}: not UTF-8 text; this file was skipped")
        return None
    try:
        return read_theme(text)
    except ThemeError as exc:
        problems.append(f"{label}: {exc}; this file was skipped")
        return None


def _os_error(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
