"""Custom fields on the card: `[connectors.fields]` maps a card label to a vendor field.

```toml
[connectors.fields]
plan = "company.plan"          # a field of a related record (the vendor says which relations)
tier = "custom_tier"           # a field of the person's own record
```

Config validates the table once through `fields_option(...)`'s validator into a `FieldMap`;
a connector reads it with `option("fields")`, asks its vendor for `person_fields()` and
`related_fields(relation)` by name, and turns what came back into `Person.custom` /
`Company.custom` with `read_fields`. A label the card already has (`plan`, `title`) merges with
that field; any other label is a row of its own. Names are checked here (letters, digits,
`_`, `-`), so they can go into a vendor request as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from cx_tui.connectors.base import Option
from cx_tui.connectors.kit.readers import text_or_none

MAX_FIELDS: Final = 20
_LABEL = re.compile(r"[a-z][a-z0-9_]{0,30}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,99}")


@dataclass(frozen=True, slots=True)
class MappedField:
    """One card label and where the vendor keeps it."""

    label: str
    field: str
    relation: str | None = None
    """The related record that holds it ("company", "organization"); None: the person's own."""

    @property
    def written(self) -> str:
        """As the config wrote it: "company.plan", "custom_tier"."""
        return f"{self.relation}.{self.field}" if self.relation else self.field


@dataclass(frozen=True, slots=True)
class FieldMap:
    """Every mapped field of one connector, in config order."""

    fields: tuple[MappedField, ...] = ()

    def person_fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.field for f in self.fields if f.relation is None))

    def related_fields(self, relation: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.field for f in self.fields if f.relation == relation))

    def with_alias(self, label: str, field: str | None, relation: str | None = None) -> FieldMap:
        """The map plus `label = field` unless `label` is already mapped (an older option,
        such as `plan_property`, kept as an alias of `fields.plan`)."""
        if field is None or any(f.label == label for f in self.fields):
            return self
        return FieldMap((*self.fields, MappedField(label, field, relation)))


NO_FIELDS: Final = FieldMap()


def field_map_validator(relations: tuple[str, ...], vendor: str) -> Callable[[Any], FieldMap]:
    """The validator of a `fields` table for a vendor whose related records are `relations`."""
    allowed = " or ".join(f'"{r}.field"' for r in relations)
    form = f'"field" or {allowed}' if relations else '"field"'

    def validate(value: Any) -> FieldMap:
        if not isinstance(value, Mapping):
            raise ValueError(f'a table of label = {form}, e.g. tier = "custom_tier"')
        if len(value) > MAX_FIELDS:
            raise ValueError(f"at most {MAX_FIELDS} mapped fields")
        found: list[MappedField] = []
        for label, target in value.items():
            if not isinstance(label, str) or not _LABEL.fullmatch(label):
                raise ValueError(
                    f"labels of lower-case letters, digits and _ (up to 31), not {label!r}"
                )
            if not isinstance(target, str):
                raise ValueError(f"{label} = {form} (a string)")
            relation, _, name = target.strip().rpartition(".")
            if relation and relation not in relations:
                known = ", ".join(relations) or "none"
                raise ValueError(
                    f"{label} = {target!r}: {vendor} has no related record {relation!r} "
                    f"(related records: {known})"
                )
            if not _NAME.fullmatch(name):
                raise ValueError(f"{label} = {target!r}: {form}, a field's internal name")
            found.append(MappedField(label, name, relation or None))
        return FieldMap(tuple(found))

    return validate


def fields_option(relations: tuple[str, ...], vendor: str, example: str) -> Option:
    """The `fields` option a connector type declares to take `[connectors.fields]`."""
    return Option(
        "fields",
        "Card fields",
        f"Card label = vendor field, or related_record.field ({example}). Shown on the card "
        "with where each value came from; a label two sources disagree on is a conflict.",
        type=dict,
        default=NO_FIELDS,
        validator=field_map_validator(relations, vendor),
    )


def read_fields(
    mapping: FieldMap, values: Mapping[str, Any] | None, relation: str | None = None
) -> tuple[tuple[str, str], ...]:
    """(label, value) for every field of `relation` (None: the person's own) that `values`
    holds as text, a number or a yes/no; missing and empty fields are left out."""
    if not values:
        return ()
    out = []
    for mapped in mapping.fields:
        if mapped.relation != relation:
            continue
        raw = values.get(mapped.field)
        text = ("yes" if raw else "no") if isinstance(raw, bool) else text_or_none(raw)
        if text is not None:
            out.append((mapped.label, text))
    return tuple(out)
