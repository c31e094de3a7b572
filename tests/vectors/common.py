"""Deterministic inputs for the vector generators (never the clock or the OS RNG)."""

from __future__ import annotations

import datetime as dt
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import NameOID

# Test-only derivations, domain-separated from every protocol label.
LABEL = b"tender-beacon/test-vectors/"


def det_bytes(name: str, size: int) -> bytes:
    """``size`` fixed bytes named ``name`` (SHA-512 in counter mode)."""
    out = b""
    counter = 0
    while len(out) < size:
        out += hashlib.sha512(LABEL + name.encode() + b"/" + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:size]


def det_ed25519(name: str) -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(det_bytes("key/" + name, 32))


def det_certificate(key: ed25519.Ed25519PrivateKey, name: str) -> bytes:
    """A self-signed Ed25519 certificate; Ed25519 signatures are deterministic, so is the DER."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(det_bytes("serial/" + name, 8), "big") >> 1)
        .not_valid_before(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2036, 1, 1, tzinfo=dt.UTC))
        .sign(key, None)
    )
    return cert.public_bytes(serialization.Encoding.DER)
