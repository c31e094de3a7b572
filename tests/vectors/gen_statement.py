"""Signed statement vectors (PROTOCOL.md §6).

expect ∈ {"valid", "bad-signature", "actor-mismatch", "wrong-algorithm", "bad-possession"}.
Keys are Ed25519 derived from fixed labels, so signatures and certificates are
reproducible; opening keys are P-256 keys from fixed scalars, and their proofs of
possession (§9.3) use RFC 6979 nonces, so they are reproducible too. An announcement
whose statement signature verifies but whose proof of possession does not is
``bad-possession``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core import possession
from beacon.core.commitment import Party, commit
from beacon.core.envelope.shares import public_bytes
from beacon.core.statement import SignedStatement, Statement
from beacon.identity.keys import KeySigner
from tests.vectors.common import det_bytes, det_certificate, det_ed25519

PROVENANCE = (
    "tests/vectors/gen_statement.py; Ed25519 (RFC 8032) is deterministic, so the same key, certificate "
    "and statement always give the same signature; verifier/ re-encodes from the JSON and checks it"
)


def _signer(name: str) -> KeySigner:
    key = det_ed25519(name)
    return KeySigner(key=key, certificate=det_certificate(key, name))


def _doc(
    name: str, signed: SignedStatement, comment: str, expect: str
) -> tuple[str, dict[str, Any]]:
    doc: dict[str, Any] = {
        "comment": comment,
        "provenance": PROVENANCE,
        "signed_statement": signed.to_dict(),
        "encoded": signed.encode().hex(),
        "statement_hash": signed.statement.hash().hex(),
    }
    st = signed.statement
    if st.kind.endswith(".opening_key"):
        doc["possession_message"] = possession.message(
            tender_id=st.tender_id,
            subject=st.subject,
            role=st.role,
            announcer=st.actor,
            public_key=st.body.public_key,
        ).hex()
    return name, doc | {"expect": expect}


def _opening_key(name: str) -> ec.EllipticCurvePrivateKey:
    scalar = int.from_bytes(det_bytes("opening-key/" + name, 32), "big")
    return ec.derive_private_key(scalar % (2**255) + 1, ec.SECP256R1())


def _announcement(
    signer: KeySigner, role: str, key: ec.EllipticCurvePrivateKey, proof_for: tuple[str, bytes]
) -> SignedStatement:
    """A draw.opening_key by ``signer`` whose proof was made for (role, announcer) ``proof_for``."""
    proof = possession.prove(
        key,
        tender_id="JS-2026-0142",
        subject="JS-2026-0142-1",
        role=proof_for[0],
        announcer=proof_for[1],
    )
    return signer.sign_statement(
        Statement(
            kind="draw.opening_key",
            tender_id="JS-2026-0142",
            subject="JS-2026-0142-1",
            role=role,
            actor=signer.fingerprint,
            issued_at=1_794_999_900_000,
            nonce=det_bytes(f"nonce/opening-key/{role}", 16),
            body={"public_key": public_bytes(key.public_key()), "possession": proof},
        )
    )


def cases() -> Iterator[tuple[str, dict[str, Any]]]:
    agent = _signer("agent")
    seed = det_bytes("seed/agent", 32)
    st = Statement(
        kind="draw.commit",
        tender_id="JS-2026-0142",
        subject="JS-2026-0142-1",
        role="agent",
        actor=agent.fingerprint,
        issued_at=1_795_000_000_000,
        nonce=det_bytes("nonce/1", 16),
        body={"commitment": commit("JS-2026-0142-1", Party("agent", agent.fingerprint), seed)},
    )
    good = agent.sign_statement(st)
    yield _doc("commit-valid", good, "the agent's commitment, signed with Ed25519", "valid")
    objection = Statement(
        kind="draw.objection",
        tender_id="JS-2026-0142",
        subject="JS-2026-0142-1",
        role="bidder",
        actor=_signer("bidder-1").fingerprint,
        issued_at=1_795_000_600_000,
        nonce=det_bytes("nonce/2", 16),
        body={"reason": "抽取前未公示候选值清单"},
    )
    yield _doc(
        "objection-valid",
        _signer("bidder-1").sign_statement(objection),
        "a bidder's objection with Chinese text",
        "valid",
    )

    centre = _signer("centre")
    bidder = _signer("bidder-1")
    registration = Statement(
        kind="tender.register",
        tender_id="JS-2026-0142",
        subject="",
        role="centre",
        actor=centre.fingerprint,
        issued_at=1_794_999_000_000,
        nonce=det_bytes("nonce/3", 16),
        body={
            "role": "bidder",
            "fingerprint": bidder.fingerprint,
            "certificate": bidder.certificate,
        },
    )
    yield _doc(
        "register-valid",
        centre.sign_statement(registration),
        "the centre registers a bidder: its fingerprint and its certificate (DER, §3.3)",
        "valid",
    )

    flipped = bytearray(good.signature)
    flipped[0] ^= 0x01
    yield _doc(
        "commit-bad-signature",
        SignedStatement(st, good.algorithm, bytes(flipped), good.certificate),
        "one bit of the signature flipped",
        "bad-signature",
    )
    later = Statement(**{**st.__dict__, "issued_at": st.issued_at + 1})
    yield _doc(
        "commit-changed-after-signing",
        SignedStatement(later, good.algorithm, good.signature, good.certificate),
        "issued_at changed by 1 ms after signing",
        "bad-signature",
    )
    other = _signer("centre")
    yield _doc(
        "commit-actor-mismatch",
        SignedStatement(st, good.algorithm, good.signature, other.certificate),
        "a valid statement presented with another party's certificate",
        "actor-mismatch",
    )
    yield _doc(
        "commit-wrong-algorithm",
        SignedStatement(st, "ecdsa-p256-sha256", good.signature, good.certificate),
        "an Ed25519 signature labelled as ECDSA",
        "wrong-algorithm",
    )
    centre, key = _signer("centre"), _opening_key("centre")
    yield _doc(
        "opening-key-valid",
        _announcement(centre, "centre", key, ("centre", centre.fingerprint)),
        "the centre's per-draw opening key with its proof of possession (§9.3)",
        "valid",
    )
    yield _doc(
        "opening-key-copied-by-agent",
        _announcement(agent, "agent", key, ("centre", centre.fingerprint)),
        "the agent announces the centre's key with the centre's proof: the statement "
        "signature verifies, the proof names another role and announcer",
        "bad-possession",
    )
    yield _doc(
        "opening-key-proof-for-another-role",
        _announcement(centre, "centre", key, ("agent", centre.fingerprint)),
        "the key's holder signed the possession message for the agent's role",
        "bad-possession",
    )
