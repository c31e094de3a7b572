"""Options shared by the commands that open a deployment (serve, pulser, db)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from beacon.identity import ca
from beacon.service.settings import DEFAULT_DATA_DIR

F = TypeVar("F", bound=Callable[..., Any])


def deployment(function: F) -> F:
    """``--data-dir`` and ``--database-url``."""
    function = click.option(
        "--database-url",
        default=None,
        envvar="BEACON_DATABASE_URL",
        help="SQLAlchemy URL (e.g. postgresql+psycopg://...); default: DIR/beacon.sqlite3.",
    )(function)
    return click.option(
        "--data-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=DEFAULT_DATA_DIR,
        show_default=True,
        help="Folder for the SQLite file, keys and certificates.",
    )(function)


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
