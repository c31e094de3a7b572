"""Certificate profiles: the beacon signer and the parties (PROTOCOL.md §3.1, §3.2).

A certificate under the platform CA is either the beacon's or a party's, and no
certificate can be both. The beacon signer carries an ExtendedKeyUsage of our own,
:data:`BEACON_SIGNER_EKU`; a party certificate must not carry it. Without this, any
party certificate the CA issued could sign pulses, freezes and results.

The OID sits under the UUID arc ``2.25`` (ITU-T X.667): we hold no private enterprise
number, and a UUID generated once is unique without registration.

Every certificate that signs statements must allow ``digitalSignature`` when it has a
keyUsage extension. An absent keyUsage is accepted (RFC 5280 §4.2.1.3 leaves every
use open then, and Chinese CA leaves often carry few extensions); what this rule
refuses is the encryption half of a Chinese dual-certificate pair, whose keyUsage
names only key or data encipherment and whose key the CA escrows.
"""

from __future__ import annotations

from typing import Final, Literal, TypeVar

from cryptography import x509

from beacon.errors import VerificationError

# PROTOCOL.md §3.1: the beacon signer's ExtendedKeyUsage (generated once with
# python -c 'import uuid;print(uuid.uuid4().int)').
BEACON_SIGNER_EKU: Final = x509.ObjectIdentifier("2.25.69300442572423649160567867449861042957")

Profile = Literal["beacon", "party"]
_E = TypeVar("_E", bound=x509.ExtensionType)


def name_of(name: x509.Name) -> str:
    """A distinguished name as messages show it (RFC 4514)."""
    return name.rfc4514_string() or "(empty name)"


def subject_of(cert: x509.Certificate) -> str:
    """A certificate's subject as messages show it."""
    return cert.subject.rfc4514_string() or "(empty subject)"


def _extension(cert: x509.Certificate, kind: type[_E]) -> _E | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None
    except ValueError as e:  # extensions are parsed lazily; a malformed one is bad input
        raise VerificationError(
            f"certificate {subject_of(cert)} has a malformed extension: {e}"
        ) from e


def has_beacon_eku(cert: x509.Certificate) -> bool:
    """Whether ``cert`` carries the beacon signer's ExtendedKeyUsage."""
    eku = _extension(cert, x509.ExtendedKeyUsage)
    return eku is not None and BEACON_SIGNER_EKU in eku


def check_profile(cert: x509.Certificate, profile: Profile) -> None:
    """PROTOCOL.md §3.2: keyUsage allows signing; the beacon EKU exactly on the beacon's."""
    usage = _extension(cert, x509.KeyUsage)
    if usage is not None and not usage.digital_signature:
        raise VerificationError(
            f"certificate {subject_of(cert)} has a keyUsage without digitalSignature: "
            "it may not sign statements (an encryption certificate?) (PROTOCOL.md §3.2)"
        )
    beacon = has_beacon_eku(cert)
    if profile == "beacon" and not beacon:
        raise VerificationError(
            f"certificate {subject_of(cert)} lacks the beacon signer ExtendedKeyUsage "
            f"{BEACON_SIGNER_EKU.dotted_string}: it cannot sign pulses or beacon statements "
            "(PROTOCOL.md §3.1)"
        )
    if profile == "party" and beacon:
        raise VerificationError(
            f"certificate {subject_of(cert)} carries the beacon signer ExtendedKeyUsage "
            f"{BEACON_SIGNER_EKU.dotted_string}: it cannot act as a party (PROTOCOL.md §3.1)"
        )
