"""A whole draw in process, on both databases: registrations → definition → commitments
→ seed envelopes → freeze → reveals → key releases → VDF → result → proof bundle.

The proof bundle is validated against docs/proof-bundle.schema.json (jsonschema) and
rechecked by the independent verifier where it exists (tests/verifier).
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core import commitment
from beacon.core.commitment import SeedStatus
from beacon.core.lifecycle import Phase
from beacon.errors import (
    ConflictError,
    DeadlineError,
    DefinitionError,
    InputError,
    RoleError,
    StateError,
    VerificationError,
)
from beacon.service import bundles
from beacon.service.draws import load
from beacon.store import LogRepository, PulseRepository
from beacon.store.statements import StatementRepository
from tests.conftest import ROOT
from tests.service.deployment import PERIOD, T0, Deployment, definition, open_deployment

SCHEMA = json.loads((ROOT / "docs" / "proof-bundle.schema.json").read_text())


@pytest.fixture
def deployment(tmp_path: Path, database_url: str) -> Deployment:
    d = open_deployment(tmp_path, database_url)
    yield d
    d.runtime.close()


def record(d: Deployment, draw_id: str = "JS-2026-0142-1"):
    with d.runtime.database.read() as session:
        last = PulseRepository(session).last()
        return load(StatementRepository(session), draw_id, pulse_ms=last.time_ms)


def bundle(d: Deployment, draw_id: str = "JS-2026-0142-1"):
    with d.runtime.database.read() as session:
        return bundles.build(
            session,
            draw_id,
            blobs=d.runtime.blobs,
            anchors=d.runtime.trust.anchor_ders(),
            period_ms=PERIOD,
        )


class Ceremony:
    """The parties of one draw, acting in order; each step returns the receipts."""

    def __init__(self, d: Deployment, bidders: int = 3) -> None:
        self.d = d
        self.ledger = d.runtime.ledger
        self.centre = d.actor("centre", "centre")
        self.agent = d.actor("agent", "agent")
        self.supervisor = d.actor("supervisor", "supervisor")
        self.bidders = [d.actor(f"bidder-{i}", "bidder") for i in range(1, bidders + 1)]
        self.seeds: dict[str, bytes] = {}
        self.keys: dict[str, ec.EllipticCurvePrivateKey] = {}
        self.definition = definition()

    def submit(self, signed, payload: bytes | None = None):
        staged = (
            None
            if payload is None
            else self.d.runtime.blobs.stage_bytes(payload, max_bytes=1 << 20)
        )
        return self.ledger.submit(signed, payload=staged)

    def register(self) -> None:
        self.submit(self.centre.register("agent", self.agent.certificate))
        for b in self.bidders:
            self.submit(self.centre.register("bidder", b.certificate))

    def publish(self) -> None:
        self.submit(self.agent.publish(self.definition))
        self.submit(self.centre.countersign(self.definition))

    def commit(self) -> None:
        draw = self.definition.draw_id
        for party in (self.centre, self.agent):
            self.keys[party.role] = ec.generate_private_key(ec.SECP256R1())
            self.submit(party.opening_key(draw, self.keys[party.role]))
            self.seeds[party.role] = party.new_seed()
            self.submit(party.commit(draw, self.seeds[party.role]))

    def seal_seeds(self) -> None:
        from beacon.core.envelope.shares import public_bytes

        draw = self.definition.draw_id
        for i, b in enumerate(self.bidders, 1):
            sealed = b.seal_seed(
                draw,
                agent_key=public_bytes(self.keys["agent"].public_key()),
                centre_key=public_bytes(self.keys["centre"].public_key()),
                envelope_id=f"{draw}-seed-{i}",
            )
            self.seeds[f"bidder-{i}"] = sealed.seed
            self.submit(sealed.statement, sealed.envelope)

    def reveal(self) -> None:
        for party in (self.centre, self.agent):
            self.submit(party.reveal(self.definition.draw_id, self.seeds[party.role]))

    def release(self) -> None:
        for party in (self.centre, self.agent):
            self.submit(party.release(self.definition.draw_id, self.keys[party.role]))


def run_to_result(d: Deployment) -> Ceremony:
    c = Ceremony(d)
    c.register()
    c.publish()
    c.commit()
    c.seal_seeds()
    d.advance_to(T0 + 10 * PERIOD)  # the commit-deadline pulse freezes the draw
    assert record(d).phase is Phase.REVEALING
    c.reveal()
    assert record(d).phase is Phase.OPENING
    c.release()
    assert record(d).phase is Phase.COMPUTING
    worker = d.runtime.worker("w1")
    assert worker.run_once() == c.definition.draw_id
    assert record(d).phase is Phase.DRAWN
    return c


def test_whole_draw_and_proof_bundle(deployment: Deployment):
    d = deployment
    c = run_to_result(d)
    rec = record(d)
    result = rec.one("draw.result").signed.statement.body
    statuses = {e.party.role: e.status for e in result.seeds}
    assert all(e.status is SeedStatus.INCLUDED for e in result.seeds) and len(result.seeds) == 5
    assert set(statuses) == {"centre", "agent", "bidder"}
    included = {e.seed for e in result.seeds}
    assert included == set(
        c.seeds.values()
    )  # the bidders' sealed seeds came out of their envelopes
    k1 = next(p for p in result.picks if p.code == "K1")
    assert k1.values[0] in c.definition.selection("K1").candidates

    with pytest.raises(bundles.NotYetAvailable, match="the next pulse"):
        bundle(d)
    d.advance_to(d.clock.now_ms() - d.clock.now_ms() % PERIOD + PERIOD)
    doc = bundle(d).to_dict()
    jsonschema.validate(doc, SCHEMA)
    from verifier import verify_bundle

    report = verify_bundle(doc)
    assert report.valid, [(ch.name, ch.detail) for ch in report.checks if not ch.ok]
    assert doc["summary"]["state"] == "drawn"
    # Everything happened before the reveal deadline, whose pulse does not exist yet.
    assert {t["name"] for t in doc["time_points"]} == {"commit"}
    assert doc["log"]["pulse"]["pulse"]["timeStamp"] < doc["definition"]["deadlines"]["reveal"]
    assert len(doc["seed_envelopes"]) == 3
    q1 = next(v for v in doc["summary"]["values"] if v["code"] == "Q1")["values"][0]
    assert doc["summary"]["derived"][0]["value"] == str(1 - __import__("decimal").Decimal(q1))


def test_objection_then_confirmation(deployment: Deployment):
    d = deployment
    c = run_to_result(d)
    draw = c.definition.draw_id
    c.submit(c.bidders[0].object(draw, "请核对候选值清单"))
    assert record(d).phase is Phase.DISPUTED
    result = record(d).one("draw.result")
    c.submit(c.supervisor.confirm(draw, result.row.statement_hash))
    assert record(d).phase is Phase.RESOLVED


def test_confirm_waits_for_the_dispute_window(deployment: Deployment):
    d = deployment
    c = run_to_result(d)
    draw = c.definition.draw_id
    result = record(d).one("draw.result")
    with pytest.raises(DeadlineError, match="the dispute window is open until"):
        c.submit(c.supervisor.confirm(draw, result.row.statement_hash))
    d.advance_to(result.row.received_ms + 5 * PERIOD + PERIOD)
    c.submit(c.supervisor.confirm(draw, result.row.statement_hash))
    assert record(d).phase is Phase.CONFIRMED


def _log_size(d: Deployment) -> int:
    with d.runtime.database.read() as session:
        return LogRepository(session).size()


REFUSALS = []


class TestRefusalsWriteNothing:
    """Each refusal names the problem and leaves the log exactly as it was."""

    def refused(self, d: Deployment, action, error, match):
        before = _log_size(d)
        with pytest.raises(error, match=match):
            action()
        assert _log_size(d) == before

    def test_unregistered_and_wrong_role(self, deployment):
        c = Ceremony(deployment)
        self.refused(
            deployment,
            lambda: c.submit(c.agent.publish(c.definition)),
            RoleError,
            "is not registered in tender",
        )
        c.register()
        wrong = deployment.actor("bidder-1", "agent")
        self.refused(
            deployment,
            lambda: c.submit(wrong.publish(c.definition)),
            RoleError,
            "registered as bidder in tender JS-2026-0142, not as agent",
        )
        self.refused(
            deployment,
            lambda: c.submit(c.bidders[0].register("bidder", c.bidders[1].certificate)),
            RoleError,
            "only a centre registers parties, not a bidder",
        )

    def test_replay(self, deployment):
        c = Ceremony(deployment)
        signed = c.centre.register("agent", c.agent.certificate)
        c.submit(signed)
        self.refused(deployment, lambda: c.submit(signed), ConflictError, "replayed statement")

    def test_late_commitment(self, deployment):
        c = Ceremony(deployment)
        c.register()
        c.publish()
        deployment.advance_to(T0 + 10 * PERIOD)
        self.refused(
            deployment,
            lambda: c.submit(c.centre.commit(c.definition.draw_id, bytes(32))),
            DeadlineError,
            r"the commit window closed at 2026-11-26T08:10:00\.000Z",
        )

    def test_reveal_must_match(self, deployment):
        c = Ceremony(deployment)
        c.register()
        c.publish()
        c.commit()
        deployment.advance_to(T0 + 10 * PERIOD)
        self.refused(
            deployment,
            lambda: c.submit(c.agent.reveal(c.definition.draw_id, bytes(32))),
            VerificationError,
            "the revealed seed of agent.* does not match its commitment",
        )

    def test_no_edit_after_publish(self, deployment):
        c = Ceremony(deployment)
        c.register()
        c.publish()
        edited = definition(vdf_t=3000)
        self.refused(
            deployment,
            lambda: c.submit(c.agent.publish(edited)),
            ConflictError,
            "cannot be edited after publication",
        )

    def test_void_only_by_supervisor(self, deployment):
        c = Ceremony(deployment)
        c.register()
        c.publish()
        self.refused(
            deployment,
            lambda: c.submit(c.agent.void(c.definition.draw_id, "x")),
            RoleError,
            "draw.void may be made by supervisor, not by agent",
        )
        c.submit(c.supervisor.void(c.definition.draw_id, "招标文件更正"))
        assert record(deployment).phase is Phase.VOIDED
        redraw = definition(draw_id="JS-2026-0142-2", redraw_of="JS-2026-0142-1")
        c.submit(c.agent.publish(redraw))

    def test_claimed_time_far_from_server_time(self, deployment):
        c = Ceremony(deployment)
        c.centre.now = lambda: T0 - 3600_000
        self.refused(
            deployment,
            lambda: c.submit(c.centre.register("agent", c.agent.certificate)),
            DeadlineError,
            "more than 300 s from server time",
        )

    def test_tampered_signature(self, deployment):
        from beacon.core.statement import SignedStatement

        c = Ceremony(deployment)
        s = c.centre.register("agent", c.agent.certificate)
        bad = SignedStatement(
            s.statement, s.algorithm, s.signature[:-1] + bytes([s.signature[-1] ^ 1]), s.certificate
        )
        self.refused(
            deployment, lambda: c.submit(bad), VerificationError, "signature does not verify"
        )

    def test_seed_envelope_sealed_to_wrong_keys(self, deployment):
        from beacon.core.envelope.shares import public_bytes

        c = Ceremony(deployment)
        c.register()
        c.publish()
        c.commit()
        stranger = ec.generate_private_key(ec.SECP256R1())
        sealed = c.bidders[0].seal_seed(
            c.definition.draw_id,
            agent_key=public_bytes(stranger.public_key()),
            centre_key=public_bytes(c.keys["centre"].public_key()),
            envelope_id="e-x",
        )
        self.refused(
            deployment,
            lambda: c.submit(sealed.statement, sealed.envelope),
            InputError,
            "not sealed to every announced agent opening key",
        )
        blobs = list((deployment.runtime.settings.data_dir / "blobs").rglob("*"))
        assert [p for p in blobs if p.is_file()] == []  # the staged upload is gone too

    def test_beacon_statements_cannot_be_submitted(self, deployment):
        c = Ceremony(deployment)
        c.register()
        c.publish()
        body = {
            "tree_size": 1,
            "root_hash": bytes(32),
            "pulse_chain": 1,
            "pulse_index": 1,
            "commitments": (),
        }
        forged = c.centre.sign("draw.freeze", c.definition.draw_id, body)
        self.refused(
            deployment,
            lambda: c.submit(forged),
            StateError,
            "draw.freeze statements are not accepted from parties",
        )
        as_beacon = c.centre.signer.sign_statement(
            __import__("dataclasses").replace(forged.statement, role="beacon")
        )
        self.refused(
            deployment, lambda: c.submit(as_beacon), RoleError, "made by the service itself"
        )


def test_excluded_seeds_are_attributed(deployment: Deployment):
    """The agent never reveals and never releases: its seed and every bidder seed are excluded."""
    d = deployment
    c = Ceremony(d)
    c.register()
    c.publish()
    c.commit()
    c.seal_seeds()
    d.advance_to(T0 + 10 * PERIOD)
    c.submit(c.centre.reveal(c.definition.draw_id, c.seeds["centre"]))
    with pytest.raises(StateError, match="not allowed in phase revealing"):
        c.submit(c.centre.release(c.definition.draw_id, c.keys["centre"]))
    d.advance_to(T0 + 15 * PERIOD)  # the reveal-deadline pulse opens the opening phase
    c.submit(c.centre.release(c.definition.draw_id, c.keys["centre"]))
    d.advance_to(T0 + 20 * PERIOD)
    assert record(d).phase is Phase.COMPUTING
    assert d.runtime.worker("w").run_once() == c.definition.draw_id
    seeds = record(d).one("draw.result").signed.statement.body.seeds
    assert {(e.party.role, e.status) for e in seeds} == {
        ("centre", SeedStatus.INCLUDED),
        ("agent", SeedStatus.NOT_REVEALED),
        ("bidder", SeedStatus.KEY_NOT_RELEASED),
    }
    assert len(next(e for e in seeds if e.party.role == "centre").seed) == commitment.SEED_BYTES


def test_a_late_result_is_refused_and_the_draw_failed(deployment: Deployment):
    """PROTOCOL.md §6.4, §11.5: once the result-deadline pulse is out without a result the
    draw has failed by the beacon's fault; the worker's result is refused, not logged, so
    the beacon gets no second chance to compute and no choice of the moment."""
    d = deployment
    c = Ceremony(d)
    c.register()
    c.publish()
    c.commit()
    c.seal_seeds()
    d.advance_to(T0 + 10 * PERIOD)
    c.reveal()
    c.release()
    assert record(d).phase is Phase.COMPUTING
    result = c.definition.deadlines.result
    d.advance_to(result - 1)
    assert record(d).phase is Phase.COMPUTING  # the last pulse before the deadline
    # The beacon sat on the draw until the first pulse at or after the deadline is out.
    d.advance_to(result + (-result) % PERIOD)
    assert record(d).phase is Phase.FAILED
    before = _log_size(d)
    worker = d.runtime.worker("w1")
    assert worker.run_once() is None  # nothing to compute in a failed draw
    # A worker that was already computing finishes too late: its result is refused.
    assert worker.claim(c.definition.draw_id)
    with pytest.raises(DeadlineError, match="the result deadline .* has passed"):
        worker.compute(c.definition.draw_id)
    assert _log_size(d) == before
    assert record(d).one("draw.result") is None
    from verifier import verify_bundle

    report = verify_bundle(bundle(d).to_dict())
    assert report.valid, report.lines()
    assert report.values["state"] == "failed"


def test_a_definition_below_the_delay_rule_is_refused(deployment: Deployment):
    """§11.5: T must cover A_max · s · W, W from the commit to the seed-open deadline (here
    1 · 3/s · 600 s = 1800 squarings), and the definition must carry the published s."""
    c = Ceremony(deployment)
    c.register()
    before = _log_size(deployment)
    with pytest.raises(
        DefinitionError,
        match=r"vdf_t: 1799 squarings is below A_max · s · W = 1 · 3/s · 600 s = 1800",
    ):
        definition(vdf_t=1799)
    slower = definition(vdf_t=1000, vdf_rate=1)  # valid on its own: 1 · 1/s · 600 s = 600
    with pytest.raises(
        StateError, match="vdf_rate = 1 is not this deployment's published vdf_rate = 3"
    ):
        c.submit(c.agent.publish(slower))
    assert _log_size(deployment) == before
