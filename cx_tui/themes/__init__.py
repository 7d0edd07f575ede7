"""Colour themes: Textual `Theme`s read from TOML files, the shipped ones and the user's.

The shipped themes (`cx-dark`, `cx-light`, `cx-high-contrast`, `cx-ansi`) live in
`cx_tui/builtin_themes/` and are read with `importlib.resources`, so they load from a wheel as
well as from a checkout. User themes are `*.toml` files in `paths.data_dir() / "themes"`; one
whose `name` is a shipped theme's replaces it.

A theme file holds the fields of `textual.theme.Theme`, flat, plus a `[variables]` table:

    name = "my-theme"            # required
    primary = "#1D5FA6"          # required; every colour is checked with Color.parse
    background = "#F7F8FA"
    dark = false
    [variables]
    cx-conflict = "#9A5200"      # the app's own colours (APP_VARIABLES) or Textual's

A file that cannot be used (bad TOML, a missing or unknown key, a value that is not a colour) is
skipped and described in one line; loading never raises for a bad file.

Modules: `reading` (find and read the files), `checking` (what a file may say), `using` (themes
in the running app: variables, palette, switching, the command palette).
"""

from cx_tui.themes.checking import APP_VARIABLES, AppVariable
from cx_tui.themes.reading import (
    BUILTIN_PACKAGE,
    THEME_SUFFIX,
    USER_THEMES_DIRNAME,
    ThemeError,
    load_themes,
    read_theme,
)
from cx_tui.themes.using import (
    ThemeCommands,
    apply_theme,
    contrast_ratio,
    default_variables,
    theme_palette,
)

__all__ = [
    "APP_VARIABLES",
    "BUILTIN_PACKAGE",
    "THEME_SUFFIX",
    "USER_THEMES_DIRNAME",
    "AppVariable",
    "ThemeCommands",
    "ThemeError",
    "apply_theme",
    "contrast_ratio",
    "default_variables",
    "load_themes",
    "read_theme",
    "theme_palette",
]
