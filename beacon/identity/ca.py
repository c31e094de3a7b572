"""A local demo CA with certificates for every party (docs/ARCHITECTURE.md §3, PROTOCOL.md §3).

``beacon ca init --dir DIR`` writes this layout, which later code relies on:

* ``DIR/ca.pem``, ``DIR/ca.key``: the CA certificate (the demo trust anchor) and key;
* ``DIR/NAME.pem``, ``DIR/NAME.key`` for NAME in ``beacon-signer``, ``centre``,
  ``agent``, ``bidder-1`` … ``bidder-N``, ``supervisor``: certificate and
  unencrypted PKCS#8 PEM key;
* ``DIR/manifest.json``: each party's name, role and certificate fingerprint
  (SHA-256 of the DER, lower-case hex, what ``openssl x509 -fingerprint -sha256``
  prints).

The beacon signer holds an RSA key (NIST Beacon 2.0 cipherSuite 0 signs with RSA
PKCS#1 v1.5); the other parties hold ECDSA P-256 keys by default. Leaves carry a
role-hinting subject ``O=<organisation>, OU=<role>, CN=<name>`` and, like many
Chinese CA leaves, no SAN or EKU unless asked for; the beacon signer alone carries
the beacon signer ExtendedKeyUsage (PROTOCOL.md §3.1, :mod:`beacon.identity.profile`),
which no party certificate may carry. Validity starts at an injected
``now`` so that tests and vectors are reproducible in time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from beacon import durable
from beacon.core.signature import fingerprint
from beacon.errors import ConflictError, InputError
from beacon.identity.profile import BEACON_SIGNER_EKU

KeyKind = Literal["ecdsa-p256", "rsa", "ed25519"]
KEY_KINDS: tuple[KeyKind, ...] = ("ecdsa-p256", "rsa", "ed25519")
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey

SIGNER = "beacon-signer"
MANIFEST = "manifest.json"
DEFAULT_SIGNER_BITS = 4096
MIN_RSA_BITS = 2048  # statements refuse smaller RSA keys (PROTOCOL.md §6.2)
DEFAULT_VALIDITY = dt.timedelta(days=825)


@dataclass(frozen=True)
class PartyRecord:
    """One line of ``manifest.json``."""

    name: str
    role: str
    fingerprint: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "role": self.role, "fingerprint": self.fingerprint}


def parties(bidders: int) -> list[tuple[str, str]]:
    """(name, role) of every party of a demo deployment with ``bidders`` bidders.

    The beacon signer is operated by the centre (docs/ARCHITECTURE.md §3: the centre signs pulses)
    but has its own key and the beacon profile, so the operator's everyday key never
    signs pulses and the signer never acts as a party (PROTOCOL.md §3.1).
    """
    if bidders < 0:
        raise InputError(f"bidders must be >= 0, got {bidders}", field="bidders")
    return [
        (SIGNER, "beacon"),
        ("centre", "centre"),
        ("agent", "agent"),
        *((f"bidder-{i}", "bidder") for i in range(1, bidders + 1)),
        ("supervisor", "supervisor"),
    ]


def new_key(kind: KeyKind, *, rsa_bits: int = 2048) -> PrivateKey:
    """A fresh private key of ``kind`` (RSA with exponent 65537 and ``rsa_bits``)."""
    if kind == "rsa":
        if rsa_bits < MIN_RSA_BITS:
            raise InputError(
                f"RSA keys need at least {MIN_RSA_BITS} bits, got {rsa_bits}", field="rsa_bits"
            )
        return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    if kind == "ecdsa-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise InputError(f"key kind must be one of {list(KEY_KINDS)}, got {kind!r}", field="key_kind")


def _name(organisation: str, role: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _serial(name: str, now: dt.datetime, public_der: bytes) -> int:
    # Unique per key and time without an entropy source of our own; RFC 5280
    # allows up to 20 octets and requires a positive number.
    digest = hashlib.sha256(name.encode() + now.isoformat().encode() + public_der).digest()
    return int.from_bytes(digest[:19], "big") | 1


def _public_der(key: PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def issue_ca(
    key: PrivateKey, *, organisation: str, now: dt.datetime, validity: dt.timedelta
) -> x509.Certificate:
    """A self-signed CA certificate that may issue end-entity certificates only."""
    name = _name(organisation, "ca", f"{organisation} demo CA")
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(_serial("ca", now, _public_der(key)))
        .not_valid_before(now)
        .not_valid_after(now + validity)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    return builder.sign(key, _signing_hash(key))


def issue_party(
    *,
    ca_key: PrivateKey,
    ca_certificate: x509.Certificate,
    key: PrivateKey,
    name: str,
    role: str,
    organisation: str,
    now: dt.datetime,
    validity: dt.timedelta,
    san_eku: bool = False,
    beacon_signer: bool = False,
) -> x509.Certificate:
    """An end-entity certificate for one party, signed by the CA.

    ``beacon_signer`` issues the beacon signer's profile instead (PROTOCOL.md §3.1):
    the same leaf with the beacon signer ExtendedKeyUsage.
    """
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(organisation, role, name))
        .issuer_name(ca_certificate.subject)
        .public_key(public)
        .serial_number(_serial(name, now, _public_der(key)))
        .not_valid_before(now)
        .not_valid_after(min(now + validity, ca_certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    usages = [ExtendedKeyUsageOID.CLIENT_AUTH] if san_eku else []
    if san_eku:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.UniformResourceIdentifier(f"urn:tender-beacon:party:{name}")]
            ),
            critical=False,
        )
    if beacon_signer:
        usages.append(BEACON_SIGNER_EKU)
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    return builder.sign(ca_key, _signing_hash(ca_key))


def _signing_hash(key: PrivateKey) -> hashes.SHA256 | None:
    # Ed25519 signs the message itself; RSA and ECDSA sign a SHA-256 digest.
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def key_pem(key: PrivateKey) -> bytes:
    """Unencrypted PKCS#8 PEM (demo only: the CLI says so)."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(path: Path, data: bytes, *, private: bool) -> None:
    durable.write_atomic(path, data, mode=durable.PRIVATE if private else durable.PUBLIC)


def init_ca(
    directory: Path,
    *,
    now: dt.datetime,
    bidders: int = 3,
    signer_bits: int = DEFAULT_SIGNER_BITS,
    party_key: KeyKind = "ecdsa-p256",
    organisation: str = "tender-beacon demo",
    validity: dt.timedelta = DEFAULT_VALIDITY,
    san_eku: bool = False,
    force: bool = False,
) -> list[PartyRecord]:
    """Create the demo CA and every party's key and certificate under ``directory``.

    Refuses (:class:`ConflictError`) to overwrite any existing key unless ``force``.
    Returns the manifest entries, which are also written to ``manifest.json``.
    """
    if now.tzinfo is None:
        raise InputError("now must be timezone-aware (UTC)", field="now")
    roster = parties(bidders)
    names = ["ca", *(name for name, _ in roster)]
    existing = sorted(n + ".key" for n in names if (directory / f"{n}.key").exists())
    if existing and not force:
        raise ConflictError(
            f"{directory} already holds key(s) {existing}; "
            "refusing to overwrite them (use --force to replace)"
        )
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = new_key("ecdsa-p256")
    ca_certificate = issue_ca(ca_key, organisation=organisation, now=now, validity=validity)
    _write(directory / "ca.key", key_pem(ca_key), private=True)
    _write(
        directory / "ca.pem", ca_certificate.public_bytes(serialization.Encoding.PEM), private=False
    )
    records: list[PartyRecord] = []
    for name, role in roster:
        key = new_key("rsa", rsa_bits=signer_bits) if name == SIGNER else new_key(party_key)
        certificate = issue_party(
            ca_key=ca_key,
            ca_certificate=ca_certificate,
            key=key,
            name=name,
            role=role,
            organisation=organisation,
            now=now,
            validity=validity,
            san_eku=san_eku,
            beacon_signer=name == SIGNER,
        )
        _write(directory / f"{name}.key", key_pem(key), private=True)
        _write(
            directory / f"{name}.pem",
            certificate.public_bytes(serialization.Encoding.PEM),
            private=False,
        )
        records.append(PartyRecord(name, role, fingerprint(certificate).hex()))
    write_manifest(directory, ca_certificate, records)
    return records


def write_manifest(
    directory: Path, ca_certificate: x509.Certificate, records: Sequence[PartyRecord]
) -> None:
    manifest = {
        "ca": {"fingerprint": fingerprint(ca_certificate).hex()},
        "parties": [r.to_dict() for r in records],
    }
    durable.write_text_atomic(directory / MANIFEST, json.dumps(manifest, indent=2) + "\n")


def load_certificate(path: Path) -> x509.Certificate:
    """A PEM certificate from ``path``, with a clear error when it is not one."""
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except ValueError as e:
        raise InputError(f"{path}: not a PEM certificate ({e})", field=str(path)) from e


def load_private_key(path: Path) -> PrivateKey:
    """An unencrypted PEM private key (RSA, EC or Ed25519) from ``path``."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as e:
        raise InputError(
            f"{path}: not an unencrypted PEM private key ({e})", field=str(path)
        ) from e
    if not isinstance(
        key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    ):
        raise InputError(f"{path}: unsupported key type {type(key).__name__}", field=str(path))
    return key
