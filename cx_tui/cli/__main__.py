"""`python -m cx_tui.cli`, the same as the `cx-tui` command."""

import sys

from cx_tui.cli.dispatch import main

sys.exit(main())
