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
import time
from dataclasses import dataclass
from pathlib import Path

from beacon.core.lifecycle import Phase
from beacon.identity import ca
from beacon.service.clock import FakeClock
from beacon.service.demo import DemoParties, advance, jiangsu_definition, next_boundary
from beacon.service.entropy import SystemEntropy
from beacon.service.ledger import Policy
from beacon.service.runtime import Runtime
from beacon.service.settings import Settings

PERIOD_MS = 60_000
TENDER = "BENCH-HTTP-1"
DRAW = "BENCH-HTTP-1-K"


@dataclass(frozen=True)
class Drawn:
    """Where the prepared deployment lives and what it holds."""

    data_dir: Path
    draw_id: str
    pulses: int


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
    # A simulated deployment whose published speed makes vdf_t the least T its 10-period
    # window allows with A_max = 1 (PROTOCOL.md §11.5).
    delay = {"vdf_rate": max(1, vdf_t * 1000 // (10 * PERIOD_MS)), "vdf_advantage": 1}
    settings = Settings.build(data_dir=data_dir, period_seconds=PERIOD_MS // 1000)
    runtime = Runtime.open(
        settings, clock=clock, entropy=SystemEntropy(), policy=Policy(min_lead_ms=0, **delay)
    )
    definition = jiangsu_definition(
        draw_id=DRAW,
        tender_id=TENDER,
        commit=start + 10 * PERIOD_MS,
        reveal=start + 15 * PERIOD_MS,
        seed_open=start + 20 * PERIOD_MS,
        vdf_t=vdf_t,
        dispute_window_ms=5 * PERIOD_MS,
        **delay,
    )
    try:
        pulses = 1 if runtime.pulser.emit_due() is not None else 0
        parties = DemoParties(runtime, ca_dir, TENDER, bidders)
        parties.register()
        parties.publish(definition)
        parties.commit(DRAW)
        parties.seal_seeds(DRAW)
        pulses += advance(runtime, clock, definition.deadlines.commit)  # the freeze
        parties.reveal(DRAW)
        parties.release(DRAW)
        if runtime.worker("bench").run_once() != DRAW:
            raise RuntimeError(f"the worker did not compute {DRAW}")
        pulses += advance(runtime, clock, next_boundary(runtime, clock))  # covers the result
        phase = parties.record(DRAW).phase
        if phase is not Phase.DRAWN:
            raise RuntimeError(f"draw {DRAW} ended {phase.value}, expected drawn")
    finally:
        runtime.close()
    return Drawn(data_dir=data_dir, draw_id=DRAW, pulses=pulses)
