"""Certificate path validation for statements (PROTOCOL.md §3)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from beacon.errors import ConfigurationError, VerificationError
from beacon.identity import ca
from beacon.identity.crl import check_crl
from beacon.identity.validation import ChainValidator

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def ms(when: dt.datetime) -> int:
    return int(when.timestamp() * 1000)


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="module")
def pki():
    ca_key = ca.new_key("ecdsa-p256")
    anchor = ca.issue_ca(ca_key, organisation="Test", now=NOW - 10 * DAY, validity=3650 * DAY)
    leaves = {}
    for kind in ("ecdsa-p256", "rsa", "ed25519"):
        key = ca.new_key(kind)
        leaves[kind] = ca.issue_party(
            ca_key=ca_key,
            ca_certificate=anchor,
            key=key,
            name=f"bidder-{kind}",
            role="bidder",
            organisation="Test",
            now=NOW - DAY,
            validity=30 * DAY,
        )
    return ca_key, anchor, leaves


@pytest.mark.parametrize("kind", ["ecdsa-p256", "rsa", "ed25519"])
def test_valid_chain_for_each_leaf_key_type(pki, kind):
    _, anchor, leaves = pki
    identity = ChainValidator([anchor]).validate(der(leaves[kind]), [], ms(NOW))
    assert identity.fingerprint == hashlib.sha256(der(leaves[kind])).digest()
    assert identity.chain[-1] == der(anchor)
    assert "OU=bidder" in identity.subject


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (NOW + 40 * DAY, "expired before 2027-01-05T09:00:00.000Z"),
        (NOW - 2 * DAY, "is not yet valid at 2026-11-24T09:00:00.000Z"),
    ],
    ids=["expired", "not-yet-valid"],
)
def test_validated_at_the_statement_time(pki, when, message):
    _, anchor, leaves = pki
    with pytest.raises(VerificationError, match=message):
        ChainValidator([anchor]).validate(der(leaves["ecdsa-p256"]), [], ms(when))


def test_foreign_ca_rejected(pki):
    _, anchor, _leaves = pki
    other_key = ca.new_key("ecdsa-p256")
    other = ca.issue_ca(other_key, organisation="Elsewhere", now=NOW - DAY, validity=365 * DAY)
    foreign = ca.issue_party(
        ca_key=other_key,
        ca_certificate=other,
        key=ca.new_key("ecdsa-p256"),
        name="intruder",
        role="agent",
        organisation="Elsewhere",
        now=NOW - DAY,
        validity=30 * DAY,
    )
    with pytest.raises(VerificationError, match="does not chain to a configured trust anchor"):
        ChainValidator([anchor]).validate(der(foreign), [], ms(NOW))


def _crl(ca_key, anchor, revoked, *, next_update):
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(anchor.subject)
        .last_update(NOW - DAY)
        .next_update(next_update)
    )
    for cert, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(when)
            .build()
        )
    return builder.sign(ca_key, hashes.SHA256())


def test_revoked_certificate_rejected_after_its_revocation_date(pki):
    ca_key, anchor, leaves = pki
    leaf = leaves["ecdsa-p256"]
    crl = _crl(ca_key, anchor, [(leaf, NOW - dt.timedelta(hours=1))], next_update=NOW + 7 * DAY)
    validator = ChainValidator([anchor], [crl])
    with pytest.raises(VerificationError, match="was revoked on 2026-11-26T08:00:00"):
        validator.validate(der(leaf), [], ms(NOW))
    # A statement made before the revocation is still attributable to the certificate.
    validator.validate(der(leaf), [], ms(NOW - dt.timedelta(hours=2)))
    validator.validate(der(leaves["rsa"]), [], ms(NOW))


def test_stale_crl_fails_closed(pki):
    ca_key, anchor, leaves = pki
    crl = _crl(ca_key, anchor, [], next_update=NOW - dt.timedelta(minutes=1))
    with pytest.raises(
        VerificationError, match="refusing to accept a certificate without current revocation data"
    ):
        ChainValidator([anchor], [crl]).validate(der(leaves["rsa"]), [], ms(NOW))


def test_a_crl_is_stale_from_its_next_update_on_for_import_and_validation_alike(pki):
    """RFC 5280 §5.1.2.5: at nextUpdate itself the CRL is stale. The platform CA import
    (check_crl) and the chain validator refuse at the same instant; a microsecond before,
    both accept."""
    ca_key, anchor, leaves = pki
    crl = _crl(ca_key, anchor, [], next_update=NOW)
    validator = ChainValidator([anchor], [crl])
    with pytest.raises(VerificationError, match="expired at 2026-11-26T09:00:00"):
        validator.validate(der(leaves["rsa"]), [], ms(NOW))
    with pytest.raises(VerificationError, match="the CRL is stale"):
        check_crl(crl, anchor, NOW, "test.crl")
    before = NOW - dt.timedelta(microseconds=1)
    check_crl(crl, anchor, before, "test.crl")
    validator.validate(der(leaves["rsa"]), [], ms(NOW - dt.timedelta(milliseconds=1)))


def test_crl_with_bad_signature_fails_closed(pki):
    _, anchor, leaves = pki
    crl = _crl(
        ca.new_key("ecdsa-p256"), anchor, [], next_update=NOW + DAY
    )  # signed by the wrong key
    with pytest.raises(VerificationError, match="has an invalid signature"):
        ChainValidator([anchor], [crl]).validate(der(leaves["rsa"]), [], ms(NOW))


def test_ed25519_signed_chain_refused_clearly():
    key = ed25519.Ed25519PrivateKey.generate()
    anchor = ca.issue_ca(
        ca.new_key("ecdsa-p256"), organisation="T", now=NOW - DAY, validity=365 * DAY
    )
    ed_ca = ca.issue_ca(key, organisation="Ed", now=NOW - DAY, validity=365 * DAY)
    leaf = ca.issue_party(
        ca_key=key,
        ca_certificate=ed_ca,
        key=ca.new_key("ecdsa-p256"),
        name="x",
        role="agent",
        organisation="Ed",
        now=NOW - DAY,
        validity=30 * DAY,
    )
    with pytest.raises(
        VerificationError,
        match="is signed with Ed25519; chains signed with Ed25519 are not supported",
    ):
        ChainValidator([anchor]).validate(der(leaf), [], ms(NOW))
    with pytest.raises(ConfigurationError, match="has an Ed25519 key"):
        ChainValidator([ed_ca])


def test_no_anchors_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="no trust anchors configured"):
        ChainValidator([])


@pytest.mark.parametrize(
    "oid",
    [x509.oid.ExtensionOID.KEY_USAGE, x509.oid.ExtensionOID.EXTENDED_KEY_USAGE],
    ids=["key-usage", "extended-key-usage"],
)
def test_a_malformed_usage_extension_is_refused_not_a_crash(pki, oid):
    """PROTOCOL.md §3.2: the usage extensions are read for every signer; garbage there is bad input."""
    ca_key, anchor, _ = pki
    key = ca.new_key("ecdsa-p256")
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "odd")]))
        .issuer_name(anchor.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - DAY)
        .not_valid_after(NOW + DAY)
        .add_extension(x509.UnrecognizedExtension(oid, b"\x05\x00"), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    with pytest.raises(VerificationError, match="CN=odd has a malformed extension"):
        ChainValidator([anchor]).validate(der(leaf), [], ms(NOW))
    from verifier import identity as vid
    from verifier.errors import ParseError

    with pytest.raises(ParseError, match="not a DER X.509 certificate"):
        vid.validate_chain(der(leaf), (), (der(anchor),), ms(NOW))
