"""verifier.identity.load turns every certificate cryptography refuses into a ParseError.

A certificate with the same extension twice (RFC 5280 §4.2: "A certificate MUST NOT
include more than one instance of a particular extension") made cryptography raise
x509.DuplicateExtension, which escaped as a traceback instead of an unusable-input
verdict; the browser verifier's agreement test found it with random certificate edits.
"""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from verifier import identity
from verifier.errors import ParseError


def with_extensions(*oids: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "load test")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    )
    for oid in oids:
        ext = x509.UnrecognizedExtension(x509.ObjectIdentifier(oid), b"\x05\x00")
        builder = builder.add_extension(ext, critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def test_distinct_extensions_load():
    assert identity.load(with_extensions("1.2.3.4", "1.2.3.5")).subject.rfc4514_string() == (
        "CN=load test"
    )


def test_a_repeated_extension_is_unusable_input_not_a_crash():
    der = with_extensions("1.2.3.4", "1.2.3.5")
    # 1.2.3.5 is 06 03 2a 03 05 in DER; one byte makes it a second 1.2.3.4 (the signature no
    # longer matches, but loading comes first and must already refuse it).
    assert der.count(bytes.fromhex("06032a0305")) == 1
    twice = der.replace(bytes.fromhex("06032a0305"), bytes.fromhex("06032a0304"))
    with pytest.raises(
        ParseError, match=r"^certificate: not a DER X\.509 certificate: .*1\.2\.3\.4"
    ):
        identity.load(twice)
