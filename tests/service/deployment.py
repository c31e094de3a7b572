"""An in-process deployment on a fake clock, with every party of the demo CA.

Shared by the ledger, worker, bundle and verifier tests: the same Runtime as
``beacon serve``; only the clock and the entropy are fakes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from beacon.core.definition import DrawDefinition, parse_authoring
from beacon.core.timefmt import format_ms, parse_ms
from beacon.identity import ca
from beacon.identity.keys import load_signer
from beacon.party import Actor
from beacon.service.clock import FakeClock
from beacon.service.demo import advance
from beacon.service.entropy import DeterministicEntropy
from beacon.service.ledger import Policy
from beacon.service.pulser import PulserConfig
from beacon.service.runtime import Runtime
from beacon.service.settings import Settings

T0 = parse_ms("2026-11-26T08:00:00.000Z")
PERIOD = 60_000
# The demo CA is made this long before the clock starts: on 2026-01-01 for T0.
CA_AGE = dt.datetime.fromtimestamp(T0 // 1000, dt.UTC) - dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
TENDER = "JS-2026-0142"


@dataclass
class Deployment:
    runtime: Runtime
    clock: FakeClock
    ca_dir: Path
    entropy: DeterministicEntropy

    def actor(self, name: str, role: str, tender: str = TENDER) -> Actor:
        signer = load_signer(self.ca_dir / f"{name}.pem", self.ca_dir / f"{name}.key")
        return Actor(
            signer,
            role=role,
            tender_id=tender,
            now=self.clock.now_ms,
            random_bytes=self.entropy.random_bytes,
        )

    def pulse(self) -> None:
        """Emit the due pulse and run the engine, as the pulser process does."""
        self.runtime.pulser.emit_due()
        self.runtime.engine.tick()

    def advance_to(self, ms: int) -> None:
        """Move the clock, emitting every boundary's pulse on the way (no gaps)."""
        advance(self.runtime, self.clock, ms)


# The test deployment's published delay parameters (PROTOCOL.md §11.5): a declared
# 3 squarings a second and A_max = 1, so that T = 2000 covers the 10-period exposure
# window of :func:`definition` (T ≥ 1 · 3 · 600) and the result deadline falls
# ⌈5/4 · 2000/3⌉ s = 834 s after the seed-open deadline.
DELAY = {"vdf_rate": 3, "vdf_advantage": 1}


def open_deployment(
    tmp: Path,
    database_url: str,
    *,
    bidders: int = 3,
    min_vdf_t: int = 1,
    before_open: Callable[[Path], None] | None = None,
    start: int = T0,
) -> Deployment:
    """``before_open(ca_dir)`` may replace a party's files once the demo CA is written;
    ``start`` is the fake clock's first reading (a period boundary)."""
    ca_dir = tmp / "data" / "ca"
    ca.init_ca(
        ca_dir,
        now=dt.datetime.fromtimestamp(start // 1000, dt.UTC) - CA_AGE,
        bidders=bidders,
        signer_bits=2048,
    )
    if before_open is not None:
        before_open(ca_dir)
    clock = FakeClock(start)
    entropy = DeterministicEntropy(b"tests")
    settings = Settings(
        data_dir=tmp / "data",
        database_url=database_url,
        pulser=PulserConfig(period_ms=PERIOD, base_uri="http://beacon.test"),
        signer_bits=2048,
    )
    runtime = Runtime.open(
        settings,
        clock=clock,
        entropy=entropy,
        policy=Policy(min_vdf_t=min_vdf_t, min_lead_ms=60_000, **DELAY),
    )
    deployment = Deployment(runtime, clock, ca_dir, entropy)
    deployment.pulse()
    return deployment


def definition(
    *, draw_id: str = "JS-2026-0142-1", start: int = T0, vdf_t: int = 2000, **over: object
) -> DrawDefinition:
    """The Jiangsu-style definition with deadlines relative to ``start``."""
    doc: dict[str, object] = {
        "draw_id": draw_id,
        "tender_id": TENDER,
        "section": "第1标段",
        "title": "评标基准价系数抽取",
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
            "commit": format_ms(start + 10 * PERIOD),
            "reveal": format_ms(start + 15 * PERIOD),
            "seed_open": format_ms(start + 20 * PERIOD),
        },
        "dispute_window_ms": 5 * PERIOD,
        "vdf_t": vdf_t,
        **DELAY,
    }
    doc.update(over)
    return parse_authoring(doc)
