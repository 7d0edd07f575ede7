"""Reading vendor JSON and text: checked shapes, times, ids, HTML, folding.

A vendor's answer is untrusted: each reader either returns a usable value or raises
`BadResponse` naming what was expected, so a wrong shape never turns into a crash deeper in.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from cx_tui.connectors.base import BadResponse


def expect_dict(value: Any, vendor: str, what: str) -> dict[str, Any]:
    """`value` if it is a JSON object, else `BadResponse` naming what was expected."""
    if not isinstance(value, dict):
        raise BadResponse(f"{vendor} sent {what} cx-tui cannot read (not an object)")
    return value


def expect_list(value: Any, vendor: str, what: str) -> list[Any]:
    """`value` if it is a JSON array (None counts as empty), else `BadResponse`."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadResponse(f"{vendor} sent {what} cx-tui cannot read (not a list)")
    return value


def expect_dicts(value: Any, vendor: str, what: str, each: str) -> list[dict[str, Any]]:
    """A JSON array of objects (None counts as empty): `what` names the list, `each` an item."""
    return [expect_dict(item, vendor, each) for item in expect_list(value, vendor, what)]


def text_or_none(value: Any) -> str | None:
    """A non-blank string stripped, else None (vendors send "" and null alike)."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def text_in(value: Any, key: str) -> str | None:
    """`text_or_none` of `value[key]` when `value` is a JSON object (custom fields), else None."""
    return text_or_none(value.get(key)) if isinstance(value, Mapping) else None


def texts(value: Any) -> tuple[str, ...]:
    """The strings of a JSON array (tags); anything else, in it or instead of it, is left out."""
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


def vip_tagged(tags: Iterable[str]) -> bool | None:
    """True when a tag is `vip` (any case); else None: no tag says the caller is not one."""
    return True if "vip" in (tag.casefold() for tag in tags) else None


def parse_time(value: Any) -> datetime | None:
    """A vendor timestamp as an aware UTC datetime: ISO 8601 text or epoch milliseconds."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        try:
            return datetime.fromtimestamp(int(value) / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def record_id(value: Any, vendor: str, what: str) -> str:
    """A vendor record id (digits) as text; anything else is a `BadResponse`."""
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not text.isdigit():
        raise BadResponse(f"{vendor} sent {what} without a usable id")
    return text


# --- Text --------------------------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    _BLOCKS = frozenset({"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment (HubSpot note and call bodies): lines kept, tags gone."""
    if "<" not in value and "&" not in value:
        return value.strip()
    parser = _TextExtractor()
    parser.feed(value)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    # Block tags open and close lines; blank lines between them carry no meaning.
    return "\n".join(line for line in lines if line)


def text_to_html(text: str) -> str:
    """Plain text as a safe HTML fragment: escaped, line breaks kept."""
    return "<br>".join(html.escape(line, quote=False) for line in text.split("\n"))


def fold_text(value: str) -> str:
    """Case- and accent-insensitive form, so "gonzalez" finds "González"."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def shorten(text: str, limit: int) -> str:
    """One line of at most `limit` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
