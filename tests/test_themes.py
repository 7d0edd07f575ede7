"""Themes: the shipped TOML files, user themes, bad files, live switching and the wheel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from importlib import metadata, resources
from pathlib import Path
from typing import Any, ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.color import Color
from textual.widgets import Static

from cx_tui import paths
from cx_tui.themes import (
    APP_VARIABLES,
    BUILTIN_PACKAGE,
    ThemeCommands,
    ThemeError,
    apply_theme,
    contrast_ratio,
    default_variables,
    load_themes,
    read_theme,
)

REPO = Path(__file__).resolve().parent.parent
SHIPPED = {  # name -> (dark, ansi)
    "cx-dark": (True, False),
    "cx-light": (False, False),
    "cx-high-contrast": (True, False),
    "cx-ansi": (True, True),
}
APP_NAMES = {variable.name for variable in APP_VARIABLES}

GOOD = """\
name = "mine"
primary = "#336699"
background = "#101010"
dark = true
[variables]
cx-vip = "#FFD700"
"""


def _write(folder: Path, filename: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    path.write_text(text, encoding="utf-8")
    return path


def _by_name(themes: list[Any]) -> dict[str, Any]:
    return {theme.name: theme for theme in themes}


# --- The shipped themes --------------------------------------------------------------------


def test_every_shipped_theme_loads_with_its_dark_and_ansi_flags(tmp_path: Path) -> None:
    themes, problems = load_themes(tmp_path / "no-user-themes")
    assert problems == []
    loaded = _by_name(themes)
    assert {name: (t.dark, t.ansi) for name, t in loaded.items()} == SHIPPED
    for theme in themes:
        generated = theme.to_color_system().generate()  # what Textual does on switching
        assert generated["primary"]
        assert APP_NAMES <= set(theme.variables), f"{theme.name} leaves app colours to defaults"


def test_the_themes_folder_is_what_ships() -> None:
    in_repo = {path.stem for path in (REPO / "cx_tui" / "builtin_themes").glob("*.toml")}
    packaged = {
        entry.name.removesuffix(".toml")
        for entry in resources.files(BUILTIN_PACKAGE).iterdir()
        if entry.name.endswith(".toml")
    }
    assert in_repo == packaged == set(SHIPPED)


def test_high_contrast_keeps_aaa_contrast_on_its_background(tmp_path: Path) -> None:
    theme = _by_name(load_themes(tmp_path)[0])["cx-high-contrast"]
    assert theme.background is not None and theme.foreground is not None
    assert contrast_ratio(theme.foreground, theme.background) >= 7
    colours = {
        "primary": theme.primary,
        "warning": theme.warning,
        "error": theme.error,
        "success": theme.success,
        **{name: theme.variables[name] for name in APP_NAMES},
    }
    low = {
        key: round(contrast_ratio(value, theme.background), 2)
        for key, value in colours.items()
        if contrast_ratio(value, theme.background) < 7
    }
    assert low == {}


@pytest.mark.parametrize("name", ["cx-dark", "cx-light"])
def test_app_colours_are_readable_on_the_background(tmp_path: Path, name: str) -> None:
    theme = _by_name(load_themes(tmp_path)[0])[name]
    assert theme.background is not None
    low = {
        variable: round(contrast_ratio(theme.variables[variable], theme.background), 2)
        for variable in APP_NAMES
        if contrast_ratio(theme.variables[variable], theme.background) < 4.5
    }
    assert low == {}


def test_contrast_ratio_follows_wcag() -> None:
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21)
    assert contrast_ratio("#FFFFFF", "#000000") == pytest.approx(21)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1)
    assert contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)


# --- User themes and bad files -------------------------------------------------------------


def test_a_user_theme_with_a_shipped_name_replaces_it(tmp_path: Path) -> None:
    _write(tmp_path, "my-dark.toml", 'name = "cx-dark"\nprimary = "#FF00FF"\n')
    themes, problems = load_themes(tmp_path)
    assert problems == []
    assert [t.name for t in themes].count("cx-dark") == 1
    assert _by_name(themes)["cx-dark"].primary == "#FF00FF"
    assert set(_by_name(themes)) == set(SHIPPED)


def test_user_themes_come_after_the_shipped_ones(tmp_path: Path) -> None:
    _write(tmp_path, "mine.toml", GOOD)
    themes, problems = load_themes(tmp_path)
    assert problems == []
    assert [t.name for t in themes] == [*sorted(SHIPPED), "mine"]
    assert _by_name(themes)["mine"].variables == {"cx-vip": "#FFD700"}


def test_user_themes_are_read_from_the_data_dir_by_default() -> None:
    _write(paths.data_dir() / "themes", "mine.toml", GOOD)
    themes, problems = load_themes()
    assert problems == []
    assert "mine" in _by_name(themes)


BAD_FILES = {
    "toml-syntax": ('name = "broken\nprimary = "#000000"\n', "not valid TOML"),
    "missing-name": ('primary = "#000000"\n', "name: missing"),
    "missing-primary": ('name = "bad"\n', "primary: missing"),
    "unknown-key": (
        'name = "bad"\nprimary = "#000"\nforegound = "#fff"\n',
        'did you mean "foreground"',
    ),
    "invalid-colour": ('name = "bad"\nprimary = "blu"\n', "primary: expected a colour such as"),
    "ansi-name-without-ansi": ('name = "bad"\nprimary = "ansi_blue"\n', "need `ansi = true`"),
    "bad-variable-colour": (
        'name = "bad"\nprimary = "#000"\n[variables]\ncx-conflict = "orangeish"\n',
        "variables.cx-conflict: expected a colour",
    ),
    "unknown-variable": (
        'name = "bad"\nprimary = "#000"\n[variables]\ncx-conflicts = "#FFB000"\n',
        'did you mean "cx-conflict"',
    ),
    "bad-text-style": (
        'name = "bad"\nprimary = "#000"\n[variables]\nblock-cursor-text-style = "loud"\n',
        "expected text style words",
    ),
    "dark-not-a-bool": ('name = "bad"\nprimary = "#000"\ndark = "yes"\n', "dark: expected true"),
    "alpha-out-of-range": ('name = "bad"\nprimary = "#000"\ntext_alpha = 2\n', "from 0 to 1"),
    "bad-name": ('name = "my theme"\nprimary = "#000"\n', "name: expected letters"),
    "not-utf8": (b'name = "caf\xe9"\nprimary = "#000"\n', "not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_one_problem_line_and_the_rest_still_load(tmp_path: Path, case: str) -> None:
    content, expected = BAD_FILES[case]
    _write(tmp_path, "good.toml", GOOD)
    bad = tmp_path / "bad.toml"
    if isinstance(content, bytes):
        bad.write_bytes(content)
    else:
        bad.write_text(content, encoding="utf-8")

    themes, problems = load_themes(tmp_path)

    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{bad}: ")
    assert expected in problems[0]
    assert "\n" not in problems[0]
    assert set(_by_name(themes)) == {*SHIPPED, "mine"}


def test_several_mistakes_in_one_file_are_still_one_line(tmp_path: Path) -> None:
    _write(tmp_path, "bad.toml", 'nam = "x"\nprimary = "blu"\nerror = "redd"\ndark = 1\nfoo = 2\n')
    themes, problems = load_themes(tmp_path)
    assert len(problems) == 1
    assert "nam: unknown key" in problems[0]
    assert "and 3 more" in problems[0]
    assert set(_by_name(themes)) == set(SHIPPED)


def test_a_theme_nested_100_000_levels_deep_is_skipped_not_a_crash(tmp_path: Path) -> None:
    deep = _write(tmp_path, "deep.toml", GOOD + "x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    themes, problems = load_themes(tmp_path)
    assert problems == [
        f"{deep}: expected at most 100 levels of nested tables, arrays and dotted keys, found "
        "more at line 7; this file was skipped"
    ]
    assert set(_by_name(themes)) == set(SHIPPED)


def test_two_user_files_with_one_name_keep_the_first(tmp_path: Path) -> None:
    _write(tmp_path, "a.toml", GOOD)
    second = _write(tmp_path, "b.toml", GOOD.replace("#336699", "#996633"))
    themes, problems = load_themes(tmp_path)
    assert problems == [
        f'{second}: name: "mine" is already the name of {tmp_path / "a.toml"}; '
        "this file was skipped"
    ]
    assert _by_name(themes)["mine"].primary == "#336699"


def test_ansi_names_are_allowed_in_ansi_themes() -> None:
    theme = read_theme(
        'name = "t"\nansi = true\nprimary = "ansi_blue"\nbackground = "ansi_default"\n'
        '[variables]\ncx-conflict = "ansi_yellow"\n'
    )
    assert theme.ansi is True
    assert theme.to_color_system().generate()["primary"] == "ansi_blue"


def test_textual_value_forms_are_accepted_in_variables() -> None:
    theme = read_theme(
        'name = "t"\nprimary = "#000"\n[variables]\n'
        'input-selection-background = "#81a1c1 35%"\ntext-muted = "auto 60%"\n'
        'button-focus-text-style = "b reverse"\n'
    )
    assert theme.variables["text-muted"] == "auto 60%"
    with pytest.raises(ThemeError, match="expected a colour"):
        read_theme('name = "t"\nprimary = "#000"\n[variables]\nborder = "auto"\n')


# --- In the app ----------------------------------------------------------------------------


class ThemedApp(App[None]):
    """The wiring cx-tui's app does: registered themes, app colour defaults, the commands."""

    CSS = "#probe { color: $cx-conflict; }"
    COMMANDS: ClassVar[set[Any]] = {ThemeCommands}

    def __init__(self, user_dir: Path) -> None:
        super().__init__()
        self.loaded, self.problems = load_themes(user_dir)
        for theme in self.loaded:
            self.register_theme(theme)
        self.theme = "cx-dark"

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return default_variables(self.current_theme)

    def compose(self) -> ComposeResult:
        yield Static("probe", id="probe")


def _probe_colour(app: App[Any]) -> Color:
    return app.query_one("#probe").styles.color


async def test_every_shipped_theme_applies_live_with_its_app_colours(tmp_path: Path) -> None:
    app = ThemedApp(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        for name in ("cx-light", "cx-high-contrast", "cx-dark"):
            assert apply_theme(app, name) is None
            await pilot.pause()
            assert app.theme == name
            wanted = Color.parse(app.current_theme.variables["cx-conflict"])
            assert _probe_colour(app).rgb == wanted.rgb
        assert apply_theme(app, "cx-ansi") is None
        await pilot.pause()
        assert app.theme == "cx-ansi"
        assert _probe_colour(app).ansi is not None


async def test_an_unknown_theme_is_reported_not_raised(tmp_path: Path) -> None:
    app = ThemedApp(tmp_path)
    async with app.run_test(size=(80, 24)):
        problem = apply_theme(app, "cx-drak")
        assert problem is not None
        assert problem.startswith('unknown theme "cx-drak"; did you mean "cx-dark"?')
        assert "cx-high-contrast" in problem
        assert app.theme == "cx-dark"
        assert apply_theme(app, "  ") == "no theme name given; available: " + ", ".join(
            sorted(app.available_themes)
        )


async def test_a_theme_without_app_colours_gets_readable_defaults(tmp_path: Path) -> None:
    app = ThemedApp(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert apply_theme(app, "textual-light") is None
        await pilot.pause()
        light = default_variables(app.current_theme)
        assert _probe_colour(app).rgb == Color.parse(light["cx-conflict"]).rgb
        background = app.current_theme.to_color_system().generate()["background"]
        assert contrast_ratio(light["cx-conflict"], background) >= 3
    assert set(default_variables()) == APP_NAMES
    assert default_variables() != light  # derived from the theme, not one fixed set


async def test_the_palette_offers_and_switches_themes(tmp_path: Path) -> None:
    _write(tmp_path, "mine.toml", GOOD)
    app = ThemedApp(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        app.action_command_palette()
        await pilot.pause()
        await pilot.press(*"Theme: cx-high")
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "cx-high-contrast"

        app.action_command_palette()
        await pilot.pause()
        await pilot.press(*"Theme: mine")
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "mine"


async def test_the_palette_lists_every_registered_theme(tmp_path: Path) -> None:
    app = ThemedApp(tmp_path)
    async with app.run_test(size=(80, 24)):
        provider = ThemeCommands(app.screen)
        hits = [hit async for hit in provider.discover()]
        prompts = [str(hit.display) for hit in hits]
        assert prompts == [f"Theme: {name}" for name in sorted(app.available_themes)]
        current = next(hit for hit in hits if str(hit.display) == "Theme: cx-dark")
        assert current.help == "Switch to this dark theme (current)"
        ansi = next(hit for hit in hits if str(hit.display) == "Theme: cx-ansi")
        assert ansi.help == "Switch to this 16-colour theme"


# --- Packaging -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built offline from a copy of the sources (so no build/ lands in the checkout)."""
    source = tmp_path_factory.mktemp("source")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "cx_tui", source / "cx_tui", ignore=ignore)
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps"]
    command += ["--no-build-isolation", "--no-index", "--disable-pip-version-check", "-q"]
    result = subprocess.run(
        [*command, "-w", str(out)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = out.glob("cx_tui-*.whl")
    return built


def test_the_wheel_carries_the_themes_and_every_module(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"cx_tui/builtin_themes/{name}.toml" for name in SHIPPED} <= names
    modules = {
        path.relative_to(REPO).as_posix()
        for path in (REPO / "cx_tui").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert modules - names == set(), "a module under cx_tui/ is missing from the wheel"


_LOAD_SCRIPT = """
import json, sys
from pathlib import Path
from importlib import resources
import cx_tui.themes as themes
loaded, problems = themes.load_themes(Path(sys.argv[1]))
print(json.dumps({
    "module": themes.__file__,
    "folder": str(resources.files(themes.BUILTIN_PACKAGE)),
    "themes": [theme.name for theme in loaded],
    "problems": problems,
}))
"""


def _load_in_subprocess(cwd: Path, pythonpath: Path | None = None) -> dict[str, Any]:
    """Run load_themes in a fresh interpreter; with `pythonpath`, cx_tui comes from there only."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    flags = []
    if pythonpath is not None:
        # -S: no site-packages .pth files, so the editable install's finder is not there to
        # supply cx_tui; the dependencies come from site-packages, put on PYTHONPATH.
        flags = ["-S"]
        env["PYTHONPATH"] = os.pathsep.join([str(pythonpath), sysconfig.get_paths()["purelib"]])
    result = subprocess.run(
        [sys.executable, *flags, "-c", _LOAD_SCRIPT, str(cwd / "no-user-themes")],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def test_the_installed_wheel_loads_the_shipped_themes(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    loaded = _load_in_subprocess(tmp_path, pythonpath=site)
    assert loaded["module"].startswith(str(site))
    assert loaded["folder"].startswith(str(site))
    assert loaded["problems"] == []
    assert sorted(loaded["themes"]) == sorted(SHIPPED)


def test_the_editable_install_finds_the_repo_themes_folder(tmp_path: Path) -> None:
    # Ask site-packages itself: a stale cx_tui.egg-info in the checkout can shadow it on sys.path.
    site_packages = sysconfig.get_paths()["purelib"]
    installed = list(metadata.distributions(name="cx-tui", path=[site_packages]))
    direct_url = installed[0].read_text("direct_url.json") if installed else None
    if not direct_url or not json.loads(direct_url).get("dir_info", {}).get("editable"):
        pytest.skip("cx-tui is not installed in editable mode here")
    loaded = _load_in_subprocess(tmp_path)
    assert Path(loaded["folder"]) == REPO / "cx_tui" / "builtin_themes"
    assert loaded["problems"] == []
    assert sorted(loaded["themes"]) == sorted(SHIPPED)


def test_the_readme_example_is_a_valid_theme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Themes", 1)[1].split("\n## ", 1)[0]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    theme = read_theme(example)
    assert theme.name == "night-shift"
    assert set(theme.variables) == APP_NAMES


def test_a_strange_key_is_quoted_so_the_problem_stays_one_line(tmp_path: Path) -> None:
    _write(tmp_path, "bad.toml", 'name = "x"\nprimary = "#000"\n"two\\nlines" = 1\n')
    _, problems = load_themes(tmp_path)
    assert len(problems) == 1
    assert '"two\\u000alines": unknown key' in problems[0]
    assert "\n" not in problems[0]
