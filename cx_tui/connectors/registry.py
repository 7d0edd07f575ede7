"""Find connector classes by their config `type`: built-in vendor packages, then plugins.

**Built-in connectors are discovered, not listed.** Every module or package directly under
`cx_tui.connectors` (other than the plumbing: `base`, `declarations`, `errors`, `registry`,
`kit`) is a connector type named after it: `cx_tui/connectors/hubspot/` is
`type = "hubspot"`. Its class is the module's `CONNECTOR` (a `Connector` subclass whose
`type_name` is the module's name), or, for a module that declares none, the one `Connector`
subclass defined in it under that `type_name`. Adding a vendor package therefore edits no
shared file.

**Third-party connectors** register under the `cx_tui.connectors` entry-point group, as before:
`[project.entry-points."cx_tui.connectors"] acme = "acme_cx:AcmeConnector"`.

**On a name clash the built-in wins**, and the plugin's entry point is ignored: a config file's
`type = "hubspot"` must mean the same connector, holding the same token, on every machine
running this version of cx-tui; a plugin picks a name of its own.

Only the types a config names are imported (listing the types imports nothing), so an unused
vendor package costs nothing at start-up; validating a config reads only a built-in package's
`options` module (`connector_options`), so a used one loads after the first frame.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

from cx_tui.connectors.base import COMMON_OPTIONS, Connector

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from cx_tui.connectors.base import Option

ENTRY_POINT_GROUP = "cx_tui.connectors"
PACKAGE = "cx_tui.connectors"
NOT_CONNECTORS = frozenset({"base", "declarations", "errors", "registry", "kit"})
"""Modules of `cx_tui.connectors` that are plumbing, not connector types."""


class UnknownConnectorType(LookupError):
    def __init__(self, type_name: str, known: list[str]) -> None:
        listed = ", ".join(known) if known else "none are installed"
        super().__init__(f"unknown connector type '{type_name}' (known types: {listed})")
        self.type_name = type_name
        self.known = known


@cache
def _entry_points() -> dict[str, EntryPoint]:
    # Imported here: importlib.metadata costs ~15 ms, and a built-in type never needs it.
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


@cache
def _builtin_types() -> tuple[str, ...]:
    """The names of the connector modules and packages shipped in `cx_tui.connectors`."""
    package = importlib.import_module(PACKAGE)
    return tuple(
        sorted(
            info.name
            for info in pkgutil.iter_modules(package.__path__)
            if info.name not in NOT_CONNECTORS and not info.name.startswith("_")
        )
    )


def available_types() -> list[str]:
    """Every connector type installed (built-in and plugins), sorted."""
    return sorted({*_builtin_types(), *_entry_points()})


def connector_class(type_name: str) -> type[Connector]:
    """Load the connector class of `type_name`.

    Raises:
        UnknownConnectorType: no built-in package nor entry point has that name, or what it
            names is not a Connector subclass.
    """
    if type_name in _builtin_types():
        found = _exported(importlib.import_module(f"{PACKAGE}.{type_name}"), type_name)
    else:
        ep = _entry_points().get(type_name)
        if ep is None:
            raise UnknownConnectorType(type_name, available_types())
        found = ep.load()
    if not (isinstance(found, type) and issubclass(found, Connector)):
        raise UnknownConnectorType(type_name, available_types())
    return found


def connector_options(type_name: str) -> tuple[Option, ...]:
    """Every option of `type_name` (the common ones first), as `connector_class(type_name)
    .all_options()` gives them, importing as little as possible: a built-in package's own
    `options` module when it declares `OPTIONS` (the connector, the kit and httpx load after
    the first frame), else the class.

    Raises:
        UnknownConnectorType: as `connector_class`.
    """
    if type_name in _builtin_types():
        try:
            module = importlib.import_module(f"{PACKAGE}.{type_name}.options")
        except ModuleNotFoundError as missing:
            if missing.name != f"{PACKAGE}.{type_name}.options":
                raise
        else:
            declared = getattr(module, "OPTIONS", None)
            if isinstance(declared, tuple):
                return COMMON_OPTIONS + declared
    return connector_class(type_name).all_options()


def _exported(module: ModuleType, type_name: str) -> object:
    """The connector class a built-in module provides: `CONNECTOR`, else the one `Connector`
    subclass defined in it whose `type_name` is the module's name (None when there is none)."""
    declared = getattr(module, "CONNECTOR", None)
    if declared is not None:
        return declared if getattr(declared, "type_name", None) == type_name else None
    defined = [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, Connector)
        and cls.__module__ == module.__name__
        and getattr(cls, "type_name", None) == type_name
    ]
    return defined[0] if len(defined) == 1 else None
