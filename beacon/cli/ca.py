"""``beacon ca``: create a local demo CA and party certificates."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import get_args

import click

from beacon.cli import main
from beacon.errors import BeaconError
from beacon.identity import ca


@main.group("ca")
def ca_group() -> None:
    """Demo certificate authority for local deployments and tests."""


@ca_group.command("init")
@click.option(
    "--dir", "directory", type=click.Path(path_type=Path), required=True, help="Folder to write to."
)
@click.option(
    "--bidders", type=click.IntRange(min=0), default=3, show_default=True, help="Number of bidders."
)
@click.option(
    "--signer-bits",
    type=click.IntRange(min=ca.MIN_RSA_BITS),
    default=ca.DEFAULT_SIGNER_BITS,
    show_default=True,
    help="RSA size of the beacon signer's key (lower it for tests).",
)
@click.option(
    "--party-key", type=click.Choice(get_args(ca.KeyKind)), default="ecdsa-p256", show_default=True
)
@click.option(
    "--organisation",
    default="tender-beacon demo",
    show_default=True,
    help="Subject O= of all certificates.",
)
@click.option("--san-eku", is_flag=True, help="Add SAN and EKU extensions to party certificates.")
@click.option("--force", is_flag=True, help="Replace existing keys in DIR.")
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
def init(
    directory: Path,
    bidders: int,
    signer_bits: int,
    party_key: ca.KeyKind,
    organisation: str,
    san_eku: bool,
    force: bool,
    as_json: bool,
) -> None:
    """Create DIR/ca.pem, DIR/ca.key and DIR/NAME.pem + DIR/NAME.key for every party."""
    try:
        records = ca.init_ca(
            directory,
            now=dt.datetime.now(dt.UTC),
            bidders=bidders,
            signer_bits=signer_bits,
            party_key=party_key,
            organisation=organisation,
            san_eku=san_eku,
            force=force,
        )
    except BeaconError as e:
        raise click.ClickException(str(e)) from e
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in records], indent=2))
        return
    click.echo(f"Demo CA written to {directory}/ca.pem (trust anchor) and {directory}/ca.key.")
    for r in records:
        click.echo(f"  {r.name:<16} {r.role:<11} {directory}/{r.name}.pem  sha256:{r.fingerprint}")
    click.echo(
        f"WARNING: the private keys ({directory}/*.key) are unencrypted PKCS#8 files "
        "for the demo only; keep them out of production and out of version control."
    )
