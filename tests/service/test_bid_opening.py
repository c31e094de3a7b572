"""The two-party bid opening (PROTOCOL.md §9.9) in process, on both databases.

Bids are sealed to the agent's and the centre's per-tender keys; after the closing
pulse each releases every opening key it announced, in one statement; the worker
unwraps and opens every bid and logs who is at fault for each one that does not
open; the tender bundle lets ``beacon-verify tender`` recompute every share and
header MAC. Each attack of issue 11 item 4 runs here through the real service.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core import envelope as env
from beacon.core.bodies import TenderOpeningBody
from beacon.core.envelope.format import marshal_prefix, read_prefix
from beacon.core.envelope.shares import share_info, wrap
from beacon.core.opening import OpeningEntry, OpeningStatus
from beacon.core.tender import TenderPhase
from beacon.errors import (
    ConflictError,
    DeadlineError,
    EncodingError,
    InputError,
    StateError,
    VerificationError,
)
from beacon.service import tender_bundles
from beacon.service.tenders import load_tender, open_bids
from beacon.store import LogRepository
from tests.service.deployment import PERIOD, T0, TENDER, Deployment, open_deployment
from verifier.tender import verify_tender

BID_DEADLINE = T0 + 10 * PERIOD
RELEASE_DEADLINE = T0 + 20 * PERIOD


@pytest.fixture
def d(tmp_path: Path, database_url: str) -> Deployment:
    deployment = open_deployment(tmp_path, database_url, bidders=4)
    yield deployment
    deployment.runtime.close()


def _bad_stanza(o: Opening, data: bytes) -> bytes:
    """The agent stanza's last byte flipped: it no longer decrypts."""
    prefix = read_prefix(io.BytesIO(data))
    stanzas = [
        dataclasses.replace(
            s, wrapped_share=s.wrapped_share[:-1] + bytes([s.wrapped_share[-1] ^ 1])
        )
        if s.role == "agent"
        else s
        for s in prefix.header.stanzas
    ]
    header = dataclasses.replace(prefix.header, stanzas=tuple(stanzas))
    return marshal_prefix(header, prefix.mac) + data[prefix.size :]


def _bad_mac(o: Opening, data: bytes) -> bytes:
    prefix = read_prefix(io.BytesIO(data))
    mac = prefix.mac[:-1] + bytes([prefix.mac[-1] ^ 1])
    return marshal_prefix(prefix.header, mac) + data[prefix.size :]


def _divergent_backup(o: Opening, data: bytes) -> bytes:
    """The agent's backup stanza wraps another share than its primary one."""
    prefix = read_prefix(io.BytesIO(data))
    h = prefix.header
    backup = o.keys["agent"][1].public_key()
    info = share_info(
        tender_id=h.tender_id,
        envelope_id=h.envelope_id,
        purpose=h.purpose,
        draw_id=h.draw_id,
        bidder=h.bidder,
        role="agent",
    )
    (other,) = wrap(bytes(16), [backup], role="agent", info=info)
    stanzas = tuple(other if s.key_id == other.key_id else s for s in h.stanzas)
    return marshal_prefix(dataclasses.replace(h, stanzas=stanzas), prefix.mac) + data[prefix.size :]


def _bad_payload(o: Opening, data: bytes) -> bytes:
    return data[:-5] + bytes([data[-5] ^ 1]) + data[-4:]


class Opening:
    def __init__(self, d: Deployment, *, backups: bool = False) -> None:
        self.d = d
        self.centre = d.actor("centre", "centre")
        self.agent = d.actor("agent", "agent")
        self.bidders = [d.actor(f"bidder-{i}", "bidder") for i in range(1, 5)]
        n = 2 if backups else 1
        self.keys = {
            role: [ec.generate_private_key(ec.SECP256R1()) for _ in range(n)]
            for role in ("agent", "centre")
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

    def party(self, role: str):
        return self.agent if role == "agent" else self.centre

    def prepare(self) -> None:
        self.submit(self.centre.register("agent", self.agent.certificate))
        for b in self.bidders:
            self.submit(self.centre.register("bidder", b.certificate))
        self.submit(
            self.agent.tender_publish(
                "市政道路工程施工", bid_deadline=BID_DEADLINE, release_deadline=RELEASE_DEADLINE
            )
        )
        for role in ("agent", "centre"):
            for key in self.keys[role]:
                self.submit(self.party(role).tender_opening_key(key))

    def seal(self, i: int, plaintext: bytes, *, tamper: Any = None) -> None:
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
            agent_keys=[k.public_key() for k in self.keys["agent"]],
            centre_keys=[k.public_key() for k in self.keys["centre"]],
            random_bytes=self.d.entropy.random_bytes,
        )
        data = out.getvalue()
        if tamper is not None:  # the bidder's own doing, before it hashes and signs
            data = tamper(self, data)
        digest, size = env.envelope_hash(io.BytesIO(data))
        self.plain[envelope_id] = plaintext
        self.files[envelope_id] = data
        self.submit(bidder.submit_bid(envelope_id, digest, size), data)

    def release(self, role: str, keys: list[ec.EllipticCurvePrivateKey] | None = None):
        return self.submit(self.party(role).release_tender_keys(keys or self.keys[role]))

    def record(self):
        with self.d.runtime.database.read() as session:
            return load_tender(session, TENDER)

    def outcomes(self) -> dict[str, OpeningEntry]:
        (opening,) = self.record().of_kind("tender.opening")
        return {e.envelope_id: e for e in opening.signed.statement.body.openings}

    def log_size(self) -> int:
        with self.d.runtime.database.read() as session:
            return LogRepository(session).size()

    def bundle(self) -> dict[str, Any]:
        """The tender bundle once the next pulse covers everything logged."""
        now = self.d.clock.now_ms()
        self.d.advance_to(now - now % PERIOD + PERIOD)
        with self.d.runtime.database.read() as session:
            return tender_bundles.build(
                session,
                TENDER,
                blobs=self.d.runtime.blobs,
                anchors=self.d.runtime.trust.anchor_ders(),
                period_ms=PERIOD,
            ).to_dict()


def test_both_release_and_every_bid_opens_or_is_attributed(d: Deployment):
    o = Opening(d)
    o.prepare()
    o.seal(0, b"bid price: 12,345,678.00 CNY\n" * 10)
    o.seal(1, b"")
    o.seal(2, bytes(range(256)) * 300, tamper=_bad_payload)  # multi-chunk, broken by its bidder
    with pytest.raises(StateError, match="opening keys are released after the bid deadline"):
        o.release("agent")
    d.advance_to(BID_DEADLINE)
    with pytest.raises(DeadlineError, match="bid submission closed at"):
        o.seal(3, b"late")
    assert o.record().phase is TenderPhase.RELEASING
    o.release("agent")
    with pytest.raises(ConflictError, match="the agent has already released its opening keys"):
        o.release("agent")
    o.release("centre")
    assert o.record().phase is TenderPhase.OPENING
    assert d.runtime.worker("w").run_once() == TENDER
    assert o.record().phase is TenderPhase.OPENED
    outcomes = o.outcomes()
    for envelope_id in ("JS-2026-0142-bid-1", "JS-2026-0142-bid-2"):
        e = outcomes[envelope_id]
        assert (e.status, e.plaintext_sha256) == (
            OpeningStatus.OPENED,
            hashlib.sha256(o.plain[envelope_id]).digest(),
        )
        assert (
            d.runtime.settings.data_dir / "opened" / TENDER / envelope_id
        ).read_bytes() == o.plain[envelope_id]
    broken = outcomes["JS-2026-0142-bid-3"]
    assert (broken.status, broken.reason) == (OpeningStatus.BIDDER_FAULT, "payload-auth-failed")
    assert not (d.runtime.settings.data_dir / "opened" / TENDER / "JS-2026-0142-bid-3").exists()
    report = verify_tender(o.bundle())
    assert report.valid, report.lines()
    assert [(b["envelope_id"], b["status"], b["reason"]) for b in report.values["bids"]] == [
        (e.envelope_id, e.status.value, e.reason) for e in outcomes.values()
    ]
    assert report.values["state"] == "opened"
    assert all("payload not" in b["checked"] for b in report.values["bids"])


def test_a_party_that_releases_nothing_is_at_fault_provably(d: Deployment):
    o = Opening(d)
    o.prepare()
    o.seal(0, b"one")
    o.seal(1, b"two")
    d.advance_to(BID_DEADLINE)
    o.release("centre")
    assert o.record().phase is TenderPhase.RELEASING
    d.advance_to(RELEASE_DEADLINE)
    with pytest.raises(DeadlineError, match="releasing opening keys closed at"):
        o.release("agent")
    assert d.runtime.worker("w").run_once() == TENDER
    assert {e.status for e in o.outcomes().values()} == {OpeningStatus.AGENT_KEY_MISSING}
    report = verify_tender(o.bundle())
    assert report.valid, report.lines()
    assert {(b["status"], b["checked"]) for b in report.values["bids"]} == {
        ("agent-key-missing", "rechecked")
    }
    releases = next(c for c in report.checks if c.name == "releases")
    assert "not released by the deadline, the party's fault: ['agent']" in releases.detail


@pytest.mark.parametrize(
    ("tamper", "reason", "backups"),
    [
        (_bad_stanza, "share-unwrap-failed", False),
        (_bad_mac, "header-mac-mismatch", False),
        (_divergent_backup, "backup-share-mismatch", True),
    ],
    ids=["bad-stanza", "bad-mac", "divergent-backup"],
)
def test_a_bidders_bad_header_is_its_fault_provably(d: Deployment, tamper, reason, backups):
    o = Opening(d, backups=backups)
    o.prepare()
    o.seal(0, b"honest bid")
    o.seal(1, b"sealed wrong", tamper=tamper)
    d.advance_to(BID_DEADLINE)
    o.release("agent")
    o.release("centre")
    d.runtime.worker("w").run_once()
    outcomes = o.outcomes()
    assert outcomes["JS-2026-0142-bid-1"].status is OpeningStatus.OPENED
    bad = outcomes["JS-2026-0142-bid-2"]
    assert (bad.status, bad.reason) == (OpeningStatus.BIDDER_FAULT, reason)
    report = verify_tender(o.bundle())
    assert report.valid, report.lines()
    by_id = {b["envelope_id"]: b for b in report.values["bids"]}
    assert (by_id["JS-2026-0142-bid-2"]["status"], by_id["JS-2026-0142-bid-2"]["reason"]) == (
        "bidder-fault",
        reason,
    )
    assert by_id["JS-2026-0142-bid-2"]["checked"] == "rechecked"


@pytest.mark.parametrize(
    ("keys", "error", "match"),
    [
        (
            lambda o: [ec.generate_private_key(ec.SECP256R1())],
            VerificationError,
            r"released key 0 \(public key 04.*\) is not an opening key the agent announced",
        ),
        (
            lambda o: [o.keys["centre"][0]],
            VerificationError,
            "is not an opening key the agent announced",
        ),
        (
            lambda o: [o.keys["agent"][1]],
            StateError,
            r"must release each of its 2 announced opening key\(s\) exactly once; the release holds 1",
        ),
        (
            lambda o: [o.keys["agent"][0], o.keys["agent"][0]],
            StateError,
            r"exactly once; the release holds 2 \(1 distinct\)",
        ),
    ],
    ids=["foreign-key", "other-roles-key", "backup-only", "primary-twice"],
)
def test_a_release_of_anything_but_every_announced_key_is_refused(
    d: Deployment, keys, error, match
):
    """A wrong key would blame bidders; one key of two would let the party pick the outcome."""
    o = Opening(d, backups=True)
    o.prepare()
    o.seal(0, b"bid")
    d.advance_to(BID_DEADLINE)
    size = o.log_size()
    with pytest.raises(error, match=match):
        o.release("agent", keys(o))
    assert o.log_size() == size
    assert o.record().facts.releases == frozenset()


def test_the_wrong_share_attack_no_longer_exists(d: Deployment):
    """The old attack: a party released a wrong 16-byte share for a chosen bid, and the
    opening blamed the bidder (header-mac-mismatch). No statement carries shares any more,
    and the only release the service takes is the announced keys, which open honest bids."""
    o = Opening(d)
    with pytest.raises(EncodingError, match="unknown statement kind 'tender.share_release'"):
        o.agent.sign("tender.share_release", "", {"shares": ()})
    o.prepare()
    o.seal(0, b"the agent would like this bid gone")
    d.advance_to(BID_DEADLINE)
    o.release("agent")
    o.release("centre")
    d.runtime.worker("w").run_once()
    assert o.outcomes()["JS-2026-0142-bid-1"].status is OpeningStatus.OPENED


@pytest.mark.parametrize(
    ("tamper", "lie", "match"),
    [
        (
            None,
            (OpeningStatus.BIDDER_FAULT, "header-mac-mismatch"),
            r"recorded bidder-fault \(header-mac-mismatch\), but the keys open its header: only a "
            "payload failure can stop it",
        ),
        (
            None,
            (OpeningStatus.CENTRE_KEY_MISSING, "share-missing"),
            r"recorded centre-key-missing \(share-missing\), but the keys open its header",
        ),
        (
            _bad_mac,
            (OpeningStatus.OPENED, ""),
            r"recorded opened \(no reason\), the keys and header prove bidder-fault "
            r"\(header-mac-mismatch\)",
        ),
    ],
    ids=["honest-bid-blamed", "party-blamed", "bad-bid-let-in"],
)
def test_a_beacon_that_signs_a_false_outcome_is_caught(d: Deployment, tamper, lie, match):
    """The beacon itself logs an opening record that contradicts the keys: INVALID."""
    o = Opening(d)
    o.prepare()
    o.seal(0, b"the bid", tamper=tamper)
    d.advance_to(BID_DEADLINE)
    o.release("agent")
    o.release("centre")
    record = o.record()
    (true,) = open_bids(record, d.runtime.blobs, d.runtime.settings.data_dir / "opened")
    digest = hashlib.sha256(b"the bid").digest() if lie[0] is OpeningStatus.OPENED else b""
    false = dataclasses.replace(true, status=lie[0], reason=lie[1], plaintext_sha256=digest)
    assert false != true
    with d.runtime.database.write() as session:
        head = LogRepository(session).tree_head(record.closing_size)
        d.runtime.ledger.issue(
            session,
            kind="tender.opening",
            tender_id=TENDER,
            subject="",
            body=TenderOpeningBody(
                tree_size=head.tree_size,
                root_hash=head.root_hash,
                releases=tuple(s.leaf_index for s in record.of_kind("tender.key_release")),
                openings=(false,),
            ),
            now=d.clock.now_ms(),
        )
    report = verify_tender(o.bundle())
    assert report.failed() == ["opening"]
    (opening,) = [c for c in report.checks if c.name == "opening"]
    assert re.search(match, opening.detail), opening.detail


def test_neither_party_alone_can_open(d: Deployment):
    o = Opening(d)
    o.prepare()
    o.seal(0, b"secret bid")
    data = o.files[f"{TENDER}-bid-1"]
    header = env.parse_header(data)
    agent_share = env.unwrap_share(header, "agent", o.keys["agent"][0])
    # Every key the agent holds, and its own share twice, still cannot open the bid.
    with pytest.raises(Exception, match="could not be opened"):
        env.open(io.BytesIO(data), io.BytesIO(), share_agent=agent_share, share_centre=agent_share)
    with pytest.raises(Exception, match="could not be opened"):
        env.unwrap_share(header, "centre", o.keys["agent"][0])


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
    size = o.log_size()
    o.submit(o.agent.tender_opening_key(o.keys["agent"][0]))
    o.submit(o.centre.tender_opening_key(o.keys["centre"][0]))
    o.keys["centre"] = [ec.generate_private_key(ec.SECP256R1())]  # seal to a key nobody announced
    with pytest.raises(InputError, match="not sealed to every announced centre opening key"):
        o.seal(0, b"wrong key")
    assert o.log_size() == size + 2
    blobs = [p for p in (d.runtime.settings.data_dir / "blobs").rglob("*") if p.is_file()]
    assert blobs == []
