"""The local connector's options (declared once, validated from the declaration) and where
its database file lives. Read when a config file is validated, before the first frame: it
imports nothing heavy."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cx_tui import paths
from cx_tui.connectors.base import Option
from cx_tui.connectors.kit.fields import NO_FIELDS, FieldMap, field_map_validator, fields_option

DATASETS = ("crm", "helpdesk")
"""The parts of the shipped demo data a database can be seeded from."""


def validate_path(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError('expected the path of a SQLite file, e.g. "~/cx-tui/crm.sqlite3"')
    return str(Path(value.strip()).expanduser())


def validate_dataset(value: Any) -> str:
    if value not in DATASETS:
        raise ValueError('expected "crm" or "helpdesk" (the part of the demo data to seed from)')
    return str(value)


def validate_region(value: Any) -> str:
    import phonenumbers  # only when a region is set: the config is read before the first frame

    region = value.strip().upper() if isinstance(value, str) else None
    if region is None or region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError('expected an ISO 3166 region code such as "US" or "GB"')
    return region


def default_path(name: str) -> Path:
    """Where a local connector keeps its database when its `path` option is not set.

    Args:
        name: The connector's configured name ("Demo CRM" gives `demo-crm.sqlite3`).

    Returns:
        A path in the cx-tui data directory.
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "local"
    return paths.data_dir() / f"{slug}.sqlite3"


def database_path(name: str, settings: Mapping[str, Any]) -> Path:
    """The database file of a local connector: its `path` option, else `default_path(name)`.

    Args:
        name: The connector's configured name.
        settings: Its option values.

    Returns:
        An absolute path.

    Raises:
        ValueError: the `path` option is not a usable string.
    """
    path = settings.get("path")
    return (Path(validate_path(path)) if path is not None else default_path(name)).absolute()


validate_fields = field_map_validator(("company",), "the local database")


def field_map(settings: Mapping[str, Any]) -> FieldMap:
    """The `fields` option: validated by config, or here when a test builds the connector."""
    value = settings.get("fields")
    if value is None:
        return NO_FIELDS
    return value if isinstance(value, FieldMap) else validate_fields(value)


OPTIONS: tuple[Option, ...] = (
    Option(
        "path",
        "Database file",
        "The SQLite file holding this CRM or helpdesk; created (owner-only) on first use. "
        "Default: <data dir>/<connector name>.sqlite3.",
        validator=validate_path,
        unique=database_path,
    ),
    Option(
        "dataset",
        "Demo data",
        'Seed a new, empty database from the shipped demo data: "crm" or "helpdesk". '
        "Leave unset for an empty database.",
        validator=validate_dataset,
    ),
    Option(
        "region",
        "Region of stored numbers",
        'ISO region ("US", "GB") of phone numbers stored without a country code. Default: '
        "the app's default_region, else the region the demo data was written in.",
        validator=validate_region,
    ),
    fields_option(("company",), "the local database", 'role = "title", plan = "company.plan"'),
)
"""`path`, `dataset`, `region` and `fields`; `default_region` comes from the app's lookup
settings."""
