"""A 50-bid opening while web, pulser and worker are killed with SIGKILL and restarted.

Fifty registered bidders (``beacon ca init --bidders 50``) each submit one sealed
bid envelope over HTTP before the bid deadline; after the closing pulse the agent
and the centre each release their per-tender opening key; the worker opens every
bid (PROTOCOL.md §9.9). Besides the
invariants every scenario checks, every bid must be opened and its plaintext
SHA-256 and size must be what its bidder sealed, in the opening record and in the
service's private ``opened/`` folder.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core import envelope as env
from beacon.core.logentry import statement_of
from beacon.core.statement import SignedStatement
from beacon.party import Actor
from tests.faults import invariants
from tests.faults.scenario import Scenario, fault_scenario, now_ms
from tests.faults.summary import Summary

pytestmark = [pytest.mark.faults, pytest.mark.slow]

TENDER = "FAULT-BIDS"
BIDDERS = 50
MIN_KILLS = 13  # two scenarios per backend: at least 26 kills on each
BID_WINDOW_S, RELEASE_WINDOW_S = 40, 60
MAX_BID_BYTES = 200_000  # some bids span several 64 KiB payload chunks (§9.5)
PHASE_TIMEOUT = 120.0


class Opening:
    """The agent, the centre and fifty bidders; what each sealed."""

    def __init__(self, sc: Scenario) -> None:
        self.sc = sc
        self.centre = sc.actor("centre", "centre", TENDER)
        self.agent = sc.actor("agent", "agent", TENDER)
        self.bidders = [sc.actor(f"bidder-{i}", "bidder", TENDER) for i in range(1, BIDDERS + 1)]
        self.keys = {role: ec.generate_private_key(ec.SECP256R1()) for role in ("agent", "centre")}
        self.plaintexts: dict[str, bytes] = {}
        self.sealers: dict[str, bytes] = {}

    def run(self) -> None:
        c = self.sc.courier
        self.sc.submit(self.centre.register("agent", self.agent.certificate))
        for b in self.bidders:
            self.sc.submit(self.centre.register("bidder", b.certificate))
        bids = [self.seal(i, b) for i, b in enumerate(self.bidders, 1)]
        start = now_ms()
        bid_deadline = start - start % 1000 + BID_WINDOW_S * 1000
        self.sc.submit(
            self.agent.tender_publish(
                "fault injection: fifty bids",
                bid_deadline=bid_deadline,
                release_deadline=bid_deadline + RELEASE_WINDOW_S * 1000,
            )
        )
        for party in (self.agent, self.centre):
            self.sc.submit(party.tender_opening_key(self.keys[party.role]))
        # Kill the web once in the middle of the bids, so that submissions meet a dead process.
        kill_at = self.sc.rng.randrange(5, BIDDERS - 5)
        for i, (signed, data) in enumerate(bids):
            if i == kill_at:
                self.sc.chaos.request("web", "mid-submissions")
            self.sc.submit(signed, data)
        # The margin left before the deadline, for whoever tunes BID_WINDOW_S.
        self.sc.facts["bid_deadline_margin_s"] = round((bid_deadline - now_ms()) / 1000, 1)
        path = f"/api/v1/tenders/{TENDER}"
        c.wait_for(
            path,
            lambda t: t["phase"] == "releasing",
            timeout=PHASE_TIMEOUT,
            what="the closing pulse",
        )
        self.check_frozen()
        for party in (self.agent, self.centre):
            self.sc.submit(party.release_tender_keys([self.keys[party.role]]))
        # Both released: the worker starts opening now; kill it while it works.
        self.sc.chaos.request("worker", "mid-opening")
        c.wait_for(
            path, lambda t: t["phase"] == "opened", timeout=PHASE_TIMEOUT, what="the opening"
        )

    def seal(self, i: int, bidder: Actor) -> tuple[SignedStatement, bytes]:
        envelope_id = f"{TENDER}-bid-{i:02d}"
        plaintext = self.sc.rng.randbytes(self.sc.rng.randrange(MAX_BID_BYTES))
        out = io.BytesIO()
        env.seal(
            io.BytesIO(plaintext),
            out,
            tender_id=TENDER,
            envelope_id=envelope_id,
            purpose="bid",
            draw_id="",
            bidder_fingerprint=bidder.fingerprint,
            agent_keys=[self.keys["agent"].public_key()],
            centre_keys=[self.keys["centre"].public_key()],
            random_bytes=secrets.token_bytes,
        )
        data = out.getvalue()
        digest, size = env.envelope_hash(io.BytesIO(data))
        self.plaintexts[envelope_id] = plaintext
        self.sealers[envelope_id] = bidder.fingerprint
        return bidder.submit_bid(envelope_id, digest, size), data

    def check_frozen(self) -> None:
        """The served headers are exactly the sealed bids: every one of them is frozen."""
        served = self.sc.courier.get(f"/api/v1/tenders/{TENDER}/headers")["envelopes"]
        assert sorted(h["envelope_id"] for h in served) == sorted(self.plaintexts), "frozen set"


def check_opening(sc: Scenario, o: Opening) -> None:
    """Every bid opened, to exactly what its bidder sealed; the record's tree head is the log's."""
    tender = sc.courier.get(f"/api/v1/tenders/{TENDER}")
    assert tender["phase"] == "opened"
    assert all(b["frozen"] for b in tender["bids"]) and len(tender["bids"]) == BIDDERS
    outcomes = {e["envelope_id"]: e for e in tender["opening"]}
    assert sorted(outcomes) == sorted(o.plaintexts)
    folder = sc.settings.data_dir / "opened" / TENDER
    for envelope_id, plaintext in o.plaintexts.items():
        e = outcomes[envelope_id]
        digest = hashlib.sha256(plaintext).hexdigest()
        assert (e["status"], e["plaintext_sha256"], e["size"]) == (
            "opened",
            digest,
            len(plaintext),
        ), e
        assert e["bidder"] == o.sealers[envelope_id].hex()
        assert hashlib.sha256((folder / envelope_id).read_bytes()).hexdigest() == digest
    sc.invariants["bids_opened_as_sealed"] = len(o.plaintexts)
    record = opening_record(sc)
    final = invariants.final_head(sc.courier)
    invariants.check_consistent(sc.courier, record["tree_size"], record["root_hash"], final)
    sc.facts["opening_tree_size"] = record["tree_size"]
    sc.facts["bid_bytes"] = sum(len(p) for p in o.plaintexts.values())


def opening_record(sc: Scenario) -> dict[str, Any]:
    """The body of the one ``tender.opening`` statement, found in the log."""
    size = invariants.final_head(sc.courier).tree_size
    found = [
        statement_of(e).statement
        for e in invariants.log_entries(sc.courier, size)
        if statement_of(e).statement.kind == "tender.opening"
    ]
    assert len(found) == 1, f"{len(found)} opening records"
    return dict(vars(found[0].body))


def test_a_bid_opening_survives_kill_9_of_every_process(
    tmp_path: Path, database_url: str, fault_summary: Summary
) -> None:
    with fault_scenario(
        "bid-opening",
        tmp_path=tmp_path,
        database_url=database_url,
        summary=fault_summary,
        bidders=BIDDERS,
        min_kills=MIN_KILLS,
    ) as sc:
        opening = Opening(sc)
        opening.run()
        sc.settle()
        check_opening(sc, opening)
