"""The two-party bid opening (PROTOCOL.md §9.9) in process, on both databases.

Bids are sealed to the agent's and the centre's per-tender keys; after the closing
pulse each releases its shares of exactly the frozen set in one batch; the worker
opens every bid and logs who is at fault for each one that does not open.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core import envelope as env
from beacon.core.opening import OpeningStatus, ShareEntry
from beacon.core.tender import TenderPhase
from beacon.errors import ConflictError, DeadlineError, InputError, StateError
from beacon.service.tenders import load_tender
from beacon.store import LogRepository
from tests.service.deployment import PERIOD, T0, TENDER, Deployment, open_deployment

BID_DEADLINE = T0 + 10 * PERIOD
RELEASE_DEADLINE = T0 + 20 * PERIOD


@pytest.fixture
def d(tmp_path: Path, database_url: str) -> Deployment:
    deployment = open_deployment(tmp_path, database_url, bidders=4)
    yield deployment
    deployment.runtime.close()


class Opening:
    def __init__(self, d: Deployment) -> None:
        self.d = d
        self.centre = d.actor("centre", "centre")
        self.agent = d.actor("agent", "agent")
        self.bidders = [d.actor(f"bidder-{i}", "bidder") for i in range(1, 5)]
        self.keys = {
            "agent": ec.generate_private_key(ec.SECP256R1()),
            "centre": ec.generate_private_key(ec.SECP256R1()),
        }
        self.plain: dict[str, bytes] = {}
        self.files: dict[str, bytes] = {}

    def submit(self, signed, payload: bytes | None = None):
        staged = (
            None
            if payload is None
            else self.d.runtime.blobs.stage_bytes(payload, max_bytes=1 << 24)
        )
        return self.d.runtime.ledger.submit(signed, payload=staged)

    def prepare(self) -> None:
        self.submit(self.centre.register("agent", self.agent.certificate))
        for b in self.bidders:
            self.submit(self.centre.register("bidder", b.certificate))
        self.submit(
            self.agent.tender_publish(
                "市政道路工程施工", bid_deadline=BID_DEADLINE, release_deadline=RELEASE_DEADLINE
            )
        )
        self.submit(self.agent.tender_opening_key(self.keys["agent"].public_key()))
        self.submit(self.centre.tender_opening_key(self.keys["centre"].public_key()))

    def seal(self, i: int, plaintext: bytes, *, corrupt: bool = False) -> None:
        bidder = self.bidders[i]
        envelope_id = f"{TENDER}-bid-{i + 1}"
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
            random_bytes=self.d.entropy.random_bytes,
        )
        data = out.getvalue()
        if corrupt:  # the bidder's own fault: a payload byte flipped before hashing and signing
            data = data[:-5] + bytes([data[-5] ^ 1]) + data[-4:]
        info_hash = hashlib.sha256(
            len(b"tender-beacon/v1/envelope-hash").to_bytes(4, "big")
            + b"tender-beacon/v1/envelope-hash"
            + data
        ).digest()
        self.plain[envelope_id] = plaintext
        self.files[envelope_id] = data
        self.submit(bidder.submit_bid(envelope_id, info_hash, len(data)), data)

    def shares(self, role: str) -> list[ShareEntry]:
        record = self.record()
        out = []
        for bid in record.frozen_bids():
            body = bid.signed.statement.body
            header = env.parse_header(self.files[body["envelope_id"]])
            out.append(
                ShareEntry(body["envelope_id"], env.unwrap_share(header, role, self.keys[role]))
            )
        return out

    def record(self):
        with self.d.runtime.database.read() as session:
            return load_tender(session, TENDER)


def test_both_release_and_every_bid_opens_or_is_attributed(d: Deployment):
    o = Opening(d)
    o.prepare()
    o.seal(0, b"bid price: 12,345,678.00 CNY\n" * 10)
    o.seal(1, b"")
    o.seal(2, bytes(range(256)) * 300, corrupt=True)  # multi-chunk, and broken by its bidder
    with pytest.raises(StateError, match="shares are released after the bid deadline"):
        o.submit(o.agent.release_shares([]))
    d.advance_to(BID_DEADLINE)
    with pytest.raises(DeadlineError, match="bid submission closed at"):
        o.seal(3, b"late")
    assert o.record().phase is TenderPhase.RELEASING
    agent_shares = o.shares("agent")
    assert len(agent_shares) == 3
    with pytest.raises(StateError, match=r"outside the frozen set: \['JS-2026-0142-bid-9'\]"):
        o.submit(
            o.agent.release_shares([*agent_shares, ShareEntry("JS-2026-0142-bid-9", bytes(16))])
        )
    with pytest.raises(StateError, match=r"missing: \['JS-2026-0142-bid-3'\]"):
        o.submit(o.agent.release_shares(agent_shares[:2]))
    o.submit(o.agent.release_shares(agent_shares))
    with pytest.raises(ConflictError, match="already released"):
        o.submit(o.agent.release_shares(agent_shares))
    o.submit(o.centre.release_shares(o.shares("centre")))
    assert o.record().phase is TenderPhase.OPENING
    assert d.runtime.worker("w").run_once() == TENDER
    record = o.record()
    assert record.phase is TenderPhase.OPENED
    outcomes = {
        e.envelope_id: e
        for e in record.of_kind("tender.opening")[0].signed.statement.body["openings"]
    }
    for envelope_id in ("JS-2026-0142-bid-1", "JS-2026-0142-bid-2"):
        e = outcomes[envelope_id]
        assert (
            e.status is OpeningStatus.OPENED
            and e.plaintext_sha256 == hashlib.sha256(o.plain[envelope_id]).digest()
        )
        assert (
            d.runtime.settings.data_dir / "opened" / TENDER / envelope_id
        ).read_bytes() == o.plain[envelope_id]
    broken = outcomes["JS-2026-0142-bid-3"]
    assert broken.status is OpeningStatus.BIDDER_FAULT and broken.reason == "payload-auth-failed"
    assert not (d.runtime.settings.data_dir / "opened" / TENDER / "JS-2026-0142-bid-3").exists()


def test_a_party_that_does_not_release_is_at_fault(d: Deployment):
    o = Opening(d)
    o.prepare()
    o.seal(0, b"one")
    o.seal(1, b"two")
    d.advance_to(BID_DEADLINE)
    o.submit(o.centre.release_shares(o.shares("centre")))
    assert o.record().phase is TenderPhase.RELEASING
    d.advance_to(RELEASE_DEADLINE)
    with pytest.raises(DeadlineError, match="releasing shares closed at"):
        o.submit(o.agent.release_shares(o.shares("agent")))
    assert d.runtime.worker("w").run_once() == TENDER
    outcomes = o.record().of_kind("tender.opening")[0].signed.statement.body["openings"]
    assert {e.status for e in outcomes} == {OpeningStatus.AGENT_SHARE_MISSING}


def test_neither_party_alone_can_open(d: Deployment):
    o = Opening(d)
    o.prepare()
    o.seal(0, b"secret bid")
    data = o.files[f"{TENDER}-bid-1"]
    header = env.parse_header(data)
    agent_share = env.unwrap_share(header, "agent", o.keys["agent"])
    # Every key the agent holds, and its own share twice, still cannot open the bid.
    with pytest.raises(Exception, match="could not be opened"):
        env.open(io.BytesIO(data), io.BytesIO(), share_agent=agent_share, share_centre=agent_share)
    with pytest.raises(Exception, match="could not be opened"):
        env.unwrap_share(header, "centre", o.keys["agent"])


def test_bid_refusals_leave_nothing(d: Deployment):
    o = Opening(d)
    o.submit(o.centre.register("agent", o.agent.certificate))
    o.submit(o.centre.register("bidder", o.bidders[0].certificate))
    with pytest.raises(StateError, match="no bid deadline has been published"):
        o.seal(0, b"early")
    with pytest.raises(DeadlineError, match="must be at least 60 s after publication"):
        o.submit(o.agent.tender_publish("t", bid_deadline=T0 + 1000, release_deadline=T0 + 2000))
    o.submit(
        o.agent.tender_publish("t", bid_deadline=BID_DEADLINE, release_deadline=RELEASE_DEADLINE)
    )
    with pytest.raises(ConflictError, match="cannot be changed"):
        o.submit(
            o.agent.tender_publish(
                "t", bid_deadline=BID_DEADLINE + 1, release_deadline=RELEASE_DEADLINE
            )
        )
    with pytest.raises(StateError, match="has not announced an opening key yet"):
        o.seal(0, b"no keys yet")
    with d.runtime.database.read() as session:
        size = LogRepository(session).size()
    o.submit(o.agent.tender_opening_key(o.keys["agent"].public_key()))
    o.submit(o.centre.tender_opening_key(o.keys["centre"].public_key()))
    other = ec.generate_private_key(ec.SECP256R1())
    o.keys["centre"] = other  # seal to a key nobody announced
    with pytest.raises(InputError, match="not sealed to every announced centre opening key"):
        o.seal(0, b"wrong key")
    with d.runtime.database.read() as session:
        assert LogRepository(session).size() == size + 2
    blobs = [p for p in (d.runtime.settings.data_dir / "blobs").rglob("*") if p.is_file()]
    assert blobs == []
