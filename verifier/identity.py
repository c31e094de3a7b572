"""Certificates, chains (§3.2) and statement signatures (§6.2)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import warnings

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.verification import ExtensionPolicy, PolicyBuilder, Store, VerificationError

from verifier import encoding as enc
from verifier.errors import CheckFailed, ParseError
from verifier.records import Signed


def fingerprint(der: bytes) -> bytes:
    """``SHA-256(DER)`` (§2.3), what ``openssl x509 -fingerprint -sha256`` prints."""
    return hashlib.sha256(der).digest()


@functools.lru_cache(maxsize=64)
def load(der: bytes) -> x509.Certificate:
    try:
        with (
            warnings.catch_warnings()
        ):  # a malformed certificate is an error or accepted, not a warning
            warnings.simplefilter("ignore")
            cert = x509.load_der_x509_certificate(der)
            # parsed lazily: fail here, not later
            cert.subject, cert.issuer, cert.public_key(), cert.extensions
        return cert
    except (
        ValueError,
        TypeError,
        UnsupportedAlgorithm,
        x509.InvalidVersion,
        x509.DuplicateExtension,
    ) as e:
        raise ParseError("certificate", f"not a DER X.509 certificate: {e}") from e


def load_pem(data: bytes, name: str) -> list[bytes]:
    """Every certificate of a PEM file, as DER."""
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as e:
        raise ParseError(name, f"no PEM certificate: {e}") from e
    return [c.public_bytes(Encoding.DER) for c in certs]


def check_anchor(der: bytes) -> None:
    """An anchor is a self-signed root whose signature verifies, so an altered anchor fails closed."""
    cert = load(der)
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature) as e:
        raise CheckFailed(
            f"trust anchor {cert.subject.rfc4514_string()} is not a self-signed certificate that verifies"
        ) from e


# PROTOCOL.md §3.1: the ExtendedKeyUsage of the beacon signer's certificate profile.
BEACON_SIGNER_EKU = x509.ObjectIdentifier("2.25.69300442572423649160567867449861042957")


def _who(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string() or "(empty subject)"


def check_profile(der: bytes, profile: str) -> None:
    """§3.2: a signing certificate allows digitalSignature if it has a keyUsage at all;
    the beacon signer EKU is on every beacon certificate and on no party's (§3.1)."""
    cert = load(der)
    try:
        usage: x509.KeyUsage | None = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not usage.digital_signature:
        raise CheckFailed(
            f"certificate {_who(cert)} has a keyUsage without digitalSignature: it may not sign"
        )
    try:
        beacon = (
            BEACON_SIGNER_EKU
            in cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        )
    except x509.ExtensionNotFound:
        beacon = False
    if profile == "beacon" and not beacon:
        raise CheckFailed(
            f"certificate {_who(cert)} lacks the beacon signer EKU {BEACON_SIGNER_EKU.dotted_string}: "
            "it is not the beacon's (§3.1)"
        )
    if profile == "party" and beacon:
        raise CheckFailed(
            f"certificate {_who(cert)} carries the beacon signer EKU {BEACON_SIGNER_EKU.dotted_string}: "
            "it cannot act as a party (§3.1)"
        )


def load_crl(data: bytes, name: str) -> bytes:
    """A CRL file, DER or PEM, as DER."""
    try:
        crl = (
            x509.load_pem_x509_crl(data)
            if data.lstrip().startswith(b"-----BEGIN")
            else x509.load_der_x509_crl(data)
        )
    except ValueError as e:
        raise ParseError(name, f"not a DER or PEM X.509 CRL: {e}") from e
    return crl.public_bytes(Encoding.DER)


def check_revocation(path: list[x509.Certificate], crls: tuple[bytes, ...], at_ms: int) -> None:
    """§3.2: a CRL given for an issuer of the path must verify and be current at ``at_ms``,
    and must not list the certificate as revoked at or before that time (fail closed)."""
    when = dt.datetime.fromtimestamp(at_ms / 1000, dt.UTC)
    for cert, issuer in itertools.pairwise(path):
        for der in crls:
            crl = x509.load_der_x509_crl(der)
            if crl.issuer != issuer.subject:
                continue
            try:
                valid = crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
            except (TypeError, InvalidSignature):
                valid = False
            if not valid:
                raise CheckFailed(f"the CRL given for {_who(issuer)} has an invalid signature")
            if crl.next_update_utc is not None and crl.next_update_utc < when:
                raise CheckFailed(
                    f"the CRL given for {_who(issuer)} expired at {crl.next_update_utc.isoformat()}, "
                    f"before {enc.format_time(at_ms)}: no current revocation data"
                )
            entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if entry is not None and entry.revocation_date_utc <= when:
                raise CheckFailed(
                    f"certificate {_who(cert)} was revoked on {entry.revocation_date_utc.isoformat()}, "
                    f"at or before {enc.format_time(at_ms)}"
                )


@functools.lru_cache(maxsize=256)
def validate_chain(
    leaf: bytes,
    chain: tuple[bytes, ...],
    anchors: tuple[bytes, ...],
    at_ms: int,
    *,
    profile: str = "party",
    crls: tuple[bytes, ...] = (),
) -> None:
    """RFC 5280 path validation at ``at_ms`` with Web PKI CA rules and no end-entity rules,
    the CRLs given, and the certificate profile (§3.1–§3.2)."""
    if not anchors:
        raise CheckFailed("no trust anchors")
    check_profile(leaf, profile)
    when = dt.datetime.fromtimestamp(at_ms / 1000, dt.UTC)
    policy = (
        PolicyBuilder()
        .store(Store([load(a) for a in anchors]))
        .time(when)
        .extension_policies(
            ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ExtensionPolicy.permit_all()
        )
    )
    try:
        path = policy.build_client_verifier().verify(load(leaf), [load(c) for c in chain]).chain
    except (VerificationError, ValueError) as e:
        who = load(leaf).subject.rfc4514_string()
        raise CheckFailed(
            f"certificate {who} does not chain to the anchors at {enc.format_time(at_ms)}: {e}"
        ) from e
    check_revocation(list(path), crls, at_ms)


def verify_statement(s: Signed) -> None:
    """The actor is the certificate and the signature verifies (§6.2); ``code`` names the failure."""
    if s.actor != fingerprint(s.certificate):
        raise CheckFailed(
            f"actor {s.actor.hex()[:16]}… is not the certificate's fingerprint",
            code="actor-mismatch",
        )
    key = load(s.certificate).public_key()
    message = enc.field(enc.STATEMENT_SIGNATURE.encode()) + s.statement
    alg = s.algorithm
    try:
        if alg == "ed25519" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(s.signature, message)
        elif (
            alg.startswith("ecdsa-")
            and isinstance(key, ec.EllipticCurvePublicKey)
            and key.curve.name == ("secp256r1" if alg == "ecdsa-p256-sha256" else "secp384r1")
        ):
            key.verify(
                s.signature,
                message,
                ec.ECDSA(hashes.SHA256() if "p256" in alg else hashes.SHA384()),
            )
        elif alg.startswith("rsa-") and isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048:
            pad = (
                padding.PKCS1v15()
                if alg == "rsa-pkcs1v15-sha256"
                else padding.PSS(padding.MGF1(hashes.SHA256()), 32)
            )
            key.verify(s.signature, message, pad, hashes.SHA256())
        else:
            raise CheckFailed(
                f"algorithm {alg} does not fit the certificate's key", code="wrong-algorithm"
            )
    except InvalidSignature as e:
        raise CheckFailed(f"the {alg} signature does not verify", code="bad-signature") from e
