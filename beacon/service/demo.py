"""Simulated parties: the centre, the agent, bidders and the supervisor of a demo tender.

They act exactly as real parties do, through signed statements handed to the same
ledger (no shortcut around any check), with the certificates of the demo CA. Used
by ``beacon demo`` (in-process, on a fake clock that jumps to each deadline), by
``beacon serve --demo`` (a scheduler on the real clock) and by the tests.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core import chain, defaults
from beacon.core.bodies import DrawCommitBody, EnvelopeSubmitBody
from beacon.core.definition import DrawDefinition, parse_authoring
from beacon.core.envelope.shares import public_bytes
from beacon.core.lifecycle import Phase
from beacon.core.statement import SignedStatement
from beacon.core.timefmt import format_ms
from beacon.core.vocabulary import Role, StatementKind
from beacon.errors import BeaconError, StateError
from beacon.identity.keys import load_signer
from beacon.party import Actor
from beacon.service.blobs import StagedBlob
from beacon.service.clock import FakeClock
from beacon.service.draws import DrawRecord, load
from beacon.service.receipts import Receipt
from beacon.service.runtime import Runtime
from beacon.store import PulseRepository
from beacon.store.statements import StatementRepository

log = logging.getLogger("beacon.demo")

Submit = Callable[[SignedStatement, bytes | None], Any]

# The demo deployment's published delay parameters (PROTOCOL.md §11.5). They are
# chosen so that a ceremony with windows of a few seconds runs in minutes: A_max = 1
# at a declared 50,000 squarings a second is NO protection against a last revealer
# with a real evaluator (about 750,000 a second here). A deployment publishes its
# measured s and an A_max of about 100.
DEMO_VDF_RATE = 50_000
DEMO_VDF_ADVANTAGE = 1


def _delay(vdf_t: int | None, vdf_rate: int, vdf_advantage: int) -> dict[str, int]:
    """The authoring members of the delay: T is the least the windows allow unless given."""
    out = {"vdf_rate": vdf_rate, "vdf_advantage": vdf_advantage}
    return out if vdf_t is None else out | {"vdf_t": vdf_t}


def jiangsu_definition(
    *,
    draw_id: str,
    tender_id: str,
    commit: int,
    reveal: int,
    seed_open: int,
    vdf_t: int | None = None,
    vdf_rate: int = DEMO_VDF_RATE,
    vdf_advantage: int = DEMO_VDF_ADVANTAGE,
    dispute_window_ms: int = defaults.DISPUTE_WINDOW_MS,
) -> DrawDefinition:
    """The default demo: a Jiangsu "方法二"-style draw of K1 and Q1, with Q2 = 1 − Q1."""
    return parse_authoring(
        {
            "draw_id": draw_id,
            "tender_id": tender_id,
            "section": "第1标段",
            "title": "评标基准价系数抽取（方法二）",
            "regime": "before_opening",
            "selections": [
                {
                    "code": "K1",
                    "label": "下浮系数 K1",
                    "range": {"from": "0.950", "to": "0.980", "step": "0.005"},
                },
                {
                    "code": "Q1",
                    "label": "权重系数 Q1",
                    "candidates": ["0.65", "0.70", "0.75", "0.80", "0.85"],
                },
            ],
            "derived": [{"code": "Q2", "label": "权重系数 Q2", "formula": "1 - Q1"}],
            "deadlines": {
                "commit": format_ms(commit),
                "reveal": format_ms(reveal),
                "seed_open": format_ms(seed_open),
            },
            "dispute_window_ms": dispute_window_ms,
            **_delay(vdf_t, vdf_rate, vdf_advantage),
        }
    )


def bid_sample_definition(
    *,
    draw_id: str,
    tender_id: str,
    commit: int,
    snapshot: int,
    reveal: int,
    seed_open: int,
    k: int,
    vdf_t: int | None = None,
    vdf_rate: int = DEMO_VDF_RATE,
    vdf_advantage: int = DEMO_VDF_ADVANTAGE,
    dispute_window_ms: int = defaults.DISPUTE_WINDOW_MS,
) -> DrawDefinition:
    """A draw among the valid bids after decryption: k of them, in draw order."""
    return parse_authoring(
        {
            "draw_id": draw_id,
            "tender_id": tender_id,
            "section": "第1标段",
            "title": f"有效投标人中随机抽取 {k} 家进入详细评审",
            "regime": "after_opening",
            "selections": [
                {
                    "code": "BID_SAMPLE",
                    "label": "抽取的有效标",
                    "kind": "pick_k",
                    "k": k,
                    "from_snapshot": True,
                }
            ],
            "deadlines": {
                "commit": format_ms(commit),
                "snapshot": format_ms(snapshot),
                "reveal": format_ms(reveal),
                "seed_open": format_ms(seed_open),
            },
            "dispute_window_ms": dispute_window_ms,
            **_delay(vdf_t, vdf_rate, vdf_advantage),
        }
    )


@dataclass
class DemoParties:
    """Every party of one tender, with their secrets (seeds, opening keys) in memory."""

    runtime: Runtime
    ca_dir: Path
    tender_id: str
    bidders: int
    centre: Actor = field(init=False)
    agent: Actor = field(init=False)
    supervisor: Actor = field(init=False)
    bidder_actors: list[Actor] = field(init=False)
    seeds: dict[tuple[str, str], bytes] = field(default_factory=dict)
    keys: dict[tuple[str, str], ec.EllipticCurvePrivateKey] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.centre = self.actor("centre", Role.CENTRE)
        self.agent = self.actor("agent", Role.AGENT)
        self.supervisor = self.actor("supervisor", Role.SUPERVISOR)
        self.bidder_actors = [
            self.actor(f"bidder-{i}", Role.BIDDER) for i in range(1, self.bidders + 1)
        ]

    def actor(self, name: str, role: Role) -> Actor:
        signer = load_signer(self.ca_dir / f"{name}.pem", self.ca_dir / f"{name}.key")
        rt = self.runtime
        return Actor(
            signer,
            role=role,
            tender_id=self.tender_id,
            now=rt.clock.now_ms,
            random_bytes=rt.entropy.random_bytes,
        )

    # -- talking to the ledger ---------------------------------------------------------------

    def submit(self, signed: SignedStatement, payload: bytes | None = None) -> Receipt:
        staged: StagedBlob | None = None
        if payload is not None:
            staged = self.runtime.blobs.stage_bytes(
                payload, max_bytes=self.runtime.policy.max_envelope_bytes
            )
        return self.runtime.ledger.submit(signed, payload=staged)

    def record(self, draw_id: str) -> DrawRecord:
        with self.runtime.database.read() as session:
            last = PulseRepository(session).last()
            return load(
                StatementRepository(session), draw_id, pulse_ms=0 if last is None else last.time_ms
            )

    # -- the ceremony, step by step --------------------------------------------------------------

    def register(self) -> None:
        self.submit(self.centre.register(Role.AGENT, self.agent.certificate))
        for b in self.bidder_actors:
            self.submit(self.centre.register(Role.BIDDER, b.certificate))

    def publish(self, definition: DrawDefinition) -> None:
        self.submit(self.agent.publish(definition))
        self.submit(self.centre.countersign(definition))

    def commit(self, draw_id: str) -> dict[str, bytes]:
        """Both parties announce their opening keys and commit; returns the commitments."""
        out: dict[str, bytes] = {}
        for party in (self.centre, self.agent):
            key = ec.generate_private_key(ec.SECP256R1())
            self.keys[(draw_id, party.role)] = key
            self.submit(party.opening_key(draw_id, key))
            seed = party.new_seed()
            self.seeds[(draw_id, party.role)] = seed
            signed = party.commit(draw_id, seed)
            self.submit(signed)
            out[party.role] = signed.statement.body_as(DrawCommitBody).commitment
        return out

    def seal_seeds(self, draw_id: str) -> list[tuple[str, bytes]]:
        """Every bidder seals a fresh seed to the draw's opening keys; returns (envelope id, hash)."""
        agent = public_bytes(self.keys[(draw_id, Role.AGENT)].public_key())
        centre = public_bytes(self.keys[(draw_id, Role.CENTRE)].public_key())
        out = []
        for i, b in enumerate(self.bidder_actors, 1):
            envelope_id = f"{draw_id}-seed-{i}"
            sealed = b.seal_seed(
                draw_id, agent_key=agent, centre_key=centre, envelope_id=envelope_id
            )
            self.seeds[(draw_id, f"bidder-{i}")] = sealed.seed
            self.submit(sealed.statement, sealed.envelope)
            out.append(
                (envelope_id, sealed.statement.statement.body_as(EnvelopeSubmitBody).envelope_hash)
            )
        return out

    def snapshot(self, draw_id: str, bid_ids: list[str]) -> None:
        self.submit(self.agent.snapshot(draw_id, bid_ids))

    def reveal(self, draw_id: str) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for party in (self.centre, self.agent):
            seed = self.seeds[(draw_id, party.role)]
            self.submit(party.reveal(draw_id, seed))
            out[party.role] = seed
        return out

    def release(self, draw_id: str) -> None:
        for party in (self.centre, self.agent):
            self.submit(party.release(draw_id, self.keys[(draw_id, party.role)]))

    def confirm(self, draw_id: str) -> None:
        result = self.record(draw_id).one(StatementKind.DRAW_RESULT)
        if result is None:
            raise StateError(f"draw {draw_id} has no result to confirm yet")
        self.submit(self.supervisor.confirm(draw_id, result.row.statement_hash))


def advance(runtime: Runtime, clock: FakeClock, to: int) -> int:
    """Move a fake clock to ``to``, emitting each boundary's pulse on the way and running
    the engine after it, as the pulser process does; never a pulse before its time.

    Returns how many pulses were emitted.
    """
    period = runtime.settings.pulser.period_ms
    emitted = 0
    while clock.now_ms() < to:
        clock.set(min(to, chain.next_boundary(clock.now_ms(), period)))
        if (
            chain.boundary_at(clock.now_ms(), period) == clock.now_ms()
            and runtime.pulser.emit_due() is not None
        ):
            emitted += 1
            runtime.engine.tick()
    return emitted


def next_boundary(runtime: Runtime, clock: FakeClock) -> int:
    period = runtime.settings.pulser.period_ms
    return chain.next_boundary(clock.now_ms(), period)


class DemoScheduler:
    """``beacon serve --demo``: parties that act on the real clock as each phase opens."""

    def __init__(
        self, parties: DemoParties, draws: list[tuple[DrawDefinition, list[str] | None]]
    ) -> None:
        self.parties = parties
        self.draws = draws
        self.done: set[str] = set()

    def start(self) -> None:
        self.parties.register()
        for definition, _ in self.draws:
            self.parties.publish(definition)
            self.parties.commit(definition.draw_id)
            self.parties.seal_seeds(definition.draw_id)
            log.info("demo: draw %s published, committed and sealed", definition.draw_id)

    def step(self) -> None:
        """Do whatever each draw's phase asks of the parties now."""
        for definition, bids in self.draws:
            draw_id = definition.draw_id
            if draw_id in self.done:
                continue
            record = self.parties.record(draw_id)
            phase, facts = record.phase, record.facts
            if phase is Phase.FROZEN and bids is not None and not facts.snapshot:
                self.parties.snapshot(draw_id, bids)
            elif phase is Phase.REVEALING and not facts.reveals:
                self.parties.reveal(draw_id)
            elif phase is Phase.OPENING and not facts.key_releases:
                self.parties.release(draw_id)
            elif (
                phase is Phase.DRAWN
                and facts.dispute_ends is not None
                and facts.pulse_ms >= facts.dispute_ends
            ):
                self.parties.confirm(draw_id)
                self.done.add(draw_id)
                log.info("demo: draw %s confirmed by the supervisor", draw_id)

    def run(self, stop: threading.Event, *, every: float = 1.0) -> None:
        try:
            self.start()
        except BeaconError as e:
            log.error("demo: could not start: %s", e)
            return
        while not stop.is_set() and len(self.done) < len(self.draws):
            try:
                self.step()
            except BeaconError as e:
                log.warning("demo: %s", e)
            stop.wait(every)
