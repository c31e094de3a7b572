"""``beacon demo``: one complete draw in process, printed step by step, with its proof bundle.

The parties are the demo CA's certificates acting through the same ledger as a
real deployment (beacon.service.demo); the clock is a fake one that jumps from
deadline to deadline, so the ceremony takes seconds instead of a morning while
every time rule still applies. ``--seed-from`` makes every seed and nonce
reproducible (the demo CA's keys are still fresh each run).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import click
from tqdm import tqdm

from beacon import durable
from beacon.cli import main
from beacon.cli.times import TimeShow, utc_option
from beacon.core import defaults
from beacon.core.bodies import DrawFreezeBody
from beacon.core.definition import DrawDefinition, parse_authoring
from beacon.core.lifecycle import Phase
from beacon.core.vocabulary import StatementKind
from beacon.errors import BeaconError
from beacon.identity import ca
from beacon.service import bundles
from beacon.service.clock import FakeClock, SystemClock
from beacon.service.demo import DemoParties, advance, jiangsu_definition, next_boundary
from beacon.service.entropy import DeterministicEntropy, Entropy, SystemEntropy
from beacon.service.ledger import Policy
from beacon.service.pulser import PulserConfig
from beacon.service.runtime import Runtime
from beacon.service.settings import Settings
from beacon.store import sqlite_url

PERIOD = defaults.PULSE_PERIOD_MS
TENDER = "DEMO-2026-001"


def _load_definition(path: Path) -> DrawDefinition:
    try:
        return parse_authoring(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as e:
        raise click.ClickException(f"{path}: {e}") from e


def _show_definition(d: DrawDefinition, show: TimeShow) -> None:
    click.secho(f"\n定义 Definition  {d.draw_id} — {d.title} ({d.section})", bold=True)
    for s in d.selections:
        values = "from the snapshot of valid bids" if s.from_snapshot else ", ".join(s.candidates)
        click.echo(f"  {s.code:<10} {s.kind.value:<11} {s.label}: {values}")
    for x in d.derived:
        click.echo(f"  {x.code:<10} derived     {x.label}: {x.formula}")
    dl = d.deadlines
    click.echo(
        f"  deadlines: commit {show(dl.commit)}, reveal {show(dl.reveal)}, seeds {show(dl.seed_open)}"
    )
    click.echo(f"  VDF: T = {d.vdf_t:,} squarings; definition hash {d.hash().hex()}")


@main.command("demo")
@click.option("--bidders", type=click.IntRange(1, 200), default=3, show_default=True)
@click.option("--vdf-t", type=click.IntRange(1, 2**40), default=100_000, show_default=True)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("demo-proof.json"),
    show_default=True,
)
@click.option(
    "--seed-from",
    default=None,
    help="Derive every seed and nonce from this string (reproducible demo).",
)
@click.option(
    "--definition",
    "definition_file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="A definition in the authoring JSON form (default: Jiangsu 方法二 K1/Q1/Q2).",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Keep the demo's database, CA and envelopes here (default: a temporary folder).",
)
@utc_option
def demo(
    bidders: int,
    vdf_t: int,
    out: Path,
    seed_from: str | None,
    definition_file: Path | None,
    data_dir: Path | None,
    utc: bool,
) -> None:
    """Run a complete draw with a centre, an agent and N bidders, and write its proof bundle.

    Times are printed in Beijing time (UTC+08:00), the default display zone; --utc prints
    them as signed."""
    with tempfile.TemporaryDirectory(prefix="beacon-demo-") as tmp:
        root = data_dir or Path(tmp)
        try:
            _run(
                root,
                bidders=bidders,
                vdf_t=vdf_t,
                out=out,
                seed_from=seed_from,
                definition_file=definition_file,
                keeps_ca=data_dir is not None,
                show=TimeShow(None, utc=utc),
            )
        except BeaconError as e:
            raise click.ClickException(str(e)) from e


def _run(
    root: Path,
    *,
    bidders: int,
    vdf_t: int,
    out: Path,
    seed_from: str | None,
    definition_file: Path | None,
    keeps_ca: bool = True,
    show: TimeShow | None = None,
) -> None:
    definition = _load_definition(definition_file) if definition_file else None
    if definition is not None:
        start = definition.deadlines.commit - 10 * PERIOD
    else:
        now = SystemClock().now_ms()
        start = now - now % PERIOD
        # The simulated deployment publishes the evaluator speed that makes the chosen T
        # exactly the least its 10-minute window allows with A_max = 1 (PROTOCOL.md §11.5):
        # the fake clock runs the windows in an instant while the VDF runs for real.
        window_s = (20 - 10) * PERIOD // 1000
        definition = jiangsu_definition(
            draw_id=f"{TENDER}-K",
            tender_id=TENDER,
            commit=start + 10 * PERIOD,
            reveal=start + 15 * PERIOD,
            seed_open=start + 20 * PERIOD,
            vdf_t=vdf_t,
            vdf_rate=max(1, vdf_t // window_s),
            vdf_advantage=1,
        )
    clock = FakeClock(start)
    entropy: Entropy = DeterministicEntropy(seed_from.encode()) if seed_from else SystemEntropy()
    ca_dir = root / "ca"
    if not (ca_dir / "ca.pem").exists():
        click.echo(
            f"creating a demo CA with {bidders} bidders in {ca_dir} (unencrypted keys: demo only)"
        )
        ca.init_ca(ca_dir, now=_utc(start - 86_400_000), bidders=bidders, signer_bits=2048)
    settings = Settings(
        data_dir=root,
        database_url=sqlite_url(root / "beacon.sqlite3"),
        pulser=PulserConfig(period_ms=PERIOD, base_uri="http://demo.invalid"),
        signer_bits=2048,
    )
    policy = Policy(vdf_rate=definition.vdf_rate, vdf_advantage=definition.vdf_advantage)
    runtime = Runtime.open(settings, clock=clock, entropy=entropy, policy=policy)
    try:
        parties = DemoParties(runtime, ca_dir, definition.tender_id, bidders)
        _ceremony(
            runtime,
            clock,
            parties,
            definition,
            out,
            keeps_ca=keeps_ca,
            show=show or TimeShow(None, utc=False),
        )
    finally:
        runtime.close()


def _utc(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def _ceremony(
    runtime: Runtime,
    clock: FakeClock,
    parties: DemoParties,
    definition: DrawDefinition,
    out: Path,
    *,
    keeps_ca: bool,
    show: TimeShow,
) -> None:
    draw_id = definition.draw_id
    runtime.pulser.emit_due()
    _show_definition(definition, show)
    parties.register()
    parties.publish(definition)
    click.echo(
        f"\n发布 published by the agent, countersigned by the centre at {show(clock.now_ms())}"
    )
    click.secho("\n承诺 Commitments", bold=True)
    for role, c in parties.commit(draw_id).items():
        click.echo(f"  {role:<7} SHA-256 commitment {c.hex()}")
    for envelope_id, h in parties.seal_seeds(draw_id):
        click.echo(f"  bidder  seed envelope {envelope_id}  hash {h.hex()[:32]}…")
    advance(runtime, clock, definition.deadlines.commit)
    freeze = parties.record(draw_id).one(StatementKind.DRAW_FREEZE)
    if freeze is None:
        raise click.ClickException(f"draw {draw_id} was not frozen at its commit deadline")
    body = freeze.signed.statement.body_as(DrawFreezeBody)
    click.echo(
        f"\n冻结 frozen at pulse {body.pulse_chain}/{body.pulse_index} "
        f"(tree size {body.tree_size}, {len(body.commitments)} commitments and envelopes)"
    )
    if definition.needs_snapshot:
        bids = [f"BID-{i:03d}" for i in range(1, parties.bidders + 1)]
        parties.snapshot(draw_id, bids)
        click.echo(f"  snapshot of valid bids: {', '.join(bids)}")
    click.secho("\n揭示 Reveals", bold=True)
    for role, seed in parties.reveal(draw_id).items():
        click.echo(f"  {role:<7} seed {seed.hex()}  (opens its commitment)")
    parties.release(draw_id)
    click.echo("  agent and centre released their seed-envelope keys; the bidders' seeds open")
    phase = parties.record(draw_id).phase
    if phase is not Phase.COMPUTING:
        raise click.ClickException(
            f"draw {draw_id} is {phase.value} after the releases, not computing"
        )
    click.secho(f"\n计算 VDF: {definition.vdf_t:,} sequential squarings modulo RSA-2048", bold=True)
    with tqdm(total=definition.vdf_t, unit="sq", unit_scale=True, desc="VDF", leave=True) as bar:
        worker = runtime.worker("demo")

        def progress(_draw: str, done: int, _total: int) -> None:
            bar.update(done - bar.n)

        worker.progress = progress
        worker.run_once()
    record = parties.record(draw_id)
    summary = bundles.summary(record)
    click.secho("\n结果 Result", bold=True)
    for v in summary["values"]:
        click.echo(f"  {v['code']:<10} {v['label']}: {', '.join(v['values'])}{v['unit']}")
    for x in summary["derived"]:
        click.echo(f"  {x['code']:<10} {x['label']} = {x['formula']} = {x['value']}")
    click.echo(f"  R = {summary['output']}")
    for s in summary["seeds"]:
        click.echo(f"  seed of {s['role']:<7} {s['fingerprint'][:16]}…: {s['status']}")
    advance(runtime, clock, next_boundary(runtime, clock))
    with runtime.database.read() as session:
        bundle = bundles.build(
            session,
            draw_id,
            blobs=runtime.blobs,
            anchors=runtime.trust.anchor_ders(),
            period_ms=PERIOD,
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    durable.write_text_atomic(
        out, json.dumps(bundle.to_dict(), indent=2, ensure_ascii=False) + "\n"
    )
    click.secho(f"\nproof bundle written to {out}", bold=True)
    anchor = parties.ca_dir / "ca.pem"
    if not keeps_ca:
        # The demo CA goes with the temporary folder: without it the verifier can only
        # check against the bundle's own anchors, and says so (exit 3, PROTOCOL.md §14).
        click.echo(
            f"recheck it independently:  beacon-verify draw {out}\n"
            "  (the demo CA is deleted with its temporary folder, so that says VALID only "
            "against the bundle's own anchors; keep it with --data-dir DIR and add "
            "--anchors DIR/ca/ca.pem)"
        )
    else:
        click.echo(f"recheck it independently:  beacon-verify draw {out} --anchors {anchor}")
