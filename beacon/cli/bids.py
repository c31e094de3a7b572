"""The bid opening from the parties' side (PROTOCOL.md §9.9).

``beacon tender publish``/``status`` and ``beacon envelope
announce|submit|replace|withdraw|release|status`` against a server: the agent fixes the
deadlines; the agent and the centre announce their per-tender opening keys; bidders
submit sealed bids (streamed, with a progress bar) and may replace or withdraw them
until the bid deadline; after the closing pulse each party releases every opening key it announced in
one signed statement, and the beacon opens the bids; anyone reads the opening record
and rechecks it with ``beacon-verify tender``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from cryptography.hazmat.primitives.asymmetric import ec
from tqdm import tqdm

from beacon.cli import main
from beacon.cli.envelope import envelope_group
from beacon.cli.session import Session, call, party_options, report
from beacon.cli.times import TimeShow, utc_option
from beacon.client import BeaconClient
from beacon.core import envelope as env
from beacon.core.envelope.shares import public_bytes
from beacon.core.statement import SignedStatement
from beacon.core.timefmt import parse_rfc3339
from beacon.errors import BeaconError, EncodingError
from beacon.identity import opening_keys

PROGRESS_MIN_BYTES = 16 << 20


@main.group("tender")
def tender_group() -> None:
    """A tender's bid opening: deadlines and status."""


@tender_group.command("publish")
@click.option("--tender", "tender_id", required=True)
@click.option("--title", required=True)
@click.option(
    "--bid-deadline",
    required=True,
    help="RFC 3339 with an offset, e.g. 2026-12-04T21:42:59+08:00 (Beijing time) or ...Z.",
)
@click.option(
    "--release-deadline",
    required=True,
    help="RFC 3339 with an offset, after the bid deadline.",
)
@utc_option
@party_options
def publish(
    s: Session, tender_id: str, title: str, bid_deadline: str, release_deadline: str, utc: bool
) -> None:
    """Fix the tender's bid and key-release deadlines (agent; once, never changed).

    Type each deadline in RFC 3339 with its offset, e.g. 2026-12-04T21:42:59+08:00 for
    Beijing time; it is signed in UTC, and printed back in the deployment's display zone.
    """
    try:
        bid, release = (
            parse_rfc3339(bid_deadline, field="--bid-deadline"),
            parse_rfc3339(release_deadline, field="--release-deadline"),
        )
    except EncodingError as e:
        raise click.ClickException(str(e)) from e
    signed = s.actor(tender_id, "agent").tender_publish(
        title, bid_deadline=bid, release_deadline=release
    )
    show = _times(s.client, utc)
    s.send(
        signed,
        f"tender {tender_id} published (bids until {show(bid)}, keys released until "
        f"{show(release)})",
    )


@tender_group.command("status")
@click.argument("tender_id")
@click.option(
    "--server", envvar="BEACON_SERVER", default="http://127.0.0.1:8080", show_default=True
)
@click.option("--json", "as_json", is_flag=True)
@utc_option
def tender_status(tender_id: str, server: str, as_json: bool, utc: bool) -> None:
    """Show a tender's bid opening: deadlines, keys, bids, releases, outcomes."""
    client = BeaconClient(server)
    tender = call(lambda: client.get(f"/api/v1/tenders/{tender_id}"))
    _print_tender(tender, as_json, _times(client, utc))


def _times(client: BeaconClient, utc: bool) -> TimeShow:
    return TimeShow.from_server(lambda: call(lambda: client.get("/api/v1/deployment")), utc=utc)


def _print_tender(t: dict[str, Any], as_json: bool, show: TimeShow) -> None:
    if as_json:
        click.echo(json.dumps(t, indent=2, ensure_ascii=False))
        return
    click.echo(
        f"tender {t['id']}  [{t['phase']}]  bids until {show(t['bid_deadline'])}, "
        f"releases until {show(t['release_deadline'])}"
    )
    for k in t["opening_keys"]:
        click.echo(f"  {k['role']:<7} opening key {k['key_id'][:16]}…")
    frozen = sum(b["frozen"] for b in t["bids"])
    released = ", ".join(t["releases"]) or "nobody yet"
    standing = sum(b["state"] == "standing" for b in t["bids"])
    click.echo(
        f"  {len(t['bids'])} bid envelope(s), {standing} standing, {frozen} frozen; "
        f"released by: {released}"
    )
    for b in t["bids"]:
        if b["state"] != "standing":
            fate = f"replaced by {b['replaced_by']}" if b["replaced_by"] else "withdrawn"
            click.echo(f"  {b['envelope_id']:<28} {fate} (not opened)")
    for e in t["opening"] or []:
        detail = (
            f"sha256 {e['plaintext_sha256'][:16]}…, {e['size']} bytes"
            if e["status"] == "opened"
            else e["reason"]
        )
        click.echo(f"  {e['envelope_id']:<28} {e['status']:<22} {detail}")


@envelope_group.command("announce")
@click.option("--tender", "tender_id", required=True)
@click.option(
    "--opening-key",
    "opening_key",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    required=True,
    help="A fresh opening key's PREFIX.key (from 'beacon envelope keygen'): it signs the "
    "proof that you hold it.",
)
@party_options
def announce(s: Session, tender_id: str, opening_key: Path) -> None:
    """Announce a per-tender opening key (agent or centre; a second one is a backup).

    The key signs a proof of possession (PROTOCOL.md §9.3), so nobody can announce a key
    it does not hold; a key is announced once in the deployment, so use a fresh one.
    """
    tender = call(lambda: s.client.get(f"/api/v1/tenders/{tender_id}"))
    role = s.role_in(tender_id, tender["parties"], "agent", "centre")
    private = call(
        lambda: opening_keys.load_private_key_file(opening_key, s.passphrase(str(opening_key)))
    )
    s.send(s.actor(tender_id, role).tender_opening_key(private), "opening key announced")


def _bid_file(file: Path, *, verb: str) -> tuple[env.Header, bytes, int]:
    """A sealed bid envelope's header, hash and size (refusing a seed envelope)."""
    try:
        with file.open("rb") as f:
            header = env.parse_header(f.read(1 << 16))
        with file.open("rb") as f:
            digest, size = env.envelope_hash(f)
    except (OSError, BeaconError) as e:
        raise click.ClickException(f"{file}: {e}") from e
    if header.purpose != "bid":
        raise click.ClickException(
            f"{file} is a {header.purpose} envelope; only bid envelopes are {verb} here (seed "
            "envelopes go with 'beacon draw seal' and, being commitments, are never replaced)"
        )
    return header, digest, size


@envelope_group.command("submit")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@party_options
def submit(s: Session, file: Path) -> None:
    """Submit a sealed bid envelope (bidder): sign its hash, stream its bytes."""
    header, digest, size = _bid_file(file, verb="submitted")
    signed = s.actor(header.tender_id, "bidder").submit_bid(header.envelope_id, digest, size)
    _upload(s, signed, file, size, f"bid {header.envelope_id} submitted ({size} bytes)")


def _standing_bid(s: Session, tender_id: str, named: str | None) -> str:
    """The envelope id to replace or withdraw: ``named``, or this bidder's standing bid."""
    if named:
        return named
    tender = call(lambda: s.client.get(f"/api/v1/tenders/{tender_id}"))
    s.role_in(tender_id, tender["parties"], "bidder")
    mine = s.signer.fingerprint.hex()
    found = [
        b["envelope_id"] for b in tender["bids"] if b["bidder"] == mine and b["state"] == "standing"
    ]
    if not found:
        raise click.ClickException(
            f"you have no standing bid in tender {tender_id}: nothing to replace or withdraw"
        )
    return str(found[0])


@envelope_group.command("replace")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--replaces",
    default=None,
    help="The envelope id of your standing bid (default: looked up on the server).",
)
@party_options
def replace(s: Session, file: Path, replaces: str | None) -> None:
    """Replace your standing bid with the sealed bid FILE, before the bid deadline (bidder).

    PROTOCOL.md §9.9 step 3a (投标截止时间前修改投标文件): FILE is sealed like any bid,
    with a new envelope id; only the last envelope counts at the opening, and the replaced
    one stays in the log, never opened.
    """
    header, digest, size = _bid_file(file, verb="replaced")
    old = _standing_bid(s, header.tender_id, replaces)
    signed = s.actor(header.tender_id, "bidder").replace_bid(old, header.envelope_id, digest, size)
    _upload(s, signed, file, size, f"bid {old} replaced by {header.envelope_id} ({size} bytes)")


@envelope_group.command("withdraw")
@click.option("--tender", "tender_id", required=True)
@click.argument("envelope_id", required=False)
@party_options
def withdraw(s: Session, tender_id: str, envelope_id: str | None) -> None:
    """Withdraw your standing bid ENVELOPE_ID (default: yours) before the bid deadline (bidder).

    PROTOCOL.md §9.9 step 3a (投标截止时间前撤回投标文件): the withdrawn envelope is never
    opened; you may submit a new bid before the deadline.
    """
    old = _standing_bid(s, tender_id, envelope_id)
    s.send(s.actor(tender_id, "bidder").withdraw_bid(old), f"bid {old} withdrawn")


def _upload(s: Session, signed: SignedStatement, file: Path, size: int, what: str) -> None:
    """Stream an envelope with its signed statement, with a progress bar for large files."""
    with (
        file.open("rb") as f,
        tqdm(
            total=size,
            unit="B",
            unit_scale=True,
            desc="upload",
            file=sys.stderr,
            disable=None if size >= PROGRESS_MIN_BYTES else True,
        ) as bar,
    ):

        class Counting:
            def read(self, n: int) -> bytes:
                chunk = f.read(n)
                bar.update(len(chunk))
                return chunk

        receipt = call(lambda: s.client.submit_envelope(signed, Counting(), size))  # type: ignore[arg-type]
    report(receipt, what, s.as_json)


@envelope_group.command("release")
@click.option("--tender", "tender_id", required=True)
@click.option(
    "--opening-key",
    "opening_key",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    required=True,
    multiple=True,
    help="Each of your per-tender opening keys (PREFIX.key); repeat for a backup key.",
)
@party_options
def release(s: Session, tender_id: str, opening_key: tuple[Path, ...]) -> None:
    """Release every opening key you announced, in one statement (agent or centre).

    PROTOCOL.md §9.9: a release must hold all of the role's announced keys, so that
    which key a party holds cannot decide whether a bid opens; the beacon then
    unwraps every stanza itself and anyone can recheck it.
    """
    tender = call(lambda: s.client.get(f"/api/v1/tenders/{tender_id}"))
    role = s.role_in(tender_id, tender["parties"], "agent", "centre")
    keys = [_load_key(s, p) for p in opening_key]
    announced = {k["public_key"] for k in tender["opening_keys"] if k["role"] == role}
    given = {public_bytes(k.public_key()).hex() for k in keys}
    if given != announced:
        raise click.ClickException(
            f"the {role} announced {len(announced)} opening key(s) in tender {tender_id}; give each of them "
            f"once with --opening-key ({len(given & announced)} of the {len(given)} given match)"
        )
    signed = s.actor(tender_id, role).release_tender_keys(keys)
    s.send(signed, f"released {len(keys)} opening key(s)")


def _load_key(s: Session, path: Path) -> ec.EllipticCurvePrivateKey:
    key: ec.EllipticCurvePrivateKey = call(
        lambda: opening_keys.load_private_key_file(path, s.passphrase(str(path)))
    )
    return key


@envelope_group.command("status")
@click.option("--tender", "tender_id", required=True)
@click.option(
    "--server", envvar="BEACON_SERVER", default="http://127.0.0.1:8080", show_default=True
)
@click.option("--json", "as_json", is_flag=True)
@utc_option
def status(tender_id: str, server: str, as_json: bool, utc: bool) -> None:
    """The bid opening's status and, once opened, every envelope's outcome."""
    client = BeaconClient(server)
    tender = call(lambda: client.get(f"/api/v1/tenders/{tender_id}"))
    _print_tender(tender, as_json, _times(client, utc))
