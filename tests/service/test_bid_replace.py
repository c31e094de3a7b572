"""Replacing and withdrawing a bid before the bid deadline (PROTOCOL.md §9.9 step 3a), both databases.

投标截止时间前，投标人可以修改或撤回已提交的投标文件: a bidder signs an
``envelope.replace`` (with the new envelope's bytes) or an ``envelope.withdraw`` of its
standing bid; only the standing bids are frozen and opened; replaced and withdrawn
envelopes stay in the log, are not opened and are nobody's fault; the tender bundle
carries the whole history and ``beacon-verify tender`` replays it. Every refusal leaves
no leaf, no envelope row and no blob behind.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from beacon.core import envelope as env
from beacon.core.envelope.shares import public_bytes
from beacon.core.opening import OpeningStatus
from beacon.core.tender import BidState
from beacon.errors import (
    ConflictError,
    DeadlineError,
    InputError,
    RoleError,
    VerificationError,
)
from beacon.store.draw_tables import EnvelopeRow
from tests.service.deployment import TENDER, Deployment, open_deployment
from tests.service.test_bid_opening import BID_DEADLINE, Opening
from tests.service.test_draw_flow import Ceremony
from verifier.tender import verify_tender


@pytest.fixture
def d(tmp_path: Path, database_url: str) -> Iterator[Deployment]:
    deployment = open_deployment(tmp_path, database_url, bidders=4)
    yield deployment
    deployment.runtime.close()


@dataclass
class Sealed:
    envelope_id: str
    plaintext: bytes
    data: bytes

    @property
    def digest(self) -> bytes:
        return env.envelope_hash(io.BytesIO(self.data))[0]


class Bids(Opening):
    """The bid opening of test_bid_opening, with envelopes sealed under any id."""

    def sealed(
        self,
        i: int,
        envelope_id: str,
        plaintext: bytes,
        *,
        tender_id: str = TENDER,
        bidder: int | None = None,
        centre_keys: list[ec.EllipticCurvePrivateKey] | None = None,
    ) -> Sealed:
        out = io.BytesIO()
        env.seal(
            io.BytesIO(plaintext),
            out,
            tender_id=tender_id,
            envelope_id=envelope_id,
            purpose="bid",
            draw_id="",
            bidder_fingerprint=self.bidders[i if bidder is None else bidder].fingerprint,
            agent_keys=[k.public_key() for k in self.keys["agent"]],
            centre_keys=[k.public_key() for k in centre_keys or self.keys["centre"]],
            random_bytes=self.d.entropy.random_bytes,
        )
        return Sealed(envelope_id, plaintext, out.getvalue())

    def submit_new(self, i: int, envelope_id: str, plaintext: bytes) -> Sealed:
        s = self.sealed(i, envelope_id, plaintext)
        self.submit(self.bidders[i].submit_bid(envelope_id, s.digest, len(s.data)), s.data)
        return s

    def replace(self, i: int, old: str, envelope_id: str, plaintext: bytes) -> Sealed:
        s = self.sealed(i, envelope_id, plaintext)
        self.submit(self.bidders[i].replace_bid(old, envelope_id, s.digest, len(s.data)), s.data)
        return s

    def withdraw(self, i: int, envelope_id: str) -> Any:
        return self.submit(self.bidders[i].withdraw_bid(envelope_id))

    def open(self) -> None:
        self.d.advance_to(BID_DEADLINE)
        self.release("agent")
        self.release("centre")
        assert self.d.runtime.worker("w").run_once() == TENDER

    def trace(self) -> tuple[int, int, list[Path]]:
        """Leaves, envelope rows and stored blobs: what a refusal must not add to."""
        with self.d.runtime.database.read() as session:
            rows = session.scalar(select(func.count()).select_from(EnvelopeRow)) or 0
        blobs = [p for p in (self.d.runtime.settings.data_dir / "blobs").rglob("*") if p.is_file()]
        return self.log_size(), rows, sorted(blobs)


def _opened(o: Bids, s: Sealed) -> tuple[OpeningStatus, bytes]:
    e = o.outcomes()[s.envelope_id]
    return e.status, e.plaintext_sha256


def test_a_replaced_bid_is_not_opened_and_its_replacement_is(d: Deployment):
    o = Bids(d)
    o.prepare()
    first = o.submit_new(0, "B1-v1", b"bid price: 12,345,678.00 CNY")
    other = o.submit_new(1, "B2-v1", b"another bidder's bid")
    second = o.replace(0, "B1-v1", "B1-v2", b"bid price: 11,900,000.00 CNY")
    third = o.replace(0, "B1-v2", "B1-v3", b"bid price: 11,850,000.00 CNY, final")
    o.open()
    outcomes = o.outcomes()
    # §9.9 step 4: only the standing bids, in the log order of the statements that brought them.
    assert list(outcomes) == ["B2-v1", "B1-v3"]
    for s in (other, third):
        assert _opened(o, s) == (OpeningStatus.OPENED, hashlib.sha256(s.plaintext).digest())
    opened_dir = d.runtime.settings.data_dir / "opened" / TENDER
    assert sorted(p.name for p in opened_dir.iterdir()) == ["B1-v3", "B2-v1"]
    bids = o.record().facts.bids
    assert [(b.envelope_id, b.state, b.replaced_by) for b in bids.values()] == [
        ("B1-v1", BidState.REPLACED, "B1-v2"),
        ("B2-v1", BidState.STANDING, ""),
        ("B1-v2", BidState.REPLACED, "B1-v3"),
        ("B1-v3", BidState.STANDING, ""),
    ]
    # The history stays: the first two envelopes are still in the blob store, unopened.
    for s in (first, second):
        with d.runtime.blobs.open(s.digest) as f:
            assert f.read() == s.data
    report = verify_tender(o.bundle())
    assert report.valid, report.lines()
    assert [(b["envelope_id"], b["status"]) for b in report.values["bids"]] == [
        ("B2-v1", "opened"),
        ("B1-v3", "opened"),
    ]
    assert report.values["superseded"] == [
        {
            "envelope_id": "B1-v1",
            "bidder": o.bidders[0].fingerprint.hex(),
            "state": "replaced by B1-v2",
        },
        {
            "envelope_id": "B1-v2",
            "bidder": o.bidders[0].fingerprint.hex(),
            "state": "replaced by B1-v3",
        },
    ]
    (bids_check,) = [c for c in report.checks if c.name == "bids"]
    assert "2 bid(s) (2 replaced and 0 withdrawn envelope(s) not counted)" in bids_check.detail


def test_a_withdrawn_bid_is_not_opened_nor_a_fault_and_the_bidder_may_bid_again(d: Deployment):
    o = Bids(d)
    o.prepare()
    o.submit_new(0, "B1-v1", b"first bid")
    gone = o.submit_new(1, "B2-v1", b"withdrawn bid")
    o.withdraw(1, "B2-v1")
    o.submit_new(2, "B3-v1", b"third bidder")
    o.withdraw(2, "B3-v1")
    again = o.submit_new(2, "B3-v2", b"third bidder, submitted again after withdrawing")
    o.open()
    outcomes = o.outcomes()
    assert list(outcomes) == ["B1-v1", "B3-v2"]
    assert {e.status for e in outcomes.values()} == {OpeningStatus.OPENED}
    assert _opened(o, again)[1] == hashlib.sha256(again.plaintext).digest()
    assert not (d.runtime.settings.data_dir / "opened" / TENDER / gone.envelope_id).exists()
    assert o.record().facts.bidders == {
        o.bidders[0].fingerprint: "B1-v1",
        o.bidders[2].fingerprint: "B3-v2",
    }
    report = verify_tender(o.bundle())
    assert report.valid, report.lines()
    assert [b["envelope_id"] for b in report.values["bids"]] == ["B1-v1", "B3-v2"]
    assert [(s["envelope_id"], s["state"]) for s in report.values["superseded"]] == [
        ("B2-v1", "withdrawn"),
        ("B3-v1", "withdrawn"),
    ]


def test_withdrawing_every_bid_opens_nothing(d: Deployment):
    o = Bids(d)
    o.prepare()
    o.submit_new(0, "B1-v1", b"only bid")
    o.withdraw(0, "B1-v1")
    o.open()
    assert o.outcomes() == {}
    report = verify_tender(o.bundle())
    assert report.valid, report.lines()
    assert report.values["bids"] == [] and report.values["state"] == "opened"


def _setup(o: Bids) -> None:
    """Bidder 0 has B1-v2 standing (B1-v1 replaced); bidder 1 has B2-v1 standing; bidder 2
    withdrew B3-v1."""
    o.prepare()
    o.submit_new(0, "B1-v1", b"v1")
    o.replace(0, "B1-v1", "B1-v2", b"v2")
    o.submit_new(1, "B2-v1", b"bidder 2")
    o.submit_new(2, "B3-v1", b"bidder 3")
    o.withdraw(2, "B3-v1")


def _replace(i: int, old: str, new: str = "NEW", **seal: Any) -> Callable[[Bids], None]:
    def send(o: Bids) -> None:
        s = o.sealed(i, new, b"replacement", **seal)
        o.submit(o.bidders[i].replace_bid(old, new, s.digest, len(s.data)), s.data)

    return send


def _withdraw(i: int, envelope_id: str) -> Callable[[Bids], None]:
    return lambda o: o.withdraw(i, envelope_id)


def _late_replace(o: Bids) -> None:
    o.d.advance_to(BID_DEADLINE)
    _replace(0, "B1-v2")(o)


def _late_withdraw(o: Bids) -> None:
    o.d.advance_to(BID_DEADLINE)
    o.withdraw(1, "B2-v1")


def _hash_mismatch(o: Bids) -> None:
    s = o.sealed(0, "NEW", b"replacement")
    o.submit(o.bidders[0].replace_bid("B1-v2", "NEW", bytes(32), len(s.data)), s.data)


def _without_bytes(o: Bids) -> None:
    s = o.sealed(0, "NEW", b"replacement")
    o.submit(o.bidders[0].replace_bid("B1-v2", "NEW", s.digest, len(s.data)))


def _withdraw_with_bytes(o: Bids) -> None:
    o.submit(o.bidders[1].withdraw_bid("B2-v1"), b"bytes nobody asked for")


def _reused_id(o: Bids) -> None:
    _replace(0, "B1-v2", new="B2-v1")(o)


def _second_submission(o: Bids) -> None:
    s = o.sealed(0, "NEW", b"a second bid beside the standing one")
    o.submit(o.bidders[0].submit_bid("NEW", s.digest, len(s.data)), s.data)


def _with_a_draw_subject(o: Bids) -> None:
    o.submit(o.bidders[1].sign("envelope.withdraw", "JS-2026-0142-1", {"envelope_id": "B2-v1"}))


def _by_the_agent(o: Bids) -> None:
    o.submit(o.agent.sign("envelope.withdraw", "", {"envelope_id": "B2-v1"}))


REFUSALS: list[tuple[str, Callable[[Bids], None], type[Exception], str]] = [
    ("replace-another-bidders", _replace(0, "B2-v1"), RoleError,
     "bid envelope B2-v1 was submitted by another bidder; only the bidder who submitted an "
     "envelope may replace it"),
    ("withdraw-another-bidders", _withdraw(0, "B2-v1"), RoleError,
     "was submitted by another bidder; only the bidder who submitted an envelope may withdraw it"),
    ("replace-unknown", _replace(0, "NO-SUCH-BID"), InputError,
     "no bid envelope 'NO-SUCH-BID' to replace"),
    ("withdraw-unknown", _withdraw(1, "NO-SUCH-BID"), InputError,
     "no bid envelope 'NO-SUCH-BID' to withdraw"),
    ("replace-replaced", _replace(0, "B1-v1"), ConflictError,
     "bid envelope B1-v1 was already replaced by B1-v2; your standing bid is B1-v2"),
    ("withdraw-replaced", _withdraw(0, "B1-v1"), ConflictError,
     "B1-v1 was already replaced by B1-v2"),
    ("replace-withdrawn", _replace(2, "B3-v1"), ConflictError,
     "bid envelope B3-v1 was already withdrawn; you have no standing bid"),
    ("withdraw-withdrawn", _withdraw(2, "B3-v1"), ConflictError,
     "B3-v1 was already withdrawn"),
    ("replace-after-deadline", _late_replace, DeadlineError, "replacing bids closed at"),
    ("withdraw-after-deadline", _late_withdraw, DeadlineError, "withdrawing bids closed at"),
    ("replacement-for-another-tender", _replace(0, "B1-v2", tender_id="JS-2026-9999"),
     InputError, "envelope header tender_id is 'JS-2026-9999', expected 'JS-2026-0142'"),
    ("replacement-naming-another-bidder", _replace(0, "B1-v2", bidder=1), InputError,
     "envelope header names another bidder's certificate"),
    ("replacement-not-sealed-to-the-keys",
     _replace(0, "B1-v2", centre_keys=[ec.generate_private_key(ec.SECP256R1())]), InputError,
     "not sealed to every announced centre opening key"),
    ("replacement-hash-mismatch", _hash_mismatch, VerificationError,
     "envelope.replace: the signed envelope_hash and size do not match the bytes sent"),
    ("replacement-without-its-bytes", _without_bytes, InputError,
     "envelope.replace: an envelope submission or replacement needs the envelope bytes"),
    ("withdrawal-with-bytes", _withdraw_with_bytes, InputError,
     "envelope.withdraw: takes no payload"),
    ("replacement-reusing-an-id", _reused_id, ConflictError, "envelope B2-v1 was already submitted"),
    ("second-submission-while-standing", _second_submission, ConflictError,
     r"this bidder's bid B1-v2 is standing; replace it \(envelope.replace\) or withdraw it"),
    ("withdrawal-with-a-draw-subject", _with_a_draw_subject, InputError,
     "only bid envelopes \\(empty subject\\) can be withdrawn; the seed envelopes of draw "
     "JS-2026-0142-1 are commitments"),
    ("withdrawal-by-the-agent", _by_the_agent, RoleError,
     "tender JS-2026-0142: envelope.withdraw may be made by bidder, not by agent"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("send", "error", "match"),
    [case[1:] for case in REFUSALS],
    ids=[case[0] for case in REFUSALS],
)
def test_refusals_leave_no_trace(d: Deployment, send, error, match):
    o = Bids(d)
    _setup(o)
    before = o.trace()
    facts = o.record().facts
    with pytest.raises(error, match=match):
        send(o)
    assert o.trace() == before
    assert o.record().facts.bids == facts.bids


def test_seed_envelopes_are_commitments_and_stay_one_shot(d: Deployment):
    """A seed envelope of a draw can be neither replaced nor withdrawn (§9.9 step 3a)."""
    c = Ceremony(d)
    c.register()
    c.publish()
    c.commit()
    c.seal_seeds()
    seed = f"{c.definition.draw_id}-seed-1"
    bidder = c.bidders[0]
    with d.runtime.database.read() as session:
        size = session.scalar(select(func.count()).select_from(EnvelopeRow))
    with pytest.raises(
        InputError,
        match=f"envelope.withdraw: envelope {seed} is a seed envelope of draw "
        f"{c.definition.draw_id}; seed envelopes are commitments to the bidder's seed and "
        "cannot be withdrawn",
    ):
        c.submit(bidder.withdraw_bid(seed))
    sealed = bidder.seal_seed(
        c.definition.draw_id,
        agent_key=public_bytes(c.keys["agent"].public_key()),
        centre_key=public_bytes(c.keys["centre"].public_key()),
        envelope_id="another-seed",
    )
    body = dict(vars(sealed.statement.statement.body))
    replacement = bidder.replace_bid(seed, "another-seed", body["envelope_hash"], body["size"])
    with pytest.raises(InputError, match="is a seed envelope of draw .* cannot be replaced"):
        c.submit(replacement, sealed.envelope)
    with pytest.raises(InputError, match="only bid envelopes \\(empty subject\\) can be replaced"):
        c.submit(
            bidder.sign(
                "envelope.replace",
                c.definition.draw_id,
                {
                    "replaces": seed,
                    "envelope_id": "another-seed",
                    "envelope_hash": body["envelope_hash"],
                    "size": body["size"],
                },
            ),
            sealed.envelope,
        )
    with d.runtime.database.read() as session:
        assert session.scalar(select(func.count()).select_from(EnvelopeRow)) == size


def test_the_tender_view_shows_each_envelopes_state(d: Deployment):
    """The JSON the board's tender page reads: every envelope, standing, replaced or withdrawn."""
    from beacon.web import create_app

    o = Bids(d)
    _setup(o)
    client = create_app({"TESTING": True}, runtime=d.runtime).test_client()
    bids = client.get(f"/api/v1/tenders/{TENDER}").get_json()["bids"]
    with d.runtime.database.read() as session:
        from beacon.service.tenders import load_tender

        leaves = {
            s.signed.statement.body.envelope_id: s.leaf_index
            for s in load_tender(session, TENDER).statements
            if s.row.kind == "envelope.withdraw"
        }
    assert [
        (b["envelope_id"], b["state"], b["replaces"], b["replaced_by"], b["frozen"]) for b in bids
    ] == [
        ("B1-v1", "replaced", None, "B1-v2", False),
        ("B1-v2", "standing", "B1-v1", None, False),
        ("B2-v1", "standing", None, None, False),
        ("B3-v1", "withdrawn", None, None, False),
    ]
    assert bids[3]["ended_leaf_index"] == leaves["B3-v1"]
    assert bids[0]["ended_leaf_index"] == bids[1]["leaf_index"]
    d.advance_to(BID_DEADLINE)
    bids = client.get(f"/api/v1/tenders/{TENDER}").get_json()["bids"]
    assert [b["envelope_id"] for b in bids if b["frozen"]] == ["B1-v2", "B2-v1"]
    headers = client.get(f"/api/v1/tenders/{TENDER}/headers").get_json()["envelopes"]
    assert [h["envelope_id"] for h in headers] == ["B1-v2", "B2-v1"]
