"""Colour themes: Textual `Theme`s read from TOML files, the shipped ones and the user's.

The shipped themes (`cx-dark`, `cx-light`, `cx-high-contrast`, `cx-ansi`) live in the repository's
`themes/` folder, which is installed as the package `cx_tui.builtin_themes` and read with
`importlib.resources`, so they load from a wheel as well as from a checkout. User themes are
`*.toml` files in `paths.data_dir() / "themes"`; one whose `name` is a shipped theme's replaces it.

A theme file holds the fields of `textual.theme.Theme`, flat, plus a `[variables]` table:

    name = "my-theme"            # required
    primary = "#1D5FA6"          # required; every colour is checked with Color.parse
    background = "#F7F8FA"
    dark = false
    [variables]
    cx-conflict = "#9A5200"      # the app's own colours (APP_VARIABLES) or Textual's

A file that cannot be used (bad TOML, a missing or unknown key, a value that is not a colour) is
skipped and described in one line; loading never raises for a bad file.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, partial
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.style import Style
from textual.color import Color, ColorParseError
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.css.constants import VALID_STYLE_FLAGS
from textual.design import ColorSystem
from textual.theme import BUILTIN_THEMES, Theme

from cx_tui import paths

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from textual.app import App

    from cx_tui.render import Palette

BUILTIN_PACKAGE = "cx_tui.builtin_themes"
"""The package the repository's `themes/` folder is installed as."""

USER_THEMES_DIRNAME = "themes"
"""User themes are read from this folder in `paths.data_dir()`."""

THEME_SUFFIX = ".toml"


@dataclass(frozen=True)
class AppVariable:
    """A colour the app's CSS uses (as `$name`) beyond Textual's own.

    Attributes:
        name: The CSS variable, e.g. `cx-conflict`.
        derived_from: The Textual variable whose value is the default in a theme that does not
            set this one (Textual's readable `text-*` colours suit light and dark themes).
        description: What the colour marks.
    """

    name: str
    derived_from: str
    description: str


APP_VARIABLES: tuple[AppVariable, ...] = (
    AppVariable("cx-conflict", "text-warning", "A field the sources disagree on."),
    AppVariable("cx-vip", "text-accent", "The VIP badge."),
    AppVariable("cx-internal-note", "text-secondary", "Internal (not public) notes and comments."),
    AppVariable("cx-sla-breach", "text-error", "A ticket past, or about to pass, its SLA."),
    AppVariable("cx-source-ok", "text-success", "A source that answered."),
    AppVariable("cx-source-failed", "text-error", "A source that failed or timed out."),
)
"""The app's own theme variables; every theme may set them in its `[variables]` table."""

_COLOUR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "warning",
    "error",
    "success",
)
_FLAG_KEYS = ("dark", "ansi")
_FRACTION_KEYS = ("luminosity_spread", "text_alpha")
_KNOWN_KEYS = ("name", *_COLOUR_KEYS, *_FLAG_KEYS, *_FRACTION_KEYS, "variables")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_ALPHA_SUFFIX = re.compile(r"^(?P<colour>.+?)\s+(?P<percent>\d+(?:\.\d+)?)%$")
_AUTO = re.compile(r"auto(?:\s+\d+(?:\.\d+)?%)?")
_MAX_SHOWN = 40
_MAX_PROBLEMS_SHOWN = 3


class ThemeError(Exception):
    """A theme file cannot be used. `str(error)` says what is wrong, key by key."""


# --- Reading -----------------------------------------------------------------------------


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
                f"{path}: name: {_quote(theme.name)} is already the name of "
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
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"not valid TOML: {exc}") from None
    problems = _check(document)
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


# --- Checking ----------------------------------------------------------------------------


def _check(document: Mapping[str, Any]) -> list[str]:
    """Every problem with a parsed theme file, as `key: what is wrong` lines."""
    problems: list[str] = []
    for key in document:
        if key not in _KNOWN_KEYS:
            problems.append(f"{_shown_key(key)}: unknown key; {_suggestion(key, _KNOWN_KEYS)}")

    name = document.get("name")
    if name is None:
        problems.append('name: missing; every theme needs a name, such as "my-theme"')
    elif not isinstance(name, str) or not _NAME.fullmatch(name):
        problems.append(
            f"name: expected letters, digits, - and _ (at most 64), got {_describe(name)}"
        )

    ansi = document.get("ansi", False)
    for key in _FLAG_KEYS:
        if key in document and not isinstance(document[key], bool):
            problems.append(f"{key}: expected true or false, got {_describe(document[key])}")
    ansi_allowed = ansi is True

    if "primary" not in document:
        problems.append('primary: missing; every theme needs a primary colour, such as "#1D5FA6"')
    for key in _COLOUR_KEYS:
        if key in document:
            problem = _colour_problem(document[key], ansi_allowed, alpha_suffix=False)
            if problem:
                problems.append(f"{key}: {problem}")

    for key in _FRACTION_KEYS:
        if key in document:
            value = document[key]
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
                problems.append(f"{key}: expected a number from 0 to 1, got {_describe(value)}")

    variables = document.get("variables", {})
    if not isinstance(variables, Mapping):
        problems.append(f"variables: expected a [variables] table, got {_describe(variables)}")
    else:
        problems.extend(_variable_problems(variables, ansi_allowed))
    return problems


def _variable_problems(variables: Mapping[str, Any], ansi_allowed: bool) -> Iterator[str]:
    kinds = _variable_kinds()
    for name, value in variables.items():
        key = f"variables.{_shown_key(name)}"
        kind = kinds.get(name)
        if kind is None:
            yield f"{key}: unknown variable; {_suggestion(name, sorted(kinds), listing=False)}"
            continue
        if not isinstance(value, str):
            yield f"{key}: expected a string, got {_describe(value)}"
            continue
        if kind == "style":
            words = value.split()
            if not words or any(word not in VALID_STYLE_FLAGS for word in words):
                flags = ", ".join(sorted(VALID_STYLE_FLAGS))
                yield f"{key}: expected text style words ({flags}), got {_describe(value)}"
            continue
        if kind == "auto" and _AUTO.fullmatch(value.strip()):  # where Textual uses "auto 87%"
            continue
        if kind == "initial" and value.strip() == "initial":
            continue
        problem = _colour_problem(value, ansi_allowed, alpha_suffix=True)
        if problem:
            yield f"{key}: {problem}"


def _colour_problem(value: object, ansi_allowed: bool, *, alpha_suffix: bool) -> str | None:
    """What is wrong with a colour value, or None. `alpha_suffix` allows CSS's `#abc 35%`."""
    example = '"#1D5FA6", "rgb(29, 95, 166)" or "royalblue"'
    if ansi_allowed:
        example += ' or an ansi name such as "ansi_blue"'
    if not isinstance(value, str):
        return f"expected a colour such as {example}, got {_describe(value)}"
    text = value.strip()
    if alpha_suffix and (match := _ALPHA_SUFFIX.match(text)):
        if float(match["percent"]) > 100:
            return f"expected an opacity from 0% to 100%, got {_describe(value)}"
        text = match["colour"]
    try:
        colour = Color.parse(text)
    except ColorParseError:
        return f"expected a colour such as {example}, got {_describe(value)}"
    if colour.ansi is not None and not ansi_allowed:
        return (
            f"ansi colour names such as {_describe(value)} need `ansi = true` "
            '(a theme for 16-colour terminals); otherwise use a colour such as "#1D5FA6"'
        )
    return None


@cache
def _variable_kinds() -> dict[str, str]:
    """Each variable a theme may set -> what it takes.

    "colour"; "auto" or "initial" (a colour, or that keyword); "style" (text style words).
    Textual's variables are those its colour system generates in this version, and each takes
    what Textual itself puts there, so an override cannot break the app's CSS.
    """
    kinds: dict[str, str] = {}
    for dark in (True, False):
        generated = ColorSystem(primary="#0178D4", dark=dark).generate()
        for name, value in generated.items():
            keyword = value.split()[0] if value.split() else ""
            if name.endswith(("style", "style-hover")):
                kinds[name] = "style"
            elif keyword in ("auto", "initial"):
                kinds[name] = keyword
            else:
                kinds.setdefault(name, "colour")
    for variable in APP_VARIABLES:
        kinds[variable.name] = "colour"
    return kinds


def _suggestion(key: str, valid: tuple[str, ...] | list[str], *, listing: bool = True) -> str:
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    if close:
        return f'did you mean "{close[0]}"?'
    if listing:
        return "valid keys are " + ", ".join(valid)
    app = ", ".join(variable.name for variable in APP_VARIABLES)
    return f"use one of the app's ({app}) or one of Textual's, such as border or footer-background"


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= _MAX_SHOWN else value[: _MAX_SHOWN - 1] + "…"
        return _quote(shown)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"


def _shown_key(key: str) -> str:
    """A key as TOML would write it: bare when it can be, else quoted (so it stays one line)."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _quote(key)


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped) + '"'


def _os_error(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


# --- Using themes in the app ---------------------------------------------------------------


def default_variables(theme: Theme | None = None) -> dict[str, str]:
    """Values for the app's own variables (APP_VARIABLES) in a theme that does not set them.

    For `App.get_theme_variable_defaults`; a theme's `[variables]` override these.

    Args:
        theme: The theme to derive them from (`App.current_theme`), so that a Textual or user
            theme gets colours readable on its own background. None: from Textual's default
            theme, `textual-dark`.

    Returns:
        Variable name (without `$`) -> a CSS colour.
    """
    source = theme if theme is not None else BUILTIN_THEMES["textual-dark"]
    generated = {**source.to_color_system().generate(), **source.variables}
    return {variable.name: generated[variable.derived_from] for variable in APP_VARIABLES}


def theme_palette(app: App[Any]) -> Palette:
    """The profile's highlight styles in the app's current theme, for the rich renderables
    (`cx_tui.render`, the record detail), which cannot read CSS variables themselves."""
    from cx_tui.render import PLAIN, Palette  # with the first profile, not at start-up

    variables = app.theme_variables or app.get_css_variables()

    def colour(name: str) -> Style | None:
        try:
            return Style(color=Color.parse(variables[name]).rich_color)
        except (KeyError, ColorParseError):  # not a plain colour: keep the default look
            return None

    conflict, vip, note = colour("cx-conflict"), colour("cx-vip"), colour("cx-internal-note")
    bold, reverse = Style(bold=True), Style(bold=True, reverse=True)
    return Palette(
        conflict=bold + conflict if conflict else PLAIN.conflict,
        conflict_values=conflict or PLAIN.conflict_values,
        vip=bold + vip if vip else PLAIN.vip,
        internal_note=reverse + note if note else PLAIN.internal_note,
    )


def contrast_ratio(first: str | Color, second: str | Color) -> float:
    """The WCAG 2 contrast ratio of two opaque colours, from 1 (same) to 21 (black on white).

    Raises:
        ColorParseError: A string is not a colour.
    """

    def luminance(colour: Color) -> float:
        def linear(channel: float) -> float:
            if channel <= 0.04045:
                return channel / 12.92
            return float(((channel + 0.055) / 1.055) ** 2.4)

        red, green, blue = (linear(channel) for channel in colour.normalized)
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue

    lighter, darker = sorted(
        (luminance(Color.parse(first)), luminance(Color.parse(second))), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


def apply_theme(app: App[Any], name: str) -> str | None:
    """Switch the running app to the registered theme `name`.

    Returns:
        None when switched; otherwise one line saying the name is unknown, with the closest
        registered name and the list of them.
    """
    wanted = name.strip()
    known = sorted(app.available_themes)
    if wanted in app.available_themes:
        app.theme = wanted
        return None
    if not wanted:
        return "no theme name given; available: " + ", ".join(known)
    close = difflib.get_close_matches(wanted, known, n=1)
    hint = f'did you mean "{close[0]}"? ' if close else ""
    return f"unknown theme {_quote(wanted)}; {hint}available: " + ", ".join(known)


class ThemeCommands(Provider):
    """Command palette entries "Theme: <name>" for every registered theme, applied live."""

    def _entries(self) -> list[tuple[str, str, str]]:
        """(prompt, theme name, help) for each registered theme, by name."""
        current = self.app.theme
        entries = []
        for name, theme in sorted(self.app.available_themes.items()):
            kind = "16-colour" if theme.ansi else "dark" if theme.dark else "light"
            help_text = f"Switch to this {kind} theme" + (" (current)" if name == current else "")
            entries.append((f"Theme: {name}", name, help_text))
        return entries

    def _switch(self, name: str) -> None:
        problem = apply_theme(self.app, name)
        if problem is not None:  # unregistered between listing and choosing
            self.app.notify(problem, title="Theme", severity="error")

    async def discover(self) -> Hits:
        """Every theme, shown when the palette opens."""
        for prompt, name, help_text in self._entries():
            yield DiscoveryHit(prompt, partial(self._switch, name), help=help_text)

    async def search(self, query: str) -> Hits:
        """The themes whose prompt matches `query`, best first."""
        matcher = self.matcher(query)
        for prompt, name, help_text in self._entries():
            score = matcher.match(prompt)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(prompt),
                    partial(self._switch, name),
                    text=prompt,
                    help=help_text,
                )
