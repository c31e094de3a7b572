"""Proof of possession of an announced opening key (PROTOCOL.md §9.3).

Whoever announces an opening key (``draw.opening_key``, ``tender.opening_key``)
signs, with that key, a message naming the tender, the subject (the draw id, or
empty for the bid opening), the announcing role, the announcer's certificate
fingerprint and the key itself. Nobody can then announce someone else's key as
its own (it cannot sign with it), and a proof made for one tender, draw, role or
announcer does not verify for another.
"""

from __future__ import annotations

from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from beacon.core import labels
from beacon.core.encoding import join_fields
from beacon.core.envelope.shares import check_p256, load_public_key, public_bytes
from beacon.errors import InputError, VerificationError

MAX_SIZE: Final = 72  # DER SEQUENCE of two INTEGERs of at most 33 bytes each


def message(
    *, tender_id: str, subject: str, role: str, announcer: bytes, public_key: bytes
) -> bytes:
    """``F(label) ‖ F(tender_id) ‖ F(subject) ‖ F(role) ‖ F(announcer) ‖ F(public_key)`` (§9.3)."""
    return join_fields(
        [
            labels.OPENING_KEY_POSSESSION.encode(),
            tender_id.encode(),
            subject.encode(),
            role.encode(),
            announcer,
            public_key,
        ]
    )


def prove(
    key: ec.EllipticCurvePrivateKey, *, tender_id: str, subject: str, role: str, announcer: bytes
) -> bytes:
    """The ``possession`` field of an announcement of ``key``: ECDSA P-256/SHA-256, DER."""
    check_p256(key, name="opening key")
    msg = message(
        tender_id=tender_id,
        subject=subject,
        role=role,
        announcer=announcer,
        public_key=public_bytes(key.public_key()),
    )
    # RFC 6979 nonces: the proof never depends on the quality of a random source.
    return key.sign(msg, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))


def verify(
    public_key: bytes,
    possession: bytes,
    *,
    tender_id: str,
    subject: str,
    role: str,
    announcer: bytes,
    what: str,
) -> None:
    """Raise unless ``possession`` proves the announcer holds ``public_key``'s private key.

    ``what`` names the announcement in the messages (e.g. ``"draw.opening_key for
    draw D"``). Empty and malformed proofs are :class:`InputError`; a well-formed
    proof that does not verify for this tender, subject, role and announcer is a
    :class:`VerificationError`.
    """
    key = load_public_key(public_key, name=f"{what}: public_key")
    if not possession:
        raise InputError(
            f"{what}: the proof of possession is missing; sign the possession message with the "
            "opening key (PROTOCOL.md §9.3)",
            field="possession",
        )
    try:
        r, s = decode_dss_signature(possession)
        canonical = encode_dss_signature(r, s) == possession
    except ValueError:
        canonical = False
    if not canonical or len(possession) > MAX_SIZE:
        raise InputError(
            f"{what}: the proof of possession is not a DER-encoded ECDSA signature "
            f"({len(possession)} bytes)",
            field="possession",
        )
    msg = message(
        tender_id=tender_id, subject=subject, role=role, announcer=announcer, public_key=public_key
    )
    try:
        key.verify(possession, msg, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as e:
        raise VerificationError(
            f"{what}: the proof of possession does not verify with the announced key for tender "
            f"{tender_id!r}, subject {subject!r}, role {role}, announcer {announcer.hex()[:16]}…: "
            "only the key's holder can announce it, and a proof made for another tender, draw, "
            "role or certificate does not carry over",
            field="possession",
        ) from e
