"""A drawn draw in a fresh data folder, made in process on a fake clock (as the service tests do).

The HTTP benchmark serves this deployment: the parties act through the real
:class:`~beacon.service.ledger.Ledger` (the same checks as over HTTP), the pulser
and the engine run on a :class:`FakeClock` that is moved past each deadline, and
the worker computes the VDF. The fake clock ends a few minutes before the real
time, so that a server started afterwards on the system clock sees a consistent
past: every pulse and statement is older than "now".
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core.definition import DrawDefinition, parse_authoring
from beacon.core.envelope.shares import public_bytes
from beacon.core.lifecycle import Phase
from beacon.core.timefmt import format_ms
from beacon.identity import ca
from beacon.identity.keys import load_signer
from beacon.party import Actor
from beacon.service.clock import FakeClock
from beacon.service.draws import load
from beacon.service.entropy import SystemEntropy
from beacon.service.ledger import Policy
from beacon.service.runtime import Runtime
from beacon.service.settings import Settings
from beacon.store import PulseRepository
from beacon.store.statements import StatementRepository

PERIOD_MS = 60_000
TENDER = "BENCH-HTTP-1"
DRAW = "BENCH-HTTP-1-K"


@dataclass(frozen=True)
class Drawn:
    """Where the prepared deployment lives and what it holds."""

    data_dir: Path
    draw_id: str
    pulses: int


def _definition(start_ms: int, vdf_t: int) -> DrawDefinition:
    return parse_authoring(
        {
            "draw_id": DRAW,
            "tender_id": TENDER,
            "title": "评标基准价系数抽取 (benchmark)",
            "selections": [
                {
                    "code": "K1",
                    "label": "下浮系数 K1",
                    "range": {"from": "0.950", "to": "0.980", "step": "0.005"},
                },
                {
                    "code": "Q1",
                    "label": "权重 Q1",
                    "range": {"from": "0.65", "to": "0.85", "step": "0.05"},
                },
            ],
            "derived": [{"code": "Q2", "label": "权重 Q2", "formula": "1 - Q1"}],
            "deadlines": {
                "commit": format_ms(start_ms + 10 * PERIOD_MS),
                "reveal": format_ms(start_ms + 15 * PERIOD_MS),
                "seed_open": format_ms(start_ms + 20 * PERIOD_MS),
            },
            "dispute_window_ms": 5 * PERIOD_MS,
            "vdf_t": vdf_t,
        }
    )


def prepare_drawn_draw(data_dir: Path, *, bidders: int = 5, vdf_t: int = 20_000) -> Drawn:
    """Create a deployment in ``data_dir`` holding one drawn draw whose proof bundle is out."""
    now = time.time_ns() // 1_000_000
    start = now - now % PERIOD_MS - 40 * PERIOD_MS  # the ceremony spans 22 periods
    ca_dir = data_dir / "ca"
    ca.init_ca(
        ca_dir,
        now=dt.datetime.fromtimestamp(start / 1000 - 86_400, tz=dt.UTC),
        bidders=bidders,
        signer_bits=2048,
    )
    clock = FakeClock(start)
    entropy = SystemEntropy()
    settings = Settings.build(data_dir=data_dir, period_seconds=PERIOD_MS // 1000)
    runtime = Runtime.open(settings, clock=clock, entropy=entropy, policy=Policy(min_lead_ms=0))
    pulses = 0

    def pulse() -> None:
        nonlocal pulses
        runtime.pulser.emit_due()
        runtime.engine.tick()
        pulses += 1

    def advance_to(ms: int) -> None:
        while clock.now_ms() < ms:
            clock.set(min(ms, clock.now_ms() - clock.now_ms() % PERIOD_MS + PERIOD_MS))
            if clock.now_ms() % PERIOD_MS == 0:
                pulse()

    def actor(name: str, role: str) -> Actor:
        signer = load_signer(ca_dir / f"{name}.pem", ca_dir / f"{name}.key")
        return Actor(signer, role=role, tender_id=TENDER, now=clock.now_ms, random_bytes=os.urandom)

    try:
        pulse()
        submit = runtime.ledger.submit
        centre, agent = actor("centre", "centre"), actor("agent", "agent")
        people = [actor(f"bidder-{i}", "bidder") for i in range(1, bidders + 1)]
        definition = _definition(start, vdf_t)
        submit(centre.register("agent", agent.fingerprint))
        for b in people:
            submit(centre.register("bidder", b.fingerprint))
        submit(agent.publish(definition))
        submit(centre.countersign(definition))
        keys, seeds = {}, {}
        for party in (centre, agent):
            keys[party.role] = ec.generate_private_key(ec.SECP256R1())
            submit(party.opening_key(DRAW, keys[party.role]))
            seeds[party.role] = party.new_seed()
            submit(party.commit(DRAW, seeds[party.role]))
        for i, b in enumerate(people, 1):
            sealed = b.seal_seed(
                DRAW,
                agent_key=public_bytes(keys["agent"].public_key()),
                centre_key=public_bytes(keys["centre"].public_key()),
                envelope_id=f"{DRAW}-seed-{i}",
            )
            staged = runtime.blobs.stage_bytes(sealed.envelope, max_bytes=1 << 20)
            submit(sealed.statement, payload=staged)
        advance_to(definition.deadlines.commit)  # the commit-deadline pulse freezes the draw
        for party in (centre, agent):
            submit(party.reveal(DRAW, seeds[party.role]))
        for party in (centre, agent):
            submit(party.release(DRAW, keys[party.role]))
        if runtime.worker("bench").run_once() != DRAW:
            raise RuntimeError(f"the worker did not compute {DRAW}")
        advance_to(clock.now_ms() - clock.now_ms() % PERIOD_MS + PERIOD_MS)  # covers the result
        with runtime.database.read() as session:
            last = PulseRepository(session).last()
            assert last is not None
            phase = load(StatementRepository(session), DRAW, pulse_ms=last.time_ms).phase
        if phase is not Phase.DRAWN:
            raise RuntimeError(f"draw {DRAW} ended {phase.value}, expected drawn")
    finally:
        runtime.close()
    return Drawn(data_dir=data_dir, draw_id=DRAW, pulses=pulses)
