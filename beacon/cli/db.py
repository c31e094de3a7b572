"""``beacon db``: database maintenance."""

from __future__ import annotations

from pathlib import Path

import click

from beacon.cli import main
from beacon.cli.options import deployment
from beacon.errors import BeaconError
from beacon.service.settings import Settings


@main.group("db")
def db_group() -> None:
    """Database maintenance."""


@db_group.command("upgrade")
@deployment
def upgrade(data_dir: Path, database_url: str | None) -> None:
    """Apply all migrations (also done automatically on startup)."""
    settings = Settings.build(data_dir=data_dir, database_url=database_url)
    try:
        settings.open_database().dispose()
    except BeaconError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"database at {settings.database_url} is up to date")
