"""The WSGI entry point of a production web process: ``gunicorn 'beacon.web.wsgi:app'``.

A production deployment (docs/ARCHITECTURE.md §6) runs the web in a process manager such as
gunicorn, ``beacon pulser`` and ``beacon worker`` as their own processes, all on one
database. The web process only serves: it accepts statements and envelopes and
answers reads; it never emits pulses or computes draws.

The app is built on first access of ``app``, from the environment: the variables of
the one settings table (beacon.service.config), with the same names, ranges and
defaults as the options of ``beacon serve``, ``beacon pulser`` and ``beacon worker``,
which read the same variables (``beacon serve --help`` lists each with its variable):

``BEACON_DATA_DIR``
    the deployment's folder (default ``.beacon``): SQLite file, CA, blobs.
``BEACON_DATABASE_URL``
    a SQLAlchemy URL (default: the SQLite file in the data folder).
``BEACON_PULSE_PERIOD``
    seconds between pulses (default 60); must equal the deployment's, because cache
    lifetimes and "next pulse" answers are computed from it: the app refuses to start
    with another period than the one the pulser runs with (beacon.service.period).
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
``BEACON_TRUSTED_PROXIES``
    how many reverse proxies in front set ``X-Forwarded-*`` (default 0; 1 behind the
    nginx of deploy/): werkzeug's ProxyFix then takes the client's address, scheme and
    host from them.

Bad values refuse to start with a :class:`~beacon.errors.ConfigurationError` naming
the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from beacon.core.display_zone import DisplayZone
from beacon.errors import ConfigurationError
from beacon.ops import logs
from beacon.service import config
from beacon.service.clock import Clock, SystemClock
from beacon.service.entropy import Entropy, SystemEntropy
from beacon.service.ledger import Policy
from beacon.service.runtime import Runtime
from beacon.service.settings import Settings
from beacon.web import create_app


@dataclass(frozen=True)
class WebConfig:
    """What the environment configures: where the deployment lives and its rules."""

    settings: Settings
    policy: Policy
    public_url: str | None
    display_zone: DisplayZone
    trusted_proxies: int = 0


def config_from_env(environ: Mapping[str, str]) -> WebConfig:
    """The web process's configuration from ``environ`` (see the module docstring)."""
    values = config.from_env(environ, config.WEB)
    public_url = _text(values["public_url"])  # a "url" setting parses to str (config.py)
    policy = config.policy_of(
        min_vdf_t=_int(values["min_vdf_t"]),
        vdf_rate=_int(values["vdf_rate"]),
        vdf_advantage=_int(values["vdf_advantage"]),
        min_lead_seconds=_int(values["min_lead_seconds"]),
        skew_seconds=_int(values["skew_seconds"]),
        max_envelope_mb=_int(values["max_envelope_mb"]),
    )
    database_url = values["database_url"]
    settings = Settings.build(
        data_dir=Path(str(values["data_dir"])),
        database_url=str(database_url) if database_url else None,
        period_seconds=_int(values["pulse_period"]),
        public_url=public_url or "http://127.0.0.1:8080",
        signer_bits=_int(values["signer_bits"]),
    )
    display_zone = DisplayZone.build(
        offset=_text(values["display_offset"]),
        name_zh=_text(values["display_zone_zh"]),
        name_en=_text(values["display_zone_en"]),
        fields=(
            config.BY_KEY["display_offset"].env,
            config.BY_KEY["display_zone_zh"].env,
            config.BY_KEY["display_zone_en"].env,
        ),
    )
    return WebConfig(
        settings=settings,
        policy=policy,
        public_url=public_url,
        display_zone=display_zone,
        trusted_proxies=_int(values["trusted_proxies"]),
    )


def _int(value: config.Value) -> int:
    # config.from_env parsed every integer setting; anything else is a bug in the table.
    if not isinstance(value, int):
        raise ConfigurationError(f"expected an integer setting, got {value!r}")
    return value


def _text(value: config.Value) -> str | None:
    return None if value is None else str(value)


def app_from_env(
    environ: Mapping[str, str], *, clock: Clock | None = None, entropy: Entropy | None = None
) -> Flask:
    """A serving app for the deployment ``environ`` describes (no pulser, no worker)."""
    web = config_from_env(environ)
    # Every gunicorn worker opens the deployment as it boots; Runtime.open holds the data
    # folder's lock (Settings.opening), so the first migrates and makes the CA alone.
    runtime = Runtime.open(
        web.settings,
        clock=clock or SystemClock(),
        entropy=entropy or SystemEntropy(),
        policy=web.policy,
    )
    flask_config: dict[str, object] = {
        "DISPLAY_ZONE": web.display_zone,
        "TRUSTED_PROXIES": web.trusted_proxies,
    }
    if web.public_url is not None:
        flask_config["PUBLIC_URL"] = web.public_url
    return create_app(flask_config, runtime=runtime)


_app: Flask | None = None


def __getattr__(name: str) -> Flask:
    # PEP 562: build ``app`` when the server asks for it, not on import, so that importing
    # this module (tests, tools) never opens a deployment.
    global _app
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _app is None:
        # The web's own log lines (refused statements, at info) as every beacon process
        # writes them: text, or JSON lines with BEACON_LOG_FORMAT=json. Gunicorn keeps its
        # access and error logs on its own loggers.
        logs.configure()
        _app = app_from_env(os.environ)
    return _app
