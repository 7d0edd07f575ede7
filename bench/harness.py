"""What every benchmark scenario shares: fake servers, configs, an isolated environment, stats.

Scenarios use the real vendor connectors (`hubspot`, `zendesk`) configured through `base_url`,
from a config file with `[[connectors]]` tables and tokens in `CX_TUI_SECRET_<NAME>`, exactly as
an admin would set them up. When those connectors (or their test doubles) are not installed, the
scenarios fall back to `bench.generic`, a minimal connector over a generic fake API, and say so.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SERVER_START_TIMEOUT = 30.0
HTTP_TIMEOUT = 10.0

HUBSPOT_TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
"""The token the HubSpot double accepts (`tests/connectors/vendor_fakes.py`)."""
ZENDESK_TOKEN = "zd-api-token-6f1e2d3c4b5a69788796a5b4c3d2e1f0"
ZENDESK_AGENT = "ana.agent@acme.example"


# --- Statistics --------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 20 values is the 19th smallest): no interpolation."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    """Median, p95, n (and min/max) of a sample."""
    if not values:
        return {"median": math.nan, "p95": math.nan, "n": 0, "min": math.nan, "max": math.nan}
    return {
        "median": statistics.median(values),
        "p95": percentile(values, 0.95),
        "n": len(values),
        "min": min(values),
        "max": max(values),
    }


# --- Mode --------------------------------------------------------------------------------------


MODE_ENV = "CX_BENCH_SOURCES"
"""Set to `generic` to run on the generic connector even when the vendor ones exist."""


def vendor_mode() -> str:
    """`vendors` when the HubSpot and Zendesk connectors and their doubles are installed."""
    if os.environ.get(MODE_ENV) == "generic":
        return "generic"
    try:
        from cx_tui.connectors import registry

        types = set(registry.available_types())
        if not {"hubspot", "zendesk"} <= types:
            return "generic"
        registry.connector_class("hubspot")
        registry.connector_class("zendesk")
        import tests.connectors.vendor_fakes  # noqa: F401 - the doubles the servers answer with
    except Exception:
        return "generic"
    return "vendors"


# --- An isolated environment -------------------------------------------------------------------


def isolated_env(root: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for a benchmark process: its own home, data, config and runtime directories,
    no keyring (tokens come from the environment), the repository importable."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CX_TUI_")
        # Bytecode as an installed app has it: with PYTHONDONTWRITEBYTECODE every start would
        # compile cx-tui's own modules (pip compiles textual's and rich's at install).
        and k not in ("NO_COLOR", "TEXTUAL", "PYTHONDONTWRITEBYTECODE")
    }
    for name in ("home", "config", "data", "run", "cache"):
        (root / name).mkdir(parents=True, exist_ok=True)
    (root / "run").chmod(0o700)
    env.update(
        {
            "HOME": str(root / "home"),
            "XDG_CONFIG_HOME": str(root / "config"),
            "XDG_DATA_HOME": str(root / "data"),
            "XDG_CACHE_HOME": str(root / "cache"),
            "CX_TUI_DATA_DIR": str(root / "data" / "cx-tui"),
            "CX_TUI_RUNTIME_DIR": str(root / "run"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")])),
        }
    )
    if extra:
        env.update(extra)
    return env


def apply_env(env: Mapping[str, str]) -> None:
    """Make this process use `env` (scenarios run in their own process)."""
    for key in [k for k in os.environ if k.startswith("CX_TUI_")]:
        del os.environ[key]
    os.environ.update(env)


# --- Fake servers ------------------------------------------------------------------------------


@dataclass
class Endpoint:
    name: str
    vendor: str
    base_url: str


class FakeServers:
    """The fake vendor servers (`bench.fakeserver`) in a child process, stopped on exit.

    Args:
        specs: Account specs (see `bench.fakeserver.AccountSpec`).
        lifetime: The child stops by itself after this many seconds anyway.
    """

    def __init__(self, specs: Sequence[Mapping[str, Any]], lifetime: float = 600.0) -> None:
        self.specs = list(specs)
        self.lifetime = lifetime
        self.accounts: dict[str, Endpoint] = {}
        self.control = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> FakeServers:
        command = [
            sys.executable,
            "-m",
            "bench.fakeserver",
            json.dumps(self.specs),
            "--lifetime",
            str(self.lifetime),
        ]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
        self._process = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        line = _readline(self._process.stdout, SERVER_START_TIMEOUT)
        if not line:
            self.__exit__()
            raise RuntimeError("the fake servers did not start")
        ready = json.loads(line)
        self.control = f"http://127.0.0.1:{ready['control']}"
        self.accounts = {
            name: Endpoint(name, a["vendor"], a["base_url"])
            for name, a in ready["accounts"].items()
        }
        return self

    def __exit__(self, *_: object) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(Exception):
            assert process.stdin is not None
            process.stdin.close()  # the child stops when its stdin closes
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()  # only ever our own child, by its handle
            process.wait(timeout=5)

    def _call(self, method: str, path: str) -> Any:
        request = urllib.request.Request(self.control + path, method=method, data=b"")
        if method == "GET":
            request = urllib.request.Request(self.control + path)
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as answer:
            return json.loads(answer.read())

    def stats(self) -> dict[str, list[dict[str, Any]]]:
        """Every request each account answered since the last reset."""
        data: dict[str, list[dict[str, Any]]] = self._call("GET", "/stats")
        return data

    def reset(self) -> None:
        self._call("POST", "/reset")


def _readline(stream: Any, timeout: float) -> str:
    import threading

    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return result[0] if result else ""


# --- Accounts and configs ----------------------------------------------------------------------


def account_specs(
    count: int,
    *,
    mode: str,
    identity_ms: float,
    identity_jitter_ms: float,
    prefix: str = "src",
    **data: Any,
) -> list[dict[str, Any]]:
    """`count` accounts, alternating HubSpot and Zendesk (generic in generic mode), whose
    identity stage (finding the caller) takes `identity_ms` +/- `identity_jitter_ms`.

    A HubSpot lookup is one search request; a Zendesk lookup is a search and then the users'
    identities, two round trips, so each Zendesk request gets half the latency. Details requests
    get the same per-request latency as the account's identity requests.
    """
    specs = []
    for index in range(count):
        if mode == "vendors":
            vendor = "hubspot" if index % 2 == 0 else "zendesk"
        else:
            vendor = "generic"
        trips = 2 if vendor == "zendesk" else 1
        specs.append(
            {
                "name": f"{prefix}{index + 1}",
                "vendor": vendor,
                "latency_ms": identity_ms / trips,
                "jitter_ms": identity_jitter_ms / trips,
                "seed": 1000 + index,
                **data,
            }
        )
    return specs


def connector_name(endpoint: Endpoint) -> str:
    """The configured name of a source: what agents see, and the token's variable name."""
    number = "".join(ch for ch in endpoint.name if ch.isdigit())
    vendor = {"hubspot": "HubSpot", "zendesk": "Zendesk"}.get(endpoint.vendor, "Generic")
    return f"{vendor} {number}"


def write_config(
    path: Path,
    endpoints: Sequence[Endpoint],
    *,
    deadline: float = 3.0,
    details_deadline: float = 5.0,
) -> dict[str, str]:
    """A config file with one `[[connectors]]` table per vendor endpoint, pointed at the fake
    through `base_url`. Returns the environment variables that carry the tokens."""
    lines = [
        'default_region = "US"',
        "",
        "[lookup]",
        f"deadline = {deadline}",
        f"details_deadline = {details_deadline}",
    ]
    env: dict[str, str] = {}
    for endpoint in endpoints:
        name = connector_name(endpoint)
        variable = "CX_TUI_SECRET_" + "".join(c if c.isalnum() else "_" for c in name.upper())
        lines += ["", "[[connectors]]", f'name = "{name}"', f'type = "{endpoint.vendor}"']
        lines.append(f'base_url = "{endpoint.base_url}"')
        if endpoint.vendor == "hubspot":
            lines.append("portal_id = 4512345")
            env[variable] = HUBSPOT_TOKEN
        elif endpoint.vendor == "zendesk":
            lines.append(f'email = "{ZENDESK_AGENT}"')
            env[variable] = ZENDESK_TOKEN
        else:
            raise ValueError(f"no config type for {endpoint.vendor}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return env


def build_engine(
    endpoints: Sequence[Endpoint], workdir: Path, **engine_options: Any
) -> tuple[Any, Any]:
    """(config or None, LookupEngine) over these endpoints, the way the app builds it.

    Vendor endpoints go through a config file and `cx_tui.sources.build_engine`; generic ones
    through `bench.generic.GenericConnector` (no config type exists for them).
    """
    from cx_tui.lookup import LookupEngine

    if all(e.vendor != "generic" for e in endpoints):
        from cx_tui.config import load_config
        from cx_tui.sources import build_engine as build

        config_path = workdir / "config.toml"
        env = write_config(config_path, endpoints)
        os.environ.update(env)
        config = load_config(config_path)
        engine = build(config)
        if engine_options:
            engine = LookupEngine(
                engine.connectors,
                deadline=config.lookup_deadline,
                details_deadline=config.details_deadline,
                **engine_options,
            )
        return config, engine
    from bench.generic import GenericConnector

    connectors = [GenericConnector(connector_name(e), e.base_url) for e in endpoints]
    return None, LookupEngine(connectors, **engine_options)


def query_for(index: int) -> Any:
    """The parsed query for person `index` of every fake account."""
    from bench.fakeserver import person_phone
    from cx_tui.identity import parse_query

    return parse_query(person_phone(index), "US")


@contextlib.contextmanager
def workdir(prefix: str = "cx-bench-") -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        yield Path(name)


def write_result(path: str | None, result: Mapping[str, Any]) -> None:
    text = json.dumps(result, indent=2, default=str)
    if path:
        Path(path).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")
