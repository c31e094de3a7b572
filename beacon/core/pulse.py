"""Pulses in the NIST Interoperable Randomness Beacon format 2.0 (PROTOCOL.md §8).

A :class:`Pulse` holds the fields exactly as signed; :meth:`Pulse.signing_input`
makes the signed bytes (§8.2), :func:`sign` builds a pulse through a
:class:`Signer`, :func:`verify_pulse` checks one pulse against its certificate,
and :meth:`Pulse.to_json`/:meth:`Pulse.from_json` give the ``{"pulse": {...}}``
shape that NIST and Random UChile clients read. Chain rules (links, status bits,
precommitments) live in :mod:`beacon.core.chain`.

The NIST signing input is *not* this project's canonical field encoding (§2):
integers there are bare fixed-width values without a length prefix. It is
written out here, byte for byte, because interoperability is the point.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from beacon.core import labels, presentation
from beacon.core.encoding import field, sha512_fields
from beacon.core.merkle import TreeHead
from beacon.core.timefmt import parse_ms
from beacon.errors import EncodingError, VerificationError

CIPHER_SUITE = 0  # SHA-512 + RSA PKCS#1 v1.5 (NIST cipherSuite 0)
VERSION = "2.0"
ACCEPTED_VERSIONS = ("2.0", "Version 2.0")  # NIST has served both spellings
VALUE_SIZE = 64
LIST_TYPES = ("previous", "hour", "day", "month", "year")

STATUS_CHAIN_START = 1
STATUS_TIME_GAP = 2
STATUS_CERTIFICATE_CHANGE = 4

ZERO_VALUE = bytes(VALUE_SIZE)

# PROTOCOL.md §8.4: external.sourceId names what external.value commits to.
EXTERNAL_SOURCE_TEXT = "rfc9162-tree-head"
EXTERNAL_SOURCE_ID = sha512_fields(labels.EXTERNAL_SOURCE, EXTERNAL_SOURCE_TEXT.encode())
EXTERNAL_STATUS_TREE_HEAD = 0


def _u32(value: int) -> bytes:
    # PROTOCOL.md §8.2: NIST integers are bare big-endian values, without a length.
    return value.to_bytes(4, "big")


def _u64(value: int) -> bytes:
    return value.to_bytes(8, "big")


class Signer(Protocol):
    """What signs pulses: an RSA key behind its certificate (PROTOCOL.md §8.2)."""

    @property
    def certificate_der(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes:
        """RSA PKCS#1 v1.5 with SHA-512 over ``message``."""
        ...


@dataclass(frozen=True)
class External:
    """``external``: an outside value the pulse commits to (§8.4)."""

    source_id: bytes
    status_code: int
    value: bytes


@dataclass(frozen=True)
class ListValue:
    """One ``listValues`` entry; only ``value`` is signed, ``uri`` is a pointer."""

    type: str
    uri: str | None
    value: bytes


@dataclass(frozen=True)
class Pulse:
    """One signed pulse, fields as signed (hex fields as bytes)."""

    uri: str
    version: str
    cipher_suite: int
    period: int
    certificate_id: bytes
    chain_index: int
    pulse_index: int
    time_stamp: str
    local_random_value: bytes
    external: External
    list_values: tuple[ListValue, ...]
    precommitment_value: bytes
    status_code: int
    signature_value: bytes
    output_value: bytes

    @property
    def time_ms(self) -> int:
        return parse_ms(self.time_stamp, field="timeStamp")

    def link(self, kind: str) -> ListValue:
        return self.list_values[LIST_TYPES.index(kind)]

    def signing_input(self) -> bytes:
        """PROTOCOL.md §8.2: the exact bytes that ``signatureValue`` signs."""
        return b"".join(
            [
                field(self.uri.encode()),
                field(self.version.encode()),
                _u32(self.cipher_suite),
                _u32(self.period),
                field(self.certificate_id),
                _u64(self.chain_index),
                _u64(self.pulse_index),
                field(self.time_stamp.encode()),
                field(self.local_random_value),
                field(self.external.source_id),
                _u32(self.external.status_code),
                field(self.external.value),
                *(field(v.value) for v in self.list_values),
                field(self.precommitment_value),
                _u32(self.status_code),
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        """The NIST member order and hex case: upper case, certificateId lower case."""
        return {
            "uri": self.uri,
            "version": self.version,
            "cipherSuite": self.cipher_suite,
            "period": self.period,
            "certificateId": self.certificate_id.hex(),
            "chainIndex": self.chain_index,
            "pulseIndex": self.pulse_index,
            "timeStamp": self.time_stamp,
            "localRandomValue": self.local_random_value.hex().upper(),
            "external": {
                "sourceId": self.external.source_id.hex().upper(),
                "statusCode": self.external.status_code,
                "value": self.external.value.hex().upper(),
            },
            "listValues": [
                {"uri": v.uri, "type": v.type, "value": v.value.hex().upper()}
                for v in self.list_values
            ],
            "precommitmentValue": self.precommitment_value.hex().upper(),
            "statusCode": self.status_code,
            "signatureValue": self.signature_value.hex().upper(),
            "outputValue": self.output_value.hex().upper(),
        }

    def to_json(self) -> dict[str, Any]:
        return {"pulse": self.to_dict()}

    @classmethod
    def from_json(cls, document: Any) -> Pulse:
        """Strictly parse ``{"pulse": {...}}`` (PROTOCOL.md §8.3)."""
        outer = presentation.as_object(document, "document")
        presentation.check_members(outer, "document", required={"pulse"})
        return cls.from_dict(outer["pulse"])

    @classmethod
    def from_dict(cls, value: Any) -> Pulse:
        what = "pulse"
        obj = presentation.as_object(value, what)
        presentation.check_members(obj, what, required=_MEMBERS)
        version = presentation.text(obj, "version", what)
        if version not in ACCEPTED_VERSIONS:
            raise EncodingError(
                f"pulse.version: expected one of {list(ACCEPTED_VERSIONS)}, got {version!r}",
                field="pulse.version",
            )
        time_stamp = presentation.text(obj, "timeStamp", what)
        parse_ms(time_stamp, field="pulse.timeStamp")

        def value64(o: Mapping[str, Any], name: str, where: str) -> bytes:
            return presentation.hex_member(o, name, where, size=VALUE_SIZE, case="either")

        ext = presentation.as_object(obj["external"], "pulse.external")
        presentation.check_members(
            ext, "pulse.external", required={"sourceId", "statusCode", "value"}
        )
        raw_list = obj["listValues"]
        if not isinstance(raw_list, list) or len(raw_list) != len(LIST_TYPES):
            raise EncodingError(
                f"pulse.listValues: expected a list of {len(LIST_TYPES)} objects",
                field="pulse.listValues",
            )
        links = []
        for i, (item, kind) in enumerate(zip(raw_list, LIST_TYPES, strict=True)):
            where = f"pulse.listValues[{i}]"
            entry = presentation.as_object(item, where)
            presentation.check_members(entry, where, required={"uri", "type", "value"})
            if entry["type"] != kind:
                raise EncodingError(
                    f"{where}.type: expected {kind!r}, got {entry['type']!r}", field=f"{where}.type"
                )
            uri = entry["uri"]
            if uri is not None and not isinstance(uri, str):
                raise EncodingError(
                    f"{where}.uri: expected a string or null, got {uri!r}", field=f"{where}.uri"
                )
            links.append(ListValue(kind, uri, value64(entry, "value", where)))
        return cls(
            uri=presentation.text(obj, "uri", what),
            version=version,
            cipher_suite=presentation.integer(obj, "cipherSuite", what, bits=32),
            period=presentation.integer(obj, "period", what, bits=32),
            certificate_id=value64(obj, "certificateId", what),
            chain_index=presentation.integer(obj, "chainIndex", what, bits=64),
            pulse_index=presentation.integer(obj, "pulseIndex", what, bits=64),
            time_stamp=time_stamp,
            local_random_value=value64(obj, "localRandomValue", what),
            external=External(
                value64(ext, "sourceId", "pulse.external"),
                presentation.integer(ext, "statusCode", "pulse.external", bits=32),
                value64(ext, "value", "pulse.external"),
            ),
            list_values=tuple(links),
            precommitment_value=value64(obj, "precommitmentValue", what),
            status_code=presentation.integer(obj, "statusCode", what, bits=32),
            signature_value=presentation.hex_member(
                obj, "signatureValue", what, size=None, case="either"
            ),
            output_value=value64(obj, "outputValue", what),
        )


_MEMBERS = frozenset(
    {
        "uri",
        "version",
        "cipherSuite",
        "period",
        "certificateId",
        "chainIndex",
        "pulseIndex",
        "timeStamp",
        "localRandomValue",
        "external",
        "listValues",
        "precommitmentValue",
        "statusCode",
        "signatureValue",
        "outputValue",
    }
)


def certificate_id(certificate_der: bytes) -> bytes:
    """PROTOCOL.md §2.3: a pulse's ``certificateId`` is SHA-512 of the DER certificate."""
    return hashlib.sha512(certificate_der).digest()


def output_value(message: bytes, signature: bytes) -> bytes:
    """PROTOCOL.md §8.2: ``SHA-512(signing input ‖ signatureValue)``, no length prefix."""
    return hashlib.sha512(message + signature).digest()


def precommitment(local_random_value: bytes) -> bytes:
    """PROTOCOL.md §8.5: the commitment a pulse makes to the next pulse's random value."""
    return hashlib.sha512(local_random_value).digest()


def sign(unsigned: Pulse, signer: Signer) -> Pulse:
    """Fill ``certificateId``, ``signatureValue`` and ``outputValue`` of ``unsigned``."""
    with_id = replace(unsigned, certificate_id=certificate_id(signer.certificate_der))
    message = with_id.signing_input()
    signature = signer.sign(message)
    return replace(
        with_id, signature_value=signature, output_value=output_value(message, signature)
    )


def verify_pulse(pulse: Pulse, certificate_der: bytes) -> None:
    """Check one pulse on its own: suite, certificate, signature and output (§8.6 steps 1-4).

    Raises :class:`VerificationError` whose ``field`` names the failing member.
    """
    name = f"pulse {pulse.chain_index}/{pulse.pulse_index}"
    if pulse.cipher_suite != CIPHER_SUITE:
        raise VerificationError(
            f"{name}: cipherSuite {pulse.cipher_suite} is not supported (expected 0)",
            field="cipherSuite",
        )
    if not hmac.compare_digest(pulse.certificate_id, certificate_id(certificate_der)):
        raise VerificationError(
            f"{name}: certificateId is not SHA-512 of the given certificate", field="certificateId"
        )
    try:
        public_key = x509.load_der_x509_certificate(certificate_der).public_key()
    except ValueError as e:
        raise VerificationError(
            f"{name}: the certificate is not valid DER ({e})", field="certificateId"
        ) from e
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise VerificationError(
            f"{name}: cipherSuite 0 needs an RSA certificate", field="certificateId"
        )
    message = pulse.signing_input()
    try:
        public_key.verify(pulse.signature_value, message, padding.PKCS1v15(), hashes.SHA512())
    except InvalidSignature as e:
        raise VerificationError(
            f"{name}: signatureValue does not verify", field="signatureValue"
        ) from e
    if not hmac.compare_digest(pulse.output_value, output_value(message, pulse.signature_value)):
        raise VerificationError(
            f"{name}: outputValue is not SHA-512(message ‖ signature)", field="outputValue"
        )


def tree_head_external(tree_head: TreeHead) -> External:
    """PROTOCOL.md §8.4: the ``external`` member that commits a pulse to a log tree head."""
    return External(EXTERNAL_SOURCE_ID, EXTERNAL_STATUS_TREE_HEAD, tree_head.commitment())


def verify_external(pulse: Pulse, tree_head: TreeHead) -> None:
    """Check that ``pulse`` timestamps ``tree_head`` (PROTOCOL.md §8.6 step 7)."""
    name = f"pulse {pulse.chain_index}/{pulse.pulse_index}"
    if pulse.external.source_id != EXTERNAL_SOURCE_ID:
        raise VerificationError(
            f"{name}: external.sourceId is not the log tree head source", field="external.sourceId"
        )
    if pulse.external.status_code != EXTERNAL_STATUS_TREE_HEAD:
        raise VerificationError(
            f"{name}: external.statusCode should be {EXTERNAL_STATUS_TREE_HEAD}, "
            f"got {pulse.external.status_code}",
            field="external.statusCode",
        )
    if not hmac.compare_digest(pulse.external.value, tree_head.commitment()):
        raise VerificationError(
            f"{name}: external.value does not commit to the tree head "
            f"of size {tree_head.tree_size}",
            field="external.value",
        )
