"""What a Salesforce account needs in the config file, declared as data.

```toml
[[connectors]]
name = "Acme Salesforce"
type = "salesforce"
base_url = "https://acme.my.salesforce.com"   # the org's My Domain URL
client_id = "3MVG9..."                         # consumer key of a connected app
# api_version = "62.0"                         # default: the newest the org lists
```

The secret is the connected app's consumer secret (client-credentials flow); without
`client_id` it is used as a ready bearer access token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from cx_tui.connectors.base import SETTLE_OPTION, Option

API_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,79}")
"""A Salesforce field API name (`Tier__c`): the only names put into SOQL besides our own."""


def _version(value: Any) -> str:
    text = str(value).strip().removeprefix("v")
    if not re.fullmatch(r"\d{2,3}\.0", text):
        raise ValueError('an API version such as "62.0"')
    return text


def _client_id(value: Any) -> str:
    text = str(value).strip()
    if not re.fullmatch(r"[A-Za-z0-9._]{10,255}", text):
        raise ValueError("the connected app's consumer key (letters, digits, . and _)")
    return text


def _field(value: Any) -> str:
    text = str(value).strip()
    if not API_NAME.fullmatch(text):
        raise ValueError("a field API name such as Tier__c")
    return text


def _fields(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return tuple(_field(item) for item in items if str(item).strip())


def _create_as(value: Any) -> str:
    text = str(value).strip().capitalize()
    if text not in ("Contact", "Lead"):
        raise ValueError('"contact" or "lead"')
    return text


OPTIONS: Final[tuple[Option, ...]] = (
    SETTLE_OPTION,
    Option(
        "client_id",
        "Consumer key",
        "The connected app's consumer key. cx-tui then signs in with the OAuth 2.0 client "
        "credentials flow and the secret is the consumer secret; without it the secret is a "
        "ready access token.",
        validator=_client_id,
    ),
    Option(
        "api_version",
        "API version",
        'The REST API version to use, such as "62.0" (default: the newest the org lists).',
        validator=_version,
    ),
    Option(
        "email_fields",
        "More email fields",
        "Contact email fields besides Email that hold a person's other addresses, e.g. "
        '"Secondary_Email__c" (a list or comma-separated).',
        type=list,
        default=(),
        validator=_fields,
    ),
    Option(
        "plan_field",
        "Plan field",
        "The Account field that holds the customer's plan or tier, e.g. Tier__c.",
        validator=_field,
    ),
    Option(
        "create_as",
        "New callers become",
        '"contact" (default) or "lead": what an unknown caller is created as.',
        default="Contact",
        validator=_create_as,
    ),
)


@dataclass(frozen=True, slots=True)
class Settings:
    """The validated options of one account."""

    base_url: str
    client_id: str | None
    api_version: str | None
    email_fields: tuple[str, ...]
    plan_field: str | None
    create_as: str

    @classmethod
    def read(cls, settings: dict[str, Any]) -> Settings:
        base = str(settings.get("base_url") or "").rstrip("/")
        return cls(
            base_url=base,
            client_id=settings.get("client_id") or None,
            api_version=settings.get("api_version") or None,
            email_fields=tuple(settings.get("email_fields") or ()),
            plan_field=settings.get("plan_field") or None,
            create_as=settings.get("create_as") or "Contact",
        )
