"""Find connector classes by their config `type`, through the `cx_tui.connectors` entry points.

Built-in connectors register exactly as a third-party package would (see pyproject.toml), and
only the types a config names are imported, so an unused vendor module costs nothing at start.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points

from cx_tui.connectors.base import Connector

ENTRY_POINT_GROUP = "cx_tui.connectors"


class UnknownConnectorType(LookupError):
    def __init__(self, type_name: str, known: list[str]) -> None:
        listed = ", ".join(known) if known else "none are installed"
        super().__init__(f"unknown connector type '{type_name}' (known types: {listed})")
        self.type_name = type_name
        self.known = known


@cache
def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available_types() -> list[str]:
    """Every connector type installed, sorted."""
    return sorted(_entry_points())


def connector_class(type_name: str) -> type[Connector]:
    """Load the connector class registered for `type_name`.

    Raises:
        UnknownConnectorType: nothing is registered under that name, or the entry point does
            not name a Connector subclass.
    """
    ep = _entry_points().get(type_name)
    if ep is None:
        raise UnknownConnectorType(type_name, available_types())
    cls = ep.load()
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise UnknownConnectorType(type_name, available_types())
    return cls
