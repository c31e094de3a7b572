"""X.509 path validation of statement certificates (PROTOCOL.md §3).

Chains are validated with ``cryptography.x509.verification`` against the
deployment's trust anchors, at the statement's own time, with the end-entity
extension policy relaxed (Chinese CA leaves often carry neither SAN nor EKU) and
the CA policy left at the Web PKI defaults. Where a CRL is configured for an
issuer, it is checked too, and a stale or unverifiable CRL fails closed; a
:class:`RevocationSource` (the platform CA's CRL, refreshed at run time:
:mod:`beacon.identity.crl`) supplies CRLs per validation and fails closed itself.

Ed25519 *leaf keys* are accepted (statements signed with Ed25519 verify as usual),
but certificates *signed* with Ed25519 are refused with a clear error: the Web PKI
path validator in ``cryptography`` forbids that algorithm, and we do not build a
second, home-made path validator beside it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import verification

from beacon.core.signature import fingerprint, load_certificate
from beacon.core.timefmt import format_ms
from beacon.errors import ConfigurationError, VerificationError
from beacon.identity.crl import signed_by, stale_since
from beacon.identity.profile import Profile, check_profile, subject_of

MAX_CHAIN_DEPTH = 4


@dataclass(frozen=True)
class Identity:
    """A validated certificate: who signed, as the chain proves it."""

    fingerprint: bytes
    subject: str
    chain: tuple[bytes, ...]  # DER, leaf first, ending with the anchor


class RevocationSource(Protocol):
    """CRLs current at a validation time; raises VerificationError when it has none."""

    def crls(self, when: dt.datetime) -> Sequence[x509.CertificateRevocationList]: ...


class ChainValidator:
    """Validates leaf certificates against fixed anchors and optional CRLs."""

    def __init__(
        self,
        anchors: Sequence[x509.Certificate],
        crls: Sequence[x509.CertificateRevocationList] = (),
        *,
        revocation: RevocationSource | None = None,
    ) -> None:
        if not anchors:
            raise ConfigurationError("no trust anchors configured: cannot validate any certificate")
        for anchor in anchors:
            if isinstance(anchor.public_key(), ed25519.Ed25519PublicKey):
                raise ConfigurationError(
                    f"trust anchor {subject_of(anchor)} has an Ed25519 key; certificate chains "
                    "signed with Ed25519 are not supported (PROTOCOL.md §3.2)"
                )
        self._anchors = tuple(anchors)
        self._store = verification.Store(list(anchors))
        self._crls = tuple(crls)
        self._revocation = revocation

    @property
    def anchors(self) -> tuple[x509.Certificate, ...]:
        return self._anchors

    def validate(
        self,
        leaf_der: bytes,
        intermediates: Sequence[bytes],
        at_ms: int,
        *,
        profile: Profile = "party",
    ) -> Identity:
        """Validate at time ``at_ms`` (ms since the epoch) or raise VerificationError.

        ``profile`` is what the certificate signs as (PROTOCOL.md §3.1–§3.2): a party's
        certificate must not carry the beacon signer EKU, the beacon's must.
        """
        leaf = load_certificate(leaf_der)
        others = [load_certificate(d) for d in intermediates]
        when = dt.datetime.fromtimestamp(at_ms / 1000, tz=dt.UTC)
        for cert in [leaf, *others]:
            if cert.signature_algorithm_oid == x509.SignatureAlgorithmOID.ED25519:
                raise VerificationError(
                    f"certificate {subject_of(cert)} is signed with Ed25519; chains signed with Ed25519 "
                    "are not supported (PROTOCOL.md §3.2): use an ECDSA or RSA CA"
                )
        self._check_validity_window(leaf, at_ms)
        check_profile(leaf, profile)
        verifier = (
            verification.PolicyBuilder()
            .store(self._store)
            .time(when)
            .max_chain_depth(MAX_CHAIN_DEPTH)
            .extension_policies(
                ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(),
                ee_policy=verification.ExtensionPolicy.permit_all(),
            )
            .build_client_verifier()
        )
        try:
            verified = verifier.verify(leaf, others)
        except verification.VerificationError as e:
            raise VerificationError(
                f"certificate {subject_of(leaf)} does not chain to a configured trust anchor "
                f"at {format_ms(at_ms)}: {e}"
            ) from e
        chain = tuple(verified.chain)
        self._check_revocation(chain, when)
        return Identity(
            fingerprint=fingerprint(leaf_der),
            subject=subject_of(leaf),
            chain=tuple(c.public_bytes(Encoding.DER) for c in chain),
        )

    @staticmethod
    def _check_validity_window(leaf: x509.Certificate, at_ms: int) -> None:
        # The path validator says only "not valid at validation time"; say which end.
        at = dt.datetime.fromtimestamp(at_ms / 1000, tz=dt.UTC)
        if at < leaf.not_valid_before_utc:
            raise VerificationError(
                f"certificate {subject_of(leaf)} is not yet valid at {format_ms(at_ms)} "
                f"(valid from {leaf.not_valid_before_utc.isoformat()})"
            )
        if at > leaf.not_valid_after_utc:
            raise VerificationError(
                f"certificate {subject_of(leaf)} expired before {format_ms(at_ms)} "
                f"(valid until {leaf.not_valid_after_utc.isoformat()})"
            )

    def _check_revocation(self, chain: Sequence[x509.Certificate], when: dt.datetime) -> None:
        crls = self._crls
        if self._revocation is not None:
            crls += tuple(self._revocation.crls(when))
        for cert, issuer in itertools.pairwise(chain):
            for crl in crls:
                if crl.issuer != issuer.subject:
                    continue
                if not signed_by(crl, issuer):
                    raise VerificationError(
                        f"the CRL configured for {subject_of(issuer)} has an invalid signature"
                    )
                if (stale := stale_since(crl, when)) is not None:
                    raise VerificationError(
                        f"the CRL configured for {subject_of(issuer)} expired at {stale.isoformat()} "
                        "(refusing to accept a certificate without current revocation data)"
                    )
                entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
                if entry is not None and entry.revocation_date_utc <= when:
                    raise VerificationError(
                        f"certificate {subject_of(cert)} was revoked on {entry.revocation_date_utc.isoformat()}"
                    )
