"""``beacon envelope``: opening keys, sealing, inspecting and local recovery (PROTOCOL.md §9).

Passphrases never come from the command line (it ends up in shell history and
``ps``): they come from a file (``--passphrase-file``), from ``BEACON_PASSPHRASE``,
or from a hidden prompt when the terminal is interactive.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from tqdm import tqdm

from beacon import durable
from beacon.cli import main
from beacon.cli.passphrase import passphrase as read_passphrase
from beacon.core import envelope
from beacon.core.envelope import format, stream
from beacon.core.signature import fingerprint
from beacon.errors import BeaconError, EncodingError, EnvelopeError
from beacon.identity import opening_keys

PROGRESS_MIN_BYTES = 16 << 20  # smaller files finish before a bar would be useful


@main.group("envelope")
def envelope_group() -> None:
    """Two-party envelopes: only the agent and the centre together open them."""


@contextlib.contextmanager
def _progress(total: int, label: str) -> Iterator[stream.Progress | None]:
    if total < PROGRESS_MIN_BYTES:
        yield None
        return
    # disable=None: tqdm stays silent when stderr is not a terminal (scripts, CI).
    with tqdm(
        total=total, unit="B", unit_scale=True, desc=label, file=sys.stderr, disable=None
    ) as bar:

        def advance(n: int) -> None:
            bar.update(n)

        yield advance


@contextlib.contextmanager
def _output(path: Path, *, force: bool) -> Iterator[Any]:
    """Write ``path`` durably, and only if the body succeeds (beacon.durable)."""
    if path.exists() and not force:
        raise click.ClickException(f"{path} already exists; choose another --out or pass --force")
    with durable.atomic_output(path, mode=durable.PUBLIC) as f:
        yield f


@contextlib.contextmanager
def _log_reasons(verbose: bool) -> Iterator[None]:
    """Why an envelope failed is for the log: on stderr with -v, otherwise dropped."""
    logger = logging.getLogger("beacon.envelope")
    handler = logging.StreamHandler(sys.stderr) if verbose else logging.NullHandler()
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


def _echo(as_json: bool, doc: dict[str, Any], lines: list[str]) -> None:
    click.echo(json.dumps(doc, indent=2) if as_json else "\n".join(lines))


@envelope_group.command("keygen")
@click.option(
    "--out",
    "prefix",
    type=click.Path(path_type=Path),
    required=True,
    help="Writes PREFIX.key and PREFIX.pub.",
)
@click.option(
    "--passphrase-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File holding the passphrase.",
)
@click.option(
    "--work-factor",
    type=click.IntRange(15, opening_keys.MAX_LOG2_N),
    default=opening_keys.DEFAULT_LOG2_N,
    show_default=True,
    help="scrypt log2(N) protecting PREFIX.key.",
)
@click.option("--force", is_flag=True, help="Replace existing key files.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def keygen(
    prefix: Path, passphrase_file: Path | None, work_factor: int, force: bool, as_json: bool
) -> None:
    """Create an opening key pair: PREFIX.key (passphrase-encrypted) and PREFIX.pub."""
    passphrase = read_passphrase(f"{prefix}.key", passphrase_file, confirm=True)
    try:
        files = opening_keys.generate(prefix, passphrase, log2_n=work_factor, force=force)
    except BeaconError as e:
        raise click.ClickException(str(e)) from e
    doc = {
        "private_key": str(files.private_path),
        "public_key": str(files.public_path),
        "key_id": files.key_id.hex(),
    }
    _echo(
        as_json,
        doc,
        [
            f"Private key (encrypted): {files.private_path}",
            f"Public key:              {files.public_path}  (give this file to bidders)",
            f"Key id:                  {files.key_id.hex()}",
        ],
    )


def _certificate_fingerprint(path: Path) -> bytes:
    data = path.read_bytes()
    try:
        cert = (
            x509.load_pem_x509_certificate(data)
            if b"-----BEGIN" in data
            else x509.load_der_x509_certificate(data)
        )
    except ValueError as e:
        raise click.ClickException(f"{path}: not a PEM or DER certificate ({e})") from e
    return fingerprint(cert)


def _public_keys(paths: tuple[Path, ...]) -> list[ec.EllipticCurvePublicKey]:
    try:
        return [opening_keys.load_public_key_file(p) for p in paths]
    except BeaconError as e:
        raise click.ClickException(str(e)) from e


@envelope_group.command("seal")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--tender", "tender_id", required=True, help="Tender id.")
@click.option(
    "--bidder-cert",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    required=True,
    help="The bidder's certificate (PEM or DER).",
)
@click.option(
    "--agent-pub",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    multiple=True,
    required=True,
    help="Agent opening key (.pub); repeat for backups.",
)
@click.option(
    "--centre-pub",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    multiple=True,
    required=True,
    help="Centre opening key (.pub); repeat for backups.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Envelope file to write.",
)
@click.option("--purpose", type=click.Choice(["bid", "seed"]), default="bid", show_default=True)
@click.option("--draw", "draw_id", default="", help="Draw id (required for --purpose seed).")
@click.option("--envelope-id", default=None, help="Envelope id (default: a random one).")
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def seal(
    file: Path,
    tender_id: str,
    bidder_cert: Path,
    agent_pub: tuple[Path, ...],
    centre_pub: tuple[Path, ...],
    out: Path,
    purpose: str,
    draw_id: str,
    envelope_id: str | None,
    force: bool,
    as_json: bool,
) -> None:
    """Seal FILE so that only the agent and the centre together can open it."""
    size = file.stat().st_size
    if purpose == "seed" and size != envelope.SEED_SIZE:
        raise click.ClickException(
            f"{file}: a seed envelope holds exactly {envelope.SEED_SIZE} bytes, got {size}"
        )
    envelope_id = envelope_id or f"env-{os.urandom(8).hex()}"
    bidder = _certificate_fingerprint(bidder_cert)
    agent_keys, centre_keys = _public_keys(agent_pub), _public_keys(centre_pub)
    try:
        with (
            _output(out, force=force) as sink,
            file.open("rb") as source,
            _progress(size, "sealing") as progress,
        ):
            info = envelope.seal(
                source,
                sink,
                tender_id=tender_id,
                envelope_id=envelope_id,
                purpose=purpose,
                draw_id=draw_id,
                bidder_fingerprint=bidder,
                agent_keys=agent_keys,
                centre_keys=centre_keys,
                random_bytes=os.urandom,
                progress=progress,
            )
    except BeaconError as e:
        raise click.ClickException(str(e)) from e
    doc = {
        "envelope": str(out),
        "envelope_id": envelope_id,
        "envelope_hash": info.hash.hex(),
        "size": info.size,
    }
    _echo(
        as_json,
        doc,
        [
            f"Sealed {file} ({info.plaintext_size} bytes) into {out} ({info.size} bytes).",
            f"Envelope id:   {envelope_id}",
            f"Envelope hash: {info.hash.hex()}  (sign this in the submission)",
        ],
    )


@envelope_group.command("inspect")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the header as JSON.")
def inspect(file: Path, as_json: bool) -> None:
    """Show an envelope's header, recipients and sizes (no keys needed)."""
    with file.open("rb") as f:
        try:
            prefix = format.read_prefix(f)
        except EncodingError as e:
            raise click.ClickException(f"{file}: not a valid envelope header: {e}") from e
        f.seek(0)
        digest, size = envelope.envelope_hash(f)
    header = prefix.header
    payload = size - prefix.size
    doc = {
        **header.to_dict(),
        "header_mac": prefix.mac.hex(),
        "envelope_hash": digest.hex(),
        "size": size,
        "header_size": prefix.size,
        "payload_size": payload,
        "plaintext_size": stream.plaintext_size(payload),
    }
    lines = [
        f"Envelope {header.envelope_id} ({header.purpose}) of tender {header.tender_id}"
        + (f", draw {header.draw_id}" if header.draw_id else ""),
        f"Bidder certificate: sha256:{header.bidder.hex()}",
        f"Envelope hash:      {digest.hex()}",
        f"Size: {size} bytes (header {prefix.size}, payload {payload}, plaintext {doc['plaintext_size']})",
        "Recipients:",
        *(f"  {s.role:<6}  key id {s.key_id.hex()}" for s in header.stanzas),
    ]
    _echo(as_json, doc, lines)


def _private_key(path: Path, passphrase_file: Path | None) -> ec.EllipticCurvePrivateKey:
    try:
        return opening_keys.load_private_key_file(path, read_passphrase(str(path), passphrase_file))
    except BeaconError as e:
        raise click.ClickException(str(e)) from e


@envelope_group.command("open")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--agent-key",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="The agent's opening key (.key).",
)
@click.option(
    "--centre-key",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="The centre's opening key (.key).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Where to write the plaintext.",
)
@click.option(
    "--passphrase-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Passphrase for both keys.",
)
@click.option(
    "--agent-passphrase-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Passphrase for --agent-key.",
)
@click.option(
    "--centre-passphrase-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Passphrase for --centre-key.",
)
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
@click.option("-v", "--verbose", is_flag=True, help="Log why an envelope did not open.")
def open_(
    file: Path,
    agent_key: Path | None,
    centre_key: Path | None,
    out: Path,
    passphrase_file: Path | None,
    agent_passphrase_file: Path | None,
    centre_passphrase_file: Path | None,
    force: bool,
    verbose: bool,
) -> None:
    """Recover an envelope locally with both parties' opening keys."""
    if agent_key is None or centre_key is None:
        missing = [
            name for name, key in (("agent", agent_key), ("centre", centre_key)) if key is None
        ]
        has = (
            "no key at all"
            if len(missing) == 2
            else f"only the {'agent' if agent_key else 'centre'}'s key"
        )
        raise click.UsageError(
            f"opening needs both parties' keys, and this has {has}: "
            + " and ".join(f"--{m}-key (the {m}'s opening key)" for m in missing)
            + " is needed too. Neither party can open an envelope alone."
        )
    agent = _private_key(agent_key, agent_passphrase_file or passphrase_file)
    centre = _private_key(centre_key, centre_passphrase_file or passphrase_file)
    try:
        with file.open("rb") as f:
            header = format.read_prefix(f).header
    except EncodingError as e:
        raise click.ClickException(f"{file}: not a valid envelope header: {e}") from e
    try:
        with _log_reasons(verbose):
            shares = {
                "share_agent": envelope.unwrap_share(header, "agent", agent),
                "share_centre": envelope.unwrap_share(header, "centre", centre),
            }
            size_in = file.stat().st_size
            with (
                _output(out, force=force) as sink,
                file.open("rb") as source,
                _progress(size_in, "opening") as progress,
            ):
                size = envelope.open(source, sink, **shares, progress=progress)
    except EnvelopeError as e:
        raise click.ClickException(f"{e} (run with -v to log the reason)") from e
    click.echo(f"Opened {file} into {out} ({size} bytes).")
