"""A short real pulse chain from the pulser on a fake clock, for the output-audit tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from beacon.core.pulse import Pulse
from beacon.service.clock import FakeClock
from beacon.service.entropy import DeterministicEntropy
from beacon.service.runtime import Runtime
from beacon.service.settings import Settings
from beacon.store import PulseRepository
from tests.service.deployment import PERIOD, T0


@dataclass
class Chain:
    pulses: list[Pulse]
    certificate_der: bytes
    runtime: Runtime


def make_chain(tmp: Path, boundaries: Sequence[int]) -> Chain:
    """One pulse at each ``T0 + b·PERIOD``; a skipped boundary is a gap (status 2)."""
    clock = FakeClock(T0)
    settings = Settings.build(data_dir=tmp, period_seconds=PERIOD / 1000, signer_bits=2048)
    runtime = Runtime.open(settings, clock=clock, entropy=DeterministicEntropy(b"audit-chain"))
    for b in boundaries:
        clock.set(T0 + b * PERIOD)
        runtime.pulser.emit_due()
    with runtime.database.read() as session:
        pulses = [s.pulse() for s in PulseRepository(session).range(1, 1, len(boundaries) + 1)]
    return Chain(pulses, runtime.pulse_signer.certificate_der, runtime)
