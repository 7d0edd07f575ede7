"""The configuration file: which accounts to search, and how the app behaves.

The file is TOML. Its location is, in order: an explicit path (the CLI's `--config PATH`), the
`CX_TUI_CONFIG` environment variable, then `config.toml` in the platform's config directory
(`paths.config_dir()`). With no explicit location and no file there, the app runs on the
built-in demo: two `local` connectors over seeded data.

Every problem is one `ConfigError` whose message names the file, the key (a dotted path such as
`lookup.deadline` or `connectors[2] ("Acme HubSpot").subdomain`, where connectors are counted
from 1 in file order) and what was expected against what was found. Tokens never belong here:
a secret-looking key is refused, with the ways to store it (see `cx_tui.secrets`), and its value
is never repeated.

Modules: `loading` (find, read, parse; the top level), `sections` (the app's own tables),
`connectors` (each `[[connectors]]` table, from its type's declared options), `checks` (the error
and shared checks), `model` (the dataclasses and defaults), `template` (demo and example file).
"""

from cx_tui.config.checks import ConfigError
from cx_tui.config.loading import (
    CONFIG_ENV,
    CONFIG_FILENAME,
    default_config_path,
    demo_config,
    load_config,
    parse_config,
    resolve_config_path,
)
from cx_tui.config.model import (
    DEFAULT_CACHE_TTL,
    DEFAULT_DETAILS_DEADLINE,
    DEFAULT_DISPOSITIONS,
    DEFAULT_HTTP_PORT,
    DEFAULT_HTTP_TOKEN_NAME,
    DEFAULT_LOOKUP_DEADLINE,
    DEFAULT_THEME,
    MAX_CACHE_TTL,
    MAX_DEADLINE,
    MAX_DISPOSITION_LENGTH,
    MAX_DISPOSITIONS,
    MAX_NAME_LENGTH,
    MIN_HTTP_PORT,
    Config,
    ConnectorConfig,
    SoftphoneConfig,
)
from cx_tui.config.sections import region_from_locale
from cx_tui.config.template import CONFIG_TEMPLATE, DEMO_CONNECTORS

__all__ = [
    "CONFIG_ENV",
    "CONFIG_FILENAME",
    "CONFIG_TEMPLATE",
    "DEFAULT_CACHE_TTL",
    "DEFAULT_DETAILS_DEADLINE",
    "DEFAULT_DISPOSITIONS",
    "DEFAULT_HTTP_PORT",
    "DEFAULT_HTTP_TOKEN_NAME",
    "DEFAULT_LOOKUP_DEADLINE",
    "DEFAULT_THEME",
    "DEMO_CONNECTORS",
    "MAX_CACHE_TTL",
    "MAX_DEADLINE",
    "MAX_DISPOSITIONS",
    "MAX_DISPOSITION_LENGTH",
    "MAX_NAME_LENGTH",
    "MIN_HTTP_PORT",
    "Config",
    "ConfigError",
    "ConnectorConfig",
    "SoftphoneConfig",
    "default_config_path",
    "demo_config",
    "load_config",
    "parse_config",
    "region_from_locale",
    "resolve_config_path",
]
