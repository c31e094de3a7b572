"""The deployment's configuration: every setting once, with its variable, option, range and default.

One table, :data:`SETTINGS`, is the only place a setting is declared. Its name gives
both spellings, so they cannot disagree: ``pulse_period`` is the option
``--pulse-period`` of every ``beacon`` command that takes it (beacon.cli.options makes
the click options from this table, with ``envvar=``) and the environment variable
``BEACON_PULSE_PERIOD``, which those commands and the WSGI entry point
``beacon.web.wsgi`` read (:func:`from_env`). A process started from one environment
file (deploy/beacon.env) therefore sees the same deployment as every other.

A value given on the command line beats the environment, which beats the default.
A bad value refuses to start, naming the variable (or the option) and the accepted
range. Parsing is strict: integers in ASCII digits only (``int()`` would also take
"１２" or "1_000"), URLs with an http(s) scheme.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from beacon.core import defaults
from beacon.core.time_of_record import MAX_SKEW_MS
from beacon.errors import ConfigurationError
from beacon.identity import ca
from beacon.service.ledger import Policy
from beacon.service.settings import DEFAULT_DATA_DIR

ENV_PREFIX = "BEACON_"
Kind = Literal["integer", "text", "url", "directory"]
Value = int | str | Path | None
_POLICY = Policy()
# The pulse's period field is a u32 in milliseconds (PROTOCOL.md §8.1).
MAX_PERIOD_SECONDS = (2**32 - 1) // 1000


@dataclass(frozen=True)
class Setting:
    """One setting: ``key`` names the parameter, the option and the variable."""

    key: str
    help: str
    default: Value
    kind: Kind = "text"
    low: int = 0
    high: int = 0

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.key.upper()

    @property
    def option(self) -> str:
        return "--" + self.key.replace("_", "-")

    def parse(self, raw: str) -> int | str | Path:
        """The value ``raw`` stands for; ValueError says what was expected."""
        if self.kind == "integer":
            text = raw.strip()
            if re.fullmatch(r"-?[0-9]+", text) and self.low <= int(text) <= self.high:
                return int(text)
            raise ValueError(f"expected an integer from {self.low} to {self.high}, got {raw!r}")
        if self.kind == "url":
            if not raw.startswith(("http://", "https://")):
                raise ValueError(f"expected a URL starting with http:// or https://, got {raw!r}")
            return raw
        if self.kind == "directory":
            return Path(raw)
        return raw

    def from_env(self, environ: Mapping[str, str]) -> Value:
        """This setting's value in ``environ``: unset or empty means the default."""
        raw = environ.get(self.env)
        if raw is None or raw == "":
            return self.default
        try:
            return self.parse(raw)
        except ValueError as e:
            raise ConfigurationError(f"{self.env}: {e}") from e


def _int(key: str, low: int, high: int, default: int, help: str) -> Setting:
    return Setting(key, help, default, "integer", low, high)


SETTINGS: tuple[Setting, ...] = (
    # -- where the deployment lives
    Setting(
        "data_dir",
        "Folder for the SQLite file, the CA and keys, envelope blobs and opened bids.",
        DEFAULT_DATA_DIR,
        "directory",
    ),
    Setting(
        "database_url",
        "SQLAlchemy URL (e.g. postgresql+psycopg://...); default: DIR/beacon.sqlite3.",
        None,
    ),
    # -- the pulse chain
    _int(
        "pulse_period",
        1,
        MAX_PERIOD_SECONDS,
        defaults.PULSE_PERIOD_MS // 1000,
        "Seconds between pulses. One value per deployment: every web, pulser and worker "
        "process refuses to start with another (a new period is a new chain: beacon pulser "
        "--new-chain).",
    ),
    Setting(
        "public_url",
        "Base URL written into pulse URIs and links (default: http://HOST:PORT for beacon "
        "serve, the host each request came in on for the board).",
        None,
        "url",
    ),
    _int(
        "signer_bits",
        ca.MIN_RSA_BITS,
        16384,
        ca.DEFAULT_SIGNER_BITS,
        "RSA size of the pulse signing key created on first start (a fresh folder only).",
    ),
    # -- the acceptance rules (PROTOCOL.md §6.5, §11.5)
    _int(
        "min_vdf_t",
        1,
        2**40,
        _POLICY.min_vdf_t,
        "Smallest T a definition may use; a deployment publishes T >= A_max * W * s "
        "(PROTOCOL.md §11.5).",
    ),
    _int(
        "vdf_rate",
        1,
        2**40,
        _POLICY.vdf_rate,
        "s: squarings per second of this deployment's VDF evaluator, published and carried "
        "by every definition (measure it: python -m bench --only vdf; §11.5).",
    ),
    _int(
        "vdf_advantage",
        1,
        2**20,
        _POLICY.vdf_advantage,
        "A_max: how much faster than s an adversary's evaluator may be (§11.5).",
    ),
    _int(
        "min_lead_seconds",
        0,
        365 * 86_400,
        _POLICY.min_lead_ms // 1000,
        "Least time between publishing a draw and its commit deadline.",
    ),
    _int(
        "skew_seconds",
        1,
        MAX_SKEW_MS // 1000,
        _POLICY.skew_ms // 1000,
        "How far a statement's issued_at may be from server time (at most the protocol's "
        "300 s, PROTOCOL.md §6.5).",
    ),
    _int(
        "max_envelope_mb",
        1,
        4096,
        _POLICY.max_envelope_bytes >> 20,
        "Largest envelope accepted.",
    ),
    # -- the board's display time zone (presentation only; records stay in UTC)
    Setting(
        "display_offset",
        "Offset from UTC in which the board shows times (records stay in UTC); published at "
        "/api/v1/deployment for the CLI.",
        "+08:00",
    ),
    Setting(
        "display_zone_zh",
        "The zone's Chinese name (default: 北京时间 at +08:00, else UTC+HH:MM).",
        None,
    ),
    Setting(
        "display_zone_en",
        "The zone's English name (default: 'Beijing time' at +08:00, else UTC+HH:MM).",
        None,
    ),
    # -- the web behind a reverse proxy
    _int(
        "trusted_proxies",
        0,
        16,
        0,
        "How many reverse proxies in front of the web set X-Forwarded-For/-Proto/-Host/-Port "
        "(werkzeug ProxyFix); 0 trusts none. Set it to the number of proxies you run, never "
        "more: a client could otherwise forge its address and the links' host.",
    ),
    # -- each pulser's and worker's own metrics endpoint (docs/OPERATIONS.md, "Metrics")
    Setting(
        "metrics_port",
        "Serve this process's Prometheus metrics at http://HOST:PORT/metrics "
        "(default: not served).",
        None,
        "integer",
        1,
        65535,
    ),
    Setting(
        "metrics_host",
        "Address the metrics endpoint binds to (0.0.0.0: every interface).",
        "127.0.0.1",
    ),
    # -- the VDF workers
    _int(
        "lease_seconds",
        1,
        3600,
        30,
        "How long a draw stays claimed by a worker without renewal: after a crash, another "
        "worker takes it over (from the stored checkpoints) once this has passed.",
    ),
)

BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}

# What each kind of process reads: the WSGI web process, and the groups of click options.
DEPLOYMENT = ("data_dir", "database_url")
PULSING = ("pulse_period", "public_url", "signer_bits")
ACCEPTANCE = (
    "min_vdf_t",
    "vdf_rate",
    "vdf_advantage",
    "min_lead_seconds",
    "skew_seconds",
    "max_envelope_mb",
)
DISPLAY = ("display_offset", "display_zone_zh", "display_zone_en")
WEB = (*DEPLOYMENT, *PULSING, *ACCEPTANCE, *DISPLAY, "trusted_proxies")
METRICS = ("metrics_port", "metrics_host")


def from_env(environ: Mapping[str, str], keys: Iterable[str]) -> dict[str, Value]:
    """The values of ``keys`` from ``environ``: unset or empty means the default."""
    return {key: BY_KEY[key].from_env(environ) for key in keys}


def policy_of(
    *,
    min_vdf_t: int,
    min_lead_seconds: int,
    skew_seconds: int,
    max_envelope_mb: int,
    vdf_rate: int = _POLICY.vdf_rate,
    vdf_advantage: int = _POLICY.vdf_advantage,
) -> Policy:
    """The acceptance rules from the settings' units (seconds, MiB) to Policy's (ms, bytes)."""
    return Policy(
        skew_ms=skew_seconds * 1000,
        min_lead_ms=min_lead_seconds * 1000,
        min_vdf_t=min_vdf_t,
        max_envelope_bytes=max_envelope_mb << 20,
        vdf_rate=vdf_rate,
        vdf_advantage=vdf_advantage,
    )
