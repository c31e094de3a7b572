"""Announced opening keys (PROTOCOL.md §9.3): proof of possession, one announcement per key.

:func:`check_announcements` is the one check for ``draw.opening_key`` and
``tender.opening_key`` statements alike: each carries a P-256 point and an ECDSA
P-256/SHA-256 signature by that key over the possession message, which names the
statement's tender, subject, role and actor; and no key is announced twice among
them. Pure: statements in, key ids out, :class:`CheckFailed` on the first failure.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from verifier import encoding as enc
from verifier.envelope import key_id
from verifier.errors import CheckFailed
from verifier.records import Signed

POSSESSION_MAX = 72  # DER SEQUENCE of two INTEGERs of at most 33 bytes (§6.3)


def possession_message(
    *, tender_id: str, subject: str, role: str, announcer: bytes, public_key: bytes
) -> bytes:
    """``F(label) ‖ F(tender_id) ‖ F(subject) ‖ F(role) ‖ F(announcer) ‖ F(public_key)`` (§9.3)."""
    return enc.fields(
        enc.OPENING_KEY_POSSESSION.encode(),
        enc.text(tender_id),
        enc.text(subject),
        enc.text(role),
        announcer,
        public_key,
    )


def check_possession(s: Signed, *, what: str) -> bytes:
    """§9.3 for one announcement ``s``: its point, then its proof of possession; the key id."""
    point, proof = s.body["public_key"], s.body["possession"]
    if len(point) != 65 or point[:1] != b"\x04":
        raise CheckFailed(f"{what}: the opening key is not an uncompressed P-256 point")
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError as e:
        raise CheckFailed(f"{what}: the opening key is not a P-256 point") from e
    try:
        r, sig_s = decode_dss_signature(proof)
        strict = encode_dss_signature(r, sig_s) == proof and len(proof) <= POSSESSION_MAX
    except ValueError:
        strict = False
    if not strict:
        raise CheckFailed(
            f"{what}: the proof of possession is missing or not a DER ECDSA signature "
            f"({len(proof)} bytes)",
            code="bad-possession",
        )
    message = possession_message(
        tender_id=s.tender_id, subject=s.subject, role=s.role, announcer=s.actor, public_key=point
    )
    try:
        key.verify(proof, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as e:
        raise CheckFailed(
            f"{what}: the proof of possession does not verify for tender {s.tender_id!r}, "
            f"subject {s.subject!r}, role {s.role}, announcer {s.actor.hex()[:16]}…",
            code="bad-possession",
        ) from e
    return key_id(point)


def check_announcements(announcements: Sequence[tuple[int, Signed]]) -> dict[bytes, int]:
    """Every ``(leaf, statement)`` announcement proves possession, and no key comes twice.

    Returns each key id with the leaf that announced it. Within one proof bundle this
    is all a verifier can see; the service refuses reuse across draws and tenders.
    """
    seen: dict[bytes, int] = {}
    for leaf, s in announcements:
        kid = check_possession(s, what=f"leaf {leaf} ({s.kind} by the {s.role})")
        if kid in seen:
            raise CheckFailed(
                f"leaf {leaf} ({s.kind} by the {s.role}): key {kid.hex()[:16]}… was already "
                f"announced at leaf {seen[kid]}; a key opens one role's shares (§9.3)"
            )
        seen[kid] = leaf
    return seen
