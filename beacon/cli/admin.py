"""``beacon admin``: backup, restore, consistency check and signer rotation."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from beacon.cli import main
from beacon.cli import progress as bars
from beacon.cli.options import data_dir_option, deployment
from beacon.errors import BeaconError
from beacon.ops import backup as backups
from beacon.ops.check import check as check_store
from beacon.ops.rotation import rotate_signer
from beacon.service.blobs import BlobStore
from beacon.service.runtime import Trust
from beacon.service.settings import Settings


@main.group("admin")
def admin_group() -> None:
    """Operate a deployment: backup, restore, check, rotate the signer."""


@admin_group.command("backup")
@deployment
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Archive to write.",
)
@bars.option
def backup_command(
    data_dir: Path, database_url: str | None, out: Path, progress: bool | None
) -> None:
    """Write a consistent archive of the database, blobs, CA/keys and opened bids."""
    settings = Settings.build(data_dir=data_dir, database_url=database_url)
    try:
        with bars.bar(progress, "backup") as steps:
            summary = backups.backup(
                database_url=settings.database_url, data_dir=data_dir, out=out, steps=steps
            )
    except BeaconError as e:
        raise click.ClickException(str(e)) from e
    rows = sum(summary.tables.values())
    click.echo(f"wrote {out}: {rows} rows in {len(summary.tables)} tables, {summary.files} files")


@admin_group.command("restore")
@click.argument("archive", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@deployment
@bars.option
def restore_command(
    archive: Path, data_dir: Path, database_url: str | None, progress: bool | None
) -> None:
    """Restore ARCHIVE into an empty database and data folder, then run 'beacon admin check'."""
    settings = Settings.build(data_dir=data_dir, database_url=database_url)
    try:
        with bars.bar(progress, "restore") as steps:
            summary = backups.restore(
                archive, data_dir=data_dir, database_url=settings.database_url, steps=steps
            )
    except BeaconError as e:
        raise click.ClickException(str(e)) from e
    rows = sum(summary.tables.values())
    click.echo(f"restored {rows} rows and {summary.files} files into {data_dir}")


@admin_group.command("check")
@deployment
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@bars.option
def check_command(
    data_dir: Path, database_url: str | None, as_json: bool, progress: bool | None
) -> None:
    """Re-verify the log, pulse chains, statements and envelopes; exit 1 on any inconsistency."""
    settings = Settings.build(data_dir=data_dir, database_url=database_url)
    try:
        database = settings.open_database()
        try:
            with bars.bar(progress, "check") as steps:
                report = check_store(database, BlobStore(data_dir / "blobs"), steps=steps)
        finally:
            database.dispose()
    except BeaconError as e:
        raise click.ClickException(str(e)) from e
    if as_json:
        findings = [{"where": f.where, "problem": f.problem} for f in report.findings]
        click.echo(json.dumps({"ok": report.ok, "checked": report.counts, "findings": findings}))
    else:
        checked = ", ".join(f"{n} {what}" for what, n in report.counts.items())
        for finding in report.findings:
            click.echo(f"INCONSISTENT {finding}", err=True)
        click.echo(
            f"checked {checked}: "
            + ("consistent" if report.ok else f"{len(report.findings)} inconsistencies")
        )
    if not report.ok:
        raise SystemExit(1)


@admin_group.command("rotate-signer")
@data_dir_option
@click.option(
    "--cert",
    "certificate",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    required=True,
)
@click.option("--key", type=click.Path(path_type=Path, dir_okay=False, exists=True), required=True)
def rotate_signer_command(data_dir: Path, certificate: Path, key: Path) -> None:
    """Make CERT/KEY the beacon's pulse and statement signer; running processes switch at their next pulse."""
    ca_dir = data_dir / "ca"
    try:
        trust = Trust.from_ca_dir(ca_dir)
        cid = rotate_signer(
            ca_dir,
            certificate=certificate,
            key=key,
            validator=trust.validator(),
            now_ms=time.time_ns() // 1_000_000,
        )
    except BeaconError as e:
        raise click.ClickException(str(e)) from e
    click.echo(
        f"the beacon now signs with certificateId {cid.hex()}; the next pulse carries status 4"
    )
