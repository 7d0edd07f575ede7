"""What a theme file may say, and every problem with one, key by key.

A theme file holds the fields of `textual.theme.Theme`, flat, plus a `[variables]` table of the
app's own colours (`APP_VARIABLES`) or Textual's. Each problem is one `key: what is wrong` line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from textual.color import Color, ColorParseError
from textual.css.constants import VALID_STYLE_FLAGS
from textual.design import ColorSystem

from cx_tui.tomltext import closest, describe, shown_key


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


def check(document: Mapping[str, Any]) -> list[str]:
    """Every problem with a parsed theme file, as `key: what is wrong` lines."""
    problems: list[str] = []
    for key in document:
        if key not in _KNOWN_KEYS:
            problems.append(f"{shown_key(key)}: unknown key; {_suggestion(key, _KNOWN_KEYS)}")

    name = document.get("name")
    if name is None:
        problems.append('name: missing; every theme needs a name, such as "my-theme"')
    elif not isinstance(name, str) or not _NAME.fullmatch(name):
        problems.append(
            f"name: expected letters, digits, - and _ (at most 64), got {describe(name)}"
        )

    ansi = document.get("ansi", False)
    for key in _FLAG_KEYS:
        if key in document and not isinstance(document[key], bool):
            problems.append(f"{key}: expected true or false, got {describe(document[key])}")
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
                problems.append(f"{key}: expected a number from 0 to 1, got {describe(value)}")

    variables = document.get("variables", {})
    if not isinstance(variables, Mapping):
        problems.append(f"variables: expected a [variables] table, got {describe(variables)}")
    else:
        problems.extend(_variable_problems(variables, ansi_allowed))
    return problems


def _variable_problems(variables: Mapping[str, Any], ansi_allowed: bool) -> Iterator[str]:
    kinds = _variable_kinds()
    for name, value in variables.items():
        key = f"variables.{shown_key(name)}"
        kind = kinds.get(name)
        if kind is None:
            yield f"{key}: unknown variable; {_suggestion(name, sorted(kinds), listing=False)}"
            continue
        if not isinstance(value, str):
            yield f"{key}: expected a string, got {describe(value)}"
            continue
        if kind == "style":
            words = value.split()
            if not words or any(word not in VALID_STYLE_FLAGS for word in words):
                flags = ", ".join(sorted(VALID_STYLE_FLAGS))
                yield f"{key}: expected text style words ({flags}), got {describe(value)}"
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
        return f"expected a colour such as {example}, got {describe(value)}"
    text = value.strip()
    if alpha_suffix and (match := _ALPHA_SUFFIX.match(text)):
        if float(match["percent"]) > 100:
            return f"expected an opacity from 0% to 100%, got {describe(value)}"
        text = match["colour"]
    try:
        colour = Color.parse(text)
    except ColorParseError:
        return f"expected a colour such as {example}, got {describe(value)}"
    if colour.ansi is not None and not ansi_allowed:
        return (
            f"ansi colour names such as {describe(value)} need `ansi = true` "
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
    close = closest(key, valid)
    if close:
        return close
    if listing:
        return "valid keys are " + ", ".join(valid)
    app = ", ".join(variable.name for variable in APP_VARIABLES)
    return f"use one of the app's ({app}) or one of Textual's, such as border or footer-background"
