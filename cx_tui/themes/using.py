"""Themes in the running app: the app's own colours, live switching, the command palette."""

from __future__ import annotations

import difflib
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.style import Style
from textual.color import Color, ColorParseError
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.theme import BUILTIN_THEMES, Theme

from cx_tui.themes.checking import APP_VARIABLES
from cx_tui.tomltext import quote

if TYPE_CHECKING:
    from textual.app import App

    from cx_tui.render import Palette


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
    sla = colour("cx-sla-breach")
    return Palette(
        sla_breach=bold + sla if sla else PLAIN.sla_breach,
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
    return f"unknown theme {quote(wanted)}; {hint}available: " + ", ".join(known)


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
