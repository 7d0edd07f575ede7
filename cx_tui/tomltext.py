"""TOML written by people: parsed within bounds, and quoted back the way it was written.

The config file and the theme files share this. `parse` refuses a document nested deeper than
`MAX_NESTING` (tables, arrays, inline tables, dotted keys) before `tomllib` sees it: `tomllib`
recurses once per level of arrays and inline tables, and a long dotted key costs it memory that
grows with the square of its length. `describe` and `quote` put a found value into a one-line
message, shortened and escaped.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from typing import Any

MAX_NESTING = 100
"""Deepest nesting `parse` accepts; a config or theme file needs fewer than 5 levels."""

MAX_SHOWN = 40
"""Found values longer than this are shortened in messages."""

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# What changes the nesting outside strings and comments; strings and comments are skipped whole.
_TOKEN = re.compile(r"\"\"\"|'''|[\"'#\[\]{}.,=\n]")
_STRING_END = {
    '"""': re.compile(r'(?:[^\\]|\\.)*?"""', re.S),
    "'''": re.compile(r".*?'''", re.S),
    '"': re.compile(r'(?:[^"\\\n]|\\.)*"'),
    "'": re.compile(r"[^'\n]*'"),
}
_OPENERS = frozenset("[{")
_CLOSERS = frozenset("]}")


class TomlProblem(ValueError):
    """The text cannot be used as TOML; `str(problem)` says why, in one line."""


def parse(text: str, *, invalid: str = "invalid TOML") -> dict[str, Any]:
    """The document in `text`, as `tomllib.loads` reads it.

    Raises:
        TomlProblem: the text is not TOML (`invalid`, then tomllib's words, which end with
            "(at line L, column C)"), or it is nested more than `MAX_NESTING` levels deep.
    """
    line = _too_deep(text)
    if line is not None:
        raise TomlProblem(
            f"expected at most {MAX_NESTING} levels of nested tables, arrays and dotted keys, "
            f"found more at line {line}"
        )
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line L, column C)".
        raise TomlProblem(f"{invalid}: {exc}") from None
    except RecursionError:  # the guard above should make this unreachable
        raise TomlProblem("nested too deeply to read") from None


def _too_deep(text: str) -> int | None:
    """The line where nesting first passes `MAX_NESTING`, or None.

    Counts open brackets and braces across lines, plus the dots of the key being written (a run
    of dots not interrupted by `=`, `,` or a line end), all outside strings and comments. A
    number such as 2.5 may add one, which is harmless against the limit.
    """
    depth = dots = 0
    line = 1
    position = 0
    while (match := _TOKEN.search(text, position)) is not None:
        token = match.group()
        position = match.end()
        if token in _STRING_END:
            end = _STRING_END[token].match(text, position)
            skipped_to = end.end() if end is not None else len(text)
            line += text.count("\n", position, skipped_to)
            position = skipped_to
        elif token == "#":
            newline = text.find("\n", position)
            position = len(text) if newline < 0 else newline
        elif token == "\n":
            line += 1
            dots = 0
        elif token in _OPENERS:
            depth += 1
        elif token in _CLOSERS:
            depth = max(0, depth - 1)
        elif token == ".":
            dots += 1
        else:  # "=" or ",": the key (or the value) ends
            dots = 0
        if depth + dots > MAX_NESTING:
            return line
    return None


def describe(value: object) -> str:
    """A found value as the person wrote it, shortened: `"fast"`, `true`, `0`, `a table`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return quote(value if len(value) <= MAX_SHOWN else value[: MAX_SHOWN - 1] + "…")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"  # dates and times


def quote(text: str) -> str:
    """`text` in double quotes, escaped as in TOML so it stays on one line."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped) + '"'


def shown_key(key: str) -> str:
    """A key as TOML would write it: bare when it can be, else quoted (and shortened)."""
    return key if _BARE_KEY.fullmatch(key) else describe(key)


def closest(key: str, valid: tuple[str, ...] | list[str]) -> str | None:
    """`did you mean "..."?` for the valid key closest to `key`, or None when none is close."""
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    return f'did you mean "{close[0]}"?' if close else None
