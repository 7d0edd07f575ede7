"""`python -m cx_tui`: the same as the `cx-tui` command."""

import sys

from cx_tui.cli import main

sys.exit(main())
