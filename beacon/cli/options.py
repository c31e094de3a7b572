"""Options shared by the commands that open a deployment (serve, pulser, worker, db)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

# The party commands' passphrase lives in its own light module; kept importable from here.
from beacon.cli.passphrase import PASSPHRASE_ENV as PASSPHRASE_ENV
from beacon.cli.passphrase import passphrase as passphrase
from beacon.core.display_zone import DisplayZone
from beacon.core.time_of_record import MAX_SKEW_MS
from beacon.errors import BeaconError
from beacon.identity import ca
from beacon.ops import metrics
from beacon.service.clock import Clock
from beacon.service.entropy import Entropy
from beacon.service.ledger import Policy
from beacon.service.runtime import Runtime
from beacon.service.settings import DEFAULT_DATA_DIR, Settings

F = TypeVar("F", bound=Callable[..., Any])


def data_dir_option(function: F) -> F:
    """``--data-dir`` (BEACON_DATA_DIR): one default for every command, its CA in DIR/ca."""
    return click.option(
        "--data-dir",
        type=click.Path(path_type=Path, file_okay=False),
        envvar="BEACON_DATA_DIR",
        default=DEFAULT_DATA_DIR,
        show_default=True,
        help="Folder for the SQLite file, keys and certificates (the CA in DIR/ca).",
    )(function)


def deployment(function: F) -> F:
    """``--data-dir`` and ``--database-url``."""
    function = click.option(
        "--database-url",
        default=None,
        envvar="BEACON_DATABASE_URL",
        help="SQLAlchemy URL (e.g. postgresql+psycopg://...); default: DIR/beacon.sqlite3.",
    )(function)
    return data_dir_option(function)


def logging_options(function: F) -> F:
    """``--log-json``: one JSON object per log line (also BEACON_LOG_FORMAT=json)."""
    return click.option(
        "--log-json",
        is_flag=True,
        default=None,
        help="Log one JSON object per line (default: BEACON_LOG_FORMAT=json, else text).",
    )(function)


def metrics_endpoint(function: F) -> F:
    """``--metrics-port`` and ``--metrics-host``: this process's own ``/metrics``."""
    function = click.option(
        "--metrics-host",
        envvar="BEACON_METRICS_HOST",
        default="127.0.0.1",
        show_default=True,
        help="Address the metrics endpoint binds to (0.0.0.0: every interface).",
    )(function)
    return click.option(
        "--metrics-port",
        envvar="BEACON_METRICS_PORT",
        type=click.IntRange(1, 65535),
        default=None,
        help="Serve this process's Prometheus metrics at http://HOST:PORT/metrics "
        "(default: not served).",
    )(function)


def serve_metrics(command: str, host: str, port: int | None) -> None:
    """Start the endpoint of ``--metrics-port`` (if given), or a click error saying why not."""
    try:
        metrics.refuse_multiprocess_mode(command)
        if port is not None:
            metrics.serve(host, port)
    except BeaconError as e:
        raise click.ClickException(str(e)) from e
    if port is not None:
        logging.getLogger(f"beacon.{command}").info(
            "serving metrics at http://%s:%d/metrics", host, port
        )


def pulsing(function: F) -> F:
    """``--pulse-period``, ``--public-url`` and ``--signer-bits``."""
    function = click.option(
        "--signer-bits",
        type=click.IntRange(min=ca.MIN_RSA_BITS),
        default=ca.DEFAULT_SIGNER_BITS,
        show_default=True,
        help="RSA size of the signing key created on first start.",
    )(function)
    function = click.option(
        "--public-url",
        default=None,
        help="Base URL written into pulse URIs (default: http://HOST:PORT).",
    )(function)
    return click.option(
        "--pulse-period",
        type=click.IntRange(min=1),
        default=60,
        show_default=True,
        help="Seconds between pulses.",
    )(function)


def acceptance(function: F) -> F:
    """The deployment's acceptance rules (PROTOCOL.md §6.5, §11.5)."""
    function = click.option(
        "--max-envelope-mb",
        type=click.IntRange(1, 4096),
        default=64,
        show_default=True,
        help="Largest envelope accepted.",
    )(function)
    function = click.option(
        "--skew-seconds",
        type=click.IntRange(1, MAX_SKEW_MS // 1000),
        default=300,
        show_default=True,
        help="How far a statement's issued_at may be from server time (at most the protocol's "
        "300 s, PROTOCOL.md §6.5).",
    )(function)
    function = click.option(
        "--min-lead-seconds",
        type=click.IntRange(0),
        default=60,
        show_default=True,
        help="Least time between publishing a draw and its commit deadline.",
    )(function)
    function = click.option(
        "--vdf-rate",
        type=click.IntRange(1, 2**40),
        default=Policy.vdf_rate,
        show_default=True,
        help="s: squarings per second of this deployment's VDF evaluator, published and "
        "carried by every definition (measure it: python -m bench --only vdf; §11.5).",
    )(function)
    function = click.option(
        "--vdf-advantage",
        type=click.IntRange(1, 2**20),
        default=Policy.vdf_advantage,
        show_default=True,
        help="A_max: how much faster than s an adversary's evaluator may be (§11.5).",
    )(function)
    return click.option(
        "--min-vdf-t",
        type=click.IntRange(1),
        default=1,
        show_default=True,
        help="Smallest T a definition may use; a deployment publishes T >= A_max * W * s (PROTOCOL.md §11.5).",
    )(function)


def display(function: F) -> F:
    """The deployment's display time zone: ``--display-offset`` and its names."""
    function = click.option(
        "--display-zone-en",
        envvar="BEACON_DISPLAY_ZONE_EN",
        default=None,
        help="The zone's English name (default: 'Beijing time' at +08:00, else UTC+HH:MM).",
    )(function)
    function = click.option(
        "--display-zone-zh",
        envvar="BEACON_DISPLAY_ZONE_ZH",
        default=None,
        help="The zone's Chinese name (default: 北京时间 at +08:00, else UTC+HH:MM).",
    )(function)
    return click.option(
        "--display-offset",
        envvar="BEACON_DISPLAY_OFFSET",
        default="+08:00",
        show_default=True,
        help="Offset from UTC in which the board shows times (records stay in UTC); "
        "published at /api/v1/deployment for the CLI.",
    )(function)


def display_zone_from(
    *, display_offset: str, display_zone_zh: str | None, display_zone_en: str | None
) -> DisplayZone:
    try:
        return DisplayZone.build(
            offset=display_offset,
            name_zh=display_zone_zh,
            name_en=display_zone_en,
            fields=("--display-offset", "--display-zone-zh", "--display-zone-en"),
        )
    except BeaconError as e:
        raise click.BadParameter(str(e)) from e


def policy_from(
    *,
    min_vdf_t: int,
    min_lead_seconds: int,
    skew_seconds: int,
    max_envelope_mb: int,
    vdf_rate: int = Policy.vdf_rate,
    vdf_advantage: int = Policy.vdf_advantage,
) -> Policy:
    return Policy(
        skew_ms=skew_seconds * 1000,
        min_lead_ms=min_lead_seconds * 1000,
        min_vdf_t=min_vdf_t,
        max_envelope_bytes=max_envelope_mb << 20,
        vdf_rate=vdf_rate,
        vdf_advantage=vdf_advantage,
    )


def open_runtime(
    *,
    data_dir: Path,
    database_url: str | None,
    pulse_period: int,
    public_url: str,
    signer_bits: int,
    clock: Clock,
    entropy: Entropy,
    policy: Policy | None = None,
) -> Runtime:
    """The deployment's Runtime, or a click error that says what is wrong."""
    settings = Settings.build(
        data_dir=data_dir,
        database_url=database_url,
        period_seconds=pulse_period,
        public_url=public_url,
        signer_bits=signer_bits,
    )
    try:
        return Runtime.open(settings, clock=clock, entropy=entropy, policy=policy)
    except BeaconError as e:
        raise click.ClickException(str(e)) from e
