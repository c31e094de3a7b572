"""The WSGI entry point of a production web process: ``gunicorn 'beacon.web.wsgi:app'``.

A production deployment (docs/ARCHITECTURE.md §6) runs the web in a process manager such as
gunicorn, ``beacon pulser`` and ``beacon worker`` as their own processes, all on one
database. The web process only serves: it accepts statements and envelopes and
answers reads; it never emits pulses or computes draws.

The app is built on first access of ``app``, from these environment variables (the
same names and defaults as the ``beacon serve`` options):

``BEACON_DATA_DIR``
    the deployment's folder (default ``.beacon``): SQLite file, CA, blobs.
``BEACON_DATABASE_URL``
    a SQLAlchemy URL (default: the SQLite file in the data folder).
``BEACON_PULSE_PERIOD``
    seconds between pulses (default 60); must equal the pulser's ``--pulse-period``,
    because cache lifetimes and "next pulse" answers are computed from it.
``BEACON_PUBLIC_URL``
    the public base URL put in links (default: the host each request came in on).
``BEACON_SIGNER_BITS``
    RSA size of the pulse signing key created on first start (a fresh folder only).
``BEACON_MIN_VDF_T``, ``BEACON_VDF_RATE``, ``BEACON_VDF_ADVANTAGE``, ``BEACON_MIN_LEAD_SECONDS``,
``BEACON_SKEW_SECONDS``, ``BEACON_MAX_ENVELOPE_MB``
    the acceptance rules (PROTOCOL.md §6.5, §11.5), as ``--min-vdf-t`` and so on.
``BEACON_DISPLAY_OFFSET``, ``BEACON_DISPLAY_ZONE_ZH``, ``BEACON_DISPLAY_ZONE_EN``
    the display time zone of the board (default +08:00, 北京时间 / Beijing time), as
    ``--display-offset``, ``--display-zone-zh`` and ``--display-zone-en``.

Bad values refuse to start with a :class:`~beacon.errors.ConfigurationError` naming
the variable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from beacon.core.display_zone import DisplayZone
from beacon.core.time_of_record import MAX_SKEW_MS
from beacon.errors import ConfigurationError
from beacon.identity import ca
from beacon.service.clock import Clock, SystemClock
from beacon.service.entropy import Entropy, SystemEntropy
from beacon.service.ledger import Policy
from beacon.service.runtime import Runtime
from beacon.service.settings import DEFAULT_DATA_DIR, Settings
from beacon.web import create_app

LOCK_FILE = ".open.lock"
# Ranges as the ``beacon serve`` options (beacon.cli.options), so both entry points accept
# the same deployments, plus upper bounds where those have none; defaults are Policy's own.
_DEFAULTS = Policy()
_MAX_PERIOD_SECONDS = (2**32 - 1) // 1000  # the pulse's period field is a u32 in ms (§8.1)


@dataclass(frozen=True)
class WebConfig:
    """What the environment configures: where the deployment lives and its rules."""

    settings: Settings
    policy: Policy
    public_url: str | None
    display_zone: DisplayZone


def _integer(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    # ASCII digits only: int() would also take "１２" or "1_000".
    text = raw.strip()
    value = int(text) if re.fullmatch(r"-?[0-9]+", text) else None
    if value is None or not low <= value <= high:
        raise ConfigurationError(f"{name}: expected an integer from {low} to {high}, got {raw!r}")
    return value


def config_from_env(environ: Mapping[str, str]) -> WebConfig:
    """The web process's configuration from ``environ`` (see the module docstring)."""
    data_dir = Path(environ.get("BEACON_DATA_DIR") or DEFAULT_DATA_DIR)
    public_url = environ.get("BEACON_PUBLIC_URL") or None
    if public_url is not None and not public_url.startswith(("http://", "https://")):
        raise ConfigurationError(
            f"BEACON_PUBLIC_URL: expected a URL starting with http:// or https://, got {public_url!r}"
        )
    period = _integer(environ, "BEACON_PULSE_PERIOD", 60, 1, _MAX_PERIOD_SECONDS)
    policy = Policy(
        min_vdf_t=_integer(environ, "BEACON_MIN_VDF_T", _DEFAULTS.min_vdf_t, 1, 2**40),
        vdf_rate=_integer(environ, "BEACON_VDF_RATE", _DEFAULTS.vdf_rate, 1, 2**40),
        vdf_advantage=_integer(environ, "BEACON_VDF_ADVANTAGE", _DEFAULTS.vdf_advantage, 1, 2**20),
        min_lead_ms=1000
        * _integer(
            environ, "BEACON_MIN_LEAD_SECONDS", _DEFAULTS.min_lead_ms // 1000, 0, 365 * 86_400
        ),
        skew_ms=1000
        * _integer(
            environ, "BEACON_SKEW_SECONDS", _DEFAULTS.skew_ms // 1000, 1, MAX_SKEW_MS // 1000
        ),
        max_envelope_bytes=_integer(
            environ, "BEACON_MAX_ENVELOPE_MB", _DEFAULTS.max_envelope_bytes >> 20, 1, 4096
        )
        << 20,
    )
    settings = Settings.build(
        data_dir=data_dir,
        database_url=environ.get("BEACON_DATABASE_URL") or None,
        period_seconds=period,
        public_url=public_url or "http://127.0.0.1:8080",
        signer_bits=_integer(
            environ, "BEACON_SIGNER_BITS", ca.DEFAULT_SIGNER_BITS, ca.MIN_RSA_BITS, 16384
        ),
    )
    display_zone = DisplayZone.build(
        offset=environ.get("BEACON_DISPLAY_OFFSET") or None,
        name_zh=environ.get("BEACON_DISPLAY_ZONE_ZH") or None,
        name_en=environ.get("BEACON_DISPLAY_ZONE_EN") or None,
        fields=("BEACON_DISPLAY_OFFSET", "BEACON_DISPLAY_ZONE_ZH", "BEACON_DISPLAY_ZONE_EN"),
    )
    return WebConfig(
        settings=settings, policy=policy, public_url=public_url, display_zone=display_zone
    )


@contextmanager
def _exclusive(data_dir: Path) -> Iterator[None]:
    """Hold a lock file in ``data_dir`` while opening the deployment.

    Every gunicorn worker opens the deployment when it boots; on a fresh data folder
    the first one migrates the database and creates the demo CA, and a second one
    doing the same at the same moment would race it.
    """
    import fcntl  # gunicorn is Unix-only; here so that importing beacon.web needs no fcntl

    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / LOCK_FILE).open("a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def app_from_env(
    environ: Mapping[str, str], *, clock: Clock | None = None, entropy: Entropy | None = None
) -> Flask:
    """A serving app for the deployment ``environ`` describes (no pulser, no worker)."""
    config = config_from_env(environ)
    with _exclusive(config.settings.data_dir):
        runtime = Runtime.open(
            config.settings,
            clock=clock or SystemClock(),
            entropy=entropy or SystemEntropy(),
            policy=config.policy,
        )
    flask_config: dict[str, object] = {"DISPLAY_ZONE": config.display_zone}
    if config.public_url is not None:
        flask_config["PUBLIC_URL"] = config.public_url
    return create_app(flask_config, runtime=runtime)


_app: Flask | None = None


def __getattr__(name: str) -> Flask:
    # PEP 562: build ``app`` when the server asks for it, not on import, so that importing
    # this module (tests, tools) never opens a deployment.
    global _app
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _app is None:
        _app = app_from_env(os.environ)
    return _app
