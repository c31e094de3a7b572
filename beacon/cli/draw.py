"""``beacon draw …`` and ``beacon party register``: a party acting with its certificate and key.

Each command builds one signed statement (beacon.party), sends it to the server and
prints the receipt; the server decides whether it is allowed and says why not.
Secrets that must survive between commands (a party's seed until it reveals, its
per-draw opening key until it releases) live in ``--state-dir``: the seed in a
mode-0600 file, the opening key encrypted with a passphrase (BEACON_PASSPHRASE or
--passphrase-file), as ``beacon envelope keygen`` stores keys.
"""

from __future__ import annotations

import io
import json
from functools import partial
from pathlib import Path
from typing import Any

import click
from cryptography.hazmat.primitives.asymmetric import ec

from beacon import durable
from beacon.cli import main, statefiles
from beacon.cli.session import Session, call, party_options, report
from beacon.cli.times import TimeShow, utc_option
from beacon.client import BeaconClient, ServiceError
from beacon.core import commitment, possession
from beacon.core.bodies import DrawCommitBody, DrawOpeningKeyBody
from beacon.core.definition import parse_authoring
from beacon.core.envelope.shares import public_bytes
from beacon.core.statement import SignedStatement
from beacon.core.vocabulary import Role, StatementKind
from beacon.errors import BeaconError
from beacon.identity import opening_keys
from beacon.party import Actor

# -- commands -----------------------------------------------------------------------------------


@main.group("party")
def party_group() -> None:
    """Parties of a tender (the centre registers agents and bidders)."""


@party_group.command("register")
@click.option("--tender", "tender_id", required=True)
@click.option("--role", type=click.Choice(["agent", "bidder"]), required=True)
@click.option(
    "--party-cert",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    required=True,
    help="The certificate (PEM) of the party to register.",
)
@party_options
def register(s: Session, tender_id: str, role: str, party_cert: Path) -> None:
    """Register a party's certificate in a tender (signed by a centre operator)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        der = x509.load_pem_x509_certificate(party_cert.read_bytes()).public_bytes(
            serialization.Encoding.DER
        )
    except ValueError as e:
        raise click.ClickException(f"{party_cert}: not a PEM certificate ({e})") from e
    signed = s.actor(tender_id, Role.CENTRE).register(Role(role), der)
    s.send(signed, f"registered {party_cert.name} as {role}")


@main.group("draw")
def draw_group() -> None:
    """Act in a draw: create, commit, seal, reveal, release, snapshot, object, confirm, void; status, proof."""


@draw_group.command("create")
@click.argument("definition", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@utc_option
@party_options
def create(s: Session, definition: Path, utc: bool) -> None:
    """Publish a draw definition (authoring JSON; the agent signs it).

    DEFINITION is the authoring form: see docs/examples/definition.json in the
    repository (each key explained in docs/examples/README.md; JSON Schema
    docs/definition.schema.json). A selection gives its candidates as a list or as
    "range": {"from", "to", "step"}. Left out, vdf_rate and vdf_advantage are the
    deployment's published values, vdf_t and deadlines.result the least they allow.
    """
    deployment: dict[str, Any] = {}

    def published() -> dict[str, Any]:
        if not deployment:
            deployment.update(call(lambda: s.client.get("/api/v1/deployment")))
        return deployment

    try:
        doc = json.loads(definition.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and not {"vdf_rate", "vdf_advantage"} <= doc.keys():
            # PROTOCOL.md §11.5: the delay parameters are the deployment's, as it publishes them.
            doc = {k: published()[k] for k in ("vdf_rate", "vdf_advantage")} | doc
        parsed = parse_authoring(doc)
    except (ValueError, BeaconError) as e:
        raise click.ClickException(f"{definition}: {e}") from e
    signed = s.actor(parsed.tender_id, "agent").publish(parsed)
    s.send(signed, f"published draw {parsed.draw_id}")
    if not s.as_json:
        show = TimeShow.from_server(published, utc=utc)
        dl = parsed.deadlines
        names = [("commit", dl.commit), ("snapshot", dl.snapshot), ("reveal", dl.reveal)]
        names += [("seed_open", dl.seed_open), ("result", dl.result)]
        for name, at in names:
            if at:
                click.echo(f"  {name:<10} {show(at)}")


@draw_group.command("countersign")
@click.argument("draw_id")
@party_options
def countersign(s: Session, draw_id: str) -> None:
    """Countersign a published definition (centre): the hash of what the server holds."""
    from beacon.core.definition import DrawDefinition

    draw, actor = s.draw_actor(draw_id, "centre")
    parsed = DrawDefinition.from_dict(draw["definition"])
    if parsed.hash().hex() != draw["definition_hash"]:
        raise click.ClickException(
            "the served definition does not match its served hash; not countersigning"
        )
    s.send(actor.countersign(parsed), f"countersigned {draw_id}")


@draw_group.command("commit")
@click.argument("draw_id")
@party_options
def commit(s: Session, draw_id: str) -> None:
    """Announce a fresh per-draw opening key and commit to a fresh seed (centre or agent).

    Each secret is written to --state-dir before its statement is sent and kept once
    the server's receipt arrives; a refused statement leaves nothing behind, so the
    command can simply be run again. After a lost answer, running it again resumes
    with the same secrets and recognises what the server already holds.
    """
    draw, actor = s.draw_actor(draw_id, "centre", "agent")
    seed_path = s.secret_path(draw_id, actor.role, "seed")
    key_path = s.secret_path(draw_id, actor.role, "opening.key")
    if seed_path.exists():
        raise click.ClickException(
            f"{seed_path} already exists: this party already committed for this draw"
        )
    # What the server already holds from this certificate (a retry after a lost answer).
    held = {
        st["kind"]: st["hash"]
        for st in draw["statements"]
        if st["actor"] == actor.fingerprint.hex()
        and st["kind"] in (StatementKind.DRAW_OPENING_KEY, StatementKind.DRAW_COMMIT)
    }
    if not key_path.exists():
        _announce_opening_key(s, actor, draw_id, key_path, held.get(StatementKind.DRAW_OPENING_KEY))
    _commit_seed(s, actor, draw_id, seed_path, held.get(StatementKind.DRAW_COMMIT))
    click.echo(f"keep {seed_path.parent} until you have revealed and released")


def _announce_opening_key(
    s: Session, actor: Actor, draw_id: str, path: Path, held: str | None
) -> None:
    staged = statefiles.pending(path)
    if held is not None and not staged.exists():
        raise click.ClickException(
            f"you already announced an opening key for draw {draw_id}, but {path} is not in "
            "this --state-dir; run the command with the --state-dir you used then"
        )
    phrase = s.passphrase(str(path), confirm=not staged.exists())
    if staged.exists():
        opening = call(lambda: opening_keys.load_private_key_file(staged, phrase))
    else:
        opening = ec.generate_private_key(ec.SECP256R1())
        text = call(lambda: opening_keys.encrypt_private_key(opening, phrase))
        statefiles.write_atomic(staged, text.encode())
    if held is not None:
        served: SignedStatement = call(partial(s.client.statement, held))
        if served.statement.body_as(DrawOpeningKeyBody).public_key != public_bytes(
            opening.public_key()
        ):
            raise click.ClickException(
                f"draw {draw_id}: the opening key the server holds from you is not the one in "
                f"{staged}; keep that file and ask the centre"
            )
        statefiles.promote(staged, path)
        click.echo("opening key: already announced (resuming)")
        return
    _send_staged(s, actor.opening_key(draw_id, opening), "opening key announced", staged, path)


def _commit_seed(s: Session, actor: Actor, draw_id: str, path: Path, held: str | None) -> None:
    staged = statefiles.pending(path)
    if held is not None and not staged.exists():
        raise click.ClickException(
            f"you already committed to a seed for draw {draw_id}, but {path} is not in this "
            "--state-dir; run the command with the --state-dir you used then"
        )
    if staged.exists():
        seed = staged.read_bytes()
    else:
        seed = actor.new_seed()
        statefiles.write_atomic(staged, seed)
    if held is not None:
        served: SignedStatement = call(partial(s.client.statement, held))
        try:
            commitment.verify(
                draw_id, actor.party, seed, served.statement.body_as(DrawCommitBody).commitment
            )
        except BeaconError as e:
            raise click.ClickException(
                f"{e}: the commitment the server holds from you is not to the seed in {staged}; "
                "keep that file and ask the centre"
            ) from e
        statefiles.promote(staged, path)
        click.echo("seed committed: already on record (resuming)")
        return
    _send_staged(s, actor.commit(draw_id, seed), "seed committed", staged, path)


def _send_staged(s: Session, signed: SignedStatement, what: str, staged: Path, final: Path) -> None:
    """Submit a statement whose secret waits in ``staged``; keep it only on a receipt."""
    try:
        receipt = s.client.submit(signed)
    except ServiceError as e:
        if e.status is not None and e.status < 500:
            # A refusal: nothing was logged (PROTOCOL.md §6.5), so neither is the secret kept.
            staged.unlink(missing_ok=True)
            raise click.ClickException(str(e)) from e
        raise click.ClickException(
            f"{e}\nthe secret stays in {staged}; run the command again to resume with it"
        ) from e
    statefiles.promote(staged, final)
    report(receipt, what, s.as_json)


@draw_group.command("seal")
@click.argument("draw_id")
@click.option("--envelope-id", default=None, help="Default: DRAW-seed-<your fingerprint prefix>.")
@party_options
def seal(s: Session, draw_id: str, envelope_id: str | None) -> None:
    """Seal a fresh seed to the draw's two opening keys and submit it (bidder)."""
    draw, actor = s.draw_actor(draw_id, "bidder")
    keys = {}
    for st in draw["statements"]:
        if st["kind"] == StatementKind.DRAW_OPENING_KEY:
            signed: SignedStatement = call(partial(s.client.statement, st["hash"]))
            # PROTOCOL.md §9.3: seal only to keys whose announcers proved they hold them.
            call(partial(_check_possession, signed))
            keys[st["role"]] = signed.statement.body_as(DrawOpeningKeyBody).public_key
    if set(keys) != {"agent", "centre"}:
        raise click.ClickException(
            f"draw {draw_id} does not have both opening keys yet (has: {sorted(keys)})"
        )
    if keys["agent"] == keys["centre"]:
        raise click.ClickException(
            f"draw {draw_id}: the agent and the centre announced the same opening key; not sealing"
        )
    eid = envelope_id or f"{draw_id}-seed-{actor.fingerprint.hex()[:12]}"
    sealed = actor.seal_seed(
        draw_id, agent_key=keys["agent"], centre_key=keys["centre"], envelope_id=eid
    )
    receipt = call(
        lambda: s.client.submit_envelope(
            sealed.statement, io.BytesIO(sealed.envelope), len(sealed.envelope)
        )
    )
    report(receipt, f"seed envelope {eid} submitted", s.as_json)


def _check_possession(signed: SignedStatement) -> None:
    st = signed.statement
    body = st.body_as(DrawOpeningKeyBody)
    possession.verify(
        body.public_key,
        body.possession,
        tender_id=st.tender_id,
        subject=st.subject,
        role=st.role,
        announcer=st.actor,
        what=f"the {st.role}'s opening key for draw {st.subject}",
    )


@draw_group.command("reveal")
@click.argument("draw_id")
@party_options
def reveal(s: Session, draw_id: str) -> None:
    """Reveal the committed seed (centre or agent)."""
    _, actor = s.draw_actor(draw_id, "centre", "agent")
    path = s.secret_path(draw_id, actor.role, "seed")
    if not path.exists():
        raise click.ClickException(
            f"no stored seed at {path}: was 'beacon draw commit' run with this --state-dir?"
        )
    s.send(actor.reveal(draw_id, path.read_bytes()), "seed revealed")


@draw_group.command("release")
@click.argument("draw_id")
@party_options
def release(s: Session, draw_id: str) -> None:
    """Release the per-draw opening key so the bidders' seed envelopes open (centre or agent)."""
    _, actor = s.draw_actor(draw_id, "centre", "agent")
    path = s.secret_path(draw_id, actor.role, "opening.key")
    opening = call(lambda: opening_keys.load_private_key_file(path, s.passphrase(str(path))))
    s.send(actor.release(draw_id, opening), "opening key released")


@draw_group.command("snapshot")
@click.argument("draw_id")
@click.option("--bids", required=True, help="The valid bid ids, comma-separated.")
@party_options
def snapshot(s: Session, draw_id: str, bids: str) -> None:
    """Sign the snapshot of valid bids for a draw among them (agent)."""
    _, actor = s.draw_actor(draw_id, "agent")
    ids = [b.strip() for b in bids.split(",") if b.strip()]
    s.send(actor.snapshot(draw_id, ids), f"snapshot of {len(ids)} bids")


@draw_group.command("object")
@click.argument("draw_id")
@click.option("--reason", required=True)
@party_options
def object_(s: Session, draw_id: str, reason: str) -> None:
    """File a signed objection within the dispute window (bidder)."""
    _, actor = s.draw_actor(draw_id, "bidder")
    s.send(actor.object(draw_id, reason), "objection filed")


@draw_group.command("confirm")
@click.argument("draw_id")
@party_options
def confirm(s: Session, draw_id: str) -> None:
    """Confirm the result (supervisor), naming the result statement's hash."""
    draw, actor = s.draw_actor(draw_id, "supervisor")
    result = [st for st in draw["statements"] if st["kind"] == StatementKind.DRAW_RESULT]
    if not result:
        raise click.ClickException(f"draw {draw_id} has no result yet (state {draw['state']})")
    signed = actor.confirm(draw_id, bytes.fromhex(result[0]["hash"]))
    s.send(signed, "result confirmed")


@draw_group.command("void")
@click.argument("draw_id")
@click.option("--reason", required=True)
@party_options
def void(s: Session, draw_id: str, reason: str) -> None:
    """Void a draw with a reason (supervisor); a re-draw is a new draw id."""
    _, actor = s.draw_actor(draw_id, "supervisor")
    s.send(actor.void(draw_id, reason), "draw voided")


@draw_group.command("status")
@click.argument("draw_id")
@click.option(
    "--server", envvar="BEACON_SERVER", default="http://127.0.0.1:8080", show_default=True
)
@click.option("--json", "as_json", is_flag=True)
@utc_option
def status(draw_id: str, server: str, as_json: bool, utc: bool) -> None:
    """Show a draw's phase, deadlines, parties and values (no key needed)."""
    client = BeaconClient(server)
    draw = call(lambda: client.draw(draw_id))
    if as_json:
        click.echo(json.dumps(draw, indent=2, ensure_ascii=False))
        return
    show = TimeShow.from_server(lambda: call(lambda: client.get("/api/v1/deployment")), utc=utc)
    click.echo(f"{draw['id']}  {draw['title']}  [{draw['state']}]")
    if draw["blocked"]:
        click.echo(f"  blocked: {draw['blocked']}")
    for name, at in draw["deadlines"].items():
        if at:
            click.echo(f"  {name:<10} {show(at)}")
    for role in ("centre", "agent"):
        st = draw["seeds"][role]
        click.echo(f"  {role:<7} " + ", ".join(k for k, v in st.items() if v))
    click.echo(f"  bidder seed envelopes: {draw['seeds']['bidder_envelopes']}")
    if draw["vdf"]:
        click.echo(f"  VDF {draw['vdf']['done']:,}/{draw['vdf']['t']:,}")
    for v in draw["values"]:
        click.echo(f"  {v['code']}: {', '.join(v['values'])}{v['unit']}")


@draw_group.command("proof")
@click.argument("draw_id")
@click.option(
    "--server", envvar="BEACON_SERVER", default="http://127.0.0.1:8080", show_default=True
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Default: DRAW_ID-proof.json",
)
def proof(draw_id: str, server: str, out: Path | None) -> None:
    """Download a draw's proof bundle (then: beacon-verify draw FILE --anchors CA.pem)."""
    bundle = call(lambda: BeaconClient(server).proof(draw_id))
    target = out or Path(f"{draw_id}-proof.json")
    durable.write_text_atomic(target, json.dumps(bundle, indent=2, ensure_ascii=False) + "\n")
    click.echo(
        f"wrote {target}; recheck it with: beacon-verify draw {target} --anchors CA.pem "
        "(the platform CA's certificate, obtained from the CA, not from the beacon)"
    )
