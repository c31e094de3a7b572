"""Statement signature algorithms (PROTOCOL.md §6.2): names, and verification.

The algorithm is named in every signed statement and must agree with the
certificate's key type, so a verifier never guesses a padding or a hash. Signing
itself happens at the edge (``beacon.identity.keys``), because ECDSA and RSA-PSS
draw randomness.
"""

from __future__ import annotations

import hashlib
from typing import Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from beacon.errors import VerificationError

ED25519: Final = "ed25519"
ECDSA_P256_SHA256: Final = "ecdsa-p256-sha256"
ECDSA_P384_SHA384: Final = "ecdsa-p384-sha384"
RSA_PKCS1V15_SHA256: Final = "rsa-pkcs1v15-sha256"
RSA_PSS_SHA256: Final = "rsa-pss-sha256"
ALGORITHMS: Final = (
    ED25519,
    ECDSA_P256_SHA256,
    ECDSA_P384_SHA384,
    RSA_PKCS1V15_SHA256,
    RSA_PSS_SHA256,
)
MIN_RSA_BITS: Final = 2048

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey


def fingerprint(certificate: bytes | x509.Certificate) -> bytes:
    """PROTOCOL.md §2.3: SHA-256 of the certificate's DER encoding, as
    ``openssl x509 -fingerprint -sha256`` prints it (32 bytes; shown as hex).

    The one definition of a certificate's fingerprint: statements carry these bytes,
    the manifest and the board show their hex.
    """
    der = (
        certificate.public_bytes(serialization.Encoding.DER)
        if isinstance(certificate, x509.Certificate)
        else certificate
    )
    return hashlib.sha256(der).digest()


def belongs_to(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey,
    certificate: x509.Certificate,
) -> bool:
    """Whether ``key`` is the private half of ``certificate``'s public key (same SPKI)."""
    der, spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return key.public_key().public_bytes(der, spki) == certificate.public_key().public_bytes(
        der, spki
    )


def load_certificate(der: bytes) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError as e:
        raise VerificationError(f"certificate is not valid DER X.509 ({e})") from e


def algorithms_for(key: object) -> tuple[str, ...]:
    """The algorithm names a key of this type may sign with."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        return (ED25519,)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return {"secp256r1": (ECDSA_P256_SHA256,), "secp384r1": (ECDSA_P384_SHA384,)}.get(
            key.curve.name, ()
        )
    if isinstance(key, rsa.RSAPublicKey):
        return (RSA_PKCS1V15_SHA256, RSA_PSS_SHA256) if key.key_size >= MIN_RSA_BITS else ()
    return ()


def verify(certificate_der: bytes, algorithm: str, message: bytes, signature: bytes) -> None:
    """Check ``signature`` over ``message`` by the certificate's key, or raise."""
    key = load_certificate(certificate_der).public_key()
    allowed = algorithms_for(key)
    if not allowed:
        raise VerificationError(f"unsupported certificate key type {type(key).__name__}")
    if algorithm not in allowed:
        raise VerificationError(
            f"algorithm {algorithm!r} does not fit the certificate's key; expected one of {allowed}"
        )
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, message)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            digest = hashes.SHA256() if algorithm == ECDSA_P256_SHA256 else hashes.SHA384()
            key.verify(signature, message, ec.ECDSA(digest))
        elif isinstance(key, rsa.RSAPublicKey):
            if algorithm == RSA_PSS_SHA256:
                pad: padding.AsymmetricPadding = padding.PSS(
                    padding.MGF1(hashes.SHA256()), salt_length=32
                )
            else:
                pad = padding.PKCS1v15()
            key.verify(signature, message, pad, hashes.SHA256())
    except InvalidSignature:
        raise VerificationError("signature does not verify") from None
