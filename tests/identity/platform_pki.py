"""A platform CA built directly with ``cryptography``, independent of beacon.identity.ca.

The tests of ``beacon ca import`` must not trust the code they test to make their
inputs, so this module builds, as a trading platform's CA would: an RSA root CA
(beacon's demo CA is ECDSA), a CRL with cRLNumber, a beacon signer certificate
carrying the beacon signer EKU OID written out here (PROTOCOL.md §3.1) rather than
imported, and party certificates, one of them revoked; and a foreign CA with a
party of its own. Certificates follow RFC 5280 as a CA issues them to end entities.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

# PROTOCOL.md §3.1, copied from the specification (not from beacon.identity.profile).
BEACON_EKU = x509.ObjectIdentifier("2.25.69300442572423649160567867449861042957")
DAY = dt.timedelta(days=1)
ROOT_CONSTRAINTS = x509.BasicConstraints(ca=True, path_length=0)
PARTIES = ("centre", "agent", "supervisor", "bidder-1", "bidder-2", "bidder-3", "bidder-revoked")


def name(
    common_name: str, organisation: str = "Jiangsu Public Resource Trading Platform"
) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def usage(*, sign: bool = True, encipher: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=encipher,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def ca_certificate(
    key: rsa.RSAPrivateKey,
    subject: x509.Name,
    now: dt.datetime,
    *,
    constraints: x509.BasicConstraints | None = ROOT_CONSTRAINTS,
    not_after: dt.datetime | None = None,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - 30 * DAY)
        .not_valid_after(not_after or now + 3650 * DAY)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if constraints is not None:
        builder = builder.add_extension(constraints, critical=True)
        builder = builder.add_extension(usage(sign=False, ca=constraints.ca), critical=True)
    return builder.sign(key, hashes.SHA256())


def leaf(
    ca_key: rsa.RSAPrivateKey,
    ca_cert: x509.Certificate,
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    common_name: str,
    now: dt.datetime,
    *,
    beacon: bool = False,
    key_usage: x509.KeyUsage | None = None,
    not_after: dt.datetime | None = None,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(common_name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - 10 * DAY)
        .not_valid_after(not_after or now + 365 * DAY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage or usage(), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    if beacon:
        builder = builder.add_extension(x509.ExtendedKeyUsage([BEACON_EKU]), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def crl(
    ca_key: rsa.RSAPrivateKey,
    issuer: x509.Name,
    revoked: list[tuple[int, dt.datetime]],
    this_update: dt.datetime,
    next_update: dt.datetime,
    number: int,
) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(number), critical=False)
    )
    for serial, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
        )
    return builder.sign(ca_key, hashes.SHA256())


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@dataclass
class PlatformPki:
    """The platform CA's material at ``now``, written as files under ``root``."""

    now: dt.datetime
    root: Path
    ca_key: rsa.RSAPrivateKey = field(init=False)
    ca: x509.Certificate = field(init=False)
    signer_key: rsa.RSAPrivateKey = field(init=False)
    signer: x509.Certificate = field(init=False)
    certs: dict[str, x509.Certificate] = field(init=False, default_factory=dict)
    foreign_key: rsa.RSAPrivateKey = field(init=False)
    foreign: x509.Certificate = field(init=False)

    def __post_init__(self) -> None:
        now = self.now
        self.root.mkdir(parents=True, exist_ok=True)
        self.ca_key = rsa_key()
        self.ca = ca_certificate(self.ca_key, name("Platform Root CA"), now)
        self.signer_key = rsa_key()
        self.signer = leaf(self.ca_key, self.ca, self.signer_key, "tender-beacon", now, beacon=True)
        (self.root / "platform-ca.pem").write_bytes(pem(self.ca))
        (self.root / "beacon-signer.pem").write_bytes(pem(self.signer))
        (self.root / "beacon-signer.key").write_bytes(key_pem(self.signer_key))
        parties = self.root / "parties"
        parties.mkdir()
        for party in PARTIES:
            key = ec.generate_private_key(ec.SECP256R1())
            self.certs[party] = leaf(self.ca_key, self.ca, key, party, now)
            (parties / f"{party}.pem").write_bytes(pem(self.certs[party]))
            (parties / f"{party}.key").write_bytes(key_pem(key))
        self.write_crl("platform.crl", revoked=["bidder-revoked"], number=1)
        # Another CA, with a party of its own that the platform never issued.
        self.foreign_key = rsa_key()
        self.foreign = ca_certificate(self.foreign_key, name("Other Root CA", "Elsewhere"), now)
        key = ec.generate_private_key(ec.SECP256R1())
        stranger = leaf(self.foreign_key, self.foreign, key, "bidder-foreign", now)
        (parties / "bidder-foreign.pem").write_bytes(pem(stranger))
        (parties / "bidder-foreign.key").write_bytes(key_pem(key))
        (self.root / "foreign-ca.pem").write_bytes(pem(self.foreign))

    def crl(
        self,
        *,
        revoked: list[str],
        number: int,
        this_update: dt.datetime | None = None,
        next_update: dt.datetime | None = None,
        key: rsa.RSAPrivateKey | None = None,
    ) -> x509.CertificateRevocationList:
        this = this_update or self.now - DAY
        serials = [
            (
                self.signer.serial_number if r == "beacon-signer" else self.certs[r].serial_number,
                this,
            )
            for r in revoked
        ]
        return crl(
            key or self.ca_key,
            self.ca.subject,
            serials,
            this,
            next_update or this + 8 * DAY,
            number,
        )

    def write_crl(self, filename: str, **kwargs: object) -> Path:
        path = self.root / filename
        path.write_bytes(self.crl(**kwargs).public_bytes(serialization.Encoding.DER))  # type: ignore[arg-type]
        return path

    def party(self, party: str) -> tuple[Path, Path]:
        return self.root / "parties" / f"{party}.pem", self.root / "parties" / f"{party}.key"

    def import_args(self) -> dict[str, Path]:
        """The files of a good import (keyword arguments of import_platform_ca)."""
        return {
            "ca_cert": self.root / "platform-ca.pem",
            "signer_cert": self.root / "beacon-signer.pem",
            "signer_key": self.root / "beacon-signer.key",
            "crl_file": self.root / "platform.crl",
        }


class Distribution:
    """A CRL distribution point: serves ``body`` at /ca.crl and counts the requests."""

    def __init__(self, port: int) -> None:
        self.body = b""
        self.status = 200
        self.requests = 0
        point = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                point.requests += 1
                self.send_response(point.status)
                self.send_header("Content-Type", "application/pkix-crl")
                self.send_header("Content-Length", str(len(point.body)))
                self.end_headers()
                self.wfile.write(point.body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{port}/ca.crl"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
