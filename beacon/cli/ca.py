"""``beacon ca``: the deployment's CA in ``DATA_DIR/ca``: a demo CA, or the platform's, imported."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import get_args

import click

from beacon.cli import main
from beacon.cli.options import data_dir_option
from beacon.errors import BeaconError
from beacon.identity import ca, platform_ca

PEM_FILE = click.Path(path_type=Path, dir_okay=False, exists=True)


@main.group("ca")
def ca_group() -> None:
    """The deployment's CA: a demo CA, or the platform's CA imported."""


@ca_group.command("init")
@data_dir_option
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Write the CA to this folder instead of DATA_DIR/ca (a CA that no deployment reads "
    "unless it is its DATA_DIR/ca).",
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
@click.option("--force", is_flag=True, help="Replace an existing demo CA's keys.")
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
def init(
    data_dir: Path,
    directory: Path | None,
    bidders: int,
    signer_bits: int,
    party_key: ca.KeyKind,
    organisation: str,
    san_eku: bool,
    force: bool,
    as_json: bool,
) -> None:
    """Create a demo CA: ca.pem, ca.key and NAME.pem + NAME.key for every party, in DATA_DIR/ca.

    `beacon serve --data-dir DATA_DIR` then uses it (and creates one itself on first
    start when DATA_DIR/ca holds none). For a real deployment use `beacon ca import`.
    """
    directory = directory if directory is not None else data_dir / "ca"
    try:
        if platform_ca.is_platform(directory):
            raise click.ClickException(
                f"{directory} holds the platform's imported CA; a demo CA would replace it "
                "(use another --data-dir for a demo)"
            )
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


@ca_group.command("import")
@data_dir_option
@click.option(
    "--ca-cert", type=PEM_FILE, required=True, help="The platform CA's certificate (PEM)."
)
@click.option("--crl", "crl_file", type=PEM_FILE, default=None, help="The CA's CRL (DER or PEM).")
@click.option(
    "--crl-url",
    default=None,
    help="Where the CA publishes its CRL (http/https): fetched now, and again by the "
    "service whenever the CRL it holds reaches its nextUpdate.",
)
@click.option("--no-crl", is_flag=True, help="The CA publishes no CRL (revocation is not checked).")
@click.option(
    "--signer-cert",
    type=PEM_FILE,
    required=True,
    help="The beacon signer's certificate the CA issued (PEM; intermediates may follow).",
)
@click.option(
    "--signer-key", type=PEM_FILE, required=True, help="Its RSA private key (unencrypted PEM)."
)
@click.option(
    "--centre-cert",
    "centres",
    type=PEM_FILE,
    multiple=True,
    help="A centre operator's certificate (repeatable; at least one).",
)
@click.option(
    "--supervisor-cert",
    "supervisors",
    type=PEM_FILE,
    multiple=True,
    help="A supervisor's certificate (repeatable; at least one).",
)
def import_command(
    data_dir: Path,
    ca_cert: Path,
    crl_file: Path | None,
    crl_url: str | None,
    no_crl: bool,
    signer_cert: Path,
    signer_key: Path,
    centres: tuple[Path, ...],
    supervisors: tuple[Path, ...],
) -> None:
    """Use the platform's CA: check its certificate, CRL and the beacon signer it issued,
    then install them in DATA_DIR/ca (nothing is written when anything is refused)."""
    if no_crl and (crl_file or crl_url):
        raise click.UsageError("--no-crl contradicts --crl / --crl-url")
    try:
        done = platform_ca.import_platform_ca(
            data_dir / "ca",
            ca_cert=ca_cert,
            signer_cert=signer_cert,
            signer_key=signer_key,
            centres=centres,
            supervisors=supervisors,
            now=dt.datetime.now(dt.UTC),
            crl_file=crl_file,
            crl_url=crl_url,
            no_crl=no_crl,
        )
    except BeaconError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"imported the platform CA {done.ca_subject} into {data_dir}/ca")
    click.echo(f"  trust anchor  {data_dir}/ca/ca.pem  sha256:{done.ca_fingerprint}")
    for r in done.parties:
        click.echo(f"  {r.name:<13} {r.role:<11} sha256:{r.fingerprint}")
    if done.crl_next_update is not None:
        refresh = f"; refreshed from {done.crl_url}" if done.crl_url else ""
        click.echo(
            f"  CRL           {done.crl_revoked} revoked, next update "
            f"{done.crl_next_update.isoformat()}{refresh}"
        )
    else:
        click.echo("  CRL           none (--no-crl): revoked certificates are NOT refused")
    click.echo(
        f"`beacon serve --data-dir {data_dir}` now uses this CA; publish the anchor's "
        "fingerprint where bidders can compare it."
    )


@ca_group.command("update-crl")
@data_dir_option
@click.argument("crl_file", type=PEM_FILE)
def update_crl_command(data_dir: Path, crl_file: Path) -> None:
    """Install a newer CRL of the imported CA; running processes use it at their next check."""
    try:
        crl = platform_ca.update_crl(data_dir / "ca", crl_file, now=dt.datetime.now(dt.UTC))
    except BeaconError as e:
        raise click.ClickException(str(e)) from e
    click.echo(
        f"installed {crl_file} in {data_dir}/ca/ca.crl: {len(crl)} revoked, next update "
        f"{crl.next_update_utc.isoformat() if crl.next_update_utc else 'none'}"
    )
