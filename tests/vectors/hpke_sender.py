"""A test-only RFC 9180 SealBase for DHKEM(P-256, HKDF-SHA256) with a *given* ephemeral key.

``cryptography``'s HPKE draws its ephemeral key internally, so it cannot make
reproducible vectors. This second, deliberately plain implementation of RFC 9180
§4.1 (DHKEM Encap), §5.1 (KeySchedule, mode_base) and §5.2 (single-shot Seal)
takes the ephemeral private key as an argument. It is never used by beacon/: it
only writes vectors, it is checked against RFC 9180 Appendix A.3.1, and every
stanza it writes is opened by ``cryptography``'s own HPKE before it is stored.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

KEM_P256_SHA256 = 0x0010
KDF_HKDF_SHA256 = 0x0001
AEAD_KEY_SIZES = {0x0001: 16, 0x0002: 32}  # AES-128-GCM, AES-256-GCM


@dataclass(frozen=True)
class Sealed:
    enc: bytes
    ct: bytes
    shared_secret: bytes
    key: bytes
    base_nonce: bytes


def _extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def _labeled_extract(suite_id: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return _extract(salt, b"HPKE-v1" + suite_id + label + ikm)


def _labeled_expand(suite_id: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    labeled_info = length.to_bytes(2, "big") + b"HPKE-v1" + suite_id + label + info
    return HKDFExpand(hashes.SHA256(), length, labeled_info).derive(prk)


def _sec1(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def seal_base(
    pk_r: ec.EllipticCurvePublicKey,
    info: bytes,
    plaintext: bytes,
    *,
    sk_e: ec.EllipticCurvePrivateKey,
    aad: bytes = b"",
    aead_id: int = 0x0002,
) -> Sealed:
    """RFC 9180 SealBase with ephemeral key ``sk_e``; ``enc ‖ ct`` is what a stanza stores."""
    kem_suite = b"KEM" + KEM_P256_SHA256.to_bytes(2, "big")
    dh = sk_e.exchange(ec.ECDH(), pk_r)
    enc = _sec1(sk_e.public_key())
    eae_prk = _labeled_extract(kem_suite, b"", b"eae_prk", dh)
    shared_secret = _labeled_expand(kem_suite, eae_prk, b"shared_secret", enc + _sec1(pk_r), 32)

    suite = b"HPKE" + b"".join(
        x.to_bytes(2, "big") for x in (KEM_P256_SHA256, KDF_HKDF_SHA256, aead_id)
    )
    psk_id_hash = _labeled_extract(suite, b"", b"psk_id_hash", b"")
    info_hash = _labeled_extract(suite, b"", b"info_hash", info)
    context = b"\x00" + psk_id_hash + info_hash  # mode_base
    secret = _labeled_extract(suite, shared_secret, b"secret", b"")
    key = _labeled_expand(suite, secret, b"key", context, AEAD_KEY_SIZES[aead_id])
    base_nonce = _labeled_expand(suite, secret, b"base_nonce", context, 12)
    ct = AESGCM(key).encrypt(base_nonce, plaintext, aad)  # sequence number 0
    return Sealed(enc, ct, shared_secret, key, base_nonce)
