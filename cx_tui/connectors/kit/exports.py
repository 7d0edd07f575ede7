"""A vendor package's names, loaded from their module on first use (PEP 562).

The registry reads a built-in package's `options` module to validate a config file before the
first frame; that imports the package itself, so the package must not import its connector (and
with it the kit, httpx and the vendor's parts) at once. It declares where each name lives:

    __getattr__, __dir__ = lazy_exports(__name__, "connector.HubSpotConnector", {
        "search_request": "search.search_request",
    })

`"module.attribute"`, relative to the package; the name is bound in the package on first use.
The connector class is exported twice: as `CONNECTOR`, what the registry finds, and by its own
name.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, connector: str, more: Mapping[str, str] | None = None
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The package's `__getattr__` and `__dir__`: `CONNECTOR` and the class named by `connector`
    ("module.Class"), and the names of `more` (name -> "module.attribute")."""
    homes = {"CONNECTOR": connector, connector.rpartition(".")[2]: connector, **(more or {})}

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = home.rpartition(".")
        value = getattr(importlib.import_module(f"{package}.{module}"), attribute)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *homes})

    return __getattr__, __dir__
