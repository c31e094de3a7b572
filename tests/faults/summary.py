"""The machine-readable record of a fault run: test-artifacts/faults.json.

One entry per scenario (backend, seed, kills per process, what was checked), and
the kill totals per backend and process type, so a reader sees at a glance that
each backend took its share of kills and which invariants were checked after them.
"""

from __future__ import annotations

import json
import os
import secrets
from collections import Counter
from pathlib import Path
from typing import Any

from tests.conftest import ROOT
from tests.faults.processes import PROCESSES

ARTIFACT = ROOT / "test-artifacts" / "faults.json"
SEED_ENV = "BEACON_FAULTS_SEED"


def run_seed() -> int:
    """The run's seed: ``BEACON_FAULTS_SEED`` to replay a failure, else a fresh one."""
    raw = os.environ.get(SEED_ENV)
    if raw is None:
        return secrets.randbelow(2**32)
    if not raw.isdigit():
        raise ValueError(f"{SEED_ENV}: expected a non-negative integer, got {raw!r}")
    return int(raw)


class Summary:
    """Scenario records collected during the session."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.scenarios: list[dict[str, Any]] = []

    def add(self, record: dict[str, Any]) -> None:
        self.scenarios.append(record)

    def document(self) -> dict[str, Any]:
        kills: dict[str, Counter[str]] = {}
        for s in self.scenarios:
            per = kills.setdefault(s["backend"], Counter())
            per.update(s.get("kills", {}))
        invariants = sorted({name for s in self.scenarios for name in s.get("invariants", {})})
        return {
            "seed": self.seed,
            "replay": f"{SEED_ENV}={self.seed} make test-faults",
            "kills": {
                backend: {**{p: c.get(p, 0) for p in PROCESSES}, "total": sum(c.values())}
                for backend, c in sorted(kills.items())
            },
            "invariants_checked": invariants,
            "scenarios": self.scenarios,
        }

    def write(self, path: Path = ARTIFACT) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.document(), indent=2) + "\n")
        return path
