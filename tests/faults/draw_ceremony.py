"""The draw ceremony the fault scenarios run, and how its outcome is checked.

commit → seal → freeze → reveal → release → VDF → result → confirm, each step by
the party whose role it is, through :meth:`Scenario.submit` (HTTP, retrying the
same signed bytes). The checks: the result equals an uninterrupted computation
(:func:`beacon.core.draw.compute` in the test process, over inputs each checked
against what the parties sent and what the log holds: the definition, the seeds,
the freeze tree head), y, π, R and the picks; the worker resumed the VDF from a
stored checkpoint; the proof bundle validates against
docs/proof-bundle.schema.json and, when the independent verifier is installed,
passes ``beacon-verify draw``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema
from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core import draw, vdf
from beacon.core.commitment import Party, SeedEntry, SeedStatus
from beacon.core.definition import DrawDefinition, parse_authoring
from beacon.core.draw import order_seeds
from beacon.core.envelope.shares import public_bytes
from beacon.core.statement import SignedStatement
from beacon.core.timefmt import format_ms, parse_ms
from beacon.party import Actor, SealedSeed
from tests.conftest import ROOT
from tests.faults import invariants
from tests.faults.processes import VDF_ADVANTAGE, VDF_RATE
from tests.faults.scenario import Scenario, now_ms

SCHEMA = json.loads((ROOT / "docs" / "proof-bundle.schema.json").read_text())
TENDER = "FAULT-DRAW"
DRAW_ID = "FAULT-DRAW-K"
BIDDERS = 4
SEALING_BIDDERS = 3  # the last bidder is registered but seals no seed (the outage test uses it)
PATH = f"/api/v1/draws/{DRAW_ID}"
# A few million squarings: seconds of work on this machine, so the worker dies mid-VDF.
VDF_T = int(os.environ.get("BEACON_FAULTS_VDF_T", "3000000"))
COMMIT_S, REVEAL_S, SEED_OPEN_S, DISPUTE_MS = 25, 30, 30, 2000
PHASE_TIMEOUT = 90.0


def state_in(*states: str) -> Any:
    return lambda doc: doc["state"] in states


def the_definition(start_ms: int) -> DrawDefinition:
    commit = start_ms + COMMIT_S * 1000
    return parse_authoring(
        {
            "draw_id": DRAW_ID,
            "tender_id": TENDER,
            "title": "fault injection: coefficient draw",
            "selections": [
                {"code": "K", "label": "K", "candidates": ["0.95", "0.96", "0.97", "0.98"]},
                {
                    "code": "Q1",
                    "label": "Q1",
                    "range": {"from": "0.65", "to": "0.85", "step": "0.05"},
                },
            ],
            "derived": [{"code": "Q2", "label": "Q2", "formula": "1 - Q1"}],
            "deadlines": {
                "commit": format_ms(commit),
                "reveal": format_ms(commit + REVEAL_S * 1000),
                "seed_open": format_ms(commit + (REVEAL_S + SEED_OPEN_S) * 1000),
            },
            "dispute_window_ms": DISPUTE_MS,
            "vdf_t": VDF_T,
            "vdf_rate": VDF_RATE,
            "vdf_advantage": VDF_ADVANTAGE,
        }
    )


class DrawParties:
    """The centre, the agent, the supervisor and the bidders, and the secrets they keep."""

    def __init__(self, sc: Scenario) -> None:
        self.sc = sc
        self.centre = sc.actor("centre", "centre", TENDER)
        self.agent = sc.actor("agent", "agent", TENDER)
        self.supervisor = sc.actor("supervisor", "supervisor", TENDER)
        self.bidders = [sc.actor(f"bidder-{i}", "bidder", TENDER) for i in range(1, BIDDERS + 1)]
        self.keys: dict[str, ec.EllipticCurvePrivateKey] = {}
        self.seeds: dict[Party, bytes] = {}
        self.definition: DrawDefinition | None = None

    @property
    def operators(self) -> tuple[Actor, Actor]:
        return self.centre, self.agent

    def prepare(self, *, kill_web: bool = False) -> None:
        """Registrations, the definition, commitments and sealed seeds; until the freeze.

        ``kill_web``: have the chaos kill the web process between the commitments and
        the sealed seeds, so that submissions meet a dead process and are retried.
        """
        c, sc = self.sc.courier, self.sc
        sc.submit(self.centre.register("agent", self.agent.certificate))
        for b in self.bidders:
            sc.submit(self.centre.register("bidder", b.certificate))
        start = now_ms()
        self.definition = the_definition(start - start % 1000)
        sc.submit(self.agent.publish(self.definition))
        sc.submit(self.centre.countersign(self.definition))
        for party in self.operators:
            self.keys[party.role] = ec.generate_private_key(ec.SECP256R1())
            sc.submit(party.opening_key(DRAW_ID, self.keys[party.role]))
            seed = party.new_seed()
            self.seeds[party.party] = seed
            sc.submit(party.commit(DRAW_ID, seed))
        if kill_web:
            sc.chaos.request("web", "mid-submissions")
        for b in self.bidders[:SEALING_BIDDERS]:
            sealed = self.sealed_seed(b)
            self.seeds[b.party] = sealed.seed
            sc.submit(sealed.statement, sealed.envelope)
        c.wait_for(PATH, state_in("revealing"), timeout=PHASE_TIMEOUT, what="the freeze")

    def sealed_seed(self, bidder: Actor) -> SealedSeed:
        return bidder.seal_seed(
            DRAW_ID,
            agent_key=public_bytes(self.keys["agent"].public_key()),
            centre_key=public_bytes(self.keys["centre"].public_key()),
            envelope_id=f"{DRAW_ID}-seed-{bidder.fingerprint.hex()[:12]}",
        )

    def reveal(self, *, already: tuple[str, ...] = ()) -> None:
        """The centre's and the agent's reveals (but the roles ``already`` revealed)."""
        for party in self.operators:
            if party.role not in already:
                self.sc.submit(party.reveal(DRAW_ID, self.seeds[party.party]))
        self.sc.courier.wait_for(
            PATH, state_in("opening"), timeout=PHASE_TIMEOUT, what="the reveals"
        )

    def release(self) -> None:
        for party in self.operators:
            self.sc.submit(party.release(DRAW_ID, self.keys[party.role]))

    def await_result(self) -> dict[str, Any]:
        drawn: dict[str, Any] = self.sc.courier.wait_for(
            PATH, state_in("drawn"), timeout=4 * PHASE_TIMEOUT, what="the result"
        )
        return drawn

    def confirm(self, drawn: dict[str, Any]) -> None:
        c = self.sc.courier
        # PROTOCOL.md §13.2: the window runs from the first pulse that records the result,
        # and "after the dispute window" means once the pulse at its end is out.
        recorded = c.wait_for(
            PATH,
            lambda doc: doc["dispute_end"] is not None,
            timeout=PHASE_TIMEOUT,
            what="the pulse that records the result",
        )
        dispute_end = parse_ms(recorded["dispute_end"])
        c.wait_for(
            "/beacon/2.0/pulse/last",
            lambda doc: parse_ms(doc["pulse"]["timeStamp"]) >= dispute_end,
            timeout=PHASE_TIMEOUT,
            what="the pulse that closes the dispute window",
        )
        result = next(s for s in drawn["statements"] if s["kind"] == "draw.result")
        self.sc.submit(self.supervisor.confirm(DRAW_ID, bytes.fromhex(result["hash"])))
        c.wait_for(PATH, state_in("confirmed"), timeout=PHASE_TIMEOUT, what="the confirmation")

    def vdf_progress(self) -> tuple[str, int, int]:
        """The draw's phase and the VDF's progress as the board shows it (done, T)."""
        doc = self.sc.courier.get(PATH)
        v = doc["vdf"] or {"done": 0, "t": VDF_T}
        return doc["state"], int(v["done"]), int(v["t"])

    def kill_worker_mid_vdf(self) -> None:
        """Once the VDF is a seeded fraction done, kill the worker (and let the chaos go on)."""
        sc = self.sc
        fraction = sc.rng.uniform(0.15, 0.6)
        sc.facts["mid_vdf_kill_at_fraction"] = round(fraction, 3)
        done = self.wait_for_vdf(fraction)
        sc.facts["mid_vdf_progress"] = done
        sc.chaos.request("worker", "mid-vdf")
        while not sc.chaos.killed_for("mid-vdf"):
            sc.check()
            time.sleep(0.05)

    def wait_for_vdf(self, fraction: float) -> int:
        """Wait until the VDF is ``fraction`` done (not finished); return its progress."""
        deadline = time.monotonic() + 4 * PHASE_TIMEOUT
        while time.monotonic() < deadline:
            self.sc.check()
            state, done, t = self.vdf_progress()
            assert state in ("opening", "computing"), (
                f"the draw reached {state} before the VDF was {fraction:.0%} done; "
                f"raise BEACON_FAULTS_VDF_T (now {VDF_T})"
            )
            if done >= fraction * t:
                return done
            time.sleep(0.1)
        raise AssertionError(f"the VDF was not {fraction:.0%} done in {4 * PHASE_TIMEOUT} s")


def recorded_result(sc: Scenario) -> tuple[dict[str, Any], dict[str, Any]]:
    doc = sc.courier.get(f"/api/v1/draws/{DRAW_ID}")
    by_kind = {s["kind"]: s for s in doc["statements"]}
    result = sc.courier.get(f"/api/v1/statements/{by_kind['draw.result']['hash']}")
    signed = SignedStatement.from_dict(result["signed_statement"])
    freeze = sc.courier.get(f"/api/v1/statements/{by_kind['draw.freeze']['hash']}")
    return dict(vars(signed.statement.body)), dict(
        vars(SignedStatement.from_dict(freeze["signed_statement"]).statement.body)
    )


def check_result(sc: Scenario, parties: DrawParties) -> None:
    """The draw's result is the uninterrupted computation over what the parties sent."""
    assert parties.definition is not None
    body, freeze = recorded_result(sc)
    served = DrawDefinition.from_dict(sc.courier.get(f"/api/v1/draws/{DRAW_ID}")["definition"])
    assert served.encode() == parties.definition.encode(), (
        "the served definition is not the signed one"
    )
    assert body["definition_hash"] == parties.definition.hash()
    # The freeze tree head: the result's, the freeze statement's and the log's are one.
    size, root = body["freeze_tree_size"], body["freeze_root_hash"]
    assert (size, root) == (freeze["tree_size"], freeze["root_hash"])
    final = invariants.final_head(sc.courier)
    invariants.check_consistent(sc.courier, size, root, final)
    # Every party's seed is included, and it is the seed that party made.
    expected = order_seeds(
        [SeedEntry(party, SeedStatus.INCLUDED, seed) for party, seed in parties.seeds.items()]
    )
    assert list(body["seeds"]) == expected, f"seed entries differ: {body['seeds']}"
    assert body["snapshot_hash"] == b"" and body["vdf_t"] == VDF_T
    started = time.monotonic()
    outcome = draw.compute(
        parties.definition, tree_size=size, root_hash=root, seeds=expected, snapshot_ids=None
    )
    sc.facts["recompute_s"] = round(time.monotonic() - started, 1)
    assert body["combined_seed"] == outcome.combined_seed
    assert body["y"] == vdf.encode_element(outcome.proof.y), "y differs from an uninterrupted run"
    assert body["pi"] == vdf.encode_element(outcome.proof.pi, identity_ok=True), "π differs"
    assert body["output"] == outcome.output, "R differs from an uninterrupted run"
    assert tuple(body["picks"]) == outcome.picks, "the picks differ from an uninterrupted run"
    sc.facts["picks"] = {p.code: list(p.values) for p in outcome.picks}
    sc.invariants["result_equals_uninterrupted_run"] = 1


def check_resumed(sc: Scenario, attempts: dict[str, int]) -> None:
    """The worker killed mid-VDF was taken over and resumed from stored checkpoints."""
    log = sc.cluster.log_text("worker")
    resumes = [
        int(i)
        for i in re.findall(rf"draw {DRAW_ID}: resuming the VDF from iteration (\d+) of", log)
    ]
    assert any(resumes), f"no worker resumed the VDF from a stored checkpoint past x: {resumes}"
    assert attempts.get(DRAW_ID, 0) > 1, f"vdf_jobs.attempts is {attempts.get(DRAW_ID)}"
    sc.facts["vdf_resumed_from_iterations"] = resumes
    sc.facts["vdf_attempts"] = attempts[DRAW_ID]
    sc.invariants["vdf_resumed_from_checkpoint"] = len(resumes)


def check_bundle(sc: Scenario, tmp_path: Path) -> None:
    bundle = sc.courier.get(f"/api/v1/draws/{DRAW_ID}/proof")
    jsonschema.validate(bundle, SCHEMA)
    sc.invariants["bundle_schema_valid"] = 1
    if importlib.util.find_spec("verifier.cli") is None:
        sc.facts["bundle_verifier"] = "not on this branch: schema only"
        return
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(bundle))
    verify = Path(sys.executable).parent / "beacon-verify"
    run = subprocess.run(
        [str(verify), "draw", str(path), "--anchors", str(sc.ca_dir / "ca.pem")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, f"beacon-verify draw: {run.stdout}\n{run.stderr}"
    sc.facts["bundle_verifier"] = "beacon-verify draw: valid"
    sc.invariants["bundle_verified_independently"] = 1
