"""Test certificates: self-signed, one per key type, built directly with `cryptography`."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from beacon.identity.keys import KeySigner
from beacon.identity.profile import BEACON_SIGNER_EKU

NOT_BEFORE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
NOT_AFTER = dt.datetime(2036, 1, 1, tzinfo=dt.UTC)


def make_key(kind: str):
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if kind == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "p384":
        return ec.generate_private_key(ec.SECP384R1())
    if kind.startswith("rsa"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:] or 2048))
    raise ValueError(kind)


def self_signed(key, name: str, *, beacon: bool = False) -> bytes:
    """A self-signed leaf; ``beacon`` gives it the beacon signer profile (PROTOCOL.md §3.1)."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
    )
    if beacon:
        builder = builder.add_extension(x509.ExtendedKeyUsage([BEACON_SIGNER_EKU]), critical=False)
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(key, algorithm).public_bytes(serialization.Encoding.DER)


def signer(
    kind: str = "ed25519", name: str = "party", algorithm: str = "", *, beacon: bool = False
) -> KeySigner:
    key = make_key(kind)
    return KeySigner(
        key=key, certificate=self_signed(key, name, beacon=beacon), algorithm=algorithm
    )
