"""A bidder's standing bid (PROTOCOL.md §9.9 step 3a), replayed from its statements.

The expected states are the rule of §9.9 step 3a applied by hand to each history:
a submission stands, a replacement ends the bid it names and stands itself, a
withdrawal ends the bid it names; a statement naming anything but its signer's
standing bid is one the service refuses, and a forged log of it changes nothing.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from beacon.core import tender
from beacon.core.bodies import EnvelopeReplaceBody, EnvelopeSubmitBody, EnvelopeWithdrawBody
from beacon.core.tender import BidState
from beacon.errors import ConflictError, DeadlineError, InputError, RoleError

A, B = b"a" * 32, b"b" * 32
R, S, W = BidState.REPLACED, BidState.STANDING, BidState.WITHDRAWN


# The envelope hash and size play no part in the history; any well-formed value does.
H, SIZE = b"h" * 32, 1


def submit(actor: bytes, eid: str, purpose: str = "bid") -> tuple[bytes, EnvelopeSubmitBody]:
    return actor, EnvelopeSubmitBody(eid, purpose, H, SIZE)


def rep(actor: bytes, old: str, new: str) -> tuple[bytes, EnvelopeReplaceBody]:
    return actor, EnvelopeReplaceBody(old, new, H, SIZE)


def wd(actor: bytes, eid: str) -> tuple[bytes, EnvelopeWithdrawBody]:
    return actor, EnvelopeWithdrawBody(eid)


HISTORIES = [
    ("one-bid", [submit(A, "a1")], {"a1": S}, ["a1"]),
    ("replaced-twice", [submit(A, "a1"), rep(A, "a1", "a2"), rep(A, "a2", "a3")],
     {"a1": R, "a2": R, "a3": S}, ["a3"]),
    ("withdrawn", [submit(A, "a1"), submit(B, "b1"), wd(A, "a1")], {"a1": W, "b1": S}, ["b1"]),
    ("withdrawn-then-again", [submit(A, "a1"), wd(A, "a1"), submit(A, "a2")],
     {"a1": W, "a2": S}, ["a2"]),
    # The order of the frozen set is that of the statements that brought the envelopes.
    ("replacement-comes-last", [submit(A, "a1"), submit(B, "b1"), rep(A, "a1", "a2")],
     {"a1": R, "b1": S, "a2": S}, ["b1", "a2"]),
    ("seed-envelopes-ignored", [submit(A, "s1", "seed"), submit(A, "a1")], {"a1": S}, ["a1"]),
    # Forged: statements the ledger refuses, which a replay ignores (the verifier reports them).
    ("another-bidders", [submit(A, "a1"), wd(B, "a1")], {"a1": S}, ["a1"]),
    ("already-replaced", [submit(A, "a1"), rep(A, "a1", "a2"), wd(A, "a1")],
     {"a1": R, "a2": S}, ["a2"]),
    ("unknown", [rep(A, "zz", "a1")], {}, []),
]  # fmt: skip


@pytest.mark.parametrize(
    ("history", "states", "frozen"), [h[1:] for h in HISTORIES], ids=[h[0] for h in HISTORIES]
)
def test_the_standing_bids(history, states, frozen):
    bids = tender.bid_history((i, *h) for i, h in enumerate(history))
    assert {e: b.state for e, b in bids.items()} == states
    assert [b.envelope_id for b in tender.standing(bids)] == frozen


BIDS_CLOSE = 1_000_000
FACTS = tender.TenderFacts(
    "T-1",
    bid_deadline=BIDS_CLOSE,
    release_deadline=BIDS_CLOSE + 60_000,
    opening_keys={"agent": 1, "centre": 1},
    bids=tender.bid_history(
        (i, *h) for i, h in enumerate([submit(A, "a1"), rep(A, "a1", "a2"), submit(B, "b1")])
    ),
)


@pytest.mark.parametrize(
    ("kind", "actor", "names", "now", "error", "match"),
    [
        ("envelope.replace", B, "a2", 0, RoleError, "a2 was submitted by another bidder"),
        ("envelope.withdraw", A, "nope", 0, InputError, "no bid envelope 'nope' to withdraw"),
        ("envelope.withdraw", A, "a1", 0, ConflictError,
         "a1 was already replaced by a2; your standing bid is a2"),
        ("envelope.replace", A, "a2", BIDS_CLOSE, DeadlineError, "replacing bids closed at"),
        ("envelope.submit", A, "", 0, ConflictError, "this bidder's bid a2 is standing"),
    ],
    ids=["another-bidders", "unknown", "replaced", "at-the-deadline", "second-submission"],
)  # fmt: skip
def test_refusals(kind, actor, names, now, error, match):
    with pytest.raises(error, match=match):
        tender.check(kind, "bidder", FACTS, now, actor=actor, names=names)


def test_the_window_closes_with_the_deadline_pulse_whatever_the_clock_says():
    tender.check("envelope.withdraw", "bidder", FACTS, BIDS_CLOSE - 1, actor=A, names="a2")
    with pytest.raises(DeadlineError, match="withdrawing bids closed at .*: the pulse of"):
        tender.check(
            "envelope.withdraw",
            "bidder",
            replace(FACTS, pulse_ms=BIDS_CLOSE),
            BIDS_CLOSE - 1,
            actor=A,
            names="a2",
        )
