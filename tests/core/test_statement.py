"""Signed statements (PROTOCOL.md §6): canonical bytes, JSON, signatures per key type."""

from __future__ import annotations

import json

import pytest

from beacon.core.commitment import Party, SeedEntry, SeedStatus
from beacon.core.opening import OpeningEntry, OpeningStatus
from beacon.core.selection import Pick
from beacon.core.statement import BODIES, SignedStatement, Statement, verify_signature
from beacon.errors import EncodingError, InputError, VerificationError
from tests.certs import signer

SAMPLE_BODIES = {
    "tender.register": {
        "role": "bidder",
        "fingerprint": bytes(range(32)),
        "certificate": b"\x30\x03\x02\x01\x01",
    },
    "draw.publish": {"definition": b"\x00\x01"},
    "draw.countersign": {"definition_hash": bytes(32)},
    "draw.opening_key": {"public_key": b"\x04" + bytes(64), "possession": bytes(70)},
    "draw.commit": {"commitment": bytes(range(32))},
    "draw.reveal": {"seed": bytes(range(32, 64))},
    "draw.freeze": {
        "tree_size": 7,
        "root_hash": bytes(32),
        "pulse_chain": 1,
        "pulse_index": 9,
        "commitments": (1, 2, 5),
    },
    "draw.snapshot": {"bid_ids": ("bid-1", "bid-2")},
    "draw.key_release": {"private_key": b"\x30\x00"},
    "draw.result": {
        "definition_hash": bytes(32),
        "freeze_tree_size": 5,
        "freeze_root_hash": bytes(32),
        "snapshot_hash": b"",
        "seeds": (
            SeedEntry(Party("centre", bytes(32)), SeedStatus.INCLUDED, bytes(32)),
            SeedEntry(Party("bidder", bytes([1]) * 32), SeedStatus.ENVELOPE_INVALID, b""),
        ),
        "combined_seed": bytes(64),
        "vdf_t": 1000,
        "y": bytes(256),
        "pi": bytes(256),
        "output": bytes(64),
        "picks": (Pick("K1", (3,), ("0.965",)), Pick("BID", (2, 0), ("b-3", "b-1"))),
        "inputs": (14, 15, 17),
    },
    "draw.objection": {"reason": "开标时间有误"},
    "draw.confirm": {"result": bytes(32)},
    "draw.void": {"reason": "procedural error"},
    "envelope.submit": {
        "envelope_id": "env-1",
        "purpose": "seed",
        "envelope_hash": bytes(32),
        "size": 1234,
    },
    "envelope.replace": {
        "replaces": "bid-1",
        "envelope_id": "bid-1-v2",
        "envelope_hash": bytes(range(32)),
        "size": 4321,
    },
    "envelope.withdraw": {"envelope_id": "bid-1-v2"},
    "tender.publish": {
        "title": "市政道路工程",
        "bid_deadline": 1_795_000_000_000,
        "release_deadline": 1_795_000_600_000,
    },
    "tender.opening_key": {"public_key": b"\x04" + bytes(64), "possession": bytes(70)},
    "tender.key_release": {"private_keys": (bytes(138), bytes(121))},
    "tender.opening": {
        "tree_size": 9,
        "root_hash": bytes(32),
        "releases": (10, 12),
        "openings": (
            OpeningEntry("bid-1", bytes(32), bytes(32), OpeningStatus.OPENED, "", bytes(32), 1000),
            OpeningEntry(
                "bid-2",
                bytes(32),
                bytes(range(32)),
                OpeningStatus.AGENT_KEY_MISSING,
                "share-missing",
                b"",
                0,
            ),
        ),
    },
}


def test_every_kind_has_a_sample():
    assert set(SAMPLE_BODIES) == set(BODIES)


def make(kind="draw.commit", s=None, **over):
    s = s or signer()
    fields = {
        "kind": kind,
        "tender_id": "JS-2026-0142",
        "subject": "JS-2026-0142-1",
        "role": "agent",
        "actor": s.fingerprint,
        "issued_at": 1_795_000_000_000,
        "nonce": bytes(range(16)),
        "body": SAMPLE_BODIES.get(kind, {}),
    }
    fields.update(over)
    return s, Statement(**fields)


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_round_trips_bytes_and_json(kind):
    s, st = make(kind)
    signed = s.sign_statement(st)
    data = signed.encode()
    assert SignedStatement.decode(data) == signed
    assert SignedStatement.decode(data).encode() == data
    again = SignedStatement.from_dict(json.loads(json.dumps(signed.to_dict(), ensure_ascii=False)))
    assert again == signed and again.encode() == data
    verify_signature(again)


@pytest.mark.parametrize(
    ("key", "algorithm"),
    [
        ("ed25519", ""),
        ("p256", ""),
        ("p384", ""),
        ("rsa2048", "rsa-pkcs1v15-sha256"),
        ("rsa2048", "rsa-pss-sha256"),
    ],
    ids=["ed25519", "ecdsa-p256", "ecdsa-p384", "rsa-pkcs1v15", "rsa-pss"],
)
def test_signature_per_key_type(key, algorithm):
    s, st = make(s=signer(key, algorithm=algorithm))
    signed = s.sign_statement(st)
    verify_signature(signed)
    flipped = bytearray(signed.signature)
    flipped[-1] ^= 1
    with pytest.raises(VerificationError, match="draw.commit by agent: signature does not verify"):
        verify_signature(SignedStatement(st, signed.algorithm, bytes(flipped), signed.certificate))


def test_algorithm_must_fit_the_key():
    s, st = make(s=signer("p256"))
    signed = s.sign_statement(st)
    with pytest.raises(VerificationError, match="algorithm 'ed25519' does not fit"):
        verify_signature(SignedStatement(st, "ed25519", signed.signature, signed.certificate))


def test_actor_must_be_the_certificate():
    s, st = make()
    other = signer()
    signed = s.sign_statement(st)
    with pytest.raises(VerificationError, match="actor does not match the attached certificate"):
        verify_signature(SignedStatement(st, signed.algorithm, signed.signature, other.certificate))


def test_changing_any_field_breaks_the_signature():
    s, st = make()
    signed = s.sign_statement(st)
    for change in [
        {"issued_at": st.issued_at + 1},
        {"nonce": bytes(16)},
        {"subject": "other"},
        {"role": "centre"},
        {"body": {"commitment": bytes(32)}},
    ]:
        _, changed = make(s=s, **change)
        with pytest.raises(VerificationError):
            verify_signature(
                SignedStatement(changed, signed.algorithm, signed.signature, signed.certificate)
            )


@pytest.mark.parametrize(
    ("over", "error", "message"),
    [
        ({"kind": "draw.reroll"}, EncodingError, "unknown statement kind 'draw.reroll'"),
        ({"role": "admin"}, EncodingError, "'admin' is not one of"),
        ({"nonce": bytes(8)}, EncodingError, "expected 16 bytes, got 8"),
        ({"tender_id": "a b"}, EncodingError, "tender_id: 'a b' is not a valid identifier"),
        (
            {"body": {"commitment": bytes(31)}},
            EncodingError,
            "draw.commit.commitment: expected 32 bytes, got 31",
        ),
        (
            {"body": {"seed": bytes(32)}},
            EncodingError,
            r"draw.commit body: expected fields \['commitment'\]",
        ),
    ],
    ids=[
        "unknown-kind",
        "unknown-role",
        "short-nonce",
        "bad-tender-id",
        "short-commitment",
        "wrong-body",
    ],
)
def test_malformed_statements(over, error, message):
    with pytest.raises(error, match=message):
        _, st = make(**over)
        st.encode()


def test_json_rejects_unknown_members_and_uppercase_hex():
    s, st = make()
    doc = s.sign_statement(st).to_dict()
    doc["statement"]["extra"] = 1
    with pytest.raises(EncodingError, match=r"unknown member\(s\) \['extra'\]"):
        SignedStatement.from_dict(doc)
    doc = s.sign_statement(st).to_dict()
    doc["signature"] = doc["signature"].upper()
    with pytest.raises(EncodingError, match="expected lower-case hex"):
        SignedStatement.from_dict(doc)


def test_seed_entry_shape_is_enforced():
    with pytest.raises(InputError, match="holds 32 seed bytes, got 0"):
        SeedEntry(Party("agent", bytes(32)), SeedStatus.INCLUDED, b"")


@pytest.mark.parametrize("beacon", [False, True], ids=["party", "beacon-profile"])
def test_the_test_helpers_issue_either_profile(beacon: bool):
    """tests/certs.py can issue the beacon signer's profile (PROTOCOL.md §3.1) and a party's."""
    from beacon.core.signature import load_certificate
    from beacon.identity.profile import check_profile, has_beacon_eku

    cert = load_certificate(signer("rsa2048", beacon=beacon).certificate)
    assert has_beacon_eku(cert) is beacon
    check_profile(cert, "beacon" if beacon else "party")
    with pytest.raises(VerificationError, match="beacon signer ExtendedKeyUsage"):
        check_profile(cert, "party" if beacon else "beacon")
