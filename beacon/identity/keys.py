"""Signing keys at the edge: load a party's certificate and key, sign statements.

Signing lives outside :mod:`beacon.core` because ECDSA and RSA-PSS draw fresh
randomness for every signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from beacon.core import signature
from beacon.core.statement import SignedStatement, Statement
from beacon.errors import InputError

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True)
class KeySigner:
    """A certificate and its private key; signs with the algorithm the key implies."""

    key: PrivateKey
    certificate: bytes  # DER
    chain: tuple[bytes, ...] = ()
    algorithm: str = ""

    def __post_init__(self) -> None:
        cert = signature.load_certificate(self.certificate)
        if not signature.belongs_to(self.key, cert):
            raise InputError("the private key does not belong to the certificate")
        allowed = signature.algorithms_for(cert.public_key())
        if not allowed:
            raise InputError(f"unsupported key type {type(self.key).__name__}")
        if not self.algorithm:
            object.__setattr__(self, "algorithm", allowed[0])
        elif self.algorithm not in allowed:
            raise InputError(
                f"algorithm {self.algorithm!r} does not fit this key; use one of {allowed}"
            )

    @property
    def fingerprint(self) -> bytes:
        return signature.fingerprint(self.certificate)

    def sign(self, message: bytes) -> bytes:
        key = self.key
        if isinstance(key, ed25519.Ed25519PrivateKey):
            return key.sign(message)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            digest = (
                hashes.SHA256()
                if self.algorithm == signature.ECDSA_P256_SHA256
                else hashes.SHA384()
            )
            return key.sign(message, ec.ECDSA(digest))
        if self.algorithm == signature.RSA_PSS_SHA256:
            return key.sign(
                message, padding.PSS(padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256()
            )
        return key.sign(message, padding.PKCS1v15(), hashes.SHA256())

    def sign_statement(self, statement: Statement) -> SignedStatement:
        if statement.actor != self.fingerprint:
            raise InputError("statement.actor is not this signer's certificate fingerprint")
        return SignedStatement(
            statement=statement,
            algorithm=self.algorithm,
            signature=self.sign(statement.signing_message()),
            certificate=self.certificate,
            chain=self.chain,
        )


def load_signer(
    cert_path: Path, key_path: Path, *, passphrase: bytes | None = None, algorithm: str = ""
) -> KeySigner:
    """Load a PEM certificate (optionally followed by intermediates) and a PEM key."""
    try:
        certs = x509.load_pem_x509_certificates(cert_path.read_bytes())
    except ValueError as e:
        raise InputError(f"{cert_path}: not a PEM certificate ({e})") from e
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=passphrase)
    except (ValueError, TypeError) as e:
        raise InputError(f"{key_path}: cannot load the private key ({e})") from e
    if not isinstance(
        key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    ):
        raise InputError(f"{key_path}: unsupported key type {type(key).__name__}")
    der = [c.public_bytes(serialization.Encoding.DER) for c in certs]
    return KeySigner(key=key, certificate=der[0], chain=tuple(der[1:]), algorithm=algorithm)
