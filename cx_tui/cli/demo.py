"""`cx-tui demo reset`: re-seed the embedded demo sources (the old files are kept)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from cx_tui.cli.common import EXIT_ALL_FAILED, EXIT_NOBODY, UsageError, say

if TYPE_CHECKING:
    from cx_tui.config import Config


def reset(config: Config) -> int:
    """Re-seed each demo source; one that cannot be reset is one line on stderr.

    Returns:
        0 all re-seeded, 1 some could not be, 3 none could be.
    """
    from cx_tui.connectors import local
    from cx_tui.connectors.base import ConnectorError
    from cx_tui.sources import region_for

    targets = [
        entry
        for entry in config.connectors
        if entry.type == "local" and entry.settings.get("dataset")
    ]
    if not targets:
        raise UsageError(
            "no demo sources to reset: no connector of type 'local' with a 'dataset' "
            f"in {config.path or 'the configuration'}"
        )
    region = region_for(config)
    failed = 0
    for entry in targets:
        path = local.database_path(entry.name, entry.settings)
        try:
            moved = local.reset_database(path, str(entry.settings["dataset"]), region=region)
        except ConnectorError as error:
            failed += 1
            sys.stderr.write(f"cx-tui: {entry.name}: {error.message}\n")
            continue
        kept = f" (previous file kept as {moved})" if moved else ""
        say(f"{entry.name}: re-seeded {path}{kept}")
    if failed == 0:
        return 0
    return EXIT_ALL_FAILED if failed == len(targets) else EXIT_NOBODY
