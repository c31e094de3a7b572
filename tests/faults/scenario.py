"""One fault scenario: a fresh deployment of three processes, the chaos, the checks.

``fault_scenario`` starts the web, pulser and worker on a fresh database with a
CA of N bidders, an observer and the seeded chaos; the test drives its ceremony
through :class:`~tests.faults.courier.Courier` while processes die, then calls
:meth:`Scenario.settle`: the chaos goes on until the scenario's least number of
kills, stops, every process runs again, and the invariants common to all
scenarios are checked. The record goes to test-artifacts/faults.json whether the
scenario passed or not, with the seed that replays it.
"""

from __future__ import annotations

import random
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from beacon.core.statement import SignedStatement
from beacon.identity.keys import load_signer
from beacon.party import Actor
from tests.conftest import ROOT
from tests.faults import invariants, store_audit
from tests.faults.chaos import Chaos
from tests.faults.courier import Courier, Delivery
from tests.faults.observer import Observer
from tests.faults.processes import PROCESSES, Cluster, Settings, free_port, init_ca
from tests.faults.summary import ARTIFACT, Summary

PERIOD_MS = 1000
ARTIFACTS = ARTIFACT.parent / "faults"  # each scenario's process logs, kept after the run
SETTLE_TIMEOUT = 120.0
# Share of statements whose first answer the party drops (then retries): each one that
# had landed must come back as a replay, never be accepted twice.
LOST_ANSWER_RATE = 0.2


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class Scenario:
    name: str
    backend: str
    seed: str
    database_url: str
    settings: Settings
    cluster: Cluster
    chaos: Chaos
    observer: Observer
    courier: Courier
    rng: random.Random  # the parties' choices (sizes, the moment of a targeted kill)
    min_kills: int
    invariants: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    settled: bool = False

    @property
    def ca_dir(self) -> Path:
        return self.settings.data_dir / "ca"

    def actor(self, name: str, role: str, tender_id: str) -> Actor:
        signer = load_signer(self.ca_dir / f"{name}.pem", self.ca_dir / f"{name}.key")
        return Actor(
            signer, role=role, tender_id=tender_id, now=now_ms, random_bytes=secrets.token_bytes
        )

    def submit(self, signed: SignedStatement, data: bytes | None = None) -> Delivery:
        """Deliver a statement (with its envelope bytes); some first answers are dropped."""
        if self.rng.random() < LOST_ANSWER_RATE:
            return self.courier.submit_losing_answer(signed, data)
        if data is None:
            return self.courier.submit(signed)
        return self.courier.submit_envelope(signed, data)

    def check(self) -> None:
        """Fail fast if a process crashed on its own or a helper thread failed."""
        self.chaos.raise_error()
        exited = self.cluster.exited()
        assert not exited, f"processes exited on their own: {exited}"

    def settle(self) -> store_audit.StoreReport:
        """Finish the kills, bring every process back, check the common invariants."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while len(self.chaos.kills) < self.min_kills:
            assert time.monotonic() < deadline, f"only {len(self.chaos.kills)} kills"
            self.check()
            time.sleep(0.2)
        self.chaos.stop()
        self.cluster.ensure_running()
        # Two fresh pulses: the pulser is back and has caught up with the clock.
        last = self.courier.get("/beacon/2.0/pulse/last")["pulse"]["pulseIndex"]
        self.courier.wait_for(
            "/beacon/2.0/pulse/last",
            lambda doc: doc["pulse"]["pulseIndex"] >= last + 2,
            timeout=60,
            what="pulses after the chaos",
        )
        self.observer.poll()
        self.observer.stop()
        self.settled = True
        final = invariants.final_head(self.courier)
        self.invariants["receipts_in_log"] = invariants.check_receipts(
            self.courier, self.courier.deliveries, final
        )
        self.invariants["tree_heads_consistent"] = invariants.check_log(
            self.courier, self.observer, final
        )
        chain = invariants.check_chain(self.courier, self.observer, final, PERIOD_MS)
        self.invariants["pulse_documents_unchanged"] = chain.documents_compared
        self.invariants["chain_verified_pulses"] = chain.pulses
        self.invariants["status_2_gaps"] = chain.gaps
        store = store_audit.audit(self.database_url, self.settings.data_dir)
        self.invariants["store_leaves_audited"] = store.leaves
        self.facts["store"] = store.to_dict()
        self.facts["final_tree_size"] = final.tree_size
        return store

    def record(self, error: BaseException | None) -> dict[str, Any]:
        return {
            "scenario": self.name,
            "backend": self.backend,
            "seed": self.seed,
            "passed": error is None,
            "error": None if error is None else f"{type(error).__name__}: {error}"[:2000],
            "duration_s": round(time.monotonic() - self.started, 1),
            "kills": self.chaos.counts(),
            "kill_log": [
                f"{k.at_s:7.2f}s {k.process:<6} pid {k.pid} ({k.reason}), down {k.downtime_s:.2f}s"
                for k in self.chaos.kills
            ],
            "statements_acknowledged": len(self.courier.deliveries),
            "failed_attempts_retried": self.courier.failed_attempts,
            "failed_reads_retried": self.courier.failed_reads,
            "answers_dropped_then_retried": self.courier.answers_lost,
            "retries_answered_as_replay": self.courier.replays(),
            "observer": {"polls": self.observer.polls, "unanswered": self.observer.unanswered},
            "invariants": self.invariants,
            "facts": self.facts,
        }


def backend_of(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


@contextmanager
def fault_scenario(
    name: str,
    *,
    tmp_path: Path,
    database_url: str,
    summary: Summary,
    bidders: int,
    min_kills: int,
    chaos: bool = True,
) -> Iterator[Scenario]:
    """A running deployment under seeded chaos; see the module docstring."""
    backend = backend_of(database_url)
    seed = f"{summary.seed}/{backend}/{name}"
    print(f"scenario {name} on {backend}: seed {seed!r} (BEACON_FAULTS_SEED={summary.seed})")
    data_dir = tmp_path / "data"
    init_ca(data_dir / "ca", bidders=bidders)
    settings = Settings(data_dir=data_dir, database_url=database_url, port=free_port())
    cluster = Cluster(settings, tmp_path / "logs")
    killer = Chaos(cluster, random.Random(f"{seed}/chaos"))
    scenario = Scenario(
        name=name,
        backend=backend,
        seed=seed,
        database_url=database_url,
        settings=settings,
        cluster=cluster,
        chaos=killer,
        observer=Observer(settings.url),
        courier=Courier(settings.url),
        rng=random.Random(f"{seed}/parties"),
        min_kills=min_kills,
    )
    scenario.courier.health = scenario.check
    error: BaseException | None = None
    try:
        cluster.start_all()
        scenario.observer.start()
        if chaos:
            killer.start()
        yield scenario
        assert scenario.settled, "the scenario never settled (no invariants were checked)"
    except BaseException as e:
        error = e
        for process in PROCESSES:
            print(f"--- {process} log (last 80 lines) ---")
            print("\n".join(cluster.log_text(process).splitlines()[-80:]))
        raise
    finally:
        scenario.chaos.halt()
        scenario.observer.halt()
        cluster.stop()
        kept = ARTIFACTS / f"{backend}-{name}"
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(cluster.logs, kept, dirs_exist_ok=True)
        summary.add(scenario.record(error) | {"logs": str(kept.relative_to(ROOT))})
