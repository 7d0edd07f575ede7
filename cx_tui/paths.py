"""Where cx-tui keeps its files, per platform (platformdirs), created owner-only."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "cx-tui"


def config_dir() -> Path:
    """Directory of `config.toml` (e.g. ~/.config/cx-tui on Linux)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """Directory of local state: the demo databases, the store, user themes."""
    override = os.environ.get("CX_TUI_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) if missing and make it owner-only (0700)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path
