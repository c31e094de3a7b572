"""Options shared by the commands that open a deployment (serve, pulser, worker, db, admin).

Every option here is made from the one settings table, beacon.service.config: the
same name, range, default and help as the variable ``beacon.web.wsgi`` reads, and
each option also reads that variable (click ``envvar``, shown in ``--help``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

# The party commands' passphrase lives in its own light module; kept importable from here.
from beacon.cli.passphrase import PASSPHRASE_ENV as PASSPHRASE_ENV
from beacon.cli.passphrase import passphrase as passphrase
from beacon.core.display_zone import DisplayZone
from beacon.errors import BeaconError
from beacon.ops import metrics
from beacon.service import config
from beacon.service.clock import Clock
from beacon.service.config import BY_KEY, Setting
from beacon.service.entropy import Entropy
from beacon.service.ledger import Policy
from beacon.service.runtime import Runtime
from beacon.service.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


def _problem(error: ValueError, setting: Setting, param: click.Parameter | None, ctx: Any) -> str:
    """The parse error, naming the variable when the value came from the environment."""
    if (
        isinstance(ctx, click.Context)
        and param is not None
        and param.name is not None
        and ctx.get_parameter_source(param.name) is ParameterSource.ENVIRONMENT
    ):
        return f"{error} (from the environment variable {setting.env})"
    return str(error)


class _IntegerSetting(click.IntRange):
    """An integer setting: the range shown in --help, parsed as the WSGI process parses it."""

    def __init__(self, setting: Setting) -> None:
        super().__init__(setting.low, setting.high)
        self.setting = setting

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int):
            return value
        try:
            return self.setting.parse(str(value))
        except ValueError as e:
            self.fail(_problem(e, self.setting, param, ctx), param, ctx)


class _UrlSetting(click.types.StringParamType):
    name = "url"

    def __init__(self, setting: Setting) -> None:
        self.setting = setting

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return self.setting.parse(str(value))
        except ValueError as e:
            self.fail(_problem(e, self.setting, param, ctx), param, ctx)


def _type(setting: Setting) -> Any:  # a click.ParamType (generic only from click 8.3)
    if setting.kind == "integer":
        return _IntegerSetting(setting)
    if setting.kind == "url":
        return _UrlSetting(setting)
    if setting.kind == "directory":
        return click.Path(path_type=Path, file_okay=False)
    return click.STRING


def setting_option(key: str, **overrides: Any) -> Callable[[F], F]:
    """The click option of the setting ``key`` (beacon.service.config), read from its variable too."""
    setting = BY_KEY[key]
    kwargs: dict[str, Any] = {
        "type": _type(setting),
        "default": setting.default,
        "envvar": setting.env,
        "show_envvar": True,
        "show_default": setting.default is not None,
        "help": setting.help,
    }
    kwargs.update(overrides)
    return click.option(setting.option, setting.key, **kwargs)


def _apply(keys: tuple[str, ...], function: F) -> F:
    for key in reversed(keys):  # click lists options in the order they are declared
        function = setting_option(key)(function)
    return function


def data_dir_option(function: F) -> F:
    """``--data-dir`` alone (BEACON_DATA_DIR), for commands that need no database."""
    return setting_option("data_dir")(function)


def deployment(function: F) -> F:
    """``--data-dir`` and ``--database-url``."""
    return _apply(config.DEPLOYMENT, function)


def pulsing(function: F) -> F:
    """``--pulse-period``, ``--public-url`` and ``--signer-bits``."""
    return _apply(config.PULSING, function)


def acceptance(function: F) -> F:
    """The deployment's acceptance rules (PROTOCOL.md §6.5, §11.5)."""
    return _apply(config.ACCEPTANCE, function)


def display(function: F) -> F:
    """The deployment's display time zone: ``--display-offset`` and its names."""
    return _apply(config.DISPLAY, function)


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
    return _apply(config.METRICS, function)


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
    new_chain: bool = False,
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
        return Runtime.open(
            settings, clock=clock, entropy=entropy, policy=policy, new_chain=new_chain
        )
    except BeaconError as e:
        raise click.ClickException(str(e)) from e
