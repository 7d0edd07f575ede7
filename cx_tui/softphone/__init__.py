"""How call events from a softphone or a PBX reach the running app.

Three doors, one event model (`events.CallEvent`):

- the control socket (`control.py`): a Unix socket, owner-only, always on; the `cx-tui ring`,
  `answer`, `hangup` and `open-uri` commands (`client.py`) write one JSON line to it;
- a loopback HTTP endpoint (`cti_http.py`), off by default, for PBX bridges that POST the
  generic CTI format (newCall / answer / hangup);
- `tel:` and `callto:` links (`handler.py`), which reach the app through the socket.

The client path must stay light: a softphone runs `cx-tui ring NUMBER` on every call and waits
for it. So this package's `__init__`, `runtime.py`, `handler.py` (parsing) and `client.py`
import only the standard library's small modules: no Textual, no asyncio, no phonenumbers, no
config. The number is validated by the server, which has all of those loaded already.
"""

from __future__ import annotations

CLIENT_COMMANDS = frozenset({"ring", "answer", "hangup", "open-uri"})
"""Subcommands that only talk to the running app; `cx_tui.cli.main` dispatches them first."""

PROTOCOL_VERSION = 1
"""The `v` of every control-socket message."""

MAX_LINE_BYTES = 4096
"""The longest control-socket message (one JSON object and its newline), in bytes."""
